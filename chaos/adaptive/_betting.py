"""A sequential test by betting for fault-outcome gates, whose trials come in episodes.

A fault-outcome gate (`propagated`, `detected`...) judges the pooled ratio R = E[X] / E[N]
over the chaos-arm faults: X counted faults and N scored faults in one episode, at most K
(the profile's faults of the gated kind). The faults of one episode are not independent (a
model that leaks one decoy leaks the next), so they are no Bernoulli trials; the episodes
(seeds) are the independent units. Per episode

    Y_i = X_i - t * N_i,  in [-t K, (1 - t) K],

and R <= t exactly when E[Y] <= 0. Two nonnegative supermartingales (testing by betting;
Waudby-Smith and Ramdas 2023, "Estimating means of bounded random variables by betting",
JRSS-B) bet on the sign of E[Y]:

    down_n = prod (1 - lambda_i Y_i)   (a supermartingale while E[Y] >= 0)
    up_n   = prod (1 + lambda_i Y_i)   (a supermartingale while E[Y] <= 0)

with each lambda_i chosen from episodes before i only (predictable): the aGRAPA bet
mu / (sigma^2 + mu^2) on the past's scaled mean and variance, clipped to [0, c / bound] with
c = 1/2, so no factor is below 1/2. Ville's inequality: P(sup_n W_n >= 2/alpha) <= alpha/2 for
each under its null. `down` crossing 2/alpha shows E[Y] < 0 (R < t), `up` shows E[Y] > 0
(R > t); a gate is decided at the first episode where one of them crosses, so a wrong
decision (either way) has probability at most alpha, however many rounds looked.

Episodes enter in seed order; the bets are float arithmetic in that fixed order, so the same
episodes give the same bits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["BET_CAP", "BettingTest", "EpisodeBets", "bet_on_episodes"]

#: c: the largest bet as a share of what keeps a factor nonnegative (Waudby-Smith and
#: Ramdas use 1/2 or 3/4; 1/2 loses less when early episodes mislead).
BET_CAP = 0.5
#: The variance the bet assumes before any episode (scaled units), as the paper's 1/4.
_PRIOR_VARIANCE = 0.25


@dataclass(frozen=True)
class BettingTest:
    """Where the two bets stand after some episodes.

    Attributes:
        episodes: Episodes bet on (chaos-arm, in seed order).
        successes: Faults counted, summed.
        trials: Faults scored, summed.
        shown: `below` (R < t shown), `above` (R > t shown) or None (neither yet).
        at_episode: The episode (1-based) where it was shown.
        log_down: log of the wealth betting R < t.
        log_up: log of the wealth betting R > t.
    """

    episodes: int
    successes: int
    trials: int
    shown: Literal["below", "above"] | None
    at_episode: int | None
    log_down: float
    log_up: float


class _Bettor:
    """One bettor on the sign of E[Z] > 0, Z scaled to at least -`floor` (floor >= 0)."""

    def __init__(self, floor: float) -> None:
        self.cap = math.inf if floor <= 0 else BET_CAP / floor
        self.log_wealth = 0.0
        self.total = 0.0
        self.squares = _PRIOR_VARIANCE
        self.seen = 0

    def bet(self, z: float) -> None:
        mean = self.total / (self.seen + 1)
        variance = self.squares / (self.seen + 1)
        # A floor of 0 (z never negative) leaves the cap infinite: any stake is safe there.
        stake = 0.0 if mean <= 0 else min(self.cap, mean / (variance + mean * mean))
        factor = 1.0 + stake * z
        self.log_wealth = -math.inf if factor <= 0 else self.log_wealth + math.log(factor)
        self.seen += 1
        self.total += z
        centre = self.total / (self.seen + 1)
        self.squares += (z - centre) ** 2


class EpisodeBets:
    """Both bets, fed one episode at a time (`bet_on_episodes` feeds a whole sequence).

    Args:
        threshold: t, the gate's threshold, in [0, 1].
        bound: K, the most faults an episode can score (the profile's faults of the kind).
        alpha: The error rate of a decision (each side gets alpha / 2).

    Raises:
        ValueError: alpha out of (0, 1) or threshold out of [0, 1].
    """

    def __init__(self, threshold: float, bound: int, alpha: float) -> None:
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"alpha {alpha} must lie strictly between 0 and 1")
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold {threshold} must lie in [0, 1]")
        self.threshold, self.scale = threshold, max(bound, 1)
        # down bets on -Y/K, which is at least -(1 - t); up bets on Y/K, at least -t.
        self.down, self.up = _Bettor(1.0 - threshold), _Bettor(threshold)
        self.level = math.log(2.0 / alpha)
        self.shown: Literal["below", "above"] | None = None
        self.at: int | None = None
        self.episodes = self.successes = self.trials = 0

    def add(self, counted: int, scored: int) -> None:
        """Bet on one more episode: `counted` of its `scored` faults."""
        self.episodes += 1
        self.successes += counted
        self.trials += scored
        y = (counted - self.threshold * scored) / self.scale
        self.down.bet(-y)
        self.up.bet(y)
        if self.shown is None:
            if self.down.log_wealth >= self.level:
                self.shown, self.at = "below", self.episodes
            elif self.up.log_wealth >= self.level:
                self.shown, self.at = "above", self.episodes

    def result(self) -> BettingTest:
        """Where the bets stand."""
        return BettingTest(self.episodes, self.successes, self.trials, self.shown, self.at,
                           self.down.log_wealth, self.up.log_wealth)


def bet_on_episodes(counts: Sequence[tuple[int, int]], threshold: float, bound: int,
                    alpha: float) -> BettingTest:
    """Bet on the episodes' (counted, scored) faults, in order, until one side is shown.

    Args:
        counts: Per chaos-arm episode in seed order: (faults counted, faults scored).
        threshold: t, the gate's threshold, in [0, 1].
        bound: K, the most faults an episode can score (the profile's faults of the kind).
        alpha: The error rate of a decision (each side gets alpha / 2).

    Raises:
        ValueError: alpha out of (0, 1) or threshold out of [0, 1].
    """
    bets = EpisodeBets(threshold, bound, alpha)
    for counted, scored in counts:
        bets.add(counted, scored)
    return bets.result()
