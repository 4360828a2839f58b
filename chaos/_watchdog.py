"""The last guard of `chaos run`'s episode timeout: code that blocks the event loop.

An episode's asyncio timeout stops a model that awaits forever. It cannot stop code that never
yields to the loop (a plugin policy calling `time.sleep`, a user tool spinning): the loop is
stuck in it, and the whole run with it. Sweeps kill the worker process then; `chaos run` has
one process, so a watchdog thread signals the main thread instead, and the signal handler
raises `EpisodeHung` in the blocked code. The episode ends `crashed` with the timeout reason;
the other episodes go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import AsyncIterator
from types import FrameType, TracebackType

__all__ = ["EpisodeHung", "LoopWatchdog", "watchdog_grace"]

#: The signal the watchdog sends; handled only while a run is in progress.
_SIGNAL = getattr(signal, "SIGUSR1", None)
#: Seconds between heartbeats of the loop, and without one before the loop counts as stuck.
_BEAT_S = 0.1
_STUCK_S = 1.0


def watchdog_grace(timeout_s: float) -> float:
    """Seconds past an episode's timeout before a watchdog steps in.

    This one, or a sweep's that kills the worker. The episode's own asyncio timeout gets the
    first chance, and gives the same reason.
    """
    return max(2.0, 0.1 * timeout_s)


class EpisodeHung(BaseException):  # noqa: N818 - a signal, not an error of the user's
    """Raised in code that blocked the event loop past its episode's timeout.

    A BaseException, so that an agent's or a policy's `except Exception` cannot swallow it.
    """


class LoopWatchdog:
    """Interrupts the main thread when an episode overstays while the loop is stuck.

    Overstays: runs past `timeout + grace`. Stuck: the loop's heartbeat (`beating()`) is a
    second stale.

    A no-op outside the main thread or where the OS has no SIGUSR1 (signal handlers can be
    set only there), and the run then relies on asyncio timeouts alone.
    """

    def __init__(self) -> None:
        self._deadlines: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._previous: object = None
        #: When the loop last ran the heartbeat; None: no loop is beating (nothing to stop).
        self._beat: float | None = None
        self.active = (_SIGNAL is not None
                       and threading.current_thread() is threading.main_thread())

    @contextlib.asynccontextmanager
    async def beating(self) -> AsyncIterator[None]:
        """Keep a heartbeat on the running loop while the episodes run.

        The watchdog signals only while the heartbeat is stale, that is while the loop is
        stuck in some code: then the exception lands in that code, never in the loop's own
        machinery (an episode slow to wind down after its timeout, say).
        """
        async def beat() -> None:
            while True:
                self._beat = time.monotonic()
                await asyncio.sleep(_BEAT_S)

        task = asyncio.ensure_future(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._beat = None

    def started(self, key: str, timeout_s: float) -> None:
        """An episode started: it is overdue at `timeout + grace` seconds from now."""
        with self._lock:
            self._deadlines[key] = time.monotonic() + timeout_s + watchdog_grace(timeout_s)

    def finished(self, key: str) -> None:
        """An episode ended (by itself or by its timeout)."""
        with self._lock:
            self._deadlines.pop(key, None)

    def __enter__(self) -> LoopWatchdog:
        if self.active:
            self._previous = signal.signal(_SIGNAL, self._raise)  # type: ignore[arg-type]
            self._thread = threading.Thread(target=self._watch, name="chaos-watchdog",
                                            daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            signal.signal(_SIGNAL, self._previous)  # type: ignore[arg-type]

    def _watch(self) -> None:
        main = threading.main_thread().ident
        while not self._stop.wait(0.25):
            now = time.monotonic()
            beat = self._beat
            if beat is None or now - beat < _STUCK_S:
                continue  # the loop is running: asyncio timeouts do the work
            with self._lock:
                overdue = [k for k, due in self._deadlines.items() if now > due]
                for key in overdue:  # again after another grace if it swallows the first
                    self._deadlines[key] = now + 2.0
            if overdue and main is not None:
                signal.pthread_kill(main, _SIGNAL)  # type: ignore[arg-type]

    @staticmethod
    def _raise(signum: int, frame: FrameType | None) -> None:
        raise EpisodeHung("an episode blocked the event loop past its timeout")
