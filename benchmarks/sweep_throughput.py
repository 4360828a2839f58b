"""Scripted-sweep throughput and memory: one process, the local pool, a Dask LocalCluster.

Runs the ready sports-production profile (its 4 scripted models, both arms: 8 episodes per
seed) as a sweep into a temporary store and prints, per executor, episodes per second from
10 % of the episodes to 90 % (steady), from the plan to the last episode (worker start-up
included) and for the whole call (store, results.json, junit.xml). Then, for a big sweep on
the pool, the RSS of the parent and of the largest worker, sampled as the sweep goes, to show
that memory stays flat (results stream to the store; results.json and the summary are written
from it in one pass), and the peak RSS of the parent, results.json included.

Usage: python benchmarks/sweep_throughput.py [--seeds 50] [--workers 2]
                                             [--memory-episodes 100000] [--skip-dask]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from chaos.sweep import SweepOptions, SweepProgress, SweepSpec, run_sweep

PROFILE = Path(__file__).resolve().parent.parent / "profiles" / "sports-production.yaml"
PER_SEED = 8  # 4 scripted models x 2 arms


def _rss_mb(pid: int | None = None) -> float:
    try:
        import psutil
    except ImportError:  # Linux without psutil: /proc
        statm = Path(f"/proc/{pid or os.getpid()}/statm").read_text().split()
        return int(statm[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return psutil.Process(pid).memory_info().rss / 2**20


def _worker_rss_mb() -> float:
    try:
        import psutil
    except ImportError:
        return float("nan")
    children = psutil.Process().children(recursive=True)
    sizes = []
    for child in children:
        try:
            sizes.append(child.memory_info().rss)
        except psutil.Error:
            continue
    return max(sizes, default=0) / 2**20


class _Clock:
    def __init__(self, sample_every: int = 0) -> None:
        self.planned = 0.0
        self.last = 0.0
        self.n = 0
        self.total = 0
        self.marks: dict[int, float] = {}
        self.sample_every = sample_every
        self.samples: list[tuple[int, float, float]] = []

    def plan(self, total: int, _stored: int) -> None:
        self.planned = time.perf_counter()
        self.total = total

    def episode(self, _result: dict[str, Any]) -> None:
        self.last = time.perf_counter()
        self.n += 1
        for share in (10, 90):  # the steady part: from 10 % of the episodes to 90 %
            if share not in self.marks and self.n >= self.total * share / 100:
                self.marks[share] = self.last
        if self.sample_every and self.n % self.sample_every == 0:
            self.samples.append((self.n, _rss_mb(), _worker_rss_mb()))

    def steady(self) -> float:
        span = self.marks.get(90, 0) - self.marks.get(10, 0)
        return 0.8 * self.total / span if span > 0 else float("nan")


def _sweep(tmp: Path, name: str, seeds: int, traces: str = "all",
           formats: tuple[str, ...] = ("junit",), sample_every: int = 0,
           **spec: Any) -> tuple[_Clock, float]:
    clock = _Clock(sample_every)
    started = time.perf_counter()
    run_sweep(SweepSpec(id=name, profiles=[str(PROFILE)], seeds=list(range(seeds)),
                        store=str(tmp / f"{name}.db"), **spec),
              SweepOptions(out=tmp / name, traces=traces, formats=formats,  # type: ignore[arg-type]
                           history=0),
              SweepProgress(planned=clock.plan, episode=clock.episode))
    return clock, time.perf_counter() - started


def _line(label: str, clock: _Clock, total: float) -> str:
    span = clock.last - clock.planned
    return (f"{label:<30} {clock.n:>7} episodes {clock.steady():7.1f} ep/s steady (10-90 %) "
            f"{clock.n / span:7.1f} ep/s with start-up {clock.n / total:7.1f} ep/s whole call "
            f"({total:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="seeds per throughput run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-episodes", type=int, default=100_000,
                        help="episodes of the memory run (0: skip it)")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="chaos-sweep-bench-"))
    try:
        print(f"profile: {PROFILE.name}, {args.seeds} seeds x {PER_SEED} = "
              f"{args.seeds * PER_SEED} episodes per run, traces written, junit.xml at the end")
        clock, total = _sweep(tmp, "inproc", args.seeds, workers=0)
        print(_line("one process", clock, total), flush=True)
        clock, total = _sweep(tmp, "pool", args.seeds, workers=args.workers)
        print(_line(f"local pool, {args.workers} workers", clock, total), flush=True)
        if not args.skip_dask:
            clock, total = _sweep(tmp, "dask", args.seeds, workers=args.workers,
                                  backend="dask", batch_size=64)
            print(_line(f"Dask LocalCluster, {args.workers} w.", clock, total), flush=True)
        if args.memory_episodes:
            seeds = max(1, args.memory_episodes // PER_SEED)
            every = max(1, seeds * PER_SEED // 10)
            clock, total = _sweep(tmp, "memory", seeds, traces="none", formats=(),
                                  sample_every=every, workers=args.workers)
            print(_line(f"memory run, {args.workers} workers", clock, total))
            print("RSS as the sweep goes (episodes: parent MB / largest worker MB):")
            for n, parent, worker in clock.samples:
                print(f"  {n:>7}: {parent:7.1f} / {worker:7.1f}")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"peak RSS of this process, results.json and summary included: {peak:.1f} MB; "
                  f"results.json: {(tmp / 'memory' / 'results.json').stat().st_size / 2**20:.1f} MB"
                  f"; store: {(tmp / 'memory.db').stat().st_size / 2**20:.1f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
