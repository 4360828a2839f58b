"""History: how each model fared against each fault kind over the last sweeps of a store.

Counted in the store with GROUP BY queries (nothing per episode is loaded), so a store of
months of nightly sweeps answers at once. `history.json` in a sweep's run directory holds the
trend up to that sweep; the HTML report draws it (`chaos.report._trend` reads it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaos._output import write_atomic
from chaos.errors import InputError
from chaos.metrics import rate
from chaos.oracle import SCORED_OUTCOMES, FaultOutcome
from chaos.sweep._store import StoredSweep, SweepStore

__all__ = ["HISTORY_METRICS", "HISTORY_VERSION", "History", "write_history"]

HISTORY_VERSION = 1
#: What a trend can follow: a fault outcome rate, or task success (per arm).
HISTORY_METRICS = ("propagated", "detected_or_recovered", "detected", "recovered", "silent",
                   "crashed", "task_success")
_SCORED = tuple(o.value for o in SCORED_OUTCOMES)


@dataclass(frozen=True)
class History:
    """Counts per sweep, oldest sweep first.

    Attributes:
        sweeps: The sweeps, oldest first.
        faults: (profile, model, kind) -> per sweep, {outcome: n} or None (not run).
        tasks: (profile, model, arm) -> per sweep, (episodes, passed) or None.
    """

    sweeps: list[StoredSweep]
    faults: dict[tuple[str, str, str], list[dict[str, int] | None]]
    tasks: dict[tuple[str, str, str], list[tuple[int, int] | None]]

    @classmethod
    def from_store(cls, store: SweepStore, last: int, upto: str | None = None,
                   profile: str | None = None, model: str | None = None) -> History:
        """The last `last` sweeps of `store` (ending with `upto` when given)."""
        sweeps = store.sweeps()
        if upto is not None:
            ids = [s.id for s in sweeps]
            if upto not in ids:
                raise InputError(f"no sweep {upto!r} in the store {store.url}")
            sweeps = sweeps[:ids.index(upto) + 1]
        sweeps = sweeps[-last:] if last > 0 else []
        position = {s.id: i for i, s in enumerate(sweeps)}
        faults: dict[tuple[str, str, str], list[dict[str, int] | None]] = {}
        ids = list(position)
        for sweep, prof, mod, kind, outcome, n in store.fault_counts(ids) if ids else []:
            if (profile and prof != profile) or (model and mod != model):
                continue
            row = faults.setdefault((prof, mod, kind), [None] * len(sweeps))
            cell = row[position[sweep]]
            if cell is None:
                cell = row[position[sweep]] = {o.value: 0 for o in FaultOutcome}
            cell[outcome] = cell.get(outcome, 0) + n
        tasks: dict[tuple[str, str, str], list[tuple[int, int] | None]] = {}
        for sweep, prof, mod, arm, n, passed in store.task_counts(ids) if ids else []:
            if (profile and prof != profile) or (model and mod != model):
                continue
            tasks.setdefault((prof, mod, arm), [None] * len(sweeps))[position[sweep]] = (
                n, passed)
        return cls(sweeps, dict(sorted(faults.items())), dict(sorted(tasks.items())))

    def fault_rate(self, counts: dict[str, int] | None, metric: str) -> dict[str, Any] | None:
        """The `{rate, low, high}` of `metric` in one cell, None when not run."""
        if counts is None:
            return None
        scored = sum(counts.get(o, 0) for o in _SCORED)
        wanted = ("detected", "recovered") if metric == "detected_or_recovered" else (metric,)
        return {**rate(sum(counts.get(o, 0) for o in wanted), scored), "n": scored}

    def to_json(self) -> dict[str, Any]:
        """The history as history.json holds it."""
        return {
            "version": HISTORY_VERSION,
            "sweeps": [{"id": s.id, "created_at": s.created_at, "episodes": s.episodes}
                       for s in self.sweeps],
            "faults": [{"profile": p, "model": m, "kind": k, "counts": cells}
                       for (p, m, k), cells in self.faults.items()],
            "tasks": [{"profile": p, "model": m, "arm": a,
                       "counts": [None if c is None else {"episodes": c[0], "passed": c[1]}
                                  for c in cells]}
                      for (p, m, a), cells in self.tasks.items()],
        }


def write_history(run_dir: Path, store: SweepStore, last: int, sweep_id: str,
                  keep: set[tuple[str, str]] | None = None) -> Path | None:
    """Write `history.json` (the last `last` sweeps up to this one) into the run directory.

    Args:
        run_dir: The sweep's run directory.
        store: Its store.
        last: How many sweeps (fewer than 2: no trend, no file).
        sweep_id: The sweep the trend ends with.
        keep: (profile, model) pairs to keep (the sweep's own); None keeps all.
    """
    path = run_dir / "history.json"
    history = History.from_store(store, last, upto=sweep_id) if last >= 2 else None
    if history is None or len(history.sweeps) < 2:  # one point is not a trend
        path.unlink(missing_ok=True)
        return None
    if keep is not None:
        history = History(history.sweeps,
                          {k: v for k, v in history.faults.items() if k[:2] in keep},
                          {k: v for k, v in history.tasks.items() if k[:2] in keep})
    write_atomic(path, json.dumps(history.to_json(), indent=2, ensure_ascii=False) + "\n")
    return path

