"""The world an episode runs in, before it is materialised: files with real bytes, and the truth."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ClipTruth", "SportsTruth", "World", "WorldFile", "sha256"]


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


@dataclass(frozen=True)
class ClipTruth:
    """What the oracle knows about one clip the task needs.

    Attributes:
        clip_id: The id on the shot list (`goal-1`).
        path: Where the right file lies.
        digest: SHA-256 of the right bytes; copies with the same bytes are as good.
    """

    clip_id: str
    path: str
    digest: str


@dataclass(frozen=True)
class SportsTruth:
    """Ground truth of a sports-media world for the episode's assignment.

    Attributes:
        team: The team the highlight package is for.
        opponent: The other team of the match.
        match_date: ISO date of the match.
        match_dir: The match's folder.
        shotlist_path: The CSV naming the clips the package needs.
        clips: The right file for each clip id, in shot-list order.
        team_clips: Every clip path per team (for "is this clip the team's?" checks).
        current_logo: Path of each team's current logo.
        subscribers_path: The subscriber CSV.
        recipients: Opted-in subscribers of the team, sorted: who the team's mail must reach.
        platform: Where the package video is published.
        desk_phone: The team's social desk, texted the video link.
        manifest_path: Where the chain saves the package manifest (its folder exists).
    """

    team: str
    opponent: str
    match_date: str
    match_dir: str
    shotlist_path: str
    clips: tuple[ClipTruth, ...]
    team_clips: dict[str, tuple[str, ...]]
    current_logo: dict[str, str]
    subscribers_path: str
    recipients: tuple[str, ...] = ()
    platform: str = "youtube"
    desk_phone: str = "+15550100000"
    manifest_path: str = "/prod/distribution/manifests/package.json"

    @property
    def logo(self) -> str:
        """The current logo of the assignment's team."""
        return self.current_logo[self.team]


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
        """The files' paths and every path holding identical bytes (`x (1).mp4`), sorted."""
        digests = {f.digest for f in files}
        return sorted({f.path for f in files}
                      | {p for p, f in self.files.items() if f.digest in digests})

    def tagged(self, tag: str) -> list[WorldFile]:
        """Files carrying `tag`, sorted by path."""
        return [self.files[p] for p in sorted(self.files) if tag in self.files[p].tags]

    def tags(self) -> list[str]:
        """Every tag in use, sorted."""
        return sorted({t for f in self.files.values() for t in f.tags})
