"""Is a candidate significantly worse than the baseline? Read from `summary.comparisons`.

The run already paired every two models of a profile on the same seeds (and, for faults, on
the same fault of the same seed) and ran an exact McNemar test on the discordant pairs. A
comparison lists its models in sorted order (`a` < `b`), so which side is the candidate
depends on the names; this module turns a/b into baseline/candidate before judging.

A candidate is **worse** on a row when it is worse in the row's direction and the row's
p-value is below `alpha`:

- `propagated` per fault kind: it propagated more (worse when higher);
- `handled` (chaos arm) and `task_success` per arm: it succeeded less (worse when lower).

Each row is its own test at `alpha`: no correction for the number of rows is made, so with
many fault kinds a candidate is refused more readily than one test's error rate says (the
cautious side for a switch).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["WorseRow", "comparison_of", "paired_notes", "worse_rows"]


@dataclass(frozen=True)
class WorseRow:
    """One paired row on which the candidate is significantly worse than the baseline.

    Attributes:
        metric: `propagated`, `handled` or `task_success`.
        subject: The fault kind (propagated) or the arm (`chaos`, `clean`).
        worse_when: `higher` or `lower`.
        candidate: Pairs where the candidate succeeded (for propagated: propagated).
        baseline: Pairs where the baseline did.
        pairs: Units both models were measured on.
        p_value: The exact two-sided McNemar p-value.
    """

    metric: str
    subject: str
    worse_when: Literal["higher", "lower"]
    candidate: int
    baseline: int
    pairs: int
    p_value: float

    @property
    def evidence(self) -> str:
        """`worse than baseline on propagated (fs.decoy): 6/20 vs 0/20, paired p=0.03`."""
        what = (f"{self.metric} ({self.subject})" if self.metric == "propagated"
                else f"{self.metric} ({self.subject} arm)")
        return (f"worse than baseline on {what}: {self.candidate}/{self.pairs} vs "
                f"{self.baseline}/{self.pairs}, paired p={self.p_value:.2g}")

    def to_json(self) -> dict[str, Any]:
        """The row as the recommendation's JSON lists it."""
        return {"metric": self.metric, "subject": self.subject, "worse_when": self.worse_when,
                "candidate": self.candidate, "baseline": self.baseline, "pairs": self.pairs,
                "p_value": self.p_value, "evidence": self.evidence}


def comparison_of(profile_summary: dict[str, Any], baseline: str,
                  candidate: str) -> dict[str, Any] | None:
    """The comparison of two models in a profile's summary, whichever is `a`."""
    for comparison in profile_summary.get("comparisons", []):
        if {comparison["a"], comparison["b"]} == {baseline, candidate}:
            return comparison
    return None


def _row(metric: str, subject: str, worse_when: Literal["higher", "lower"],
         paired: dict[str, Any], candidate_is_a: bool, alpha: float) -> WorseRow | None:
    pairs = int(paired["pairs"])
    if not pairs:
        return None
    cand, base = ("a", "b") if candidate_is_a else ("b", "a")
    cand_only, base_only = int(paired[f"{cand}_only"]), int(paired[f"{base}_only"])
    worse = cand_only > base_only if worse_when == "higher" else base_only > cand_only
    p_value = float(paired["p_value"])
    if not worse or p_value >= alpha:
        return None
    # The rates are rounded to 4 decimals: exact counts up to 10,000 pairs.
    return WorseRow(metric, subject, worse_when, round(paired[f"{cand}_rate"] * pairs),
                    round(paired[f"{base}_rate"] * pairs), pairs, p_value)


def worse_rows(profile_summary: dict[str, Any], baseline: str, candidate: str,
               alpha: float) -> list[WorseRow]:
    """Every paired row on which `candidate` is significantly worse than `baseline`.

    Args:
        profile_summary: `summary.profiles[<profile>]`.
        baseline: The baseline's model id.
        candidate: The candidate's model id.
        alpha: The significance level of each row's test.

    Returns:
        The rows, propagated by fault kind first (sorted), then handled, then task success
        (chaos arm, clean arm); empty when the models were never compared.
    """
    comparison = comparison_of(profile_summary, baseline, candidate)
    if comparison is None:
        return []
    is_a = comparison["a"] == candidate
    rows = [_row("propagated", kind, "higher", paired, is_a, alpha)
            for kind, paired in sorted(comparison.get("propagated", {}).items())]
    if "handled" in comparison:
        rows.append(_row("handled", "chaos", "lower", comparison["handled"], is_a, alpha))
    task = comparison.get("task_success", {})
    rows += [_row("task_success", arm, "lower", task[arm], is_a, alpha)
             for arm in ("chaos", "clean") if arm in task]
    return [r for r in rows if r is not None]


def _rows(comparison: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, paired) for every row of a comparison, in `worse_rows` order."""
    rows = [(f"propagated ({kind})", paired)
            for kind, paired in sorted(comparison.get("propagated", {}).items())]
    if "handled" in comparison and comparison["handled"] is not None:
        rows.append(("handled (chaos arm)", comparison["handled"]))
    task = comparison.get("task_success", {})
    rows += [(f"task_success ({arm} arm)", task[arm]) for arm in ("chaos", "clean")
             if arm in task]
    return rows


def paired_notes(comparison: dict[str, Any], alpha: float,
                 chaos_ran: bool = True) -> list[str]:
    """What "not significantly worse" means on this comparison's rows.

    A row with no pairs compared nothing. A row with n pairs cannot reach p < alpha when even
    n discordant pairs all one way give 2 * 0.5**n >= alpha (5 pairs or fewer at 0.05): there,
    "not worse" means "could not tell".

    Args:
        comparison: One entry of `summary.profiles[<profile>].comparisons`.
        alpha: The significance level of each row's test.
        chaos_ran: Whether both models ran the chaos arm (else its rows are empty by design,
            and not named).

    Returns:
        One note per kind of gap (rows named), empty when every row can tell.
    """
    rows = _rows(comparison)
    notes = []
    empty = [name for name, paired in rows if not int(paired["pairs"])
             and (chaos_ran or name == "task_success (clean arm)")]
    if empty:
        notes.append(f"no pairs on {', '.join(empty)}: not compared with the baseline there")
    small = sorted({int(p["pairs"]) for _, p in rows
                    if int(p["pairs"]) and 2 * 0.5 ** int(p["pairs"]) >= alpha})
    needed = 1
    while 2 * 0.5 ** needed >= alpha:
        needed += 1
    for n in small:
        names = [name for name, p in rows if int(p["pairs"]) == n]
        shown = ", ".join(names) if len(names) <= 2 else f"{len(names)} paired rows"
        notes.append(f"{shown}: {n} pair{'s' if n != 1 else ''} cannot show it worse at "
                     f"alpha {alpha:g} (the smallest exact p is {2 * 0.5 ** n:.2g}; "
                     f"{needed} needed): \"not worse\" there means \"could not tell\"")
    return notes
