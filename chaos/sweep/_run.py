"""`run_sweep`: expand the matrix, run what the store lacks, write the run directory.

Each finished episode is committed to the store as it arrives (its trace file written just
before), so a sweep killed at any moment resumes with the same command and loses nothing that
finished; the store holds each episode once (a unique key), and results.json, written from
the store at the end, is the same bytes as an uninterrupted run's.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from chaos._output import write_atomic
from chaos.errors import InputError
from chaos.profile import load_profile
from chaos.report import html_available, write_reports
from chaos.results import RunResults
from chaos.sweep._matrix import SweepMatrix, expand
from chaos.sweep._output import seed_text, write_sweep_results
from chaos.sweep._spec import DEFAULT_STORE, SweepSpec
from chaos.sweep._store import SweepStore, is_failing_data
from chaos.sweep._worker import EpisodeOutput, ProfileSource, WorkerSetup, cpu_count

__all__ = ["SweepOptions", "SweepOutcome", "SweepProgress", "run_sweep"]

#: The file that marks a folder as a sweep's run directory (and names the sweep).
MARKER = ".chaos-sweep"
Traces = Literal["all", "failing", "none"]


@dataclass(frozen=True)
class SweepOptions:
    """How to treat the store and what to write, beyond the matrix.

    Attributes:
        resume: Run only the episodes the store lacks (False: drop the sweep's stored
            episodes and start over).
        out: The run directory (default: `sweeps/<sweep id>`).
        traces: Trace files to write: every episode's, the failing ones', or none.
        history: Sweeps in the run directory's trend (history.json, the HTML trend chart).
        report_limit: Episodes the JUnit and HTML reports list at most (results.json and the
            summary always hold all).
        formats: Report formats to write besides results.json (`junit`, `html`, `otel`).
        until_decided: Run the seeds in rounds until every gate is decided
            (`chaos.adaptive`); the matrix's seeds are round 1. None: the matrix as it is.
    """

    resume: bool = True
    out: Path | None = None
    traces: Traces = "all"
    history: int = 10
    report_limit: int = 10_000
    formats: tuple[str, ...] = ("junit", "html")
    until_decided: Any = None


@dataclass
class SweepProgress:
    """Callbacks a front end (progress bars) hooks into; each optional.

    Attributes:
        planned: (episodes in the sweep, already stored) once the plan is valid (with
            --until-decided: at each round, the episodes planned so far).
        episode: Each episode stored now, as EpisodeResult JSON data.
        note: A line worth telling (a worker died, episodes are retried).
        line: A line of the run's own output (--until-decided's rounds).
    """

    planned: Any = None
    episode: Any = None
    note: Any = None
    line: Any = None

    def tell(self, text: str) -> None:
        """Pass a note on (or drop it when nobody listens)."""
        if self.note:
            self.note(text)


@dataclass(frozen=True)
class SweepOutcome:
    """A finished sweep.

    Attributes:
        sweep_id: Its id in the store.
        store: The store's URL (password hidden).
        run_dir: The run directory.
        results_path: Its results.json.
        results: What the reports were made from (see `complete`).
        gates: The gates judged.
        reports: Report files written.
        total: Episodes in the sweep.
        ran: Episodes run by this call (the rest were stored already).
        complete: Whether `results` holds every episode.
    """

    sweep_id: str
    store: str
    run_dir: Path
    results_path: Path
    results: RunResults
    gates: list[Any]
    reports: list[Path]
    total: int
    ran: int
    complete: bool = True


def _run_dir(out: Path | None, sweep_id: str) -> Path:
    run_dir = out or Path("sweeps") / sweep_id
    marker = run_dir / MARKER
    if marker.is_file():
        try:
            owner = json.loads(marker.read_text(encoding="utf-8")).get("sweep")
        except (OSError, ValueError, AttributeError):
            owner = None
        if owner != sweep_id:
            raise InputError(f"--out {run_dir} is the run directory of sweep {owner!r}, not "
                             f"{sweep_id!r}; choose another directory")
    elif (run_dir / "results.json").exists():
        raise InputError(f"--out {run_dir} already holds a `chaos run`; choose another "
                         "directory")
    return run_dir


def _sources(matrix: SweepMatrix) -> tuple[ProfileSource, ...]:
    sources = []
    for loaded in matrix.profiles:
        # The hash covers every file read (a profile that `extends` others included).
        if load_profile(loaded.path).sha256 != loaded.sha256:
            raise InputError(f"{loaded.path} changed while the sweep was starting; run it again")
        # Workers get the merged profile (JSON is YAML): no base files to find on their side.
        text = json.dumps(loaded.profile.model_dump(mode="json", by_alias=True,
                                                    exclude_unset=True))
        sources.append(ProfileSource(loaded.path, text, loaded.sha256))
    return tuple(sources)


def _matrix_record(spec: SweepSpec, matrix: SweepMatrix) -> dict[str, Any]:
    return {"profiles": [
        {"name": p.profile.name, "path": p.path, "models": list(m), "seeds": seed_text(s),
         "arms": list(a)}
        for p, m, s, a in zip(matrix.profiles, matrix.models, matrix.seeds, matrix.arms,
                              strict=True)], "plugins": list(spec.plugins)}


class _Deliver:
    """Stores each finished episode (trace file first, then the committed row)."""

    def __init__(self, store: SweepStore, sweep_id: str, matrix: SweepMatrix, run_dir: Path,
                 traces: Traces, progress: SweepProgress) -> None:
        self.store, self.sweep_id, self.run_dir = store, sweep_id, run_dir
        self.shas = [p.sha256 for p in matrix.profiles]
        self.traces = traces
        self.progress = progress
        self.ran = 0

    def __call__(self, profile: int, output: EpisodeOutput) -> None:
        _key, text, trace = output
        result = json.loads(text)
        if trace is not None and (self.traces == "all" or is_failing_data(result)):
            path = self.run_dir / result["trace"]
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, trace)
        if self.store.add(self.sweep_id, self.shas[profile], result, text):
            self.ran += 1
        if self.progress.episode:
            self.progress.episode(result)


def batch_size(spec: SweepSpec, pending: int, workers: int) -> int:
    """Episodes per batch: the spec's; else 16 locally and 64 on Dask for scripted models.

    A worker runs one batch at a time, and a batch ends in a tail while its last episodes
    finish. Scripted episodes are short: small batches balance the load. With remote models
    (concurrency > 1) each tail leaves the worker's slots idle for a whole episode, so each
    worker gets one share of the sweep, and at least 4 waves of `concurrency` (measured on
    500 episodes, 2 workers x 25 against a 200 ms model: 2.27 x the ideal wall time with
    batches of 16, 1.52 with batches of 100).
    """
    if spec.batch_size:
        return spec.batch_size
    base = 64 if spec.backend == "dask" else 16
    if spec.concurrency == 1:
        return base
    return max(base, 4 * spec.concurrency, math.ceil(pending / max(1, workers)))


def _execute(spec: SweepSpec, matrix: SweepMatrix, done: set[str], deliver: _Deliver,
             traces: Traces, progress: SweepProgress) -> None:
    pending = sum(p.key not in done for p in matrix.plans())
    workers = spec.workers if spec.workers is not None else cpu_count()
    size = batch_size(spec, pending, workers)
    batches = matrix.batches(done, size)
    first = next(batches, None)
    if first is None:
        return

    def all_batches() -> Any:
        yield first
        yield from batches

    # --episode-timeout (or the sweep file's) over each profile's limits.episode_timeout_s.
    timeouts = tuple(spec.episode_timeout_s or p.profile.limits.episode_timeout_s
                     for p in matrix.profiles)
    setup = WorkerSetup(_sources(matrix), spec.concurrency, timeouts,
                        traces != "none", tuple(spec.plugins))
    workers = min(workers, math.ceil(pending / size))  # no worker started for nothing to do
    if spec.backend == "dask":
        from chaos.sweep._dask import run_dask

        run_dask(setup, all_batches(), spec.scheduler, max(1, workers), deliver, progress.tell)
    elif workers == 0:
        from chaos.sweep._local import run_in_process

        run_in_process(setup, all_batches(), deliver)
    else:
        from chaos.sweep._local import run_pool

        run_pool(setup, all_batches(), workers, deliver, progress.tell)


def run_sweep(spec: SweepSpec, options: SweepOptions = SweepOptions(),
              progress: SweepProgress | None = None) -> SweepOutcome:
    """Run a sweep to completion (resuming it when the store holds some of it).

    Raises:
        InputError: A profile, model, option, store or run directory is wrong.
        HarnessError: Workers cannot start or a Dask task failed.
    """
    progress = progress or SweepProgress()
    if spec.backend == "local" and spec.scheduler:
        raise InputError("--scheduler is for --backend dask; add --backend dask or drop it")
    matrix = expand(spec)
    sweep_id = matrix.sweep_id
    run_dir = _run_dir(options.out, sweep_id)
    with SweepStore(spec.store or DEFAULT_STORE) as store:
        profiles = [(p.profile.name, p.path, p.sha256) for p in matrix.profiles]
        adaptive = options.until_decided
        if adaptive is not None:
            from chaos.adaptive import require_data, require_gates

            require_gates(matrix.profiles)  # before the store records anything
            require_data(matrix.profiles, matrix.arms)
        record = _matrix_record(spec, matrix)
        if adaptive is not None:
            record["until_decided"] = {"alpha": adaptive.alpha,
                                       "max_episodes": adaptive.max_episodes,
                                       "budget_usd": adaptive.budget_usd}
        stored = store.begin(sweep_id, profiles, record, options.resume)
        done = store.keys(sweep_id) if stored else set()
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / MARKER).write_text(json.dumps({"sweep": sweep_id, "store": store.url})
                                      + "\n", encoding="utf-8")
        deliver = _Deliver(store, sweep_id, matrix, run_dir, options.traces, progress)
        extra, total, ran = None, matrix.total, None
        if adaptive is None:
            if progress.planned:
                progress.planned(matrix.total, sum(p.key in done for p in matrix.plans()))
            _execute(spec, matrix, done, deliver, options.traces, progress)
        else:
            from chaos.adaptive._sweep import sweep_rounds

            matrix, summary, total, ran = sweep_rounds(
                matrix, adaptive, store, done,
                lambda part: _execute(spec, part, done, deliver, options.traces, progress),
                progress.planned, progress.line or (lambda _line: None))
            extra = {"adaptive": summary}
        formats = [f for f in options.formats if f != "html" or html_available()]
        # Without report files the episodes are not needed as objects: keep only baselines.
        limit = options.report_limit if formats else 0
        written = write_sweep_results(run_dir, store, sweep_id, matrix, limit, extra, ran)
        from chaos.sweep._history import write_history

        write_history(run_dir, store, options.history, sweep_id,
                      {(p.profile.name, m) for p, models in zip(matrix.profiles, matrix.models,
                                                                 strict=True) for m in models})
        url = store.url
    reports = write_reports(run_dir, written.results, formats)
    return SweepOutcome(sweep_id, url, run_dir, written.path, written.results, written.gates,
                        reports, total, deliver.ran, written.complete)
