"""Gate and model decisions on the confidence sequence, kept from the round they were made.

A gate is decided `pass` when the whole sequence interval lies on its passing side (upper end
at most a `max`, lower end at least a `min`), `fail` when the whole interval lies on the
failing side (lower end above a `max`, upper end below a `min`), else `undecided`; with
nothing to count it is `undecided`. A model is decided `fail` as soon as one gate is decided
`fail` (no more seeds can change that) and `pass` once every gate is decided `pass`.

Decisions are sticky: a gate decided in round r stays decided, because the sequence holds the
true rate at every round at once (the first decision is the one whose error rate is stated).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from chaos.adaptive._sequence import SequenceInterval, confidence_sequence
from chaos.gates import GateResult

__all__ = ["Decision", "GateTrack", "ModelTrack", "decide_gate", "gate_label"]

Decision = Literal["pass", "fail", "undecided"]


def decide_gate(gate: GateResult, alpha: float) -> tuple[Decision, SequenceInterval]:
    """The gate's decision on its counts, and the sequence interval it rests on."""
    interval = confidence_sequence(gate.successes, gate.trials, alpha)
    if gate.trials == 0:
        return "undecided", interval
    if gate.op == "max":
        if interval.high <= gate.threshold:
            return "pass", interval
        if interval.low > gate.threshold:
            return "fail", interval
    else:
        if interval.low >= gate.threshold:
            return "pass", interval
        if interval.high < gate.threshold:
            return "fail", interval
    return "undecided", interval


def gate_label(gate: GateResult) -> str:
    """What a gate judges, in a few words: `propagated (fs.decoy) max 0.05`."""
    what = gate.metric + (f" ({gate.fault})" if gate.fault else "")
    if gate.metric in ("task_success", "handled", "episodes_crashed"):
        what += f" ({gate.arm} arm)"
    return f"{what} {gate.op} {gate.threshold:g}"


@dataclass
class GateTrack:
    """One gate of one model across rounds.

    Attributes:
        gate: The gate as last judged (its counts).
        decision: The decision, once made, and ever after.
        round: The round it was made in (None while undecided).
        interval: The sequence interval last computed (at the decision, once made).
    """

    gate: GateResult
    decision: Decision = "undecided"
    round: int | None = None
    interval: SequenceInterval | None = None

    def update(self, gate: GateResult, alpha: float, round_number: int) -> None:
        """Judge the gate on counts after `round_number` (a decided gate keeps its decision)."""
        if self.decision != "undecided":
            return
        self.gate = gate
        self.decision, self.interval = decide_gate(gate, alpha)
        if self.decision != "undecided":
            self.round = round_number

    def to_json(self) -> dict[str, Any]:
        """The gate's decision as `summary.adaptive` lists it."""
        gate, interval = self.gate, self.interval
        return {
            "metric": gate.metric,
            "fault": gate.fault,
            "arm": gate.arm,
            "op": gate.op,
            "threshold": gate.threshold,
            "successes": gate.successes,
            "trials": gate.trials,
            "low": None if interval is None else round(interval.low, 4),
            "high": None if interval is None else round(interval.high, 4),
            "decision": self.decision,
            "round": self.round,
        }


@dataclass
class ModelTrack:
    """One model of one profile across rounds.

    Attributes:
        profile: The profile's name.
        model: The model id.
        gates: Its gates, in `evaluate_gates` order.
        seeds: Seeds it ran so far.
        decision: `pass`, `fail`, `undecided`, `no_gates` (nothing to decide: it runs the
            first round only), or `nothing_completed` (every episode of its first round
            crashed: more seeds would crash too; exit 4 says so).
        round: The round the model was decided in.
    """

    profile: str
    model: str
    gates: list[GateTrack] = field(default_factory=list)
    seeds: int = 0
    decision: Literal["pass", "fail", "undecided", "no_gates",
                      "nothing_completed"] = "undecided"
    round: int | None = None

    @property
    def open(self) -> bool:
        """Whether more seeds could still decide it."""
        return self.decision == "undecided"

    def update(self, judged: list[GateResult], alpha: float, round_number: int,
               completed: int = 1) -> None:
        """Judge the model's gates after `round_number`; decide the model when it can be.

        Args:
            judged: Its gates judged on every episode so far.
            alpha: The error rate of each gate decision.
            round_number: The round just run.
            completed: Its episodes so far that did not crash.
        """
        if not self.open:
            return
        if not judged:
            self.decision, self.round = "no_gates", round_number
            return
        if not completed:
            self.decision, self.round = "nothing_completed", round_number
            return
        if not self.gates:
            self.gates = [GateTrack(g) for g in judged]
        for track, gate in zip(self.gates, judged, strict=True):
            track.update(gate, alpha, round_number)
        decisions = [t.decision for t in self.gates]
        if "fail" in decisions:
            self.decision, self.round = "fail", round_number
        elif all(d == "pass" for d in decisions):
            self.decision, self.round = "pass", round_number

    def reason(self) -> str:
        """Why it is decided, or what keeps it open.

        For example `propagated (fs.decoy) max 0.05: 12/20 [0.31, 0.83]`.
        """
        if self.decision == "no_gates":
            return "no gate judges this model"
        if self.decision == "nothing_completed":
            return "every episode crashed: fix the model or endpoint, then run again"
        wanted = "fail" if self.decision == "fail" else "undecided"
        shown = [t for t in self.gates if t.decision == wanted] or self.gates
        parts = []
        for track in shown[:2]:
            g, i = track.gate, track.interval
            bounds = "" if i is None else f" [{i.low:.2f}, {i.high:.2f}]"
            parts.append(f"{gate_label(g)}: {g.successes}/{g.trials}{bounds}")
        more = f" (+{len(shown) - 2} more)" if len(shown) > 2 else ""
        return "; ".join(parts) + more

    def to_json(self) -> dict[str, Any]:
        """The model's decision as `summary.adaptive` lists it."""
        return {"profile": self.profile, "model": self.model, "decision": self.decision,
                "round": self.round, "seeds": self.seeds, "reason": self.reason(),
                "gates": [t.to_json() for t in self.gates]}
