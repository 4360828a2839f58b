"""A finished sweep's run directory: results.json streamed from the store, then the reports.

results.json has the bytes `chaos run` writes for the same episodes (`chaos.runner.write_run`:
indent 2, keys in model order, episodes in plan order), but it is written one episode at a
time while `SummaryBuilder` and `CoverageBuilder` count, so a 100k-episode sweep never holds
its episodes in memory.
The reports (JUnit, HTML) need episodes as objects: they get every episode up to
`report_limit`, beyond that the failing ones up to the limit (in plan order) plus one passing
baseline per profile x model x arm; the summary and gates are always complete.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaos.coverage import CoverageBuilder
from chaos.gates import GateResult
from chaos.recommend import summary_recommendation
from chaos.results import RESULTS_VERSION, EpisodeResult, ProfileRef, RunResults
from chaos.sweep._matrix import SweepMatrix
from chaos.sweep._store import SweepStore, is_failing_data
from chaos.sweep._summary import SummaryBuilder, gates_from_summary

__all__ = ["SweepResults", "seed_text", "write_sweep_results"]

_SEEDS_PER_QUERY = 500
_ARM_ORDER = {"clean": 0, "chaos": 1}


@dataclass(frozen=True)
class SweepResults:
    """What was written, and what the reports get.

    Attributes:
        path: results.json.
        results: The run for the reports: the summary, gates, and the episodes kept.
        gates: The gates judged.
        episodes: Episodes in results.json.
        complete: Whether `results` holds every episode (else: failing ones and baselines).
    """

    path: Path
    results: RunResults
    gates: list[GateResult]
    episodes: int
    complete: bool


def seed_text(seeds: tuple[int, ...] | list[int]) -> str:
    """Seeds as ranges: `0-99,120,200-209` (order kept)."""
    parts: list[str] = []
    start = prev = None
    for seed in [*seeds, None]:
        if start is not None and seed is not None and prev is not None and seed == prev + 1:
            prev = seed
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = seed
    return ",".join(parts)


def _seed_groups(store: SweepStore, sweep_id: str, matrix: SweepMatrix, index: int,
                 ran: Mapping[str, frozenset[int]] | None = None
                 ) -> Iterator[list[tuple[dict[str, Any], str]]]:
    """A profile's stored episodes, one seed at a time, in plan order: (data, JSON text).

    `ran`: per model the seeds it ran (adaptive rounds are not a rectangle); None: all.
    """
    name = matrix.profiles[index].profile.name
    models = {m: i for i, m in enumerate(matrix.models[index])}
    arms = set(matrix.arms[index])
    seeds = matrix.seeds[index]
    for first in range(0, len(seeds), _SEEDS_PER_QUERY):
        chunk = seeds[first:first + _SEEDS_PER_QUERY]
        by_seed: dict[int, list[tuple[int, int, str]]] = {}
        for seed, model, arm, text in store.results(sweep_id, name, chunk):
            if model in models and arm in arms and (ran is None or seed in ran.get(model, ())):
                by_seed.setdefault(seed, []).append((models[model], _ARM_ORDER[arm], text))
        for seed in chunk:
            rows = sorted(by_seed.pop(seed, []))
            if rows:
                yield [(json.loads(text), text) for _, _, text in rows]


def _indented(value: Any, depth: int) -> str:
    # json.dumps(indent=2) puts newlines only between tokens, never inside strings.
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * depth)


def write_sweep_results(run_dir: Path, store: SweepStore, sweep_id: str, matrix: SweepMatrix,
                        report_limit: int,
                        extra: dict[str, Any] | None = None,
                        ran: Sequence[Mapping[str, frozenset[int]]] | None = None
                        ) -> SweepResults:
    """Stream the sweep's results.json from the store and judge its gates.

    Args:
        run_dir: The sweep's run directory.
        store: The store holding the sweep.
        sweep_id: The sweep.
        matrix: What the sweep runs (its episodes, in this order, make results.json).
        report_limit: Episodes the reports get at most.
        extra: Keys added at the end of the summary (`adaptive`).
        ran: Per profile, per model the seeds it ran (`--until-decided`: a model decided
            early ran fewer seeds; episodes the store holds from other calls stay out).
    """
    refs = [ProfileRef(name=p.profile.name, path=p.path, sha256=p.sha256)
            for p in matrix.profiles]
    skeleton = json.dumps({"version": RESULTS_VERSION,
                           "profiles": [r.model_dump(mode="json") for r in refs],
                           "episodes": "@"}, indent=2, ensure_ascii=False)
    head = skeleton[:skeleton.rindex('"@"')]
    builder = SummaryBuilder()
    coverage = CoverageBuilder()
    total = matrix.total if ran is None else sum(
        len(seeds) * len(matrix.arms[i]) for i, models in enumerate(ran)
        for seeds in models.values())
    keep_all = total <= report_limit
    kept: list[str] = []
    baselines: set[tuple[str, str, str]] = set()
    count = 0
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "results.json"
    partial = run_dir / "results.json.partial"
    try:
        with partial.open("w", encoding="utf-8") as out:
            out.write(head + "[")
            for index, loaded in enumerate(matrix.profiles):
                mine = None if ran is None else ran[index]
                for group in _seed_groups(store, sweep_id, matrix, index, mine):
                    builder.add_seed(loaded.profile.name, [data for data, _ in group])
                    for data, text in group:
                        coverage.add(data)
                        out.write(("," if count else "") + "\n    " + _indented(data, 2))
                        count += 1
                        if keep_all:
                            kept.append(text)
                            continue
                        group_key = (data["profile"], data["model"], data["arm"])
                        if is_failing_data(data) and len(kept) < report_limit:
                            kept.append(text)
                        elif not is_failing_data(data) and group_key not in baselines:
                            baselines.add(group_key)
                            kept.append(text)
            summary = builder.summary()
            gates = gates_from_summary(summary, matrix.profiles)
            summary["gates"] = [g.to_json() for g in gates]
            if (recommendation := summary_recommendation(summary)) is not None:
                summary["recommendation"] = recommendation
            summary["coverage"] = coverage.coverage(matrix.profiles)
            summary.update(extra or {})
            out.write(("\n  ]" if count else "]") + ',\n  "summary": ' + _indented(summary, 1)
                      + "\n}\n")
    except OSError as exc:  # a full disk: no half file left behind; name the file the user knows
        partial.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    os.replace(partial, path)
    episodes = [EpisodeResult.model_validate_json(text) for text in kept]
    results = RunResults(profiles=refs, episodes=episodes, summary=summary)
    return SweepResults(path, results, gates, count, keep_all)
