"""The world an episode runs in, before it is materialised: files with real bytes, and the truth."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any

__all__ = ["World", "WorldFile", "sha256"]


def sha256(data: bytes) -> str:
    """Hex SHA-256 of `data`: how the oracle recognises a file's content wherever it lands."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class WorldFile:
    """One file of the world.

    Attributes:
        path: Absolute POSIX path inside the fake filesystem.
        data: The file's real bytes.
        mtime: Modification time, in seconds since the epoch (fixed, never "now").
        tags: Labels from the generator or the profile that fault selectors can name.
        mode: Permission bits (0o444: a write is refused with EACCES).
    """

    path: str
    data: bytes
    mtime: int
    tags: frozenset[str] = frozenset()
    mode: int = 0o644

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the bytes (hashed once: the bytes never change)."""
        return sha256(self.data)


@dataclass
class World:
    """A generated world: files by path plus ground truth. Shared read-only by episodes.

    Attributes:
        generator: Name of the generator that made it.
        seed: The seed it was made from.
        files: Files by absolute path.
        truth: Generator-specific ground truth (None for a world of declared files only: the
            profile's declarations, its tags, are then the truth).
        params: The generator parameters used.
    """

    generator: str
    seed: int
    files: dict[str, WorldFile]
    truth: Any
    params: dict[str, Any] = field(default_factory=dict)
    #: The filled FakeFilesystem episodes copy; built on first use (see materialize_world).
    fs_template: Any = field(default=None, repr=False, compare=False)

    def add_file(self, item: WorldFile) -> None:
        """Add or replace a file (before episodes run: it drops the filesystem template)."""
        self.files[item.path] = item
        self.fs_template = None

    def with_copies(self, files: list[WorldFile]) -> list[str]:
        """The files' paths and every path holding identical bytes (`x (1).pdf`), sorted."""
        digests = {f.digest for f in files}
        return sorted({f.path for f in files}
                      | {p for p, f in self.files.items() if f.digest in digests})

    def tagged(self, tag: str) -> list[WorldFile]:
        """Files carrying `tag`, sorted by path."""
        return [self.files[p] for p in sorted(self.files) if tag in self.files[p].tags]

    def tags(self) -> list[str]:
        """Every tag in use, sorted."""
        return sorted({t for f in self.files.values() for t in f.tags})
