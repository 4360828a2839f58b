"""The recommendation's typed answer: per model, per profile, and for the whole run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from chaos.gates import GateResult
from chaos.recommend._decide import Decision, evidence, gate_name
from chaos.recommend._paired import WorseRow

__all__ = ["EXIT_CODES", "RECOMMENDATION_VERSION", "GateVerdict", "ModelAnswer",
           "ProfileAnswer", "Recommendation"]

#: The version of the recommendation's JSON (`chaos recommend --json`, summary.recommendation).
RECOMMENDATION_VERSION = 1

Verdict = Literal["baseline", "qualifies", "undecided", "rejected"]
Status = Literal["switch", "stay", "undecided", "no_baseline", "one_model"]
Answer = Literal["switch", "stay", "undecided", "no_baseline", "nothing_to_compare"]

#: `chaos recommend`'s exit code for each answer.
EXIT_CODES: dict[str, int] = {"switch": 0, "stay": 1, "undecided": 5, "no_baseline": 2,
                              "nothing_to_compare": 2}


def _usd(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


@dataclass(frozen=True)
class GateVerdict:
    """One gate of one model, decided strictly.

    Attributes:
        gate: The judged gate (counts and interval).
        decision: pass, fail or undecided.
        more_seeds: For an undecided gate, the extra seeds that would settle it if its rate
            held (None: they cannot, or there is no data).
        no_data: Why a gate has nothing to count, when the run tells more than "no data"
            (`no chaos arm ran (run with --arm both)`).
    """

    gate: GateResult
    decision: Decision
    more_seeds: int | None = None
    no_data: str | None = None

    @property
    def evidence(self) -> str:
        """`propagated fs.decoy 6/20 [0.15, 0.52] > max 0.05`."""
        if self.no_data is not None:
            g = self.gate
            return (f"{gate_name(g)} has no data ({self.no_data}); {g.op} {g.threshold:g} "
                    "cannot be judged")
        return evidence(self.gate)

    def to_json(self) -> dict[str, Any]:
        """The gate as the recommendation's JSON lists it."""
        g = self.gate
        return {"metric": g.metric, "fault": g.fault, "arm": g.arm, "op": g.op,
                "threshold": g.threshold, "successes": g.successes, "trials": g.trials,
                "low": round(g.low, 4), "high": round(g.high, 4), "decision": self.decision,
                "more_seeds": self.more_seeds, "evidence": self.evidence}


@dataclass(frozen=True)
class ModelAnswer:
    """One model of one profile: its verdict, cost, saving and the evidence behind it.

    Attributes:
        model: The model id.
        verdict: `baseline`, `qualifies`, `undecided` or `rejected`.
        cost_per_episode_usd: Mean cost of its chaos-arm episodes (clean arm without them).
        saving_usd: Baseline cost minus this model's, per episode (None for the baseline).
        saving_pct: That saving as a percentage of the baseline's cost (None at cost 0).
        reasons: The evidence, one line each: every "no", or what is left to settle.
        gates: Its gates, decided.
        worse: The paired rows on which it is significantly worse than the baseline.
        more_seeds: For an undecided model, the extra seeds that would settle every gate
            (None: some gate cannot be settled at its rate).
        notes: What the verdict does not say on its own (paired tests too small to ever
            refuse, rows with no pairs).
        completed: Episodes it completed (0: every one crashed, its cost says nothing).
    """

    model: str
    verdict: Verdict
    cost_per_episode_usd: float | None
    saving_usd: float | None = None
    saving_pct: float | None = None
    reasons: tuple[str, ...] = ()
    gates: tuple[GateVerdict, ...] = ()
    worse: tuple[WorseRow, ...] = ()
    more_seeds: int | None = None
    notes: tuple[str, ...] = ()
    completed: int = 1

    @property
    def priced(self) -> bool:
        """Whether its episodes cost anything (0 USD: no `price:` set, or free)."""
        return bool(self.cost_per_episode_usd)

    def to_json(self) -> dict[str, Any]:
        """The model as the recommendation's JSON lists it."""
        return {"model": self.model, "verdict": self.verdict,
                "cost_per_episode_usd": _usd(self.cost_per_episode_usd),
                "priced": self.priced, "saving_usd": _usd(self.saving_usd),
                "saving_pct": None if self.saving_pct is None else round(self.saving_pct, 1),
                "more_seeds": self.more_seeds, "reasons": list(self.reasons),
                "notes": list(self.notes), "completed_episodes": self.completed,
                "gates": [g.to_json() for g in self.gates],
                "worse": [w.to_json() for w in self.worse]}


@dataclass(frozen=True)
class ProfileAnswer:
    """The answer for one profile.

    Attributes:
        profile: The profile's name.
        status: `switch` (a cheaper model qualifies), `stay` (none does, all decided),
            `undecided` (a cheaper one may, with more seeds), `no_baseline` (none could be
            chosen by price), `one_model` (nothing to compare).
        baseline: The baseline's model id, if any.
        baseline_chosen: `most expensive` or `--baseline`.
        switch: The cheapest qualifying priced model cheaper than the baseline.
        models: The baseline first, then the qualifying models by cost, the undecided, the
            rejected (each group by cost, then id).
        note: What the reader must know (how the baseline was chosen, no gates...).
    """

    profile: str
    status: Status
    baseline: str | None
    baseline_chosen: str | None
    switch: str | None
    models: tuple[ModelAnswer, ...]
    note: str = ""

    def model(self, model_id: str) -> ModelAnswer | None:
        """The answer of one model, if it ran."""
        return next((m for m in self.models if m.model == model_id), None)

    @property
    def switchable(self) -> tuple[ModelAnswer, ...]:
        """Qualifying priced models cheaper than the baseline, cheapest first."""
        return tuple(m for m in self.models if m.verdict == "qualifies" and m.priced
                     and m.saving_usd is not None and m.saving_usd > 0)

    def to_json(self) -> dict[str, Any]:
        """The profile's answer as the recommendation's JSON lists it."""
        return {"status": self.status, "baseline": self.baseline,
                "baseline_chosen": self.baseline_chosen, "switch": self.switch,
                "ranking": [m.model for m in self.models
                            if m.verdict == "qualifies" and self.baseline is not None],
                "note": self.note, "models": [m.to_json() for m in self.models]}


@dataclass(frozen=True)
class Recommendation:
    """The answer for the run: per profile, and the models that qualify on every one.

    Attributes:
        answer: `switch`, `stay`, `undecided`, `no_baseline` or `nothing_to_compare`.
        switch: The model to switch to: the cheapest that qualifies on every profile compared.
        every_profile: Every model that qualifies, priced and cheaper, on every profile
            compared, cheapest (summed over the profiles) first.
        profiles: Per profile, by name.
        alpha: The significance level of each paired test.
        gates_from: `run` (the profiles' own gates) or the gates file used.
        gated: Whether any gate was judged (without, no model can qualify).
        notes: What the reader must know about the gates (not applied to a profile, and why;
            a profile file gone since the run).
    """

    answer: Answer
    switch: str | None
    every_profile: tuple[str, ...]
    profiles: tuple[ProfileAnswer, ...]
    alpha: float
    gates_from: str
    gated: bool
    notes: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        """`chaos recommend`'s exit code: 0 switch, 1 stay, 5 undecided, 2 no baseline."""
        return EXIT_CODES[self.answer]

    def profile(self, name: str) -> ProfileAnswer | None:
        """One profile's answer."""
        return next((p for p in self.profiles if p.profile == name), None)

    def to_json(self) -> dict[str, Any]:
        """The recommendation as `chaos recommend --json` prints it (stable key order)."""
        return {"version": RECOMMENDATION_VERSION, "answer": self.answer,
                "switch": self.switch, "every_profile": list(self.every_profile),
                "confidence": "strict", "alpha": self.alpha, "gates_from": self.gates_from,
                "gated": self.gated, "notes": list(self.notes),
                "profiles": {p.profile: p.to_json() for p in self.profiles}}
