"""What runs inside a worker: a batch of episodes, each world built once, results streamed out.

The same code runs in this process (`--workers 0`), in a local worker process and in a Dask
task, so every executor gives the same results: an episode is a function of its plan.
A worker process keeps its profiles (parsed once) and its own mail server for its life.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chaos._redact import MaskedStream
from chaos.errors import ChaosError
from chaos.plugins import import_modules
from chaos.runner import timeout_reason
from chaos.sweep._matrix import Batch

__all__ = [
    "EpisodeOutput",
    "ProfileSource",
    "WorkerContext",
    "WorkerSetup",
    "crashed_output",
    "dask_batch",
    "run_batch",
    "timeout_reason",
    "worker_main",
]

#: (key, EpisodeResult JSON, trace JSONL or None): what a worker sends back per episode.
EpisodeOutput = tuple[str, str, str | None]


@dataclass(frozen=True)
class ProfileSource:
    """A profile as workers receive it: its text, parsed there.

    Loaded profiles hold classes built at run time, which do not pickle.
    """

    path: str
    text: str
    sha256: str


@dataclass(frozen=True)
class WorkerSetup:
    """Everything a worker needs besides its batches.

    Attributes:
        profiles: The sweep's profiles, in matrix order.
        concurrency: Episodes in flight at once (asyncio; for remote models).
        timeouts: Wall-clock seconds an episode may take, per profile (`--episode-timeout`,
            else the profile's `limits.episode_timeout_s`).
        traces: Whether to send each episode's trace back.
        plugins: Modules to import first.
    """

    profiles: tuple[ProfileSource, ...]
    concurrency: int
    timeouts: tuple[float, ...]
    traces: bool
    plugins: tuple[str, ...] = ()


def crashed_output(plan: Any, reason: str, traces: bool) -> EpisodeOutput:
    """A crashed episode's output, built where the episode could not finish."""
    from chaos.sim import crashed_run

    run = crashed_run(plan, reason)
    return plan.key, run.result.model_dump_json(), _trace_text(run.trace) if traces else None


def _trace_text(events: list[Any]) -> str:
    # The bytes `chaos run` writes (chaos.runner.write_trace).
    from chaos.runner import trace_text

    return trace_text(events)


class WorkerContext:
    """A worker process's long-lived state: the sweep's profiles, parsed once.

    Args:
        setup: The sweep's worker setup.
    """

    def __init__(self, setup: WorkerSetup) -> None:
        from chaos.profile import LoadedProfile, parse_profile

        import_modules(setup.plugins)
        self.setup = setup
        self.profiles = [LoadedProfile(parse_profile(p.text, p.path), p.path, p.sha256)
                         for p in setup.profiles]


async def run_batch(context: WorkerContext, batch: Batch,
                    emit: Callable[[tuple[Any, ...]], None], watchdog: Any = None) -> None:
    """Run a batch's episodes; emit `("started", key)` and `("done", *EpisodeOutput)` each.

    Never raises for an episode: a failure or a timeout is a `crashed` result with the reason.
    A `LoopWatchdog` (in this process's main thread) interrupts code that blocks the loop.
    """
    from chaos._world_cache import WorldCache
    from chaos.models._remote import model_transports
    from chaos.runner import mail_server, sends_mail, start_order

    setup = context.setup
    loaded = context.profiles[batch.profile]
    work = [(loaded, plan) for plan in batch.plans]
    order = start_order(work, setup.concurrency)
    worlds = WorldCache([(loaded, batch.plans[i].seed) for i in order])

    async def one(plan: Any, mail: Any, gate: asyncio.Semaphore) -> None:
        async with gate:
            emit(("started", plan.key))
            try:
                output = await _episode(plan, loaded, await worlds.take(loaded, plan.seed), mail,
                                        setup, setup.timeouts[batch.profile], watchdog)
            finally:
                worlds.done(loaded, plan.seed)
            emit(("done", *output))

    gate = asyncio.Semaphore(setup.concurrency)
    beating = watchdog.beating() if watchdog is not None else contextlib.nullcontext()
    async with model_transports(), worlds, mail_server(sends_mail(loaded.profile)) as mail, \
            beating:
        await asyncio.gather(*(one(batch.plans[i], mail, gate) for i in order))


async def _episode(plan: Any, loaded: Any, world: Any, mail: Any, setup: WorkerSetup,
                   timeout_s: float, watchdog: Any) -> EpisodeOutput:
    from chaos.runner import bounded_episode

    if isinstance(world, str):
        return crashed_output(plan, world, setup.traces)
    try:
        run = await bounded_episode(plan, loaded, world, mail, timeout_s, watchdog)
    except TimeoutError:
        return crashed_output(plan, "episode timed out", setup.traces)
    except Exception as exc:  # run_episode absorbs agent failures; this is the last guard
        return crashed_output(plan, f"episode failed: {type(exc).__name__}: {exc}",
                              setup.traces)
    trace = _trace_text(run.trace) if setup.traces else None
    return plan.key, run.result.model_dump_json(), trace


def _mask_output() -> None:
    """Mask known keys in all this worker process prints, for the rest of its life.

    A worker writes to the terminal directly (warnings, SDK log lines, the traceback of a
    crash), past the parent's masking; for good, so that a last traceback is masked too.
    """
    if not isinstance(sys.stderr, MaskedStream):
        sys.stdout, sys.stderr = MaskedStream(sys.stdout), MaskedStream(sys.stderr)  # type: ignore[assignment]


def worker_main(conn: Any, setup: WorkerSetup) -> None:
    """A local worker process: run the batches the parent sends, stream results back.

    Messages in: `("batch", id, Batch)`, `("stop",)`. Out: `("ready",)` or `("error", text)`,
    then per episode `("started", key)` and `("done", key, result, trace)`, and
    `("batch_done", id)`. A closed pipe (the parent is gone) ends the worker.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _mask_output()
    try:
        context = WorkerContext(setup)
    except ChaosError as exc:
        conn.send(("error", str(exc)))
        return
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    try:
        conn.send(("ready",))
        while True:
            message = conn.recv()
            if message[0] != "batch":
                break
            _, batch_id, batch = message
            asyncio.run(run_batch(context, batch, conn.send))
            conn.send(("batch_done", batch_id))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the parent is gone: nothing left to report to


_DASK_CONTEXTS: dict[WorkerSetup, WorkerContext] = {}
_DASK_LOCK = threading.Lock()


def _dask_context(setup: WorkerSetup) -> WorkerContext:
    with _DASK_LOCK:
        context = _DASK_CONTEXTS.get(setup)
        if context is None:
            _mask_output()
            context = _DASK_CONTEXTS[setup] = WorkerContext(setup)
        return context


def dask_batch(setup: WorkerSetup, batch: Batch) -> list[EpisodeOutput]:
    """A Dask task: run a batch in the worker and return its outputs (plan order kept)."""
    context = _dask_context(setup)
    outputs: list[EpisodeOutput] = []

    def emit(message: tuple[Any, ...]) -> None:
        if message[0] == "done":
            outputs.append(message[1:])  # type: ignore[arg-type]

    asyncio.run(run_batch(context, batch, emit))
    return outputs


def cpu_count() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
