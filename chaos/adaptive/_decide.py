"""Gate and model decisions, kept from the round they were made.

An episode gate (`task_success`, `handled`, `episodes_crashed`: one Bernoulli trial per
episode) is decided on the confidence sequence of its rate: `pass` when the whole interval
lies on its passing side (upper end at most a `max`, lower end at least a `min`), `fail` when
it lies all on the failing side. A fault-outcome gate counts faults, several per episode and
correlated within one, so it is decided by betting on the episodes (`bet_on_episodes`): `pass`
when the bet shows the rate is on the passing side, `fail` when it shows the failing side.
Either is wrong with probability at most alpha. With nothing to count a gate is `undecided`.
A model is decided `fail` as soon as one gate is decided `fail` (no more seeds can change
that) and `pass` once every gate is decided `pass`; a model with a gate that had nothing to
count after round 1 is `no_data` (its fault never fired: more seeds of the same would not
help).

Decisions are sticky: a gate decided in round r stays decided, because the sequence holds the
true rate at every round at once (the first decision is the one whose error rate is stated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from chaos.adaptive._betting import BettingTest, bet_on_episodes
from chaos.adaptive._sequence import SequenceInterval, confidence_sequence
from chaos.gates import GateResult
from chaos.profile._schema import EPISODE_METRICS

__all__ = ["Decision", "Evidence", "GateTrack", "ModelTrack", "decide_gate",
           "decide_outcome_gate", "gate_label"]

Decision = Literal["pass", "fail", "undecided"]

#: A fault-outcome gate's episodes, in seed order: (faults counted, faults scored) each, and
#: K, the most faults an episode can score.
Evidence = tuple[tuple[tuple[int, int], ...], int]


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


def decide_outcome_gate(gate: GateResult, counts: Sequence[tuple[int, int]], bound: int,
                        alpha: float) -> tuple[Decision, BettingTest]:
    """A fault-outcome gate's decision by betting on its episodes, and the bets.

    Args:
        gate: The gate (its op and threshold).
        counts: Per chaos-arm episode in seed order: (faults counted, faults scored).
        bound: The most faults an episode can score.
        alpha: The error rate of a decision.
    """
    test = bet_on_episodes(counts, gate.threshold, bound, alpha)
    if test.shown is None:
        return "undecided", test
    below = test.shown == "below"
    return ("pass" if below == (gate.op == "max") else "fail"), test


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
    bets: BettingTest | None = None
    bound: int | None = None

    def update(self, gate: GateResult, alpha: float, round_number: int,
               evidence: Evidence | None = None) -> None:
        """Judge the gate after `round_number` (a decided gate keeps its decision).

        Args:
            gate: The gate judged on every episode so far.
            alpha: The error rate of a decision.
            round_number: The round just run.
            evidence: A fault-outcome gate's episodes (required for one).
        """
        if self.decision != "undecided":
            return
        self.gate = gate
        if gate.metric in EPISODE_METRICS:
            self.decision, self.interval = decide_gate(gate, alpha)
        else:
            if evidence is None:
                raise ValueError(f"{gate.metric}: a fault-outcome gate needs its episodes")
            self.bound = evidence[1]
            self.decision, self.bets = decide_outcome_gate(gate, evidence[0], evidence[1],
                                                           alpha)
        if self.decision != "undecided":
            self.round = round_number

    def to_json(self) -> dict[str, Any]:
        """The gate's decision as `summary.adaptive` lists it."""
        gate, interval = self.gate, self.interval
        out: dict[str, Any] = {
            "metric": gate.metric,
            "fault": gate.fault,
            "arm": gate.arm,
            "op": gate.op,
            "threshold": gate.threshold,
            "successes": gate.successes,
            "trials": gate.trials,
        }
        if gate.metric in EPISODE_METRICS:
            out["test"] = "confidence_sequence"
            out["low"] = None if interval is None else round(interval.low, 4)
            out["high"] = None if interval is None else round(interval.high, 4)
        else:
            bets = self.bets
            out["test"] = "betting_on_episodes"
            out["episodes"] = 0 if bets is None else bets.episodes
            out["faults_per_episode_at_most"] = self.bound
            out["decided_at_episode"] = None if bets is None else bets.at_episode
        out["decision"] = self.decision
        out["round"] = self.round
        return out

    def shown(self) -> str:
        """Its counts and what they rest on: `12/20 faults in 4 episodes` or `3/20 [0.05, 0.4]`."""
        g = self.gate
        if g.metric in EPISODE_METRICS:
            i = self.interval
            return f"{g.successes}/{g.trials}" + ("" if i is None else
                                                  f" [{i.low:.2f}, {i.high:.2f}]")
        episodes = 0 if self.bets is None else self.bets.episodes
        return f"{g.successes}/{g.trials} faults in {episodes} episode{'s' * (episodes != 1)}"


@dataclass
class ModelTrack:
    """One model of one profile across rounds.

    Attributes:
        profile: The profile's name.
        model: The model id.
        gates: Its gates, in `evaluate_gates` order.
        seeds: Seeds it ran so far.
        decision: `pass`, `fail`, `undecided`, `no_gates` (nothing to decide: it runs the
            first round only), `nothing_completed` (every episode of its first round
            crashed: more seeds would crash too; exit 4 says so), or `no_data` (a gate had
            nothing to count after round 1: no fault of its kind fired).
        round: The round the model was decided in.
    """

    profile: str
    model: str
    gates: list[GateTrack] = field(default_factory=list)
    seeds: int = 0
    decision: Literal["pass", "fail", "undecided", "no_gates", "nothing_completed",
                      "no_data"] = "undecided"
    round: int | None = None
    #: Per gate with nothing to count, why its faults never fired (`NeverFired` codes seen).
    never: dict[int, list[str]] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        """Whether more seeds could still decide it."""
        return self.decision == "undecided"

    def update(self, judged: list[GateResult], alpha: float, round_number: int,
               completed: int = 1,
               evidence: Sequence[Evidence | None] | None = None,
               may_fire_later: bool = False) -> None:
        """Judge the model's gates after `round_number`; decide the model when it can be.

        Args:
            judged: Its gates judged on every episode so far.
            alpha: The error rate of each gate decision.
            round_number: The round just run.
            completed: Its episodes so far that did not crash.
            evidence: Per gate of `judged`, a fault-outcome gate's episodes (None for an
                episode gate).
            may_fire_later: A gate with nothing to count so far had its faults skipped by
                their seeded draw: more seeds may bring data, so the model stays open.
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
        proofs = list(evidence) if evidence is not None else [None] * len(judged)
        for track, gate, proof in zip(self.gates, judged, proofs, strict=True):
            track.update(gate, alpha, round_number, proof)
        decisions = [t.decision for t in self.gates]
        if "fail" not in decisions and not may_fire_later and any(
                t.gate.trials == 0 for t in self.gates):
            # A gate got nothing to count, and not by a draw's chance: more seeds of the same
            # would not give it any either.
            self.decision, self.round = "no_data", round_number
            return
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
        if self.decision == "no_data":
            empty = [(i, t.gate) for i, t in enumerate(self.gates) if t.gate.trials == 0]
            return "; ".join(_no_data(g, self.seeds, self.never.get(i, []))
                             for i, g in empty[:2]) + (
                f" (+{len(empty) - 2} more)" if len(empty) > 2 else "")
        wanted = "fail" if self.decision == "fail" else "undecided"
        shown = [t for t in self.gates if t.decision == wanted] or self.gates
        parts = []
        for track in shown[:2]:
            parts.append(f"{gate_label(track.gate)}: {track.shown()}")
        more = f" (+{len(shown) - 2} more)" if len(shown) > 2 else ""
        return "; ".join(parts) + more

    def to_json(self) -> dict[str, Any]:
        """The model's decision as `summary.adaptive` lists it."""
        return {"profile": self.profile, "model": self.model, "decision": self.decision,
                "round": self.round, "seeds": self.seeds, "reason": self.reason(),
                "gates": [t.to_json() for t in self.gates]}


#: Why a fault never fired, in words, and what would give its gate data.
_NEVER_HELP = {
    "probability_skipped": ("its seeded draw skipped it", "a rare trigger: start round 1 with "
                            "more seeds (--episodes) or raise its probability"),
    "trigger_never_came": ("its trigger never came", "make the trigger reachable (`chaos "
                           "explain PROFILE` shows why it is not) or drop the gate"),
    "outside_window": ("its event came only outside its window", "widen its window or drop "
                       "the gate"),
    "no_target": ("nothing matched its target", "fix its target or drop the gate"),
    "never_touched": ("the chain never touched its target", "target what the chain uses "
                      "(`chaos explain PROFILE`) or drop the gate"),
    "crashed_first": ("the episodes crashed before it", "fix what crashes them (the traces "
                      "say), then run again"),
}


def _no_data(gate: GateResult, seeds: int, never: Sequence[str]) -> str:
    """Why a gate had nothing to count, and what would give it data."""
    if gate.metric in EPISODE_METRICS:
        return (f"{gate_label(gate)}: no {gate.arm}-arm episode ran in {seeds} seeds; run "
                f"the {gate.arm} arm (--arm both)")
    kind = f"{gate.fault} fault" if gate.fault else "fault"
    known = [code for code in never if code in _NEVER_HELP]
    if not known:
        return (f"{gate_label(gate)}: no {kind} fired in {seeds} seeds; `chaos explain "
                "PROFILE` shows why; make it reachable or raise its probability, or drop "
                "the gate")
    why = ", ".join(_NEVER_HELP[code][0] for code in known)
    # A draw that skipped it is the one case where more seeds could help: say that first.
    first = "probability_skipped" if "probability_skipped" in known else known[0]
    return (f"{gate_label(gate)}: no {kind} fired in {seeds} seeds ({why}); "
            f"{_NEVER_HELP[first][1]}")
