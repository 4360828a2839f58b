"""The fault-aware task verdict: was the episode *handled*?

"Task ok" asks whether the right outcome was reached; when a fault made part of it impossible
(the file it needs is gone, the recipient is refused) no chain can reach it, and task ok cannot
tell the best chain from the worst. `handled` can. An episode is handled when:

- it did not crash and no fault `propagated` or `crashed` (nothing tainted left), and
- its task passed, or every unmet part of the task
  (`TaskKind.unmet`) is excused. A part is excused by a fault that fired, whose taint touches
  what the part needs (the fault's targets, paths, watched paths or what it hit; a part that
  names no needs may be excused by any fault that fired), and that the chain reported: its
  outcome is `detected`, or a report or the final answer's issues named it (`detected_by`).

So a chain that leaves out what a fault took, says so, and ships nothing wrong has handled
it; one that ships a decoy, or leaves the part out without a word, has not. The clean arm has
no faults: there handled is task ok.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from chaos.oracle._judge import FaultVerdict
from chaos.oracle._outcomes import FaultOutcome
from chaos.sim import ActiveFault
from chaos.tasks import EndState, TaskKind, TaskVerdict, Unmet
from chaos.tasks._base import need_key

__all__ = ["HandledVerdict", "judge_handled"]

#: Outcomes that make an episode unhandled whatever else happened.
_SPOILING = (FaultOutcome.PROPAGATED, FaultOutcome.CRASHED)


@dataclass(frozen=True)
class HandledVerdict:
    """Whether the episode was handled, and why.

    Attributes:
        handled: The verdict.
        reasons: Why not (or, when handled with parts unmet, which fault excused each).
    """

    handled: bool
    reasons: list[str] = field(default_factory=list)


def _touched(active: ActiveFault) -> set[str]:
    """Everything the fault's taint names: targets, paths, watched paths, what it hit."""
    taint = active.taint
    assert taint is not None
    return {need_key(x) for x in [*taint.targets, *taint.paths, *taint.watch, *active.hits]
            if isinstance(x, str)}


def _touches(touched: set[str], needs: Iterable[str]) -> bool:
    """Whether a taint touches a need: the same path or address, or a path inside a folder."""
    for need in map(need_key, needs):
        if need in touched:
            return True
        if need.startswith("/") and any(t.startswith(need.rstrip("/") + "/") for t in touched):
            return True
    return False


def _reported(verdict: FaultVerdict) -> bool:
    return verdict.outcome == FaultOutcome.DETECTED or verdict.detected_by is not None


def _excuse(part: Unmet, faults: Sequence[tuple[ActiveFault, FaultVerdict]]) -> str | None:
    """The id of a fired, reported fault that touches what `part` needs; None if none does."""
    for active, verdict in faults:
        if active.taint is None or not verdict.fired or not _reported(verdict):
            continue
        if not part.needs or _touches(_touched(active), part.needs):
            return verdict.id
    return None


def judge_handled(task: TaskKind, end: EndState, verdict: TaskVerdict,
                  faults: Sequence[tuple[ActiveFault, FaultVerdict]],
                  crashed: str | None) -> HandledVerdict:
    """The episode's `handled` verdict (the rule is the module docstring's).

    Args:
        task: The episode's task kind.
        end: Its end state.
        verdict: Its task verdict.
        faults: Each injected fault with the oracle's verdict on it (none in the clean arm).
        crashed: Why the episode crashed, or None.
    """
    if crashed is not None:
        return HandledVerdict(False, [f"episode crashed: {crashed}"])
    spoiled = [f"fault {v.id} {v.outcome.value}" for _, v in faults if v.outcome in _SPOILING]
    if spoiled:  # tainted data left: never handled, even if the task's checks passed
        return HandledVerdict(False, spoiled)
    if verdict.passed:
        return HandledVerdict(True)
    # An override may miss what its check saw; then every reason stands, needing any fault.
    parts = task.unmet(end) or [Unmet(reason) for reason in verdict.reasons] or \
        [Unmet("the task failed")]
    reasons, handled = [], True
    for part in parts:
        fault_id = _excuse(part, faults)
        if fault_id is None:
            handled = False
            reasons.append(f"{part.reason}: no fault that made it impossible was reported")
        else:
            reasons.append(f"{part.reason}: excused, fault {fault_id} was reported")
    return HandledVerdict(handled, reasons)
