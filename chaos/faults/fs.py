"""Filesystem faults: files gone, near-duplicate names, plausible decoys."""

from __future__ import annotations

import posixpath

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults._base import Fault, FaultContext, Taint, fault
from chaos.world import sha256

__all__ = ["AmbiguousName", "Decoy", "Missing"]


class MissingParams(BaseModel):
    """Parameters of fs.missing."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    all_copies: bool = Field(True, description="Also remove identical copies, e.g. 'x (1).mp4'")


@fault("fs.missing")
class Missing(Fault):
    """A needed file is gone (and, by default, every identical copy of it)."""

    summary = "A needed file is gone: removed before the chain looks for it."
    Params = MissingParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Remove each target (and its identical copies)."""
        taint = Taint()
        for target in ctx.targets:
            doomed = ctx.world.with_copies([target]) if self.params.all_copies else [target.path]
            for path in doomed:
                if ctx.fs.exists(path):
                    ctx.fs.remove(path)
                    taint.paths.append(path)
                    taint.watch.append(path)
            taint.targets.append(target.path)
        taint.detail = {"removed": list(taint.paths)}
        return taint


class DecoyParams(BaseModel):
    """Parameters of fs.decoy."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # A folder name, short enough that a decoy's path stays a valid one (NAME_MAX is 255).
    folder: str = Field("B-roll", min_length=1, max_length=100, pattern=r"^[^/\x00]+$",
                        description="Sibling folder of the target's folder for decoys")
    source_tag: str = Field("stock_clip", description="World tag whose bytes the decoys carry")


@fault("fs.decoy")
class Decoy(Fault):
    """Plausible wrong files — stock footage named like the target — where a search finds first."""

    summary = "A plausible wrong file (stock bytes, the target's name) where a search finds it."
    Params = DecoyParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Create one decoy per target in the sibling folder."""
        taint = Taint()
        sources = [f for f in ctx.world.files.values() if self.params.source_tag in f.tags]
        sources.sort(key=lambda f: f.path)
        for target in ctx.targets:
            if not sources:
                break
            source = ctx.rng.choice(sources)
            clip_folder = posixpath.dirname(target.path)
            name = _clip_stem(target.path) + posixpath.splitext(target.path)[1].lower()
            path = posixpath.join(posixpath.dirname(clip_folder), self.params.folder, name)
            if ctx.fs.exists(path):
                continue  # a file already holds that name: never overwrite the world
            try:
                ctx.fs.create(path, source.data, target.mtime + 3600)
            except OSError:
                continue  # the folder's place is taken by a file
            taint.targets.append(target.path)
            taint.paths.append(path)
            taint.watch.append(path)
            taint.digests.append(source.digest)
            taint.detail.setdefault("decoys", []).append({"path": path, "bytes_of": source.path})
        return taint


class AmbiguousParams(BaseModel):
    """Parameters of fs.ambiguous_name."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    variants: int = Field(2, ge=1, le=4, description="Near-duplicates beside each target")


@fault("fs.ambiguous_name")
class AmbiguousName(Fault):
    """Near-duplicate names beside the target; only the original holds the right cut."""

    summary = "Near-duplicate names beside the target (other cuts); only one is right."
    Params = AmbiguousParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Create near-duplicate names beside each target, holding other cuts."""
        from chaos.world._assets import mp4_bytes, read_media_tags

        taint = Taint()
        for target in ctx.targets:
            folder, name = posixpath.split(target.path)
            stem, ext = posixpath.splitext(name)
            tags = read_media_tags(target.data)
            names = [
                stem[:1].upper() + stem[1:] + ext,
                f"{stem} copy{ext}",
                f"{stem}_ALT{ext}",
                f"{stem.upper()}{ext}",
            ]
            for variant in names[: self.params.variants]:
                path = posixpath.join(folder, variant)
                if ctx.fs.exists(path):
                    continue
                # Another cut of the same clip: same team and title, an earlier date.
                other = dict(
                    tags,
                    date=_earlier(tags.get("date", "2026-01-01"), ctx),
                    comment=tags.get("comment", "") + " (rough cut)",
                )
                data = mp4_bytes(
                    {k: other[k] for k in ("title", "artist", "date", "comment") if k in other},
                    max(512, len(target.data) - 256),
                    ctx.rng,
                )
                try:
                    ctx.fs.create(path, data, target.mtime + 120)
                except OSError:
                    continue  # no room (a full disk) or no folder: nothing was placed
                taint.paths.append(path)
                taint.watch.append(path)
                taint.digests.append(sha256(data))
            taint.targets.append(target.path)
        return taint


def _clip_stem(path: str) -> str:
    stem = posixpath.splitext(posixpath.basename(path))[0]
    return stem.split("_")[0].split(" ")[0].split("-export")[0]


def _earlier(day: str, ctx: FaultContext) -> str:
    from datetime import date, timedelta

    try:
        base = date.fromisoformat(day)
    except ValueError:
        base = date(2026, 1, 1)
    return (base - timedelta(days=ctx.rng.randrange(7, 60))).isoformat()
