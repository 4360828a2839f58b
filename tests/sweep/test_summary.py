"""The streaming summary and gates equal the in-memory ones (chaos.metrics, chaos.gates)."""

import json
from pathlib import Path

from chaos.gates import evaluate_gates
from chaos.metrics import summarize
from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles
from chaos.sweep._summary import SummaryBuilder, gates_from_summary
from tests.sweep.conftest import episode

GATED = Path(__file__).resolve().parents[2] / "examples" / "gates.yaml"


def _streamed(episodes):
    builder = SummaryBuilder()
    groups = {}
    for e in episodes:
        groups.setdefault((e.profile, e.seed), []).append(json.loads(e.model_dump_json()))
    for (profile, _), group in sorted(groups.items(), key=lambda item: item[0][1], reverse=True):
        builder.add_seed(profile, group)
    return builder.summary()


def test_a_real_run_summarizes_and_gates_the_same_streamed():
    loaded = load_profile(GATED)
    run = run_profiles([loaded], RunOptions(models=("scripted/careful", "scripted/naive"),
                                            episodes=2))
    # An unpaired seed (one arm missing) and a crashed episode, which summaries must survive.
    episodes = [e for e in run.episodes if not (e.seed == 1 and e.model == "scripted/naive"
                                                and e.arm == "clean")]
    episodes[0] = episodes[0].model_copy(update={"status": "crashed", "error": "boom"})
    summary = _streamed(episodes)
    assert summary == summarize(episodes)
    expected = evaluate_gates(run.model_copy(update={"episodes": episodes}), [loaded])
    assert gates_from_summary(summary, [loaded]) == expected
    assert any(not g.passed for g in expected) and any(g.passed for g in expected)


def test_made_up_outcomes_costs_and_three_models_summarize_the_same():
    episodes = []
    for seed in range(5):
        for i, model in enumerate(("m/a", "m/b", "m/c")):
            outcome = ["propagated", "detected", "recovered", "silent", "not_triggered"][
                (seed + i) % 5]
            for arm in ("clean", "chaos"):
                e = episode("p", model, seed, arm, passed=(seed + i) % 3 != 0,
                            outcomes={"fs.decoy": outcome, "smtp.transient": "crashed"}
                            if arm == "chaos" else None)
                usage = e.usage.model_copy(update={"cost_usd": 0.1 * (seed + 1) / 3,
                                                   "input_tokens": seed * 7})
                episodes.append(e.model_copy(update={"usage": usage}))
    assert _streamed(episodes) == summarize(episodes)
