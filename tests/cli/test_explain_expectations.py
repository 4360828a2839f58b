"""`chaos explain` on a declared end state: expectations, their threats, files out of reach."""

from click.testing import CliRunner

from chaos.cli import main
from chaos.explain import explain_profile
from chaos.profile import LoadedProfile
from tests.tasks.expect_profiles import load, profile_text

FAULTS = """\
  - {id: gone, kind: fs.missing, target: {glob: /clinic/reports/P002.txt}}
  - {id: elsewhere, kind: fs.missing, target: {glob: /clinic/old/P001.txt}}
  - {id: mail-451, kind: smtp.transient}
"""
SUMMARY = """
- id: reports
  for_each: /clinic/patients.csv
  mail:
    to: "{email}"
    attachments: [{file: "/clinic/reports/{patient_id}.txt"}]
- id: total
  answer: {fields: {total: {sum: "/clinic/patients.csv#amount"}}}
"""


def explained(**kw):
    return explain_profile(LoadedProfile(load(**kw), "p.yaml", "0" * 64))


def test_each_expectation_names_its_rows_needs_and_the_faults_that_threaten_it():
    plan = explained(expect=SUMMARY, faults=FAULTS)
    by_id = {e.id: e for e in plan.expectations}
    assert by_id["reports"].part == "mail" and by_id["reports"].rows == 3
    assert "/clinic/reports/P002.txt" in by_id["reports"].needs
    assert "mailto:bo@clinic.example" in by_id["reports"].needs
    assert by_id["reports"].threatened_by == ["gone", "mail-451"]
    assert by_id["total"].threatened_by == []  # no fault touches the table
    faults = {f.id: f for f in plan.faults}
    assert faults["gone"].threatens == ["reports: needs /clinic/reports/P002.txt"]
    assert any("touches no expectation" in w for w in faults["elsewhere"].warnings)


def test_a_file_no_one_may_read_is_out_of_reach():
    from chaos.profile import parse_profile

    text = profile_text().replace(
        "  files:\n", '  files:\n    - {path: /clinic/locked.txt, text: "x", mode: "0200"}\n', 1)
    plan = explain_profile(LoadedProfile(parse_profile(text), "p.yaml", "0" * 64))
    assert plan.unreachable_files == ["/clinic/locked.txt"]


def test_the_text_view_shows_expectations_and_threats(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(profile_text(expect=SUMMARY, faults=FAULTS))
    result = CliRunner().invoke(main, ["explain", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "expectations (the right end state)" in result.output
    assert "reports (mail)" in result.output and "total (answer)" in result.output
    assert "threatens reports: needs /clinic/reports/P002.txt" in result.output
    assert "touches no expectation" in result.output
