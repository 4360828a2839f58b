"""Cases a review of the domain-neutral core found: each was a wrong verdict or a crash."""

import os
import random

import pytest

from chaos.faults._versions import older_bytes
from chaos.oracle._values import value_leaks
from chaos.profile import check_profile
from chaos.tasks.expect._judge import holds
from chaos.tasks.expect._values import same_value
from chaos.world._readers import document_text


@pytest.mark.parametrize(("expected", "got"), [
    ("2026", "2025"), ("10000", "10040"), ("00123", "123"), ("12", "1,2")])
def test_an_expected_text_that_looks_numeric_must_match_as_text(expected, got):
    assert not same_value(expected, got)


def test_an_expected_number_takes_numeric_text_within_tolerance():
    assert same_value(49.75, "49.75") and same_value(1234.5, "1,234.50")
    assert not same_value(49.75, "49.0")


def test_contains_is_a_whole_value_and_a_computed_whole_number_reads_as_written():
    assert holds("total quantity ordered: 30 units", 30.0)
    assert not holds("release 2.7.10 is out", "2.7.1")
    assert holds("Lab report P001 for you", "lab report")


def test_a_version_the_file_already_names_is_no_value_of_the_stale_copy():
    _, values = older_bytes("/release/version.json",
                            b'{"version": "2.7.1", "previous": "2.7.0"}', random.Random(0))
    assert "2.7.0" not in values
    assert not value_leaks([("mail", "Release 2.7.1 is out (replaces 2.7.0).")], values)


def test_readers_never_raise_on_odd_escapes():
    document_text(b"%PDF-1.4\n1 0 obj<<>>stream\nBT (a\\9b) Tj ET\nendstream\n")


def _profile(entry: str) -> str:
    return ("version: 1\nname: r\nworld:\n  files:\n" + entry +
            "chain: {entry: a, agents: {a: {instructions: x, tools: [finish]}}}\n"
            "task: {kind: expect, expect: [{id: x, answer: {fields: {n: 1}}}]}\n"
            "models: [scripted/careful]\n")


def test_a_mail_header_the_mail_parser_chokes_on_is_a_located_error():
    result = check_profile("p.yaml", _profile(
        "    - {path: /m.eml, make: eml, text: hi, meta: {to: 'a@b, \"x\" <'}}\n"))
    assert result.errors and "p.yaml:5" in str(result.errors[0])


def test_a_link_loop_in_a_copied_folder_is_skipped(tmp_path):
    folder = tmp_path / "fx"
    folder.mkdir()
    (folder / "a.txt").write_text("hi")
    os.symlink("loop2", folder / "loop1")
    os.symlink("loop1", folder / "loop2")
    path = tmp_path / "p.yaml"
    path.write_text(_profile("    - {path: /fixtures/, from: fx/}\n"))
    from chaos.profile import load_profile
    from chaos.runner import build_world

    world = build_world(load_profile(path).profile, 0)
    assert "/fixtures/a.txt" in world.files


def test_an_expectation_reads_a_utf16_table_as_the_world_builder_does():
    from chaos.tasks.expect._values import decode
    from chaos.world._tables import parse_table

    data = "id,name\nP1,Zoë\n".encode("utf-16")
    assert decode(data) == "id,name\nP1,Zoë\n"
    assert parse_table(data, as_json=False) == [{"id": "P1", "name": "Zoë"}]


def test_a_deeply_nested_answer_is_read_without_recursion():
    from chaos.tasks._base import answer_leaves

    deep: list = []
    inner = deep
    for _ in range(5000):
        inner.append([])
        inner = inner[0]
    inner.append("/out/x.json")
    assert answer_leaves({"files": deep})[-1] == (False, "/out/x.json")


def test_a_fault_swaps_a_value_only_where_the_oracle_would_find_it():
    from chaos.faults._answers import parse_answer, swap_value
    from chaos.oracle._values import carries

    answer = parse_answer('{"ref": "X-P001", "id": "P001"}')
    assert swap_value(answer, "P001", "P009")
    assert answer.value == {"ref": "X-P001", "id": "P009"}
    assert not carries("X-P001", "P001") and carries(answer.dump(), "P009")
