"""Gates judged at strict confidence: pass, fail or undecided, and how many seeds would settle it.

The rule (on a run's final counts; `--until-decided` decides along the way with its own
sequential tests, `chaos.adaptive`): a gate **passes** when the pessimistic end of its Wilson
95 % interval meets the threshold (upper <= max, lower >= min), **fails** when even the
optimistic end misses it (lower > max, upper < min: the whole interval on the wrong side), and
is **undecided** otherwise. A gate with nothing to count (no fault of its kind fired, its arm
did not run) is undecided ("no data"), never passed.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from chaos.gates import GateResult, enough_decimals
from chaos.profile._schema import EPISODE_METRICS
from chaos.stats import Z95, wilson_interval

__all__ = ["MAX_MORE_SEEDS", "Decision", "evidence", "gate_decision", "gate_from_json",
           "gate_name", "seeds_to_settle"]

Decision = Literal["pass", "fail", "undecided"]

#: The most extra seeds the estimate searches; beyond, "more than this" is said.
MAX_MORE_SEEDS = 100_000


def gate_decision(gate: GateResult) -> Decision:
    """The strict decision of a gate, whatever confidence it was written with.

    Args:
        gate: A judged gate (its successes and trials are what count).

    Returns:
        `pass`, `fail` or `undecided` (also with nothing to count).
    """
    if gate.trials == 0:
        return "undecided"
    low, high = wilson_interval(gate.successes, gate.trials)
    if gate.op == "max":
        return "pass" if high <= gate.threshold else "fail" if low > gate.threshold else (
            "undecided")
    return "pass" if low >= gate.threshold else "fail" if high < gate.threshold else "undecided"


def gate_from_json(data: dict[str, Any]) -> GateResult:
    """A gate as results.json's `summary.gates` lists it, back as a GateResult.

    The interval is recomputed from the counts (the file rounds it to 4 decimals).
    """
    low, high = wilson_interval(int(data["successes"]), int(data["trials"]))
    return GateResult(data["profile"], data["model"], data["metric"], data.get("fault"),
                      data["arm"], data["op"], float(data["threshold"]), data["confidence"],
                      data["judged_on"], int(data["successes"]), int(data["trials"]), low, high)


def _bounds(rate: float, trials: float) -> tuple[float, float]:
    """Wilson bounds of a rate held fixed over a (possibly fractional) number of trials."""
    z2 = Z95 * Z95
    denom = 1 + z2 / trials
    centre = (rate + z2 / (2 * trials)) / denom
    half = Z95 * math.sqrt(rate * (1 - rate) / trials + z2 / (4 * trials * trials)) / denom
    # At 0 and 1 the bound is exactly 0 or 1, as `wilson_interval` has it: rounding error must
    # not lift a 0 % rate off a `max: 0` threshold.
    low = 0.0 if rate == 0 else max(0.0, centre - half)
    high = 1.0 if rate == 1 else min(1.0, centre + half)
    return low, high


def _settled(gate: GateResult, rate: float, trials: float) -> bool:
    low, high = _bounds(rate, trials)
    if gate.op == "max":
        return high <= gate.threshold or low > gate.threshold
    return low >= gate.threshold or high < gate.threshold


def seeds_to_settle(gate: GateResult, trials_per_seed: float) -> int | None:
    """The fewest extra seeds after which the gate would be decided, if its rate held.

    The observed rate is assumed to stay as it is while each extra seed adds
    `trials_per_seed` trials (faults of the kind that fired per chaos episode, or 1 for
    episode metrics); the answer is the smallest count whose Wilson interval lies wholly on one
    side of the threshold.

    Args:
        gate: An undecided gate with data.
        trials_per_seed: Trials one more seed brings, on this run's average.

    Returns:
        The seed count (0 when already decided), or None when no count settles it: the rate
        sits on the threshold, there is no data, or more than `MAX_MORE_SEEDS` would be needed.
    """
    if gate.trials == 0 or trials_per_seed <= 0:
        return None
    if gate_decision(gate) != "undecided":
        return 0
    rate = gate.successes / gate.trials
    if rate == gate.threshold:
        return None

    def done(seeds: int) -> bool:
        return _settled(gate, rate, gate.trials + seeds * trials_per_seed)

    # The interval shrinks towards the rate as trials grow: the first settled count is found
    # by doubling, then bisecting.
    high = 1
    while not done(high):
        if high >= MAX_MORE_SEEDS:
            return None
        high = min(2 * high, MAX_MORE_SEEDS)
    low = high // 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if done(middle) else (middle, high)
    return high


def gate_name(gate: GateResult) -> str:
    """`propagated fs.decoy`, `handled (chaos arm)`: what the gate counts."""
    name = gate.metric
    if gate.fault is not None:
        name += f" {gate.fault}"
    if gate.metric in EPISODE_METRICS:
        name += f" ({gate.arm} arm)"
    return name


def evidence(gate: GateResult) -> str:
    """The gate's counts, interval and rule: `propagated fs.decoy 6/20 [0.15, 0.52] > max 0.05`.

    The sign says where the interval lies: wholly past the threshold (`>` for a failed max,
    `<` for a failed min), wholly within it (`<=`, `>=`), or across it (`straddles`).
    """
    rule = f"{gate.op} {gate.threshold:g}"
    if gate.trials == 0:
        nothing = (f"no {gate.arm}-arm episode ran" if gate.metric in EPISODE_METRICS
                   else "no fault" + (" of this kind" if gate.fault else "") + " fired")
        return f"{gate_name(gate)} has no data ({nothing}); {rule} cannot be judged"
    decision = gate_decision(gate)
    near = gate.high if gate.op == "max" else gate.low
    far = gate.low if gate.op == "max" else gate.high
    n = max(enough_decimals(near, gate.threshold), enough_decimals(far, gate.threshold))
    shown = f"{gate.successes}/{gate.trials} [{gate.low:.{n}f}, {gate.high:.{n}f}]"
    if decision == "undecided":
        sign = "straddles"
    elif gate.op == "max":
        sign = "<=" if decision == "pass" else ">"
    else:
        sign = ">=" if decision == "pass" else "<"
    return f"{gate_name(gate)} {shown} {sign} {rule}"
