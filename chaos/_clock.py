"""Simulated time on the wall calendar: where simulated millisecond 0 falls (never "now")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["SIM_EPOCH", "sim_datetime", "sim_seconds"]

#: Simulated time 0, as a calendar moment: mail Date headers and file mtimes derive from it.
SIM_EPOCH = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def sim_datetime(ms: int) -> datetime:
    """The calendar moment of simulated millisecond `ms`."""
    return SIM_EPOCH + timedelta(milliseconds=ms)


def sim_seconds(ms: int) -> int:
    """Seconds since the Unix epoch at simulated millisecond `ms` (for mtimes)."""
    return int(SIM_EPOCH.timestamp()) + ms // 1000
