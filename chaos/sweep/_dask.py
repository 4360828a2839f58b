"""The Dask executor: batches as tasks on a Dask cluster (or a LocalCluster).

Results stream to the store as each batch returns. A Dask task costs ~1.7 ms of scheduling,
so a task is a whole batch of episodes (whole seeds: each world is built once per task).
Tasks are submitted a few per worker thread ahead, never all at once, so the client and the
scheduler hold a bounded number of results. A batch whose worker dies (`KilledWorker`) is
retried once, each episode alone; an episode that kills its worker again is `crashed` with
the reason. An episode's wall-clock timeout is enforced inside the task (asyncio); a call that
blocks a worker's event loop holds its thread (the local executor's watchdog kills such a
worker; Dask cannot preempt a task).
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from chaos.errors import HarnessError, InputError
from chaos.sweep._local import Deliver
from chaos.sweep._matrix import Batch
from chaos.sweep._worker import WorkerSetup, crashed_output, dask_batch

__all__ = ["run_dask"]


def _import() -> Any:
    try:
        import dask
        import distributed
    except ImportError:
        raise InputError("--backend dask needs dask and distributed: pip install "
                         "'chaos-sim[dask]'") from None
    return dask, distributed


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Any]:
    dask, distributed = _import()
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--scheduler {scheduler}: cannot reach the Dask scheduler "
                             f"({exc}); is `dask scheduler` running there?") from None
        with client:
            yield client
        return
    # One failure is enough for a LocalCluster to report a dead worker: the retry is ours.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                     dashboard_address=None,
                                     silence_logs=logging.CRITICAL) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def run_dask(setup: WorkerSetup, batches: Iterator[Batch], scheduler: str | None,
             workers: int, deliver: Deliver, note: Callable[[str], None]) -> None:
    """Run every batch as a Dask task.

    Args:
        setup: What every worker needs (profiles, timeout, concurrency).
        batches: The batches to run.
        scheduler: A scheduler address (`tcp://host:8786`); None starts a LocalCluster.
        workers: LocalCluster worker processes.
        deliver: Stores one finished episode.
        note: Reports retries.

    Raises:
        InputError: dask is missing, or the scheduler cannot be reached.
        HarnessError: A task failed for a reason other than its worker dying (chaos or a
            plugin missing on the workers, say).
    """
    _, distributed = _import()
    with _client(scheduler, workers) as client:
        threads = max(1, sum(client.nthreads().values()))
        window = 2 * threads
        retries: deque[Batch] = deque()
        fresh = iter(batches)
        running: dict[Any, Batch] = {}
        done = distributed.as_completed()

        def submit() -> None:
            while len(running) < window:
                batch = retries.popleft() if retries else next(fresh, None)
                if batch is None:
                    return
                # The setup (profile texts, a few KB) travels with each task: scattered data
                # would be lost with the workers holding it, and a dead worker is expected.
                future = client.submit(dask_batch, setup, batch, pure=False)
                running[future] = batch
                done.add(future)

        submit()
        for future in done:
            batch = running.pop(future)
            if future.status == "finished":
                for output in future.result():
                    deliver(batch.profile, output)
            else:
                _failed(future, batch, retries, deliver, note, setup, distributed)
            future.release()
            submit()


def _failed(future: Any, batch: Batch, retries: deque[Batch], deliver: Deliver,
            note: Callable[[str], None], setup: WorkerSetup, distributed: Any) -> None:
    try:
        error = future.exception()
    except Exception as exc:  # cancelled: the scheduler lost it
        error = exc
    if not isinstance(error, distributed.KilledWorker):
        raise HarnessError(f"a Dask task failed: {type(error).__name__}: {error}; are chaos-sim "
                           "(this version) and the sweep's plugins installed on the workers?")
    if batch.attempt == 1:
        note(f"a Dask worker died with {len(batch.plans)} episode(s); retrying each once")
        retries.extend(Batch(batch.profile, (plan,), 2) for plan in batch.plans)
        return
    for plan in batch.plans:
        deliver(batch.profile, crashed_output(
            plan, "the Dask worker died while running this episode, and again when it was "
                  "retried", setup.traces))
