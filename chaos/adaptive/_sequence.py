"""An anytime-valid confidence sequence for a binomial rate.

Robbins' beta-binomial mixture martingale (Robbins 1970; Howard, Ramdas, McAuliffe and
Sekhon 2021, "Time-uniform, nonparametric, nonasymptotic confidence sequences", section 3.5):
for a rate p, after `s` successes in `n` Bernoulli trials,

    M_n(p) = B(a + s, b + n - s) / B(a, b) / (p^s (1 - p)^(n - s))

is a nonnegative martingale with M_0 = 1 when p is the true rate (it is the likelihood ratio
of a Beta(a, b) mixture against p). Ville's inequality gives
P(M_n(p) >= 1/alpha for some n) <= alpha, so the sets

    C_n = {p : M_n(p) < 1/alpha}

hold the true rate at every n at once with probability at least 1 - alpha: looking after
every round, or every trial, costs nothing. C_n is an interval (log M_n is convex in p); its
ends are found by bisection in log space with `math.lgamma`, a fixed number of steps, so the
same counts give the same bits on every machine.

The prior is Jeffreys' Beta(1/2, 1/2): it keeps the interval tight near 0 and 1, where gates'
thresholds sit (propagated at most 0.05, handled at least 0.9).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

__all__ = ["PRIOR", "SequenceInterval", "confidence_sequence", "log_mixture_martingale"]

#: The mixture's Beta prior (a, b): Jeffreys'.
PRIOR = (0.5, 0.5)
#: Bisection steps: 2**-60 of [0, 1] is below a double's spacing near any bound we print.
_STEPS = 60


@dataclass(frozen=True)
class SequenceInterval:
    """The confidence sequence's interval after `successes` of `trials`.

    Attributes:
        successes: What was counted.
        trials: Out of how many.
        alpha: The error rate: the true rate leaves the sequence at some trial count with
            probability at most alpha.
        low: The interval's lower end.
        high: Its upper end.
    """

    successes: int
    trials: int
    alpha: float
    low: float
    high: float


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def log_mixture_martingale(successes: int, trials: int, rate: float) -> float:
    """The log of the mixture martingale M_n at `rate` (inf when rate is impossible).

    Args:
        successes: Successes so far.
        trials: Trials so far.
        rate: The rate tested, in [0, 1].
    """
    a, b = PRIOR
    return _log_martingale(_log_beta(a + successes, b + trials - successes) - _log_beta(a, b),
                           successes, trials, rate)


def _log_martingale(log_mix: float, successes: int, trials: int, rate: float) -> float:
    failures = trials - successes
    if (rate <= 0.0 and successes) or (rate >= 1.0 and failures):
        return math.inf
    log_like = ((successes * math.log(rate) if successes else 0.0)
                + (failures * math.log1p(-rate) if failures else 0.0))
    return log_mix - log_like


def _edge(log_mix: float, successes: int, trials: int, inside: float, outside: float,
          level: float) -> float:
    """The point between `inside` (in the set) and `outside` (not in it) where the set ends."""
    for _ in range(_STEPS):
        middle = (inside + outside) / 2
        if _log_martingale(log_mix, successes, trials, middle) < level:
            inside = middle
        else:
            outside = middle
    return inside


@functools.lru_cache(maxsize=4096)
def confidence_sequence(successes: int, trials: int, alpha: float = 0.05) -> SequenceInterval:
    """The interval {p : M_n(p) < 1/alpha} after `successes` of `trials`.

    With no trials it is [0, 1]. Its ends are rounded outwards to the bisection's last inside
    point, so the interval never claims more than the sequence does.

    Args:
        successes: Successes counted (0 <= successes <= trials).
        trials: Trials so far.
        alpha: The error rate, in (0, 1).

    Raises:
        ValueError: Counts or alpha out of range.
    """
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} must lie in 0..trials ({trials})")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha {alpha} must lie strictly between 0 and 1")
    if trials == 0:
        return SequenceInterval(0, 0, alpha, 0.0, 1.0)
    level = math.log(1.0 / alpha)
    a, b = PRIOR
    log_mix = _log_beta(a + successes, b + trials - successes) - _log_beta(a, b)

    def inside(rate: float) -> bool:
        return _log_martingale(log_mix, successes, trials, rate) < level

    # The maximum likelihood rate has the smallest M_n; it is inside unless alpha is huge.
    centre = successes / trials
    if not inside(centre):
        return SequenceInterval(successes, trials, alpha, centre, centre)
    low = 0.0 if inside(0.0) else _edge(log_mix, successes, trials, centre, 0.0, level)
    high = 1.0 if inside(1.0) else _edge(log_mix, successes, trials, centre, 1.0, level)
    return SequenceInterval(successes, trials, alpha, low, high)
