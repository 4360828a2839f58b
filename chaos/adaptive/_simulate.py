"""Simulate the rule: how often it is wrong, and what it spends.

No episode runs: a gate's counts are drawn from a known true rate, round by round, exactly as
`AdaptiveRun` grows them (`next_seed_count`), and judged by the same rule: `simulate` draws
one Bernoulli trial per seed (episode gates, `decide_gate`); `simulate_episodes` draws whole
episodes of several correlated faults (fault-outcome gates, the bets on episodes). The
benchmark (`benchmarks/adaptive_savings.py`) and the tests use it to check the stated error
rate and the saving against the fixed-n design.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from chaos.adaptive._betting import EpisodeBets
from chaos.adaptive._decide import decide_gate
from chaos.adaptive._rounds import next_seed_count
from chaos.gates import GateResult

__all__ = ["Simulation", "clustered_episode", "simulate", "simulate_episodes"]


@dataclass(frozen=True)
class Simulation:
    """Outcomes of many simulated adaptive runs of one gate at one true rate.

    Attributes:
        rate: The true rate.
        runs: Simulated runs.
        passed: Runs decided `pass`.
        failed: Runs decided `fail`.
        undecided: Runs still undecided at the max.
        wrong: Runs decided on the wrong side of the threshold.
        episodes: Seeds run, summed over the runs.
        fixed_n: Seeds the fixed-n design runs over as many runs (max each).
    """

    rate: float
    runs: int
    passed: int
    failed: int
    undecided: int
    wrong: int
    episodes: int
    fixed_n: int

    @property
    def error_rate(self) -> float:
        """The share of runs decided wrongly."""
        return self.wrong / self.runs

    @property
    def saved(self) -> float:
        """The share of the fixed-n design's seeds not run."""
        return 1 - self.episodes / self.fixed_n


def simulate(rate: float, threshold: float, op: Literal["min", "max"] = "max", *,
             runs: int = 1000, first: int = 10, max_episodes: int = 200, alpha: float = 0.05,
             seed: int = 0) -> Simulation:
    """Run the rule `runs` times on Bernoulli(rate) draws, one trial per seed.

    A decision is wrong when it says `pass` while the rate breaks the threshold, or `fail`
    while it holds (a rate equal to the threshold holds: `max` and `min` include it).

    Args:
        rate: The true rate.
        threshold: The gate's threshold.
        op: `max` or `min`.
        runs: How many runs to simulate.
        first: Seeds in round 1.
        max_episodes: Seeds at most.
        alpha: The rule's error rate.
        seed: The draws' seed (the same seed, the same outcome).
    """
    draws = random.Random(seed)
    holds = rate <= threshold if op == "max" else rate >= threshold
    passed = failed = wrong = spent = 0
    for _ in range(runs):
        successes = trials = 0
        decision = "undecided"
        while decision == "undecided" and trials < max_episodes:
            target = next_seed_count(first, trials, max_episodes)
            successes += sum(draws.random() < rate for _ in range(target - trials))
            trials = target
            gate = GateResult("sim", "sim", "propagated", None, "chaos", op, threshold,
                              "strict", "upper" if op == "max" else "lower", successes, trials,
                              0.0, 1.0)
            decision, _ = decide_gate(gate, alpha)
        spent += trials
        passed += decision == "pass"
        failed += decision == "fail"
        wrong += (decision == "pass" and not holds) or (decision == "fail" and holds)
    return Simulation(rate, runs, passed, failed, runs - passed - failed, wrong, spent,
                      runs * max_episodes)


def clustered_episode(rate: float, faults: int, together: float = 1.0
                      ) -> Callable[[random.Random], tuple[int, int]]:
    """Episodes whose `faults` faults go wrong together: the per-fault rate is `rate`.

    With probability `together` an episode is all-or-nothing (every fault counted with
    probability `rate`, as one); otherwise each fault is counted on its own with `rate`.
    `together=1` is the strongest clustering: the faults of an episode are one trial.
    """
    def draw(rng: random.Random) -> tuple[int, int]:
        if rng.random() < together:
            return (faults if rng.random() < rate else 0), faults
        return sum(rng.random() < rate for _ in range(faults)), faults

    return draw


def simulate_episodes(draw: Callable[[random.Random], tuple[int, int]], rate: float,
                      threshold: float, op: Literal["min", "max"] = "max", *, bound: int,
                      runs: int = 1000, first: int = 10, max_episodes: int = 200,
                      alpha: float = 0.05, seed: int = 0) -> Simulation:
    """Run a fault-outcome gate's rule `runs` times on episodes of several faults each.

    Episodes are drawn by `draw` ((counted, scored) per episode), seeds grow as
    `AdaptiveRun` grows them, and the gate is judged by the bets `decide_outcome_gate`
    makes, looked at after each round.

    Args:
        draw: One episode's (faults counted, faults scored).
        rate: The true pooled rate E[counted] / E[scored] the draws have.
        threshold: The gate's threshold.
        op: `max` or `min`.
        bound: K, the most faults an episode scores.
        runs: How many runs to simulate.
        first: Seeds in round 1.
        max_episodes: Seeds at most.
        alpha: The rule's error rate.
        seed: The draws' seed.
    """
    rng = random.Random(seed)
    holds = rate <= threshold if op == "max" else rate >= threshold
    passed = failed = wrong = spent = 0
    for _ in range(runs):
        bets = EpisodeBets(threshold, bound, alpha)
        decision = "undecided"
        while decision == "undecided" and bets.episodes < max_episodes:
            target = next_seed_count(first, bets.episodes, max_episodes)
            while bets.episodes < target:
                bets.add(*draw(rng))
            if bets.shown is not None:
                decision = "pass" if (bets.shown == "below") == (op == "max") else "fail"
        spent += bets.episodes
        passed += decision == "pass"
        failed += decision == "fail"
        wrong += (decision == "pass" and not holds) or (decision == "fail" and holds)
    return Simulation(rate, runs, passed, failed, runs - passed - failed, wrong, spent,
                      runs * max_episodes)
