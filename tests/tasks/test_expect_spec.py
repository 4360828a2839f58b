"""`task.expect`: every mistake is a located error that says what to write instead."""

import pytest

from chaos.profile import check_profile
from tests.tasks.expect_profiles import MAIL_EXPECT, errors, profile_text


def _one(problems):
    assert len(problems) == 1, problems
    return problems[0]


def test_a_valid_expectation_list_loads():
    assert errors() == []


@pytest.mark.parametrize(("change", "place", "words"), [
    (('to: "{email}"', 'to: "{email}"\n    bogus: 1'), "46:", "unknown key 'bogus' in "
     "task.expect[0].mail (valid: at_least, at_most, attachments"),
    (("type: text/plain", "typ: text/plain"), "47:", "did you mean 'type'"),
    (("pick: newest", "pick: latest"), "49:", "'first', 'newest' or 'only'"),
    (("for_each: /clinic/patients.csv", "for_each: clinic/patients.csv"), "43:",
     "no absolute path"),
    (("- id: reports", "- id: 're ports'"), "42:", "task.expect[0].id"),
])
def test_a_bad_key_or_value_is_located_under_its_expectation(change, place, words):
    problem = _one(errors(MAIL_EXPECT.replace(*change)))
    assert f"p.yaml:{place}" in problem
    assert words in problem


@pytest.mark.parametrize(("change", "place", "words"), [
    (("reports/{patient_id}.txt", "reprts/{patient_id}.txt"), "47:",
     "/clinic/reprts/P001.txt is not in the world of seed 0"),
    (("{email}", "{mail}"), "45:", "'{mail}' names no column of the row"),
    (("for_each: /clinic/patients.csv", "for_each: /clinic/patient.csv"), "43:",
     "/clinic/patient.csv is not in the world of seed 0"),
])
def test_what_the_world_lacks_is_located_at_load(change, place, words):
    problem = _one(errors(MAIL_EXPECT.replace(*change)))
    assert f"p.yaml:{place}" in problem and words in problem


def test_a_missing_column_of_a_computed_value_is_located():
    extra = ('- id: sum\n  write: {path: /out/s.json, json: {total: '
             '{sum: "/clinic/patients.csv#amont"}}}\n')
    problem = _one(errors(MAIL_EXPECT + extra))
    assert "has no column 'amont' (columns: patient_id, name, email, " \
        "amount)" in problem
    assert "p.yaml:51:" in problem


@pytest.mark.parametrize(("extra", "words"), [
    ('- id: s\n  write: {path: /o.json, json: {t: {summ: "/clinic/patients.csv#amount"}}}\n',
     "'summ' is no operation; did you mean 'sum'?"),
    ('- id: s\n  write: {path: /o.json, json: {t: {sum: "/clinic/patients.csv"}}}\n',
     'needs a column: "/clinic/patients.csv#column"'),
    ('- id: s\n  write: {path: /o.json, json: {t: {json: "/clinic/x.json"}}}\n',
     "needs a field"),
    ('- id: two\n  sms: {to: "+15550100000"}\n  mail: {to: a@b.example}\n',
     "needs exactly one of mail, upload, write, answer, sms, must_not (got mail, sms)"),
    ('- id: a\n  answer: {schema: {type: 12}}\n', "is no valid JSON Schema"),
    ('- id: m\n  mail: {to: a@b.example, count: 1, at_most: 2}\n', "give one of count, at_most"),
    ('- id: n\n  for_each: /clinic/patients.csv\n  must_not: {mail_to_others: true}\n',
     "remove for_each"),
])
def test_a_malformed_expectation_names_its_place_and_the_fix(extra, words):
    problem = _one(errors(MAIL_EXPECT + extra))
    assert "p.yaml:" in problem and "task.expect[1]" in problem
    assert words in problem


def test_expect_given_for_another_task_kind_is_a_located_error():
    text = profile_text().replace("kind: expect", "kind: highlight_package")
    problems = [str(e) for e in check_profile("p.yaml", text).errors]
    assert any("task.expect declares the end state of task kind 'expect', not "
               "'highlight_package'" in p and "p.yaml:42:" in p for p in problems)


def test_params_given_for_expect_is_a_located_error():
    text = profile_text().replace("kind: expect", "kind: expect\n  params: {a: 1}")
    (problem,) = [str(e) for e in check_profile("p.yaml", text).errors]
    assert "p.yaml:40:" in problem and "takes no params; declare the outcome under " \
        "task.expect" in problem


def test_two_expectations_with_one_id_are_refused():
    problem = _one(errors(MAIL_EXPECT + MAIL_EXPECT))
    assert "expectation id 'reports' is used twice" in problem


def test_a_prompt_placeholder_the_world_cannot_fill_is_located():
    problem = _one(errors(prompt="Mail {nobody}."))
    assert "'{nobody}' names no column" in problem and "p.yaml:40:" in problem


@pytest.mark.parametrize(("extra", "words"), [
    ('- id: m\n  mail: {to: "not an address"}\n', "is not an email address"),
    ('- id: t\n  sms: {to: "555 0100"}\n', "has no country code"),
    ('- id: u\n  upload: {platform: "you/tube", files: [{file: /clinic/patients.csv}]}\n',
     "platform 'you/tube' is not a platform name"),
])
def test_a_recipient_number_or_platform_no_tool_would_take_is_located(extra, words):
    problem = _one(errors(MAIL_EXPECT + extra))
    assert words in problem and "p.yaml:51:" in problem
