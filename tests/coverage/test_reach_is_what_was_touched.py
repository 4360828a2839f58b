"""A fault reaches what the chain really touched (the access log the monitor sees, the mail,
upload, hand-off or model call it acted on), never its whole target list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.coverage.conftest import chaos

PROFILES = Path(__file__).parents[2] / "profiles"


def _run(tmp_path: Path, text: str, *args: str) -> tuple[str, dict]:
    profile = tmp_path / "profile.yaml"
    profile.write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    result = chaos("run", str(profile), "--out", str(out), *args)
    assert result.exit_code in (0, 1), result.output
    return result.output, json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corrupt_everything(tmp_path_factory) -> tuple[Path, str, dict]:
    """sports-production with fs.corrupt on 500 files picked from the whole world."""
    tmp = tmp_path_factory.mktemp("pickall")
    output, results = _run(tmp, f"""version: 1
extends: {PROFILES / 'sports-production.yaml'}
name: pickall
episodes: 1
models: [scripted/careful]
faults:
  - id: corrupt-everything
    kind: fs.corrupt
    target: {{glob: "/**", pick: 500}}
""")
    return tmp / "run", output, results


def test_reached_files_are_the_files_the_chain_touched_not_the_fault_s_targets(
        corrupt_everything):
    out, _, results = corrupt_everything
    episode = next(e for e in results["episodes"] if e["arm"] == "chaos")
    reached = episode["faults"][0]["reached"]
    trace = "".join(line for line in (out / episode["trace"]).read_text(encoding="utf-8")
                    .splitlines(keepends=True) if '"fault_injected"' not in line)
    assert reached["files"], "the chain opened some of the corrupted files"
    assert all(json.dumps(path)[1:-1] in trace for path in reached["files"])
    assert len(reached["files"]) < 50  # of ~250 corrupted


def test_tags_no_fault_touched_are_listed(corrupt_everything):
    _, output, results = corrupt_everything
    coverage = results["summary"]["coverage"]["profiles"]["pickall"]
    assert "junk" in coverage["untouched"]["tags"]
    assert "junk" not in coverage["reached"]["tags"]
    assert coverage["reached"]["files"] < 50
    line = next(line for line in output.splitlines() if line.startswith("  no fault touched"))
    assert "tags" in line and "junk" in line


@pytest.fixture(scope="module")
def kitchen_sink(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("kitchen") / "run"
    result = chaos("run", str(PROFILES / "kitchen-sink.yaml"), "--episodes", "1", "--model",
                   "scripted/careful", "--quiet", "--out", str(out))
    assert result.exit_code in (0, 1), result.output
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def _faults(results: dict) -> dict[str, dict]:
    return {f["id"]: f for e in results["episodes"] if e["arm"] == "chaos" for f in e["faults"]}


def test_a_model_fault_reaches_the_model_call_not_the_task_s_files(kitchen_sink):
    for fault in _faults(kitchen_sink).values():
        if fault["kind"].startswith("model.") and fault["fired"]:
            assert "files" not in fault["reached"] and "tags" not in fault["reached"], fault


def test_a_fault_on_uploads_reaches_the_upload_sink_and_a_hand_off_fault_its_callee(
        kitchen_sink):
    faults = _faults(kitchen_sink)
    assert faults["upload-503"]["fired"]
    assert "upload" in faults["upload-503"]["reached"]["sinks"]
    assert "publish_video" in faults["upload-503"]["reached"]["tools"]
    # What the refused upload carried is what it acted on: a clip the chain published.
    assert faults["upload-503"]["reached"]["files"]
    assert "task_clip" in faults["upload-503"]["reached"]["tags"]
    assert faults["distributor-down"]["fired"]
    assert "distributor" in faults["distributor-down"]["reached"]["agents"]
    coverage = kitchen_sink["summary"]["coverage"]["profiles"]["kitchen-sink"]
    assert "upload" not in coverage["untouched"]["sinks"]
