"""The rounds of an adaptive run: which seeds run next, for which models, and when to stop.

Round 1 runs the first seeds (`--episodes`, or the profile's `episodes`) for every model.
Each later round doubles the seeds run so far, for the models still undecided, with the next
seeds in order, until every model is decided, `max_episodes` seeds per model are reached, or
the round's estimated cost would take the spending past the budget.

Why doubling: the confidence sequence is valid however often it is looked at, so rounds are
only a matter of cost. Doubling keeps the number of rounds logarithmic (each round waits for
its slowest episode, and a round is a batch of parallel work) while a model is never run past
twice the seeds it needed. Everything here is a function of the stored counts: the same
inputs take the same rounds, which is what lets a killed sweep recompute them and resume.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from chaos.adaptive._decide import ModelTrack
from chaos.results import EpisodeResult

__all__ = ["DEFAULT_MAX_EPISODES", "MAX_ALPHA", "AdaptiveSettings", "Cut", "RoundPlan", "RoundRun",
           "next_seed_count"]

#: Seeds per model at most, by default: enough for a model with no failure to pass a gate of
#: `max: 0.05` (the sequence's upper end reaches 0.05 after ~115 clean seeds at alpha 0.05).
DEFAULT_MAX_EPISODES = 200
#: The largest error rate accepted (see `AdaptiveSettings`).
MAX_ALPHA = 0.2


@dataclass(frozen=True)
class AdaptiveSettings:
    """What `--until-decided` was asked for.

    Attributes:
        alpha: The error rate of each gate decision.
        max_episodes: Seeds per model at most (the fixed-n design runs this many for all).
        budget_usd: Spending (USD) the run may not pass; None: no limit.
    """

    alpha: float = 0.05
    max_episodes: int = DEFAULT_MAX_EPISODES
    budget_usd: float | None = None

    def __post_init__(self) -> None:
        # Above 0.2 the sequence can be narrower than the Wilson interval gates judge, and a
        # decision could then disagree with `confidence: strict` on the same counts.
        if not 0.0 < self.alpha <= MAX_ALPHA:
            raise ValueError(f"alpha {self.alpha} must lie in (0, {MAX_ALPHA}]")
        if self.max_episodes < 1:
            raise ValueError(f"max_episodes {self.max_episodes} must be at least 1")
        # `not >= 0` also refuses nan; inf would mean no budget while saying there is one.
        if self.budget_usd is not None and not 0 <= self.budget_usd < math.inf:
            raise ValueError(f"budget_usd {self.budget_usd} must be a finite number, at least 0")


@dataclass(frozen=True)
class RoundRun:
    """One profile's part of a round.

    Attributes:
        profile: Index of the profile (in the order given).
        seeds: The seeds it runs, in order.
        models: The models still undecided, in the profile's order.
    """

    profile: int
    seeds: tuple[int, ...]
    models: tuple[str, ...]


@dataclass(frozen=True)
class RoundPlan:
    """A round about to run.

    Attributes:
        number: 1 for the first.
        runs: Each profile with undecided models.
        episodes: Episodes it runs (seeds x models x arms).
        estimated_cost_usd: What it should cost, from the cost per episode so far (None in
            round 1: nothing has run yet).
    """

    number: int
    runs: tuple[RoundRun, ...]
    episodes: int
    estimated_cost_usd: float | None


@dataclass(frozen=True)
class Cut:
    """A round not started because its estimate would pass the budget.

    Attributes:
        plan: The round that was not run.
        spent_usd: Spent before it.
    """

    plan: RoundPlan
    spent_usd: float


def next_seed_count(first: int, done: int, max_episodes: int) -> int:
    """Seeds per model after the next round: `first`, then double what ran, at most the max."""
    return min(max_episodes, first if done == 0 else 2 * done)


def model_cost(episodes: Sequence[EpisodeResult]) -> float:
    """Their summed cost in USD (exact summation: the same episodes give the same float)."""
    return math.fsum(e.usage.cost_usd for e in episodes)


def estimate(runs: Sequence[RoundRun], arms: Sequence[int], profile_names: Sequence[str],
             by_model: dict[tuple[str, str], list[EpisodeResult]]) -> float:
    """A round's cost: each model's cost per episode so far times the episodes it will run."""
    total = []
    for run in runs:
        for model in run.models:
            done = by_model.get((profile_names[run.profile], model), [])
            per_episode = model_cost(done) / len(done) if done else 0.0
            total.append(per_episode * len(run.seeds) * arms[run.profile])
    return math.fsum(total)


def undecided(tracks: dict[tuple[str, str], ModelTrack], profile: str,
              models: Sequence[str]) -> tuple[str, ...]:
    """The profile's models still open, in order."""
    return tuple(m for m in models if tracks[(profile, m)].open)
