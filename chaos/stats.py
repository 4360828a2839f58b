"""Statistics for small samples of episodes: Wilson intervals, pass^k, exact McNemar tests.

Pure functions over counts and paired booleans; nothing here knows about episodes, models or
profiles. Exact arithmetic (integers and fractions) is used wherever it is cheap, so the same
counts always give the same float, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "Z95",
    "PairedComparison",
    "mcnemar_exact",
    "paired_comparison",
    "pass_hat_k",
    "wilson_interval",
]

#: The standard normal quantile for a two-sided 95 % interval.
Z95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % by default).

    Unlike the textbook Wald interval it stays inside [0, 1] and does not collapse to a point
    at 0/n or n/n, which is where small runs of agents usually are.

    Args:
        successes: How many trials succeeded.
        trials: How many trials there were.
        z: The normal quantile of the confidence level.

    Returns:
        (low, high); (0.0, 1.0) when there are no trials: nothing is known.

    Raises:
        ValueError: If the counts are negative or successes exceed trials.
    """
    if trials < 0 or not 0 <= successes <= max(trials, 0):
        raise ValueError(f"need 0 <= successes <= trials, got {successes}/{trials}")
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    # At 0/n and n/n the bound is exactly 0 or 1; rounding error must not move it off.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def pass_hat_k(tasks: Sequence[tuple[int, int]], k: int) -> float:
    """pass^k as τ-bench defines it (Yao et al. 2024): every one of k trials succeeds.

    For a task tried n times with c successes, C(c, k) / C(n, k) is the unbiased estimate of
    the chance that k independent trials of it all succeed; pass^k is its mean over tasks.
    pass^1 is the plain success rate; pass^k can only fall as k grows, and the fall shows how
    inconsistent an agent is.

    Args:
        tasks: One (trials n, successes c) pair per task.
        k: How many trials must all succeed; at most every task's n.

    Returns:
        pass^k, in [0, 1].

    Raises:
        ValueError: With no tasks, k < 1, a task with fewer than k trials, or bad counts.
    """
    if not tasks:
        raise ValueError("pass^k needs at least one task")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    total = Fraction(0)
    for n, c in tasks:
        if not 0 <= c <= n:
            raise ValueError(f"need 0 <= successes <= trials, got {c}/{n}")
        if n < k:
            raise ValueError(f"pass^{k} needs at least {k} trials per task; a task has {n}")
        total += Fraction(math.comb(c, k), math.comb(n, k))
    return float(total / len(tasks))


def mcnemar_exact(first_only: int, second_only: int) -> float:
    """Two-sided exact McNemar test: a binomial test of the discordant pairs against 1/2.

    Under the null hypothesis that both sides succeed equally often, each discordant pair is
    equally likely to favour either side; p = min(1, 2 P(X <= min(b, c))) with
    X ~ Binomial(b + c, 1/2). This is what statsmodels' `mcnemar(table, exact=True)` and
    scipy's `binomtest(min(b, c), b + c)` give.

    Args:
        first_only: Pairs where only the first side succeeded (b).
        second_only: Pairs where only the second side succeeded (c).

    Returns:
        The p-value; 1.0 when there is no discordant pair (no evidence of a difference).

    Raises:
        ValueError: If a count is negative.
    """
    if first_only < 0 or second_only < 0:
        raise ValueError(f"counts must not be negative, got {first_only}, {second_only}")
    n = first_only + second_only
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(first_only, second_only) + 1))
    return float(min(Fraction(2 * tail, 2**n), Fraction(1)))


@dataclass(frozen=True)
class PairedComparison:
    """Two success rates measured on the same units (seeds), and whether they differ.

    Attributes:
        pairs: Units where both sides were measured.
        first_successes: Pairs where the first side succeeded.
        second_successes: Pairs where the second side succeeded.
        first_only: Pairs where only the first side succeeded.
        second_only: Pairs where only the second side succeeded.
        p_value: Exact McNemar p-value of the discordant pairs.
    """

    pairs: int
    first_successes: int
    second_successes: int
    first_only: int
    second_only: int
    p_value: float

    @property
    def first_rate(self) -> float | None:
        """The first side's success rate, None with no pairs."""
        return self.first_successes / self.pairs if self.pairs else None

    @property
    def second_rate(self) -> float | None:
        """The second side's success rate, None with no pairs."""
        return self.second_successes / self.pairs if self.pairs else None

    @property
    def difference(self) -> float | None:
        """First rate minus second rate, None with no pairs."""
        return (self.first_successes - self.second_successes) / self.pairs if self.pairs else None


def paired_comparison(pairs: Sequence[tuple[bool, bool]]) -> PairedComparison:
    """Compare two sides measured on the same units, with an exact McNemar test.

    Args:
        pairs: One (first succeeded, second succeeded) pair per unit.

    Returns:
        The counts, rates, difference and p-value.
    """
    first_only = sum(a and not b for a, b in pairs)
    second_only = sum(b and not a for a, b in pairs)
    return PairedComparison(
        pairs=len(pairs),
        first_successes=sum(a for a, _ in pairs),
        second_successes=sum(b for _, b in pairs),
        first_only=first_only,
        second_only=second_only,
        p_value=mcnemar_exact(first_only, second_only),
    )
