"""`chaos explain` predicts coverage before a run: what the faults can reach, which faults
cannot fire and why, and what no fault can touch."""

from __future__ import annotations

import json

from tests.coverage.conftest import BLIND_SPOTS, chaos


def _prediction(*args: str) -> dict:
    result = chaos("explain", str(BLIND_SPOTS), "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["coverage"]


def test_explain_json_names_the_unreachable_faults_and_the_agent_no_fault_can_touch():
    prediction = _prediction()
    cannot = {row["fault"]: row for row in prediction["cannot_fire"]}
    assert cannot["upload-refused"]["code"] == "trigger_never_came"
    assert "no agent has the tool publish" in cannot["upload-refused"]["why"]
    assert cannot["clerk-mail-fails"]["code"] == "trigger_never_came"
    assert "agent records lacks the tool send_email" in cannot["clerk-mail-fails"]["why"]
    assert cannot["never-drawn"]["code"] == "probability_skipped"
    assert prediction["untouchable"]["agents"] == ["coordinator"]
    assert prediction["faults"]["upload-refused"] == {"agents": [], "tools": [], "tags": [],
                                                      "sinks": []}
    stale = prediction["faults"]["stale-report"]
    assert stale["agents"] == ["mailer", "records"] and stale["tags"] == ["report"]
    assert "mail" in stale["sinks"]
    assert prediction["faults"]["refused-recipient"]["tools"] == ["send_email"]


def test_the_prediction_bounds_what_the_run_reached(blind_run):
    _, _, run = blind_run
    prediction = _prediction()
    coverage = run["summary"]["coverage"]["profiles"]["clinic-blind-spots"]
    for part in ("agents", "tools", "tags", "sinks"):
        assert set(coverage["reached"][part]) <= set(prediction["can_reach"][part]), part
        # What no fault can touch, no fault touched.
        assert set(prediction["untouchable"][part]) <= set(coverage["untouched"][part]), part
    never = {row["fault"] for row in coverage["never_fired"]}
    assert {row["fault"] for row in prediction["cannot_fire"]} <= never


def test_explain_prints_the_coverage_block():
    result = chaos("explain", str(BLIND_SPOTS))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    block = lines.index("coverage (seed 0, before a run)")
    after = lines[block:]
    assert any(line.startswith("  cannot fire: upload-refused (upload.rejected): no agent has "
                               "the tool publish") for line in after)
    assert any(line.startswith("  cannot fire: clerk-mail-fails") for line in after)
    assert any(line.startswith("  no fault can touch: agents coordinator;") for line in after)
