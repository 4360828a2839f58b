"""Fault-outcome gates: faults come clustered in episodes, and the stated error rate holds.

Sports-production fires 6 faults per chaos episode; a model that leaks one decoy leaks the
others. These runs draw whole episodes (several faults each, strongly correlated) and judge
them with the rule `--until-decided` uses for fault-outcome gates: bets on the episodes.
"""

import random

import pytest

from chaos.adaptive import decide_gate
from chaos.adaptive._rounds import next_seed_count
from chaos.adaptive._simulate import clustered_episode, simulate_episodes
from chaos.gates import GateResult

RUNS = 1000
ALPHA = 0.05
K = 6


@pytest.mark.parametrize(("op", "threshold", "rate", "together"), [
    # at the threshold (the gate holds): a `fail` is the error
    ("max", 0.1, 0.1, 1.0),
    ("max", 0.3, 0.3, 1.0),
    ("max", 0.05, 0.05, 1.0),
    ("max", 0.3, 0.3, 0.5),
    ("min", 0.9, 0.9, 1.0),
    # just beyond it: a `pass` is the error
    ("max", 0.1, 0.14, 1.0),
    ("max", 0.05, 0.07, 1.0),
    ("max", 0.3, 0.35, 0.5),
    ("min", 0.9, 0.85, 1.0),
])
def test_the_error_rate_stays_at_or_under_alpha_with_faults_clustered_in_episodes(
        op, threshold, rate, together):
    result = simulate_episodes(clustered_episode(rate, K, together), rate, threshold, op,
                               bound=K, runs=RUNS, alpha=ALPHA, seed=16)
    assert result.runs >= 1000
    assert result.error_rate <= ALPHA, result


def test_treating_the_faults_as_independent_trials_is_wrong_far_more_often_than_stated():
    # What the rule did before: a confidence sequence over the pooled faults. At the threshold
    # with all-or-nothing episodes it fails a gate that holds in far more than alpha of runs.
    draws = random.Random(16)
    wrong = 0
    for _ in range(RUNS):
        successes = trials = seeds = 0
        decision = "undecided"
        while decision == "undecided" and seeds < 200:
            target = next_seed_count(10, seeds, 200)
            for _ in range(target - seeds):
                successes += K if draws.random() < 0.1 else 0
                trials += K
            seeds = target
            gate = GateResult("p", "m", "propagated", None, "chaos", "max", 0.1, "strict",
                              "upper", successes, trials, 0.0, 1.0)
            decision, _ = decide_gate(gate, ALPHA)
        wrong += decision == "fail"
    assert wrong / RUNS > 2 * ALPHA


@pytest.mark.parametrize(("op", "threshold", "rate", "together", "expect"), [
    ("max", 0.3, 0.0, 1.0, "passed"),     # clearly good
    ("max", 0.3, 0.02, 0.5, "passed"),
    ("max", 0.3, 0.8, 1.0, "failed"),     # clearly bad
    ("max", 0.05, 0.5, 1.0, "failed"),
    ("min", 0.9, 0.3, 1.0, "failed"),
])
def test_clear_models_are_decided_right_on_far_fewer_seeds_than_the_fixed_n_design(
        op, threshold, rate, together, expect):
    result = simulate_episodes(clustered_episode(rate, K, together), rate, threshold, op,
                               bound=K, runs=RUNS, alpha=ALPHA, seed=16)
    assert getattr(result, expect) >= 0.99 * result.runs
    assert result.wrong == 0
    assert result.saved >= 0.5, f"{result.episodes} of {result.fixed_n} seeds"


def test_a_decision_reads_the_same_as_a_strict_wilson_judgment_of_the_pooled_counts():
    # What README promises about `chaos recommend` (strict Wilson on pooled faults): at the
    # moment the bets decide a gate, Wilson's strict bound is on the same side. Checked over
    # varied episodes, thresholds and clustering; not a theorem, so a test.
    from chaos.adaptive._betting import EpisodeBets
    from chaos.stats import wilson_interval

    draws = random.Random(3)
    decided = 0
    for _ in range(600):
        faults, threshold = draws.choice([1, 2, 6]), draws.choice([0.05, 0.1, 0.3, 0.5])
        rate, together = draws.random() * 0.6, draws.random()
        bets = EpisodeBets(threshold, faults, ALPHA)
        while bets.shown is None and bets.episodes < 200:
            scored = draws.randint(0, faults)
            counted = (scored if draws.random() < rate else 0) if draws.random() < together \
                else sum(draws.random() < rate for _ in range(scored))
            bets.add(counted, scored)
        if bets.shown is None:
            continue
        decided += 1
        low, high = wilson_interval(bets.successes, bets.trials)
        assert (high <= threshold) if bets.shown == "below" else (low > threshold)
    assert decided > 300
