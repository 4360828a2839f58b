"""Chain faults on answers of any shape: a decoy's path or a wrong value in place of the right
one, a list item or a line lost in the hand-off."""

import json

import pytest

from chaos.faults import fault_kinds

REPORTS = json.dumps({"done": ["reports"], "attachments": [
    {"patient": "P001", "file": "/clinic/reports/P001.pdf"},
    {"patient": "P002", "file": "/clinic/reports/P002.pdf"}]})


# -- chain.subagent_wrong -----------------------------------------------------------------------
def test_a_decoy_path_replaces_a_path_in_any_json_answer(inject, world):
    hit = inject("chain.subagent_wrong", decoy={"tag": "stale"}, agent="finder")
    answer = json.loads(hit.answer("sender", "finder", REPORTS))
    files = [a["file"] for a in answer["attachments"]]
    assert "/clinic/old/P001.pdf" in files  # one of the two became the stale copy
    replaced = next(p for p in ("/clinic/reports/P001.pdf", "/clinic/reports/P002.pdf")
                    if p not in files)
    assert hit.taint.targets == [replaced]  # what the wrong answer stands in for
    assert hit.taint.paths == ["/clinic/old/P001.pdf"]
    assert hit.taint.digests == [world.files["/clinic/old/P001.pdf"].digest]
    assert hit.hits == ["agent:finder"]


def test_only_the_named_agent_and_only_times_answers_are_hit(inject):
    hit = inject("chain.subagent_wrong", decoy={"glob": "/clinic/old/*"}, agent="finder")
    assert hit.answer("sender", "checker", REPORTS) == REPORTS
    assert hit.answer("sender", "finder", REPORTS) != REPORTS
    assert hit.answer("sender", "finder", REPORTS) == REPORTS  # times: 1


def test_a_decoy_path_replaces_a_path_in_a_text_answer(inject):
    hit = inject("chain.subagent_wrong", decoy={"tag": "old"})
    text = "Signed copy: /legal/contract-7.txt (checked)\nNothing else."
    assert hit.answer("sender", "finder", text) == \
        "Signed copy: /legal/archive/contract-3.txt (checked)\nNothing else."
    assert hit.taint.targets == ["/legal/contract-7.txt"]


def test_without_a_decoy_a_file_of_the_same_kind_the_task_does_not_need_stands_in(inject):
    hit = inject("chain.subagent_wrong")
    answer = json.loads(hit.answer("sender", "finder",
                                   json.dumps({"contract": "/legal/contract-7.txt"})))
    assert answer == {"contract": "/legal/archive/contract-3.txt"}


def test_an_answer_without_a_path_is_left_alone_and_not_counted(inject):
    hit = inject("chain.subagent_wrong", decoy={"tag": "old"})
    assert hit.answer("sender", "finder", '{"status": "ok"}') == '{"status": "ok"}'
    assert hit.hits == []
    assert "archive" in hit.answer("sender", "finder", '{"f": "/legal/contract-7.txt"}')


def test_a_wrong_value_replaces_the_right_one_in_strings_and_numbers(inject):
    hit = inject("chain.subagent_wrong", values={"from": "1.4.2", "to": "1.3.9"})
    answer = json.loads(hit.answer("writer", "checker",
                                   '{"version": "1.4.2", "note": "ship v1.4.2"}'))
    assert answer == {"version": "1.3.9", "note": "ship v1.3.9"}
    assert hit.taint.values == ["1.3.9"]
    assert hit.taint.targets == ["/release/version.json"]  # the needed file that holds 1.4.2
    numbers = inject("chain.subagent_wrong", values={"from": 4.5, "to": 5.4})
    assert json.loads(numbers.answer("a", "b", '{"total": 4.5, "items": [4.5]}')) == \
        {"total": 5.4, "items": [5.4]}


def test_a_named_decoy_and_a_wrong_value_together(inject):
    hit = inject("chain.subagent_wrong", decoy={"tag": "old"},
                 values={"from": "1.4.2", "to": "1.3.9"})
    answer = json.loads(hit.answer("a", "b", json.dumps(
        {"version": "1.4.2", "signed": "/legal/contract-7.txt"})))
    assert answer == {"version": "1.3.9", "signed": "/legal/archive/contract-3.txt"}
    assert hit.taint.values == ["1.3.9"]
    assert hit.taint.targets == ["/release/version.json", "/legal/contract-7.txt"]


def test_a_wrong_value_in_a_text_answer_only_where_it_stands_whole(inject):
    hit = inject("chain.subagent_wrong", values={"from": "1.4.2", "to": "1.3.9"})
    assert hit.answer("a", "b", "Release v1.4.2 is ready (not 11.4.2 nor 1.4.20)") == \
        "Release v1.3.9 is ready (not 11.4.2 nor 1.4.20)"
    ids = inject("chain.subagent_wrong", values={"from": "1", "to": "2"})
    assert ids.answer("a", "b", '{"patient": "P001", "count": 1}') == \
        '{"patient": "P001", "count": 2}'



def test_a_decoy_names_something():
    with pytest.raises(ValueError, match="tag or a glob"):
        fault_kinds.get("chain.subagent_wrong").Params.model_validate({"decoy": {}})


# -- chain.handoff_drop -------------------------------------------------------------------------
def test_an_item_of_any_list_drops_out_and_what_it_named_is_the_target(inject):
    hit = inject("chain.handoff_drop", agent="finder")
    answer = json.loads(hit.answer("sender", "finder", REPORTS))
    assert len(answer["attachments"]) == 1 and answer["done"] == ["reports"]
    (kept,) = answer["attachments"]
    lost = "P002" if kept["patient"] == "P001" else "P001"
    assert hit.taint.targets == [f"/clinic/reports/{lost}.pdf"]


def test_the_list_that_names_files_loses_the_item_before_a_list_of_words(inject):
    hit = inject("chain.handoff_drop")
    text = json.dumps({"done": ["a", "b"], "files": ["/legal/contract-7.txt", "/shop/prices.csv"]})
    answer = json.loads(hit.answer("x", "y", text))
    assert answer["done"] == ["a", "b"] and len(answer["files"]) == 1


def test_a_line_of_a_text_answer_drops_out(inject):
    hit = inject("chain.handoff_drop")
    text = "Found:\n/legal/contract-7.txt\n/shop/prices.csv"
    lines = hit.answer("x", "y", text).split("\n")
    assert len(lines) == 2 and set(lines) < set(text.split("\n"))
    lost = next(line for line in text.split("\n") if line not in lines)
    assert hit.taint.targets == ([lost] if lost.startswith("/") else [])


def test_the_task_side_loses_the_last_line(inject):
    hit = inject("chain.handoff_drop", side="task")
    task = "Mail each patient.\nAttach /clinic/reports/P001.pdf"
    for hook in hit.chain.on_task:
        task = hook("x", "y", task)
    assert task == "Mail each patient."
