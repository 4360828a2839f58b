"""`compare`: did a candidate sweep regress against a baseline, beyond chance and a threshold?

Per profile x model x fault kind it compares the `propagated` rate (worse when it rises) and
the `detected_or_recovered` rate (worse when it falls) over the faults that fired; per
profile x model x arm, task success (worse when it falls); per profile x model, the chaos arm's
`handled` rate (worse when it falls). The test:

- **paired** (exact McNemar, `chaos.stats.mcnemar_exact`) when both sides ran the same seeds
  of that profile and model: the units are the faults (seed, fault id) that fired on both
  sides, or the seeds for task success. Same seed, same world: the discordant units carry the
  evidence, and far fewer episodes show a real change.
- **unpaired** (two-sided Fisher exact test on the 2x2 table) otherwise.

A row **regressed** when its rate moved the wrong way by more than `threshold` (absolute, in
rate points: 0.05 is 5 points) and p < `alpha`; **improved** likewise the right way.
Rates shown are over every scored unit of each side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from chaos.errors import InputError
from chaos.oracle import SCORED_OUTCOMES
from chaos.stats import mcnemar_exact
from chaos.sweep._store import SweepStore

__all__ = ["Comparison", "ComparisonRow", "Side", "compare", "fisher_exact", "load_side"]

_SCORED = frozenset(o.value for o in SCORED_OUTCOMES)
#: metric -> (what counts as a success of the unit, True when a rise is worse)
_FAULT_METRICS: dict[str, tuple[frozenset[str], bool]] = {
    "propagated": (frozenset({"propagated"}), True),
    "detected_or_recovered": (frozenset({"detected", "recovered"}), False),
}
_EXACT_LIMIT = 2000


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact test of the 2x2 table [[a, b], [c, d]].

    p sums the probabilities (hypergeometric, margins fixed) of every table no more likely
    than the observed one, as scipy.stats.fisher_exact does. Exact integer arithmetic up to
    2000 units; beyond, log-space with scipy's relative tolerance (1e-7).

    Raises:
        ValueError: A count is negative.
    """
    if min(a, b, c, d) < 0:
        raise ValueError(f"counts must not be negative, got {(a, b, c, d)}")
    r1, r2, c1 = a + b, c + d, a + c
    n = r1 + r2
    if n == 0 or r1 == 0 or r2 == 0 or c1 == 0 or c1 == n:
        return 1.0
    low, high = max(0, c1 - r2), min(r1, c1)
    if n <= _EXACT_LIMIT:
        weights = [math.comb(r1, x) * math.comb(r2, c1 - x) for x in range(low, high + 1)]
        observed = weights[a - low]
        tail = sum(w for w in weights if w <= observed)
        return float(min(Fraction(tail, sum(weights)), Fraction(1)))

    def log_weight(x: int) -> float:
        return (math.lgamma(r1 + 1) - math.lgamma(x + 1) - math.lgamma(r1 - x + 1)
                + math.lgamma(r2 + 1) - math.lgamma(c1 - x + 1) - math.lgamma(r2 - c1 + x + 1))

    logs = [log_weight(x) for x in range(low, high + 1)]
    top = max(logs)
    weights_f = [math.exp(v - top) for v in logs]
    observed_f = weights_f[a - low] * (1 + 1e-7)
    return min(1.0, sum(w for w in weights_f if w <= observed_f) / sum(weights_f))


@dataclass
class Side:
    """One side of a comparison, as units.

    Attributes:
        name: The sweep id or run directory.
        faults: (profile, model, kind) -> {(seed, fault id): outcome} (chaos-arm faults).
        tasks: (profile, model, arm) -> {seed: task passed}.
        handled: (profile, model) -> {seed: handled} (chaos arm; empty for results written
            before chaos judged it).
    """

    name: str
    faults: dict[tuple[str, str, str], dict[tuple[int, str], str]]
    tasks: dict[tuple[str, str, str], dict[int, bool]]
    handled: dict[tuple[str, str], dict[int, bool]] = field(default_factory=dict)

    def seeds(self, profile: str, model: str) -> set[int]:
        """Every seed the side ran for this profile and model."""
        return {s for (p, m, _), seeds in self.tasks.items() if (p, m) == (profile, model)
                for s in seeds}


def _side(name: str, faults: Iterable[tuple[str, str, str, int, str, str]],
          tasks: Iterable[tuple[str, str, str, int, bool]],
          handled: Iterable[tuple[str, str, int, bool]] = ()) -> Side:
    side = Side(name, {}, {})
    for profile, model, seed, ok in handled:
        side.handled.setdefault((profile, model), {})[seed] = ok
    for profile, model, kind, seed, fault_id, outcome in faults:
        side.faults.setdefault((profile, model, kind), {})[(seed, fault_id)] = outcome
    for profile, model, arm, seed, passed in tasks:
        side.tasks.setdefault((profile, model, arm), {})[seed] = passed
    return side


def load_side(spec: str, store: SweepStore | None) -> Side:
    """A run directory (holding results.json) or a sweep id in `store`.

    Raises:
        InputError: It is neither.
    """
    path = Path(spec)
    if path.is_dir():
        from chaos.report import load_results

        results = load_results(path)
        episodes = results.episodes
        return _side(spec, ((e.profile, e.model, f.kind, e.seed, f.id, f.outcome)
                            for e in episodes if e.arm == "chaos" for f in e.faults),
                     ((e.profile, e.model, e.arm, e.seed, e.task.passed) for e in episodes),
                     ((e.profile, e.model, e.seed, e.handled) for e in episodes
                      if e.arm == "chaos" and e.handled is not None))
    if store is not None and store.has_sweep(spec):
        return _side(spec, store.fault_units(spec), store.task_units(spec),
                     store.handled_units(spec))
    where = f" nor a sweep id in the store {store.url}" if store is not None else ""
    known = ""
    if store is not None:
        ids = [s.id for s in store.sweeps(last=5)]
        known = f" (its latest sweeps: {', '.join(ids)})" if ids else " (it holds no sweep)"
    raise InputError(f"{spec!r} is neither a run directory with results.json{where}{known}; "
                     "name a run directory or a sweep id (see `chaos history`)")


@dataclass(frozen=True)
class ComparisonRow:
    """One rate, baseline against candidate.

    Attributes:
        profile: The profile.
        model: The model.
        subject: The fault kind, or `task (clean)` / `task (chaos)`.
        metric: `propagated`, `detected_or_recovered`, `task_success` or `handled`.
        worse_when: `higher` or `lower`.
        baseline: (successes, units) of the baseline.
        candidate: (successes, units) of the candidate.
        test: `mcnemar` (paired), `fisher` (unpaired), or None (a side has no units).
        pairs: Units both sides share (paired test), else 0.
        p_value: The test's two-sided p-value (1.0 without a test).
        verdict: `regressed`, `improved`, `unchanged`, or `no data`.
    """

    profile: str
    model: str
    subject: str
    metric: str
    worse_when: Literal["higher", "lower"]
    baseline: tuple[int, int]
    candidate: tuple[int, int]
    test: str | None
    pairs: int
    p_value: float
    verdict: str

    @property
    def baseline_rate(self) -> float | None:
        """The baseline's rate."""
        return self.baseline[0] / self.baseline[1] if self.baseline[1] else None

    @property
    def candidate_rate(self) -> float | None:
        """The candidate's rate."""
        return self.candidate[0] / self.candidate[1] if self.candidate[1] else None

    @property
    def change(self) -> float | None:
        """Candidate rate minus baseline rate."""
        b, c = self.baseline_rate, self.candidate_rate
        return None if b is None or c is None else c - b

    def to_json(self) -> dict[str, Any]:
        """The row as `chaos compare --json` prints it."""
        return {
            "profile": self.profile, "model": self.model, "subject": self.subject,
            "metric": self.metric, "worse_when": self.worse_when,
            "baseline": {"successes": self.baseline[0], "units": self.baseline[1],
                         "rate": _round(self.baseline_rate)},
            "candidate": {"successes": self.candidate[0], "units": self.candidate[1],
                          "rate": _round(self.candidate_rate)},
            "change": _round(self.change), "test": self.test, "pairs": self.pairs,
            "p_value": float(f"{self.p_value:.4g}"), "verdict": self.verdict,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass(frozen=True)
class Comparison:
    """Every row of a comparison, and the models only one side ran.

    Attributes:
        baseline: The baseline's name.
        candidate: The candidate's name.
        threshold: The smallest change (rate points) that counts.
        alpha: The significance level.
        rows: The rows, by profile, model, subject, metric.
        only_baseline: (profile, model) pairs only the baseline ran.
        only_candidate: (profile, model) pairs only the candidate ran.
    """

    baseline: str
    candidate: str
    threshold: float
    alpha: float
    rows: list[ComparisonRow]
    only_baseline: list[tuple[str, str]]
    only_candidate: list[tuple[str, str]]

    @property
    def regressions(self) -> list[ComparisonRow]:
        """The rows that regressed."""
        return [r for r in self.rows if r.verdict == "regressed"]

    def to_json(self) -> dict[str, Any]:
        """The comparison as `chaos compare --json` prints it."""
        return {"baseline": self.baseline, "candidate": self.candidate,
                "threshold": self.threshold, "alpha": self.alpha,
                "regressions": len(self.regressions),
                "rows": [r.to_json() for r in self.rows],
                "only_baseline": [list(p) for p in self.only_baseline],
                "only_candidate": [list(p) for p in self.only_candidate]}


def _row(profile: str, model: str, subject: str, metric: str, higher_worse: bool,
         base: dict[Any, bool], cand: dict[Any, bool], paired: bool, threshold: float,
         alpha: float) -> ComparisonRow:
    b = (sum(base.values()), len(base))
    c = (sum(cand.values()), len(cand))
    shared = sorted(base.keys() & cand.keys()) if paired else []
    test, pairs, p = None, 0, 1.0
    if b[1] and c[1]:
        if shared:
            test, pairs = "mcnemar", len(shared)
            p = mcnemar_exact(sum(base[u] and not cand[u] for u in shared),
                              sum(cand[u] and not base[u] for u in shared))
        else:
            test = "fisher"
            p = fisher_exact(b[0], b[1] - b[0], c[0], c[1] - c[0])
    verdict = "no data"
    if test is not None:
        change = c[0] / c[1] - b[0] / b[1]
        worse = change if higher_worse else -change
        verdict = "unchanged"
        if p < alpha and abs(change) > threshold:
            verdict = "regressed" if worse > 0 else "improved"
    return ComparisonRow(profile, model, subject, metric, "higher" if higher_worse else "lower",
                         b, c, test, pairs, p, verdict)


def compare(baseline: Side, candidate: Side, threshold: float = 0.05,
            alpha: float = 0.05) -> Comparison:
    """Compare two sides per profile, model, fault kind and arm (see the module docstring)."""
    if not 0 <= threshold < 1:
        raise InputError(f"--threshold {threshold}: a change in rate points, in [0, 1)")
    if not 0 < alpha < 1:
        raise InputError(f"--alpha {alpha}: a significance level, in (0, 1)")
    models_b = {(p, m) for p, m, _ in baseline.tasks}
    models_c = {(p, m) for p, m, _ in candidate.tasks}
    rows: list[ComparisonRow] = []
    for profile, model in sorted(models_b & models_c):
        paired = baseline.seeds(profile, model) == candidate.seeds(profile, model)
        kinds = sorted({k for p, m, k in [*baseline.faults, *candidate.faults]
                        if (p, m) == (profile, model)})
        for kind in kinds:
            base = baseline.faults.get((profile, model, kind), {})
            cand = candidate.faults.get((profile, model, kind), {})
            for metric, (wanted, higher_worse) in _FAULT_METRICS.items():
                rows.append(_row(profile, model, kind, metric, higher_worse,
                                 {u: o in wanted for u, o in base.items() if o in _SCORED},
                                 {u: o in wanted for u, o in cand.items() if o in _SCORED},
                                 paired, threshold, alpha))
        for arm in ("clean", "chaos"):
            base_t = baseline.tasks.get((profile, model, arm), {})
            cand_t = candidate.tasks.get((profile, model, arm), {})
            if base_t or cand_t:
                rows.append(_row(profile, model, f"task ({arm})", "task_success", False,
                                 base_t, cand_t, paired, threshold, alpha))
        base_h = baseline.handled.get((profile, model), {})
        cand_h = candidate.handled.get((profile, model), {})
        if base_h or cand_h:
            rows.append(_row(profile, model, "task (chaos)", "handled", False, base_h, cand_h,
                             paired, threshold, alpha))
    return Comparison(baseline.name, candidate.name, threshold, alpha, rows,
                      sorted(models_b - models_c), sorted(models_c - models_b))
