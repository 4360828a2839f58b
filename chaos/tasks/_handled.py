"""Whether a chaos episode was handled: the task kind's unmet parts, excused only by faults.

An episode is handled when every part of the right outcome is met, or each unmet part was made
impossible by a fault whose taint touches what that part needs, and the chain reported that
fault; and no fault's taint left the organisation. Neutral: it reads `Unmet.needs` of any task
kind and each fault's touched paths and addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chaos._normalize import address_key
from chaos.tasks._base import Unmet

__all__ = ["FaultFootprint", "episode_handled"]


@dataclass(frozen=True)
class FaultFootprint:
    """What the `handled` verdict needs of one fault.

    Attributes:
        touched: World paths and `mailto:` addresses its taint names (targets, watched and
            tainted paths).
        outcome: Its outcome (`propagated`, `detected`, `recovered`, `silent`...).
        reported: Whether the chain reported it (a report or final issue named it).
    """

    touched: frozenset[str]
    outcome: str
    reported: bool


def _key(name: str) -> str:
    return f"mailto:{address_key(name.removeprefix('mailto:'))}" \
        if name.startswith("mailto:") else name


def episode_handled(unmet: Iterable[Unmet], faults: Iterable[FaultFootprint]) -> bool:
    """True when nothing propagated and every unmet part is excused by a reported fault.

    A part without `needs` is excused by any reported fault that fired.
    """
    faults = list(faults)
    if any(f.outcome == "propagated" for f in faults):
        return False
    reported = [f for f in faults if f.reported and f.outcome != "not_triggered"]
    for part in unmet:
        needs = {_key(n) for n in part.needs}
        if not any(not needs or needs & {_key(t) for t in f.touched} for f in reported):
            return False
    return True
