"""Trigger decisions: whether a fault takes effect now. Pure given the seeded RNG."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from chaos.profile import TriggerSpec

__all__ = ["Event", "TriggerState"]


@dataclass(frozen=True)
class Event:
    """Something a trigger may wait for.

    Attributes:
        kind: `tool_call`, `model_call` or `delegation`.
        agent: The acting agent.
        tool: The tool, for tool calls.
        arguments: The call's arguments, for tool calls.
        to: The agent handed work, for delegations.
    """

    kind: str
    agent: str
    tool: str | None = None
    arguments: dict[str, Any] | None = None
    to: str | None = None


class TriggerState:
    """Counts matching events and draws, for one fault in one episode.

    Args:
        spec: The trigger as the profile wrote it.
        rng: The fault's own trigger RNG (seeded per episode and fault).
    """

    def __init__(self, spec: TriggerSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.seen = 0
        self.spent = False
        #: Events (or the start, or its moment) that matched but fell outside the window.
        self.outside = 0
        #: The seeded draw, once made (whether it took effect is `drawn < probability`).
        self.drawn: float | None = None

    def _in_window(self, now_ms: int) -> bool:
        window = self.spec.window
        inside = window is None or window[0] <= now_ms < window[1]
        self.outside += not inside
        return inside

    def _draw(self) -> bool:
        # Always draw, even at p = 1, so adding a probability never shifts other draws.
        self.drawn = self.rng.random()
        return self.drawn < self.spec.probability

    @property
    def skipped(self) -> bool:
        """Whether the seeded draw was made and ruled the fault out."""
        return self.drawn is not None and self.drawn >= self.spec.probability

    def at_start(self) -> bool:
        """Whether a `start` trigger takes effect (its window must hold time 0)."""
        return self.spec.when == "start" and self._in_window(0) and self._draw()

    def at_time(self, now_ms: int) -> bool:
        """Whether a `time` trigger takes effect when its moment comes."""
        return self.spec.when == "time" and self._in_window(now_ms) and self._draw()

    def on_event(self, event: Event, now_ms: int, path_matches: Any) -> bool:
        """Whether this event makes the fault take effect.

        Args:
            event: What is about to happen.
            now_ms: Simulated time.
            path_matches: `(glob, arguments) -> bool`, for tool-call path filters.
        """
        spec = self.spec
        if spec.when != event.kind:
            return False
        if spec.agent is not None and spec.agent != event.agent:
            return False
        if event.kind == "tool_call":
            if spec.tool is not None and spec.tool != event.tool:
                return False
            if spec.path is not None and not path_matches(spec.path, event.arguments or {}):
                return False
        if event.kind == "delegation" and spec.to is not None and spec.to != event.to:
            return False
        # The window is checked last, so `outside` counts only events that matched otherwise.
        if not self._in_window(now_ms):
            return False
        self.seen += 1
        if self.spent or self.seen < spec.nth:
            return False
        # One draw per episode, at the nth matching event: `probability` is the share of
        # episodes the fault happens in, however often the event recurs.
        self.spent = True
        return self._draw()
