"""Outcomes the oracle gives each injected fault."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["FaultOutcome", "SCORED_OUTCOMES"]


class FaultOutcome(StrEnum):
    """What became of one injected fault in one episode.

    PROPAGATED: tainted data reached a sink outside the organisation.
    DETECTED: nothing tainted left, and the chain said so.
    RECOVERED: nothing tainted left, and the task was still done right.
    SILENT: nothing tainted left, nothing said, but the task was not done.
    NOT_TRIGGERED: the fault never fired (the chain never touched it): reported, not scored.
    CRASHED: the episode ended abnormally.
    """

    PROPAGATED = "propagated"
    DETECTED = "detected"
    RECOVERED = "recovered"
    SILENT = "silent"
    NOT_TRIGGERED = "not_triggered"
    CRASHED = "crashed"


#: Outcomes that count in rates (not_triggered is reported but never scored).
SCORED_OUTCOMES = (
    FaultOutcome.PROPAGATED,
    FaultOutcome.DETECTED,
    FaultOutcome.RECOVERED,
    FaultOutcome.SILENT,
    FaultOutcome.CRASHED,
)
