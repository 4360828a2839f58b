"""The worlds of a run: each (profile, seed) built once, ahead of need, freed after its last use."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from chaos.profile import LoadedProfile, Profile
from chaos.world import World, add_declared_files, generate_world, prepare_world
from chaos.world._declared import DEFAULT_MTIME

__all__ = ["EXPLICIT_MTIME", "WorldCache", "build_world"]

#: mtime of explicit profile files that name none: fixed, never "now".
EXPLICIT_MTIME = DEFAULT_MTIME


def build_world(profile: Profile, seed: int) -> World:
    """The world of `profile` for `seed`: the generator's files (if any), then the profile's.

    Raises:
        DeclaredFileError: A declared file that cannot be built (a ValueError naming where).
    """
    spec = profile.world
    if spec.generator is None:
        world = World(generator="", seed=seed, files={}, truth=None)
    else:
        world = generate_world(spec.generator, seed, spec.params)
    return add_declared_files(world, list(spec.files), seed)


Key = tuple[str, int]


def _build(loaded: LoadedProfile, seed: int) -> World | str:
    try:
        return prepare_world(build_world(loaded.profile, seed))
    except Exception as exc:  # one seed's world must not stop the others
        return f"world for seed {seed} failed: {type(exc).__name__}: {exc}"


class WorldCache:
    """Each (profile, seed) world built once, in a thread of its own, a few seeds ahead.

    A world and its filesystem template take ~20 ms of CPU to build. On the event loop that
    was the longest stretch during which 50 episodes in flight could not read their model's
    answers; in the builder thread it runs while the loop waits on the network, in slices the
    interpreter's switch interval bounds. Worlds are built in the order episodes need them,
    up to `ahead` seeds before they are needed. Use as an async context manager.

    Args:
        needs: (profile, seed) of every episode, in the order they start.
        ahead: Seeds to build before an episode asks for them.
    """

    def __init__(self, needs: Sequence[tuple[LoadedProfile, int]], ahead: int = 4) -> None:
        self._left: dict[Key, int] = {}
        self._profiles: dict[Key, LoadedProfile] = {}
        for loaded, seed in needs:
            key = (loaded.profile.name, seed)
            self._left[key] = self._left.get(key, 0) + 1
            self._profiles.setdefault(key, loaded)
        self._order = list(self._profiles)
        self._position = {key: i for i, key in enumerate(self._order)}
        self._next = 0
        self._ahead = ahead
        self._built: dict[Key, asyncio.Future[World | str]] = {}
        self._pool: ThreadPoolExecutor | None = None

    async def __aenter__(self) -> WorldCache:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="chaos-worlds")
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._pool is not None
        for future in self._built.values():
            future.cancel()
        # Not waiting: a slow generator's build in progress must not hold up the loop.
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _start(self, key: Key) -> asyncio.Future[World | str]:
        if key not in self._built:
            assert self._pool is not None, "use the WorldCache with `async with`"
            loop = asyncio.get_running_loop()
            # The caller's context: registries' scoped entries (a plugin's generator) included.
            build = functools.partial(contextvars.copy_context().run, _build,
                                      self._profiles[key], key[1])
            self._built[key] = loop.run_in_executor(self._pool, build)
        return self._built[key]

    async def take(self, loaded: LoadedProfile, seed: int) -> World | str:
        """The world, or why it could not be built (its episodes are then crashed)."""
        key = (loaded.profile.name, seed)
        wanted = self._start(key)
        self._next = max(self._next, self._position[key] + 1)
        for ahead in self._order[self._next:self._next + self._ahead]:
            self._start(ahead)
        return await asyncio.shield(wanted)

    def done(self, loaded: LoadedProfile, seed: int) -> None:
        """One episode of this world finished; free it after the last."""
        key = (loaded.profile.name, seed)
        self._left[key] -= 1
        if self._left[key] == 0:
            self._built.pop(key, None)
