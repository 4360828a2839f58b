"""The worlds of a run: each (profile, seed) built once, optionally ahead in another process.

With many episodes in flight on remote models, the event loop's CPU is what delays every
reply; generating a world and filling its filesystem template (~25 ms a seed) is work the
other core can do. The cache then asks a helper process for the worlds of the seeds coming
next, and takes a world from it only when it is ready: one not ready yet is built here, at
once, as without the helper. The same seed gives the same world either way.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from chaos.profile import LoadedProfile, Profile
from chaos.world import World, WorldFile, generate_world
from chaos.world._fakefs import adopt_template, freeze_world

__all__ = ["EXPLICIT_MTIME", "WorldCache", "build_world"]

#: mtime of explicit profile files: fixed, never "now".
EXPLICIT_MTIME = 1767225600


def build_world(profile: Profile, seed: int) -> World:
    """The world of `profile` for `seed`: the generator's files plus the profile's own."""
    world = generate_world(profile.world.generator, seed, profile.world.params)
    for spec in profile.world.files:
        world.add_file(
            WorldFile(spec.path, spec.text.encode(), EXPLICIT_MTIME, frozenset(spec.tags))
        )
    return world


def _build_frozen(profile: Profile, seed: int) -> tuple[World, bytes]:
    """In the helper process: the world and its pickled filesystem template."""
    world = build_world(profile, seed)
    blob = freeze_world(world)
    world.fs_template = None
    return world, blob


Key = tuple[str, int]


class WorldCache:
    """Each (profile, seed) world built once, dropped when its last episode is done.

    Args:
        needs: (profile, seed) of every episode, in the order episodes start.
        ahead: How many worlds the helper process builds ahead (0: no helper).
    """

    def __init__(self, needs: Sequence[tuple[LoadedProfile, int]], ahead: int = 0) -> None:
        self._left: dict[Key, int] = {}
        self._order: list[tuple[LoadedProfile, int]] = []
        for loaded, seed in needs:
            key = (loaded.profile.name, seed)
            if key not in self._left:
                self._order.append((loaded, seed))
            self._left[key] = self._left.get(key, 0) + 1
        self._position = {(p.profile.name, s): i for i, (p, s) in enumerate(self._order)}
        self._built: dict[Key, World | str] = {}
        self._futures: dict[Key, Future[tuple[World, bytes]]] = {}
        self._submitted = 0
        self._ahead = ahead
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        if ahead > 0 and len(self._order) > 1:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"))

    def take(self, loaded: LoadedProfile, seed: int) -> World | str:
        """The world, or why it could not be built (its episodes are then crashed)."""
        key = (loaded.profile.name, seed)
        if key not in self._built:
            self._built[key] = self._from_helper(key) or self._build(loaded, seed)
            self._submit_up_to(self._position[key] + 1 + self._ahead)
        return self._built[key]

    def done(self, loaded: LoadedProfile, seed: int) -> None:
        """One episode of this world finished; free it after the last."""
        key = (loaded.profile.name, seed)
        self._left[key] -= 1
        if self._left[key] == 0:
            self._built.pop(key, None)

    def close(self) -> None:
        """Stop the helper process (worlds not taken are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    @staticmethod
    def _build(loaded: LoadedProfile, seed: int) -> World | str:
        try:
            return build_world(loaded.profile, seed)
        except Exception as exc:  # one seed's world must not stop the others
            return f"world for seed {seed} failed: {type(exc).__name__}: {exc}"

    def _from_helper(self, key: Key) -> World | None:
        future = self._futures.pop(key, None)
        if future is None:
            return None
        if not future.done() or future.exception() is not None:
            future.cancel()  # not ready (or failed there): built here, as without a helper
            return None
        world, blob = future.result()
        adopt_template(world, blob)
        return world

    def _submit_up_to(self, end: int) -> None:
        while self._pool is not None and self._submitted < min(end, len(self._order)):
            loaded, seed = self._order[self._submitted]
            key = (loaded.profile.name, seed)
            if key not in self._built:
                self._futures[key] = self._pool.submit(_build_frozen, loaded.profile, seed)
            self._submitted += 1

    def __enter__(self) -> WorldCache:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
