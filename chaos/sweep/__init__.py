"""Sweeps: profiles x models x seeds x arms, run in parallel, kept in a history store.

`run_sweep(spec)` runs what the store lacks (locally in worker processes, or on Dask) and
writes a run directory like `chaos run`'s; `History` reads trends from a store; `compare`
tells whether a candidate sweep regressed against a baseline.
"""

from chaos.sweep._compare import Comparison, ComparisonRow, compare, fisher_exact, load_side
from chaos.sweep._history import HISTORY_METRICS, History, write_history
from chaos.sweep._matrix import Batch, SweepMatrix, expand
from chaos.sweep._run import SweepOptions, SweepOutcome, SweepProgress, run_sweep
from chaos.sweep._spec import (
    DEFAULT_STORE,
    SWEEP_ID,
    SweepSpec,
    is_sweep_file,
    load_sweep,
    parse_seeds,
)
from chaos.sweep._store import StoredSweep, SweepStore, store_url

__all__ = [
    "DEFAULT_STORE",
    "HISTORY_METRICS",
    "SWEEP_ID",
    "Batch",
    "Comparison",
    "ComparisonRow",
    "History",
    "StoredSweep",
    "SweepMatrix",
    "SweepOptions",
    "SweepOutcome",
    "SweepProgress",
    "SweepSpec",
    "SweepStore",
    "compare",
    "expand",
    "fisher_exact",
    "is_sweep_file",
    "load_side",
    "load_sweep",
    "parse_seeds",
    "run_sweep",
    "store_url",
    "write_history",
]
