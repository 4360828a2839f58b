"""Seeded latency models in integer simulated milliseconds."""

from __future__ import annotations

import math
import random

from chaos.profile import LatencySpec

__all__ = ["draw_latency"]


def draw_latency(spec: LatencySpec, rng: random.Random) -> int:
    """One latency draw, in whole milliseconds (integer time never drifts)."""
    if spec.dist == "constant":
        return spec.ms
    if spec.dist == "uniform":
        low, high = sorted((spec.min_ms, spec.max_ms))
        return rng.randint(low, high)
    value = spec.ms * math.exp(rng.gauss(0.0, spec.sigma)) if spec.ms > 0 else 0.0
    return min(spec.max_ms, max(spec.min_ms, round(value)))
