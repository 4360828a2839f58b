"""Rates with honest uncertainty, and the per-run summary of results.json."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from chaos.oracle import SCORED_OUTCOMES, FaultOutcome
from chaos.results import EpisodeResult

__all__ = ["summarize", "wilson_interval"]

Z95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % by default).

    Returns (0.0, 1.0) when there are no trials: nothing is known.
    """
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _rate(successes: int, trials: int) -> dict[str, Any]:
    low, high = wilson_interval(successes, trials)
    rate = successes / trials if trials else None
    return {
        "rate": None if rate is None else round(rate, 4),
        "low": round(low, 4),
        "high": round(high, 4),
    }


def _ttd(values: list[int | None]) -> dict[str, Any]:
    """Mean and p90 of the detection times that exist (simulated ms)."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return {"n": 0, "mean": None, "p90": None}
    p90 = known[min(len(known) - 1, math.ceil(0.9 * len(known)) - 1)]
    return {"n": len(known), "mean": round(sum(known) / len(known), 1), "p90": p90}


def _arm(episodes: list[EpisodeResult]) -> dict[str, Any]:
    passed = sum(e.task.passed for e in episodes)
    return {
        "episodes": len(episodes),
        "crashed": sum(e.status == "crashed" for e in episodes),
        "task_passed": passed,
        "task_success": _rate(passed, len(episodes)),
    }


def summarize(episodes: Iterable[EpisodeResult]) -> dict[str, Any]:
    """Per profile and model: clean vs chaos task success; per fault kind, outcome rates.

    Rates count only scored outcomes: a fault that never fired is `not_triggered` and counts in
    no rate.
    """
    table: dict[str, dict[str, list[EpisodeResult]]] = {}
    for episode in episodes:
        table.setdefault(episode.profile, {}).setdefault(episode.model, []).append(episode)
    out: dict[str, Any] = {}
    for profile in sorted(table):
        models: dict[str, Any] = {}
        for model in sorted(table[profile]):
            runs = table[profile][model]
            kinds: dict[str, dict[str, int]] = {}
            hops: dict[str, dict[str, dict[str, int]]] = {}
            for e in runs:
                for f in e.faults:
                    counts = kinds.setdefault(f.kind, {o.value: 0 for o in FaultOutcome})
                    counts[f.outcome] += 1
                    kind_hops = hops.setdefault(f.kind, {"touched_by": {}, "detected_by": {}})
                    for field in ("touched_by", "detected_by"):
                        agent = getattr(f, field)
                        if agent:
                            kind_hops[field][agent] = kind_hops[field].get(agent, 0) + 1
            faults = {}
            for kind in sorted(kinds):
                counts = kinds[kind]
                scored = sum(counts[o.value] for o in SCORED_OUTCOMES)
                faults[kind] = {
                    "injected": sum(counts.values()),
                    "scored": scored,
                    "counts": counts,
                    "rates": {o.value: _rate(counts[o.value], scored) for o in SCORED_OUTCOMES},
                    "hops": {k: dict(sorted(v.items())) for k, v in hops[kind].items()},
                    "time_to_detection_ms": _ttd([f.time_to_detection_ms for e in runs
                                                  for f in e.faults if f.kind == kind]),
                }
            models[model] = {
                "clean": _arm([e for e in runs if e.arm == "clean"]),
                "chaos": _arm([e for e in runs if e.arm == "chaos"]),
                "faults": faults,
            }
        out[profile] = {"models": models}
    return {"profiles": out}
