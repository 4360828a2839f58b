import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaos.metrics import wilson_interval as reexported
from chaos.stats import mcnemar_exact, paired_comparison, pass_hat_k, wilson_interval

# Wilson 95 % intervals, (successes, trials, low, high).
# The first four are Newcombe (1998), "Two-sided confidence intervals for the single proportion:
# comparison of seven methods", Statistics in Medicine 17:857-872, Table I, method 3 (score
# interval without continuity correction), printed to 4 decimals. The rest were computed once
# with statsmodels 0.15.0, `proportion_confint(c, n, alpha=0.05, method="wilson")`, to 6
# decimals.
NEWCOMBE_1998 = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]
STATSMODELS = [
    (0, 3, 0.0, 0.561497),
    (3, 3, 0.438503, 1.0),
    (5, 10, 0.236593, 0.763407),
    (18, 20, 0.698966, 0.972134),
    (1, 1, 0.206549, 1.0),
]


@pytest.mark.parametrize(("c", "n", "low", "high"), NEWCOMBE_1998)
def test_wilson_matches_newcombes_table(c, n, low, high):
    got = wilson_interval(c, n)
    assert (round(got[0], 4), round(got[1], 4)) == (low, high)


@pytest.mark.parametrize(("c", "n", "low", "high"), STATSMODELS)
def test_wilson_matches_statsmodels(c, n, low, high):
    got = wilson_interval(c, n)
    assert (round(got[0], 6), round(got[1], 6)) == (low, high)


def test_metrics_keeps_exporting_the_same_wilson_interval():
    assert reexported is wilson_interval


def test_no_trials_means_nothing_is_known():
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("c", "n"), [(-1, 3), (4, 3), (0, -1)])
def test_impossible_counts_are_refused(c, n):
    with pytest.raises(ValueError, match="successes <= trials"):
        wilson_interval(c, n)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_holds_the_estimate_inside_unit_range_and_is_symmetric(counts):
    c, n = counts
    low, high = wilson_interval(c, n)
    assert 0.0 <= low <= c / n <= high <= 1.0
    mirror_low, mirror_high = wilson_interval(n - c, n)
    assert math.isclose(low, 1 - mirror_high, abs_tol=1e-12)
    assert math.isclose(high, 1 - mirror_low, abs_tol=1e-12)


# pass^k on constructed data, by hand: C(c, k) / C(n, k).
# One task, 5 seeds, 3 passed: 3/5, C(3,2)/C(5,2) = 3/10, C(3,3)/C(5,3) = 1/10, then 0.
@pytest.mark.parametrize(("k", "expected"), [(1, 0.6), (2, 0.3), (3, 0.1), (4, 0.0), (5, 0.0)])
def test_pass_k_of_one_task(k, expected):
    assert pass_hat_k([(5, 3)], k) == pytest.approx(expected, abs=1e-15)


def test_pass_k_is_the_mean_over_tasks():
    # Task A: 5 tries, 3 passed -> pass^2 = 3/10; task B: 4 tries, all passed -> 1;
    # task C: 4 tries, 2 passed -> C(2,2)/C(4,2) = 1/6. Mean: (0.3 + 1 + 1/6) / 3 = 22/45.
    assert pass_hat_k([(5, 3), (4, 4), (4, 2)], 2) == pytest.approx(22 / 45, abs=1e-15)


def test_pass_k_needs_k_tries_per_task():
    with pytest.raises(ValueError, match="at least 3 trials"):
        pass_hat_k([(5, 3), (2, 2)], 3)
    with pytest.raises(ValueError, match="at least one task"):
        pass_hat_k([], 1)
    with pytest.raises(ValueError, match="at least 1"):
        pass_hat_k([(5, 3)], 0)


@given(st.lists(st.integers(1, 30).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
                min_size=1, max_size=6))
def test_pass_k_starts_at_the_success_rate_and_never_rises(tasks):
    mean_rate = sum(c / n for n, c in tasks) / len(tasks)
    assert pass_hat_k(tasks, 1) == pytest.approx(mean_rate)
    values = [pass_hat_k(tasks, k) for k in range(1, min(n for n, _ in tasks) + 1)]
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))


# Exact McNemar p-values, (b, c, p). By hand: p = min(1, 2 * sum_{i<=min(b,c)} C(b+c, i) / 2^(b+c)).
# (0, 5): 2/32; (1, 9): 2 * 11/1024; (2, 8): 2 * 56/1024; (4, 0): 2/16; (0, 20): 2/2^20;
# (3, 3): capped at 1. (10, 25) was computed once with scipy 1.17.1 `binomtest(10, 35).pvalue`
# and statsmodels 0.15.0 `mcnemar([[0, 10], [25, 0]], exact=True).pvalue` (both agree).
MCNEMAR = [
    (0, 5, 0.0625),
    (1, 9, 0.021484375),
    (2, 8, 0.109375),
    (4, 0, 0.125),
    (0, 20, 1.9073486328125e-06),
    (3, 3, 1.0),
    (10, 25, 0.016673847800120715),
]


@pytest.mark.parametrize(("b", "c", "p"), MCNEMAR)
def test_mcnemar_exact_matches_hand_and_scipy_values(b, c, p):
    assert mcnemar_exact(b, c) == pytest.approx(p, rel=1e-12)
    assert mcnemar_exact(c, b) == mcnemar_exact(b, c)


def test_mcnemar_without_discordant_pairs_shows_no_difference():
    assert mcnemar_exact(0, 0) == 1.0
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 2)


def test_paired_comparison_counts_the_discordant_pairs():
    # 6 units: both succeed on 2, only the first on 3, only the second on 1.
    pairs = [(True, True)] * 2 + [(True, False)] * 3 + [(False, True)]
    result = paired_comparison(pairs)
    assert (result.pairs, result.first_successes, result.second_successes) == (6, 5, 3)
    assert (result.first_only, result.second_only) == (3, 1)
    assert result.first_rate == pytest.approx(5 / 6)
    assert result.difference == pytest.approx(2 / 6)
    # 4 discordant pairs, 1 against: 2 * (1 + 4) / 16.
    assert result.p_value == pytest.approx(10 / 16)


def test_paired_comparison_of_nothing_has_no_rates():
    result = paired_comparison([])
    assert (result.pairs, result.first_rate, result.difference, result.p_value) == (
        0, None, None, 1.0)
