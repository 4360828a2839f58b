"""The worlds of a run: each (profile, seed) built once, dropped after its last episode."""

from __future__ import annotations

from collections.abc import Sequence

from chaos.profile import LoadedProfile, Profile
from chaos.world import World, WorldFile, generate_world

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


Key = tuple[str, int]


class WorldCache:
    """Each (profile, seed) world built once, dropped when its last episode is done.

    Args:
        needs: (profile, seed) of every episode.
    """

    def __init__(self, needs: Sequence[tuple[LoadedProfile, int]]) -> None:
        self._left: dict[Key, int] = {}
        for loaded, seed in needs:
            key = (loaded.profile.name, seed)
            self._left[key] = self._left.get(key, 0) + 1
        self._built: dict[Key, World | str] = {}

    def take(self, loaded: LoadedProfile, seed: int) -> World | str:
        """The world, or why it could not be built (its episodes are then crashed)."""
        key = (loaded.profile.name, seed)
        if key not in self._built:
            try:
                self._built[key] = build_world(loaded.profile, seed)
            except Exception as exc:  # one seed's world must not stop the others
                self._built[key] = f"world for seed {seed} failed: {type(exc).__name__}: {exc}"
        return self._built[key]

    def done(self, loaded: LoadedProfile, seed: int) -> None:
        """One episode of this world finished; free it after the last."""
        key = (loaded.profile.name, seed)
        self._left[key] -= 1
        if self._left[key] == 0:
            self._built.pop(key, None)
