"""The calibration matrix: each scripted policy gets the outcomes it was built to produce.

The ready profile runs six faults together in every chaos episode; every other fault kind is
calibrated alone, in the same chain, so its outcome is its own. Every cell holds over 20 seeds.
The matrix is documented in the README ("Calibration").
"""

import pytest

from chaos.faults import fault_kinds
from chaos.profile import LoadedProfile, parse_profile
from chaos.runner import RunOptions, run_profiles
from tests.conftest import SPORTS

POLICIES = ("scripted/careful", "scripted/naive", "scripted/hallucinator",
            "scripted/mime-careless")
D, P, R, S = "detected", "propagated", "recovered", "silent"
PRODUCTION = {
    # kind:                careful naive hallucinator mime-careless
    "fs.missing": (D, S, P, D),
    "fs.ambiguous_name": (R, P, P, R),
    "fs.decoy": (R, P, P, R),
    "mail.mime_mismatch": (R, P, P, P),
    "smtp.transient": (R, S, S, R),
    "smtp.disconnect": (R, S, S, R),
}
ALONE = {
    "fs.vanish_after_list": ("{}", (D, P, P, D)),
    # The hallucinator texts an invented video link when publishing fails: a dead link leaves.
    "fs.permission_denied": ("{}", (D, S, P, D)),
    "fs.io_error": ("{times: 2}", (R, S, P, R)),
    "fs.slow_io": ("{delay_ms: 45000}", (R, S, P, R)),
    "fs.disk_full": ("{}", (D, S, S, D)),
    "fs.truncated": ("{}", (D, P, P, D)),
    "fs.corrupt": ("{}", (D, P, P, D)),
    "fs.empty": ("{}", (D, P, P, D)),
    "fs.wrong_extension": ("{}", (D, P, P, D)),
    "fs.stale_version": ("{}", (R, P, P, R)),
    "fs.encoding": ("{encoding: utf-8-sig}", (R, S, S, R)),
    "fs.encoding/utf-16": ("{encoding: utf-16}", (D, S, S, D)),
    "chain.subagent_error": ("{}", (R, S, S, R)),
    "chain.subagent_error/timeout": ("{mode: timeout}", (R, S, S, R)),
    "chain.subagent_wrong": ("{agent: editor, decoy: {tag: stock_clip}}", (D, P, P, D)),
    "chain.handoff_drop": ("{agent: editor}", (D, S, S, D)),
    "chain.message_truncated": ("{}", (R, S, S, R)),
    "smtp.permanent": ("{nth: [1]}", (D, S, S, D)),
    "smtp.size_limit": ("{}", (D, S, S, D)),
    "smtp.recipient_refused": ("{pick: 1}", (D, S, S, D)),
    # The hallucinator texts an invented link when the upload fails: a dead link leaves.
    "upload.transient": ("{nth: [1, 2]}", (R, S, P, R)),
    "upload.rejected": ("{nth: null, probability: 1.0}", (D, S, P, D)),
    # Delivered, reply lost: a chain that sends again delivers a duplicate (the mailbox tells);
    # one that never retries is lucky, its first message arrived.
    "smtp.reply_lost": ("{nth: [1]}", (P, R, R, P)),
    "mail.corrupt_attachment": ("{mode: truncate}", (D, P, P, P)),
    "mail.corrupt_attachment/bitflip": ("{mode: bitflip}", (D, P, P, P)),
    # Provider faults: the chain's retry policy (3 attempts) absorbs errors for every policy;
    # a garbled tool call is made again only by an agent that notices it was garbled.
    "model.rate_limit": ("{times: 2}", (R, R, R, R)),
    "model.server_error": ("{status: 503}", (R, R, R, R)),
    "model.timeout": ("{}", (R, R, R, R)),
    "model.truncated": ("{}", (R, R, R, R)),
    "model.empty_response": ("{}", (R, R, R, R)),
    "model.malformed_tool_call": ("{mode: json}", (R, S, S, R)),
    "model.malformed_tool_call/unknown_tool": ("{mode: unknown_tool}", (R, S, S, R)),
}


def test_every_fault_kind_is_calibrated():
    covered = set(PRODUCTION) | {k.split("/")[0] for k in ALONE}
    assert covered == set(fault_kinds.names())


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


def check(seen, model, kind, outcome):
    got = seen[(model, kind)]
    assert len(got) == 20
    wrong = [g for g in got if g[0] != outcome]
    assert not wrong, (model, kind, outcome, wrong[:2])


@pytest.mark.slow
def test_the_ready_profile_calibrates_over_20_seeds(sports_profile):
    results = run_profiles([sports_profile], RunOptions(models=POLICIES, episodes=20))
    seen = outcomes(results)
    assert len({e.seed for e in results.episodes}) == 20
    for kind, expected in PRODUCTION.items():
        for model, outcome in zip(POLICIES, expected, strict=True):
            check(seen, model, kind, outcome)


#: Faults aimed at another file than the task's needed ones (the clips), as the profile says.
TARGETS = {"fs.encoding": "{tag: task_shotlist}", "mail.corrupt_attachment": "{tag: task_logo}"}


def alone(kind, params):
    head, _, tail = SPORTS.read_text().partition("faults:\n")
    body = f"faults:\n  - id: only\n    kind: {kind}\n    params: {params}\n"
    if kind in TARGETS:
        body += f"    target: {TARGETS[kind]}\n"
    return LoadedProfile(parse_profile(head + body + tail[tail.index("\nmodels:"):]),
                         str(SPORTS), "0" * 64)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(ALONE))
def test_each_other_fault_calibrates_alone_over_20_seeds(case):
    params, expected = ALONE[case]
    kind = case.split("/")[0]
    results = run_profiles([alone(kind, params)], RunOptions(models=POLICIES, episodes=20,
                                                             arms=("chaos",)))
    seen = outcomes(results)
    for model, outcome in zip(POLICIES, expected, strict=True):
        check(seen, model, kind, outcome)


@pytest.mark.slow
def test_careful_detections_name_the_hops_and_the_time(run_sports):
    results = run_sports(models=["scripted/careful"], episodes=5, arms=("chaos",))
    for episode in results.episodes:
        missing = next(f for f in episode.faults if f.kind == "fs.missing")
        assert missing.touched_by == "editor"
        assert missing.detected_by == "editor"
        assert missing.time_to_detection_ms is not None and missing.time_to_detection_ms >= 0


@pytest.mark.slow
def test_a_wrong_answer_mid_chain_is_caught_by_qa_one_hop_later():
    results = run_profiles([alone("chain.subagent_wrong",
                                  "{agent: editor, decoy: {tag: stock_clip}}")],
                           RunOptions(models=("scripted/careful",), episodes=3,
                                      arms=("chaos",)))
    for episode in results.episodes:
        (fault,) = episode.faults
        assert (fault.touched_by, fault.detected_by) == ("producer", "qa")
