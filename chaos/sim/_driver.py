"""Drive a simpy environment from asyncio, so that model calls can really be awaited.

Simulated time only moves inside `env.step()`. When no simulated event is due, the driver waits
for the awaited calls (model API requests) and resolves their simpy events in submission order,
so many episodes can wait on remote models at once while each keeps its own clock.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable
from typing import Any

import simpy

__all__ = ["DeadlineExceeded", "SimDriver"]


class DeadlineExceeded(Exception):
    """The episode's simulated deadline passed."""


class SimDriver:
    """Runs one episode's environment, bridging awaited calls into simpy events.

    Args:
        env: The episode's environment (integer milliseconds).
    """

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._pending: list[tuple[asyncio.Future[Any], simpy.Event]] = []

    def await_(self, awaitable: Awaitable[Any]) -> simpy.Event:
        """A simpy event that succeeds with the awaitable's result (or fails with its error)."""
        event = self.env.event()
        self._pending.append((asyncio.ensure_future(awaitable), event))
        return event

    async def run(self, until: simpy.Event, deadline_ms: int) -> None:
        """Step the environment until `until` is processed.

        Raises:
            DeadlineExceeded: When the next simulated event lies past `deadline_ms`.
            RuntimeError: When nothing is scheduled and nothing is awaited (a deadlock).
        """
        while not until.processed:
            due = self.env.peek()
            # An awaited call takes no simulated time (its latency is drawn when it returns):
            # while one is in flight, only what is due now may run, or the clock would run
            # ahead of the chain to a later timed event.
            if due != math.inf and (not self._pending or due <= self.env.now):
                if due > deadline_ms:
                    raise DeadlineExceeded(f"simulated deadline of {deadline_ms} ms exceeded")
                self.env.step()
                continue
            if not self._pending:
                raise RuntimeError("episode deadlocked: nothing scheduled and nothing awaited")
            await asyncio.wait([f for f, _ in self._pending], return_when=asyncio.FIRST_COMPLETED)
            still: list[tuple[asyncio.Future[Any], simpy.Event]] = []
            for future, event in self._pending:
                if not future.done():
                    still.append((future, event))
                elif future.exception() is not None:
                    event.fail(future.exception())  # type: ignore[arg-type]
                else:
                    event.succeed(future.result())
            self._pending = still

    def cancel(self) -> None:
        """Cancel awaited calls still in flight (after a crash or deadline)."""
        for future, _ in self._pending:
            future.cancel()
        self._pending = []
