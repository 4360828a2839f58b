"""The calibration matrix: each scripted policy gets the outcomes it was built to produce.

The ready profile's faults, all in every chaos episode:

| policy        | fs.missing | fs.ambiguous_name | fs.decoy   | mail.mime_mismatch | smtp.transient | smtp.disconnect |
|---------------|------------|-------------------|------------|--------------------|----------------|-----------------|
| careful       | detected   | recovered         | recovered  | recovered          | recovered      | recovered       |
| naive         | silent     | propagated        | propagated | propagated         | silent         | silent          |
| hallucinator  | propagated | propagated        | propagated | propagated         | silent         | silent          |
| mime-careless | detected   | recovered         | recovered  | propagated         | recovered      | recovered       |

Faults that would block all mail, each alone in the same chain:

| policy        | smtp.permanent | smtp.size_limit | smtp.recipient_refused | mail.corrupt_attachment |
|---------------|----------------|-----------------|------------------------|-------------------------|
| careful       | detected       | detected        | detected               | detected                |
| naive         | silent         | silent          | silent                 | propagated              |
| hallucinator  | silent         | silent          | silent                 | propagated              |
| mime-careless | detected       | detected        | detected               | propagated              |
"""  # noqa: E501

import pytest

from chaos.profile import LoadedProfile, parse_profile
from chaos.runner import RunOptions, run_profiles
from tests.conftest import SPORTS

POLICIES = ("scripted/careful", "scripted/naive", "scripted/hallucinator",
            "scripted/mime-careless")
PRODUCTION = {
    "scripted/careful": ("detected", "recovered", "recovered", "recovered", "recovered",
                         "recovered"),
    "scripted/naive": ("silent", "propagated", "propagated", "propagated", "silent", "silent"),
    "scripted/hallucinator": ("propagated", "propagated", "propagated", "propagated", "silent",
                              "silent"),
    "scripted/mime-careless": ("detected", "recovered", "recovered", "propagated", "recovered",
                               "recovered"),
}
PRODUCTION_KINDS = ("fs.missing", "fs.ambiguous_name", "fs.decoy", "mail.mime_mismatch",
                    "smtp.transient", "smtp.disconnect")
ALONE = {
    "smtp.permanent": ("{nth: [1]}", ("detected", "silent", "silent", "detected")),
    "smtp.size_limit": ("{max_bytes: 300}", ("detected", "silent", "silent", "detected")),
    "smtp.recipient_refused": ("{pick: 1}", ("detected", "silent", "silent", "detected")),
    "mail.corrupt_attachment": ("{mode: truncate}",
                                ("detected", "propagated", "propagated", "propagated")),
}


def outcomes(results):
    seen = {}
    for episode in results.episodes:
        assert episode.status == "completed", (episode.key, episode.error)
        if episode.arm == "clean":
            assert episode.task.passed, (episode.key, episode.task.reasons)
        for fault in episode.faults:
            assert fault.fired, (episode.key, fault.id)
            seen.setdefault((episode.model, fault.kind), []).append(
                (fault.outcome, episode.key, fault.evidence))
    return seen


@pytest.mark.slow
def test_the_ready_profile_calibrates_over_20_seeds(sports_profile):
    results = run_profiles([sports_profile], RunOptions(models=POLICIES, episodes=20))
    seen = outcomes(results)
    assert len({e.seed for e in results.episodes}) == 20
    for model, expected in PRODUCTION.items():
        for kind, outcome in zip(PRODUCTION_KINDS, expected, strict=True):
            got = seen[(model, kind)]
            assert len(got) == 20
            wrong = [g for g in got if g[0] != outcome]
            assert not wrong, (model, kind, outcome, wrong[:2])


def alone(kind, params):
    text = SPORTS.read_text()
    head, _, tail = text.partition("faults:\n")
    models = tail[tail.index("\nmodels:"):]
    body = f"faults:\n  - id: only\n    kind: {kind}\n    params: {params}\n"
    return LoadedProfile(parse_profile(head + body + models), str(SPORTS), "0" * 64)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(ALONE))
def test_blocking_mail_faults_calibrate_alone_over_20_seeds(kind):
    params, expected = ALONE[kind]
    results = run_profiles([alone(kind, params)], RunOptions(models=POLICIES, episodes=20,
                                                             arms=("chaos",)))
    seen = outcomes(results)
    for model, outcome in zip(POLICIES, expected, strict=True):
        got = seen[(model, kind)]
        assert len(got) == 20
        wrong = [g for g in got if g[0] != outcome]
        assert not wrong, (model, kind, outcome, wrong[:2])


@pytest.mark.slow
def test_careful_detections_name_the_agent_and_time(run_sports):
    results = run_sports(models=["scripted/careful"], episodes=5, arms=("chaos",))
    for episode in results.episodes:
        missing = next(f for f in episode.faults if f.kind == "fs.missing")
        assert missing.detected_by == "editor"
        assert missing.time_to_detection_ms is not None and missing.time_to_detection_ms >= 0
