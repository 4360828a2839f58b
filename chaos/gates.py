"""Gates: the profile's thresholds, judged on a run's episodes, for CI to act on.

Each gate is judged per model (top-level gates on every model run, `per_model` gates on theirs)
and per profile, on a rate and its Wilson 95 % interval:

- fault outcome metrics (`propagated`, `detected`, `recovered`, `silent`, `crashed`,
  `detected_or_recovered`) count the chaos-arm faults that fired, of one kind with `fault:`;
- `task_success`, `handled` and `episodes_crashed` count the episodes of one arm (`arm: chaos`
  by default) that passed their task, that were handled (`chaos.oracle.judge_handled`: the task
  passed, or what a fault made impossible was reported and nothing tainted left), or that
  crashed (could not finish).

`confidence` picks the value judged: `point` the rate; `strict` the pessimistic bound (upper for
`max`, lower for `min`); `lower` or `upper` that bound. A gate with nothing to count (no fault of
its kind fired, its arm did not run) fails: a run that cannot show the threshold holds does not
pass it. `chaos run` exits 1 when any gate fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from chaos.metrics import outcome_successes
from chaos.profile._schema import EPISODE_METRICS, GateSpecBase, OutcomeGateSpec, TaskGateSpec
from chaos.results import EpisodeResult, RunResults
from chaos.stats import wilson_interval

if TYPE_CHECKING:
    from chaos.profile import LoadedProfile

__all__ = ["GateResult", "evaluate_gates", "gates_failed", "with_gates"]


@dataclass(frozen=True)
class GateResult:
    """One gate judged on one model's episodes of one profile.

    Attributes:
        profile: The profile's name.
        model: The model id.
        metric: The gate's metric (`propagated`, `task_success`...).
        fault: The fault kind judged alone, or None for every kind pooled.
        arm: The arm counted (`chaos` for fault outcomes).
        op: `max` (the value must not exceed the threshold) or `min` (must reach it).
        threshold: The threshold, a rate in [0, 1].
        confidence: As written in the profile: point, strict, lower or upper.
        judged_on: The value compared: `point`, or the `lower` / `upper` interval bound.
        successes: What the metric counted.
        trials: Out of how many (faults that fired, or episodes).
        low: The Wilson 95 % interval's lower bound.
        high: Its upper bound.
    """

    profile: str
    model: str
    metric: str
    fault: str | None
    arm: Literal["clean", "chaos"]
    op: Literal["min", "max"]
    threshold: float
    confidence: str
    judged_on: Literal["point", "lower", "upper"]
    successes: int
    trials: int
    low: float
    high: float

    @property
    def value(self) -> float | None:
        """The rate, None when there was nothing to count."""
        return self.successes / self.trials if self.trials else None

    @property
    def judged(self) -> float | None:
        """The value compared with the threshold."""
        if self.value is None:
            return None
        return {"point": self.value, "lower": self.low, "upper": self.high}[self.judged_on]

    @property
    def passed(self) -> bool:
        """Whether the gate holds; never with nothing to count."""
        judged = self.judged
        if judged is None:
            return False
        return judged <= self.threshold if self.op == "max" else judged >= self.threshold

    @property
    def message(self) -> str:
        """One line: verdict, model, metric, value, interval, threshold, profile."""
        verdict = "gate passed" if self.passed else "gate failed"
        what = f"{self.model} {self.metric}"
        if self.fault is not None:
            what += f" ({self.fault})"
        if self.metric in EPISODE_METRICS:
            what += f" ({self.arm} arm)"
        rule = f"{self.op} {self.threshold:g}"
        where = f"(profile {self.profile})"
        judged = self.judged
        if judged is None:
            nothing = (f"no {self.arm}-arm episode ran" if self.metric in EPISODE_METRICS
                       else "no fault" + (" of this kind" if self.fault else "") + " fired")
            return f"{verdict}: {what} has no data ({nothing}); {rule} cannot be judged {where}"
        n = enough_decimals(judged, self.threshold)
        shown = (f"{self.successes}/{self.trials} = {self.value:.{n}f} "
                 f"[{self.low:.{n}f}, {self.high:.{n}f}]")
        sign = ("<=" if self.passed else ">") if self.op == "max" else (
            ">=" if self.passed else "<")
        if self.judged_on == "point":
            return f"{verdict}: {what} {shown} {sign} {rule} {where}"
        return (f"{verdict}: {what} {shown}, {self.judged_on} bound {judged:.{n}f} {sign} "
                f"{rule} {where}")

    def to_json(self) -> dict[str, Any]:
        """The gate as results.json's `summary.gates` lists it."""
        value = self.value
        return {
            "profile": self.profile,
            "model": self.model,
            "metric": self.metric,
            "fault": self.fault,
            "arm": self.arm,
            "op": self.op,
            "threshold": self.threshold,
            "confidence": self.confidence,
            "judged_on": self.judged_on,
            "successes": self.successes,
            "trials": self.trials,
            "value": None if value is None else round(value, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "passed": self.passed,
            "message": self.message,
        }


def enough_decimals(judged: float, threshold: float) -> int:
    """Decimals enough that a value just over a threshold does not print equal to it."""
    n = 2
    while n < 6 and judged != threshold and f"{judged:.{n}f}" == f"{threshold:.{n}f}":
        n += 1
    return n


def _judge(profile: str, model: str, metric: str, gate: GateSpecBase,
           episodes: list[EpisodeResult]) -> GateResult:
    if isinstance(gate, TaskGateSpec):
        arm = gate.arm
        runs = [e for e in episodes if e.arm == arm]
        if metric == "episodes_crashed":
            counted = (e.status == "crashed" for e in runs)
        elif metric == "handled":
            counted = (bool(e.handled) for e in runs)
        else:
            counted = (e.task.passed for e in runs)
        successes, trials = sum(counted), len(runs)
        fault = None
    else:
        assert isinstance(gate, OutcomeGateSpec)
        arm, fault = "chaos", gate.fault
        faults = [f for e in episodes if e.arm == "chaos" for f in e.faults
                  if fault is None or f.kind == fault]
        successes, trials = outcome_successes(faults, metric)
    op: Literal["min", "max"] = "max" if gate.max is not None else "min"
    threshold = gate.max if gate.max is not None else gate.min
    assert threshold is not None  # the schema asks for exactly one of them
    judged_on: Literal["point", "lower", "upper"]
    if gate.confidence == "strict":
        judged_on = "upper" if op == "max" else "lower"
    else:
        judged_on = gate.confidence  # type: ignore[assignment]
    low, high = wilson_interval(successes, trials)
    return GateResult(profile, model, metric, fault, arm, op, threshold, gate.confidence,
                      judged_on, successes, trials, low, high)


def evaluate_gates(results: RunResults, profiles: Sequence[LoadedProfile]) -> list[GateResult]:
    """Judge every profile's gates on the run's episodes.

    Args:
        results: The run.
        profiles: The loaded profiles the run ran; each one's gates are judged on its own
            episodes. `per_model` gates of a model that did not run are not judged.

    Returns:
        One result per gate and model, by profile (as given), model (sorted), then the
        top-level gates in metric order followed by the model's own.
    """
    out: list[GateResult] = []
    for loaded in profiles:
        profile = loaded.profile
        by_model: dict[str, list[EpisodeResult]] = {}
        for episode in results.episodes:
            if episode.profile == profile.name:
                by_model.setdefault(episode.model, []).append(episode)
        for model in sorted(by_model):
            gates = profile.gates.metric_gates()
            if model in profile.gates.per_model:
                gates += profile.gates.per_model[model].metric_gates()
            out += [_judge(profile.name, model, metric, gate, by_model[model])
                    for metric, _, gate in gates]
    return out


def gates_failed(gates: Sequence[GateResult]) -> list[GateResult]:
    """The gates that did not pass."""
    return [g for g in gates if not g.passed]


def with_gates(results: RunResults, gates: Sequence[GateResult]) -> RunResults:
    """The results with `summary.gates` set to these gate results."""
    summary = {**results.summary, "gates": [g.to_json() for g in gates]}
    return results.model_copy(update={"summary": summary})
