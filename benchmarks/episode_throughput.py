"""Scripted-episode throughput of one process on the sports-production profile.

Prints episodes per second and what an episode costs (world build and materialisation apart).
Usage: python benchmarks/episode_throughput.py [EPISODES_PER_MODEL]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from chaos.profile import load_profile
from chaos.runner import RunOptions, build_world, run_profiles
from chaos.world import materialize_world

PROFILE = Path(__file__).resolve().parent.parent / "profiles" / "sports-production.yaml"


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    per_model = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    loaded = load_profile(PROFILE)
    start = time.perf_counter()
    world = build_world(loaded.profile, 0)
    generate = time.perf_counter() - start
    start = time.perf_counter()
    materialize_world(world)
    template = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(20):
        materialize_world(world)
    copy = (time.perf_counter() - start) / 20
    start = time.perf_counter()
    results = run_profiles([loaded], RunOptions(episodes=per_model))
    elapsed = time.perf_counter() - start
    n = len(results.episodes)
    print(
        f"world: {len(world.files)} files, generated in {generate * 1000:.1f} ms, "
        f"template filled in {template * 1000:.1f} ms, episode copy {copy * 1000:.2f} ms"
    )
    print(f"episodes: {n} in {elapsed:.2f} s = {n / elapsed:.1f} episodes/s (one process)")


if __name__ == "__main__":
    main()
