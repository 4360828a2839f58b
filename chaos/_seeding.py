"""The per-episode RNG tree: every random choice derives from a seed and a purpose string.

Derivation hashes its parts, so adding a new consumer never shifts the draws of another, and
nothing depends on PYTHONHASHSEED, global random state or dict order.
"""

from __future__ import annotations

import hashlib
import random

__all__ = ["derive_rng", "derive_seed"]


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from any printable parts, stable across processes and platforms."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def derive_rng(*parts: object) -> random.Random:
    """A `random.Random` seeded from `derive_seed(*parts)`."""
    return random.Random(derive_seed(*parts))
