"""The local executor: worker processes (spawned) that each run whole batches, or this process.

The parent hands each worker one batch at a time over its own pipe (no queue shared between
workers: a worker killed in the middle of a write cannot leave a lock held for the others) and
watches three things:

- results, streamed per episode as they finish and given to `deliver` (the store);
- hangs: an episode still running `timeout + grace` seconds after it started is one the
  worker's own asyncio timeout could not stop (a call that blocks the event loop): the worker
  is killed, that episode is `crashed` with the timeout reason, the batch's other unfinished
  episodes run again elsewhere;
- deaths: a worker that dies (killed, out of memory, a crash in C code) has its batch's
  unfinished episodes retried once, each alone in a fresh worker, so only the episode that
  kills its worker again ends `crashed`, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from typing import Any

from chaos._watchdog import LoopWatchdog, watchdog_grace
from chaos.errors import HarnessError
from chaos.sweep._matrix import Batch
from chaos.sweep._worker import (
    EpisodeOutput,
    WorkerContext,
    WorkerSetup,
    crashed_output,
    run_batch,
    timeout_reason,
    worker_main,
)

__all__ = ["Deliver", "run_in_process", "run_pool", "watchdog_grace"]

#: deliver(profile index, output): store one finished episode.
Deliver = Callable[[int, EpisodeOutput], None]
#: Workers that die before they are ready, in a row, before the sweep gives up.
_STARTUP_FAILURES = 3


def run_in_process(setup: WorkerSetup, batches: Iterator[Batch], deliver: Deliver) -> None:
    """Run every batch here, one after another (`--workers 0`: for debugging and tests).

    An episode that blocks its event loop is interrupted by a watchdog, as in `chaos run`
    (in the main thread only; elsewhere use worker processes).
    """
    context = WorkerContext(setup)
    with LoopWatchdog() as watchdog:
        for batch in batches:
            def emit(message: tuple[Any, ...], profile: int = batch.profile) -> None:
                if message[0] == "done":
                    deliver(profile, message[1:])  # type: ignore[arg-type]

            asyncio.run(run_batch(context, batch, emit, watchdog))


def _cause(exitcode: int | None) -> str:
    if exitcode is None:
        return "it stopped answering"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class _Worker:
    def __init__(self, context: Any, setup: WorkerSetup, number: int) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=worker_main, args=(child, setup), daemon=True,
                                       name=f"chaos-sweep-worker-{number}")
        self.process.start()
        child.close()
        self.ready = False
        self.error: str | None = None
        self.dead = False
        self.timed_out = False
        self.batch: Batch | None = None
        self.pending: dict[str, Any] = {}  # key -> plan, not finished yet
        self.started: dict[str, float] = {}

    def assign(self, batch: Batch, batch_id: int) -> None:
        self.batch = batch
        self.pending = {plan.key: plan for plan in batch.plans}
        self.started = {}
        try:
            self.conn.send(("batch", batch_id, batch))
        except OSError:
            self.dead = True

    def stop(self, wait: bool = True) -> None:
        if self.process.is_alive() and wait:
            with contextlib.suppress(OSError):
                self.conn.send(("stop",))
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


class _Pool:
    def __init__(self, setup: WorkerSetup, batches: Iterator[Batch], workers: int,
                 deliver: Deliver, note: Callable[[str], None]) -> None:
        self.setup = setup
        self.context = multiprocessing.get_context("spawn")
        self.fresh = batches
        self.retries: deque[Batch] = deque()
        self.lookahead: Batch | None = None
        self.deliver = deliver
        self.note = note
        self.size = workers
        self.spawned = 0
        self.failures = 0
        self.next_id = 0
        self.workers: list[_Worker] = []
        #: Per profile: seconds after an episode's start at which its worker is killed.
        self.limits = [t + watchdog_grace(t) for t in setup.timeouts]

    def _spawn(self) -> _Worker:
        self.spawned += 1
        return _Worker(self.context, self.setup, self.spawned)

    def _take(self) -> Batch | None:
        if self.retries:
            return self.retries.popleft()
        if self.lookahead is not None:
            batch, self.lookahead = self.lookahead, None
            return batch
        return next(self.fresh, None)

    def _more(self) -> bool:
        if self.retries or self.lookahead is not None:
            return True
        self.lookahead = next(self.fresh, None)
        return self.lookahead is not None

    def run(self) -> None:
        self.workers = [self._spawn() for _ in range(self.size)]
        finished = False
        try:
            while True:
                for worker in self.workers:
                    if worker.ready and worker.batch is None and not worker.dead:
                        batch = self._take()
                        if batch is None:
                            break
                        self.next_id += 1
                        worker.assign(batch, self.next_id)
                busy = [w for w in self.workers if w.batch is not None]
                if not busy and not self._more():
                    finished = True
                    return
                self._wait()
                self._watchdog()
                self._bury()
        finally:
            for worker in self.workers:  # interrupted (Ctrl-C, an error): no waiting
                worker.stop(wait=finished)

    def _wait(self) -> None:
        handles: list[Any] = [w.conn for w in self.workers if not w.dead]
        handles += [w.process.sentinel for w in self.workers]
        ready = set(wait(handles, timeout=min(0.5, min(self.limits) / 4)))
        for worker in self.workers:
            if worker.conn in ready or worker.process.sentinel in ready:
                self._drain(worker)
            if worker.process.sentinel in ready:
                worker.dead = True

    def _drain(self, worker: _Worker) -> None:
        while not worker.dead:
            try:
                if not worker.conn.poll():
                    return
                message = worker.conn.recv()
            except (EOFError, OSError):
                worker.dead = True
                return
            # Outside the try: an OSError storing a result (a full --out) is the sweep's to
            # report, not a sign that the worker died.
            self._handle(worker, message)

    def _handle(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            self.failures = 0
        elif kind == "error":
            raise HarnessError(f"a sweep worker could not start: {message[1]}")
        elif kind == "started":
            worker.started[message[1]] = time.monotonic()
        elif kind == "done":
            key = message[1]
            if key in worker.pending and worker.batch is not None:
                del worker.pending[key]
                worker.started.pop(key, None)
                self.deliver(worker.batch.profile, message[1:])
        elif kind == "batch_done":
            worker.batch, worker.pending, worker.started = None, {}, {}

    def _watchdog(self) -> None:
        now = time.monotonic()
        for worker in self.workers:
            if worker.batch is None or worker.dead or not worker.started:
                continue
            key, began = min(worker.started.items(), key=lambda item: item[1])
            if now - began <= self.limits[worker.batch.profile]:
                continue
            plan = worker.pending.pop(key)
            worker.started.pop(key)
            timeout = self.setup.timeouts[worker.batch.profile]
            self.deliver(worker.batch.profile,
                         crashed_output(plan, timeout_reason(timeout), self.setup.traces))
            worker.timed_out = True
            worker.process.kill()

    def _bury(self) -> None:
        alive = []
        for worker in self.workers:
            if not worker.dead:
                alive.append(worker)
                continue
            worker.process.join(5)
            cause = _cause(worker.process.exitcode)
            worker.conn.close()
            if not worker.ready:
                self.failures += 1
                if self.failures >= _STARTUP_FAILURES:
                    raise HarnessError(f"sweep workers die as they start ({cause}); run with "
                                       "--workers 0 to see why in this process")
            elif worker.batch is not None and worker.pending:
                self._reschedule(worker.batch, list(worker.pending.values()), cause,
                                 worker.timed_out)
            if self._more():
                alive.append(self._spawn())
        self.workers = alive

    def _reschedule(self, batch: Batch, plans: list[Any], cause: str, timed_out: bool) -> None:
        if timed_out:  # the hung episode is crashed already; the others were bystanders
            self.retries.appendleft(Batch(batch.profile, tuple(plans), batch.attempt))
        elif batch.attempt == 1:
            self.note(f"a worker died ({cause}) with {len(plans)} episode(s) unfinished; "
                      "retrying each once in a fresh worker")
            self.retries.extendleft(Batch(batch.profile, (p,), 2) for p in reversed(plans))
        else:
            for plan in plans:
                self.deliver(batch.profile, crashed_output(
                    plan, f"the worker process died while running this episode ({cause}), "
                          "and again when it was retried", self.setup.traces))


def run_pool(setup: WorkerSetup, batches: Iterator[Batch], workers: int, deliver: Deliver,
             note: Callable[[str], None]) -> None:
    """Run every batch on `workers` spawned worker processes.

    Raises:
        HarnessError: Workers cannot start (a plugin or chaos itself fails to import there).
    """
    _Pool(setup, batches, workers, deliver, note).run()
