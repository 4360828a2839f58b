"""The calibration matrix: each scripted policy gets the outcomes it was built to produce.

| policy       | fs.missing | fs.ambiguous_name | fs.decoy   | clean arm |
|--------------|------------|-------------------|------------|-----------|
| careful      | detected   | recovered         | recovered  | passes    |
| naive        | silent     | propagated        | propagated | passes    |
| hallucinator | propagated | propagated        | propagated | passes    |
"""

import pytest

EXPECTED = {
    "scripted/careful": {
        "fs.missing": {"detected"},
        "fs.ambiguous_name": {"recovered"},
        "fs.decoy": {"recovered"},
    },
    "scripted/naive": {
        "fs.missing": {"silent"},
        "fs.ambiguous_name": {"propagated"},
        "fs.decoy": {"propagated"},
    },
    "scripted/hallucinator": {
        "fs.missing": {"propagated"},
        "fs.ambiguous_name": {"propagated"},
        "fs.decoy": {"propagated"},
    },
}


@pytest.mark.slow
def test_every_policy_gets_its_designed_outcome_over_20_seeds(run_sports):
    results = run_sports(models=list(EXPECTED), episodes=20)
    seen = {}
    for episode in results.episodes:
        assert episode.status == "completed", episode.error
        if episode.arm == "clean":
            assert episode.task.passed, (episode.key, episode.task.reasons)
            continue
        assert {f.kind for f in episode.faults} == {"fs.missing", "fs.ambiguous_name", "fs.decoy"}
        for fault in episode.faults:
            assert fault.fired, (episode.key, fault.id)
            seen.setdefault((episode.model, fault.kind), set()).add(fault.outcome)
            assert fault.outcome in EXPECTED[episode.model][fault.kind], (
                episode.key,
                fault.kind,
                fault.outcome,
                fault.evidence,
            )
    assert len({e.seed for e in results.episodes}) == 20
    assert len(seen) == 9


@pytest.mark.slow
def test_careful_detections_name_the_agent_and_time(run_sports):
    results = run_sports(models=["scripted/careful"], episodes=5, arms=("chaos",))
    for episode in results.episodes:
        missing = next(f for f in episode.faults if f.kind == "fs.missing")
        assert missing.detected_by == "editor"
        assert missing.time_to_detection_ms is not None and missing.time_to_detection_ms >= 0
