"""The strict decision rule and the "N more seeds would settle it" estimate."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaos.gates import GateResult
from chaos.recommend import MAX_MORE_SEEDS, evidence, gate_decision, seeds_to_settle
from chaos.stats import wilson_interval


def gate(successes: int, trials: int, op: str = "max", threshold: float = 0.05,
         metric: str = "propagated", fault: str | None = "fs.decoy") -> GateResult:
    low, high = wilson_interval(successes, trials)
    arm = "chaos"
    return GateResult("p", "m", metric, fault, arm, op, threshold, "strict",  # type: ignore[arg-type]
                      "upper" if op == "max" else "lower", successes, trials, low, high)


@pytest.mark.parametrize(("successes", "trials", "op", "threshold", "decision"), [
    (0, 80, "max", 0.05, "pass"),        # upper 0.046 <= 0.05
    (0, 20, "max", 0.05, "undecided"),   # [0, 0.16] straddles 0.05
    (6, 20, "max", 0.05, "fail"),        # lower 0.15 > 0.05
    (20, 20, "min", 0.8, "pass"),        # lower 0.84 >= 0.8
    (9, 10, "min", 0.8, "undecided"),    # [0.60, 0.98]
    (3, 20, "min", 0.8, "fail"),         # upper 0.36 < 0.8
    (0, 0, "max", 0.05, "undecided"),    # nothing to count: never a pass
    (0, 0, "min", 0.0, "undecided"),
])
def test_the_strict_rule(successes, trials, op, threshold, decision):
    assert gate_decision(gate(successes, trials, op, threshold)) == decision


def test_the_rule_ignores_the_confidence_the_gate_was_written_with():
    # A point gate 0/20 <= 0.05 passes as written; strictly, the interval still straddles it.
    written = gate(0, 20)
    point = GateResult(**{**written.__dict__, "confidence": "point", "judged_on": "point"})
    assert point.passed
    assert gate_decision(point) == "undecided"


def test_the_evidence_reads_as_the_issue_writes_it():
    assert evidence(gate(6, 20)) == "propagated fs.decoy 6/20 [0.15, 0.52] > max 0.05"
    assert evidence(gate(3, 20, "min", 0.8, "handled", None)) == (
        "handled (chaos arm) 3/20 [0.05, 0.36] < min 0.8")
    assert evidence(gate(0, 20)) == "propagated fs.decoy 0/20 [0.00, 0.16] straddles max 0.05"
    assert evidence(gate(0, 0)) == (
        "propagated fs.decoy has no data (no fault of this kind fired); max 0.05 cannot be "
        "judged")


def test_a_bound_just_past_the_threshold_shows_enough_digits():
    # 0/72: upper 0.0507, just over 0.05: two decimals would print "0.05 straddles max 0.05".
    assert evidence(gate(0, 72)) == "propagated fs.decoy 0/72 [0.000, 0.051] straddles max 0.05"
    assert evidence(gate(0, 73)) == "propagated fs.decoy 0/73 [0.00000, 0.04999] <= max 0.05"


def test_the_estimate_is_the_seed_count_that_decides():
    # handled 6/6 against min 0.7: 8/8 still straddles, 9/9 passes (1 trial per seed).
    handled = gate(6, 6, "min", 0.7, "handled", None)
    assert seeds_to_settle(handled, 1.0) == 3
    assert gate_decision(gate(8, 8, "min", 0.7)) == "undecided"
    assert gate_decision(gate(9, 9, "min", 0.7)) == "pass"
    # Faults: 0/20 propagated, 2 of the kind firing per seed: 0/74 is the first to pass.
    assert seeds_to_settle(gate(0, 20), 2.0) == 27
    assert gate_decision(gate(0, 72)) == "undecided"
    assert gate_decision(gate(0, 74)) == "pass"


def test_a_failing_rate_is_settled_towards_fail():
    # 2/10 against max 0.05: [0.06, 0.51] already fails; 1/10 straddles and needs more.
    assert seeds_to_settle(gate(2, 10), 1.0) == 0
    n = seeds_to_settle(gate(1, 10), 1.0)
    assert n is not None and n > 0
    # At 10 % the interval leaves 0.05 from below after those seeds, not one seed earlier.
    assert _bounds(0.1, 10 + n)[0] > 0.05 >= _bounds(0.1, 10 + n - 1)[0]
    assert gate_decision(gate(10, 100)) == "fail"  # e.g. 10/100: [0.055, 0.17]


def test_a_rate_on_the_threshold_cannot_be_settled():
    assert seeds_to_settle(gate(1, 20, "max", 0.05), 1.0) is None
    assert seeds_to_settle(gate(0, 20, "max", 0.0), 1.0) is None


def test_a_zero_rate_against_a_zero_maximum_cannot_be_settled_and_never_fails():
    # 0 crashes of 6 against max 0: the upper bound never reaches 0, the lower bound is 0.
    crashed = gate(0, 6, "max", 0.0, "episodes_crashed", None)
    assert gate_decision(crashed) == "undecided"
    assert seeds_to_settle(crashed, 1.0) is None
    assert gate_decision(gate(6, 6, "min", 1.0)) == "undecided"
    assert seeds_to_settle(gate(6, 6, "min", 1.0), 1.0) is None


def test_no_data_and_a_hopeless_margin_give_no_estimate():
    assert seeds_to_settle(gate(0, 0), 1.0) is None
    # 5001/10000 against max 0.5: ~100 million trials would be needed, past the cap.
    assert seeds_to_settle(gate(5001, 10_000, "max", 0.5), 1.0) is None
    assert MAX_MORE_SEEDS == 100_000


@given(st.integers(1, 60), st.integers(0, 60), st.sampled_from([0.05, 0.1, 0.3, 0.7, 0.9]),
       st.sampled_from(["min", "max"]))
def test_the_estimate_is_the_smallest_count_that_decides(trials, successes, threshold, op):
    successes = min(successes, trials)
    g = gate(successes, trials, op, threshold)
    n = seeds_to_settle(g, 1.0)
    if gate_decision(g) != "undecided":
        assert n == 0
        return
    if n is None:
        return
    rate = successes / trials

    def decided(extra: int) -> bool:
        # At the same rate over more trials (scaled counts, as the estimate assumes).
        low, high = _bounds(rate, trials + extra)
        return (high <= threshold or low > threshold) if op == "max" else (
            low >= threshold or high < threshold)

    assert decided(n) and not decided(n - 1)


def _bounds(rate: float, n: float) -> tuple[float, float]:
    import math

    from chaos.stats import Z95
    z2 = Z95 * Z95
    denom = 1 + z2 / n
    centre = (rate + z2 / (2 * n)) / denom
    half = Z95 * math.sqrt(rate * (1 - rate) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
