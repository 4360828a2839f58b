"""Traces and cassettes survive every character `str.splitlines()` breaks on.

An agent that puts U+2028, U+2029, U+0085, a vertical tab, a form feed, U+001C-U+001E or a lone
carriage return in a file name, a file's content, a mail body, an issue or its final answer
gets a run with a report, traces that read back event for event, and a record/replay that is
byte-identical.
"""

import json

import pytest
import yaml
from click.testing import CliRunner

from chaos._jsonl import split_lines
from chaos.cli import main
from chaos.models._cassette import Cassette
from chaos.models.loopback import LoopbackServer
from chaos.models.scripted import policy
from chaos.report import load_results, read_trace
from tests.conftest import SPORTS

#: Every line boundary of str.splitlines() except "\n" itself (and "\r\n", "\r" covers it).
BREAKS = {"u2028": "\u2028", "u2029": "\u2029", "u0085": "\x85", "vt": "\x0b", "ff": "\x0c",
          "fs": "\x1c", "gs": "\x1d", "rs": "\x1e", "cr": "\r"}


def _agent(c):
    """A policy that puts `c` into every agent-visible text it controls."""

    def run(brief, ctx):
        path = f"{brief['match_dir']}/notes{c}draft.txt"
        yield "write_file", {"path": path, "content": f"line one{c}line two"}
        yield "list_dir", {"path": brief["match_dir"]}
        yield "read_file", {"path": path}
        yield "send_email", {"to": ["desk@example.com"], "subject": "notes",
                             "body": f"hello{c}world"}
        yield "report_issue", {"severity": "warning", "summary": f"odd{c}name", "paths": [path]}
        yield "finish", {"result": {"team": brief["team"], "match_date": brief["match_date"],
                                    "clips": [], "issues": [f"answer{c}end"]}}

    return run


for _name, _char in BREAKS.items():
    policy(f"test-breaks-{_name}")(_agent(_char))


def _profile(tmp_path, models):
    data = yaml.safe_load(SPORTS.read_text())
    data["chain"] = {"entry": "producer", "agents": {"producer": {
        "instructions": "Write notes, mail the desk, finish.",
        "tools": ["write_file", "list_dir", "read_file", "send_email", "report_issue",
                  "finish"]}}}
    data["task"] = {"kind": "highlight_package", "params": {}}
    data["models"] = models
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _invoke(*args):
    result = CliRunner().invoke(main, [*map(str, args)])
    assert result.exit_code == 0, result.output
    return result


def _texts(events):
    """Every string in a trace's events, and the keys of its mappings, joined by NULs."""

    def walk(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    return "\0".join(walk([e.model_dump(mode="json") for e in events]))


@pytest.mark.parametrize("name", list(BREAKS))
def test_an_agent_writing_a_line_separator_gets_a_report_and_traces_that_read_back(
        tmp_path, name):
    c = BREAKS[name]
    path = _profile(tmp_path, [f"scripted/test-breaks-{name}"])
    recorded = tmp_path / "recorded"
    _invoke("run", path, "--episodes", "1", "--record", "--out", recorded,
            "--quiet")
    assert (recorded / "junit.xml").is_file()
    results = load_results(recorded)
    for episode in results.episodes:
        assert episode.status == "completed", episode.error
        events = read_trace(recorded, episode)
        kinds = {e.type for e in events}
        assert {"tool_called", "tool_returned", "issue_reported", "agent_finished"} <= kinds
        text = _texts(events)
        for what in (f"notes{c}draft.txt", f"line one{c}line two", f"hello{c}world",
                     f"odd{c}name", f"answer{c}end"):
            assert what in text, what
        # Any line reader gets one event per line, str.splitlines() included.
        written = (recorded / episode.trace).read_bytes().decode("utf-8")
        assert len(written.splitlines()) == len(events)
    # The report reads the traces back too.
    _invoke("report", recorded)
    # Replayed from the cassette: the same bytes, results and traces.
    replayed = tmp_path / "replayed"
    _invoke("run", path, "--episodes", "1", "--replay", recorded, "--out", replayed, "--quiet")
    assert (replayed / "results.json").read_bytes() == (recorded / "results.json").read_bytes()
    for trace in (recorded / "traces").rglob("*.jsonl"):
        twin = replayed / trace.relative_to(recorded)
        assert twin.read_bytes() == trace.read_bytes()


def test_through_a_provider_wire_every_separator_records_and_replays_byte_identically(
        tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-line-breaks")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-line-breaks")
    recorded, replayed = tmp_path / "recorded", tmp_path / "replayed"
    with LoopbackServer() as server:
        models = [m for name in ("u2028", "u0085", "cr", "rs") for m in (
            {"provider": "openai", "model": f"test-breaks-{name}",
             "base_url": server.openai_base_url},
            {"provider": "anthropic", "model": f"test-breaks-{name}",
             "base_url": server.anthropic_base_url})]
        path = _profile(tmp_path, models)
        _invoke("run", path, "--episodes", "1", "--record", "--out", recorded, "--quiet")
    # The server is gone: only the cassettes can answer.
    _invoke("run", path, "--episodes", "1", "--replay", recorded, "--out", replayed, "--quiet")
    assert (replayed / "results.json").read_bytes() == (recorded / "results.json").read_bytes()
    results = load_results(recorded)
    assert {e.status for e in results.episodes} == {"completed"}
    for episode in results.episodes:
        assert (replayed / episode.trace).read_bytes() == (recorded / episode.trace).read_bytes()
    for cassette in (recorded / "cassettes").iterdir():
        text = cassette.read_bytes().decode("utf-8")
        assert len(text.splitlines()) == text.count("\n")  # one exchange per line


def test_a_cassette_round_trips_every_separator(tmp_path):
    cassette = Cassette(tmp_path / "c.jsonl")
    texts = {name: f"a{c}b" for name, c in BREAKS.items()}
    for name, text in texts.items():
        cassette.append("scripted/x", name, {"turn": {"text": text}})
    model, exchanges = cassette.load()
    assert model == "scripted/x"
    assert {key: record["turn"]["text"] for key, record in exchanges.items()} == texts


def test_lines_written_before_with_raw_separators_still_read_back():
    # Earlier chaos wrote U+2028 and U+0085 raw: they are data inside a line, not its end.
    text = '{"a": "x\u2028y"}\n{"a": "p\x85q"}\r\n\n'
    assert [json.loads(line)["a"] for _, line in split_lines(text)] == ["x\u2028y", "p\x85q"]


def test_a_sweep_writes_the_same_trace_bytes_and_reads_them_back(tmp_path):
    path = _profile(tmp_path, [f"scripted/test-breaks-{name}" for name in ("u2028", "u0085")])
    ran, swept = tmp_path / "ran", tmp_path / "swept"
    _invoke("run", path, "--episodes", "1", "--out", ran, "--quiet")
    _invoke("sweep", path, "--seeds", "0", "--workers", "0", "--store", tmp_path / "h.db",
            "--out", swept, "--quiet")
    results = load_results(swept)
    assert len(results.episodes) == 4
    for episode in results.episodes:
        assert read_trace(swept, episode)  # reads back
        assert (swept / episode.trace).read_bytes() == (ran / episode.trace).read_bytes()
