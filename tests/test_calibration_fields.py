"""The ready profiles from other fields calibrate as the README's tables say, over 20 seeds.

Each cell (fault kind x scripted policy) must hold on every seed; every policy passes the clean
arm; and `handled` separates the careful policies from the careless ones on every profile.
"""

import pytest

from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles
from tests.conftest import REPO

POLICIES = ("scripted/careful", "scripted/naive", "scripted/hallucinator",
            "scripted/mime-careless")
D, P, R, S = "detected", "propagated", "recovered", "silent"
TABLES = {
    "clinic-lab-reports": {
        "fs.stale_version": (R, P, P, R),
        "mail.mime_mismatch": (D, P, P, D),
        "smtp.recipient_refused": (D, S, S, D),
    },
    "shop-catalogue": {
        "fs.decoy": (R, P, P, R),
        "fs.encoding": (R, S, S, R),
        "upload.transient": (R, S, S, R),
    },
    "release-desk": {
        "fs.stale_version": (R, P, P, R),
        "fs.truncated": (D, P, P, D),
        "chain.subagent_wrong": (R, P, P, R),
    },
}
#: Chaos-arm episodes handled out of 20, per policy.
HANDLED = (20, 0, 0, 20)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_profile_calibrates_over_20_seeds(name):
    results = run_profiles([load_profile(REPO / "profiles" / f"{name}.yaml")],
                           RunOptions(models=POLICIES, episodes=20))
    seen: dict[tuple[str, str], list[str]] = {}
    handled = dict.fromkeys(POLICIES, 0)
    for episode in results.episodes:
        assert episode.status == "completed", (episode.key, episode.error)
        if episode.arm == "clean":
            assert episode.task.passed, (episode.key, episode.task.reasons)
            continue
        handled[episode.model] += bool(episode.handled)
        for fault in episode.faults:
            seen.setdefault((fault.kind, episode.model), []).append(fault.outcome)
    for kind, expected in TABLES[name].items():
        for model, outcome in zip(POLICIES, expected, strict=True):
            got = seen[(kind, model)]
            assert got == [outcome] * 20, (name, kind, model, sorted(set(got)))
    assert tuple(handled[m] for m in POLICIES) == HANDLED
