"""Filesystem faults: files gone, near-duplicate names, plausible decoys (any world)."""

from __future__ import annotations

import posixpath

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chaos.faults._base import Fault, FaultContext, FileSelect, Taint, fault, select_files
from chaos.faults._versions import older_bytes
from chaos.world import WorldFile, sha256

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
    examples = ({"target": {"tag": "report", "pick": 2}},
                {"target": {"glob": "/release/**/*.tar.gz"}, "params": {"all_copies": False}})

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
    source: FileSelect | None = Field(
        None, description="World files whose bytes the decoys carry, {tag: ...} or "
        "{glob: ...} (unset: files of the target's extension that the task does not need)")
    source_tag: str | None = Field(None, description="Same as source: {tag: ...}")

    @model_validator(mode="after")
    def _one_source(self) -> DecoyParams:
        if self.source is not None and self.source_tag is not None:
            raise ValueError("give source or source_tag, not both")
        return self


@fault("fs.decoy")
class Decoy(Fault):
    """Plausible wrong files, named like the target, where a search finds them first.

    Each decoy carries the bytes of another world file (`source`), under the target's name in
    a sibling folder (`folder`): a search for the name finds it, and only its content tells.
    """

    summary = "A plausible wrong file (another file's bytes, the target's name) where a " \
              "search finds it."
    Params = DecoyParams
    examples = (
        {"target": {"glob": "/clinic/reports/*.pdf"},
         "params": {"source": {"tag": "stale"}, "folder": "archive"}},
    )

    def _sources(self, ctx: FaultContext, target: WorldFile) -> list[WorldFile]:
        select = self.params.source or (
            FileSelect(tag=self.params.source_tag) if self.params.source_tag else None)
        if select is not None:
            return select_files(ctx.world, select, ctx.facts)
        # Files of the same kind that are not the right one (nor a copy of a needed one).
        needed = set(getattr(ctx.facts, "needed", ()) or ()) | {target.path}
        digests = {ctx.world.files[p].digest for p in needed if p in ctx.world.files}
        ext = posixpath.splitext(target.path)[1].lower()
        return [f for f in (ctx.world.files[p] for p in sorted(ctx.world.files))
                if posixpath.splitext(f.path)[1].lower() == ext and f.digest not in digests]

    def inject(self, ctx: FaultContext) -> Taint:
        """Create one decoy per target in the sibling folder."""
        taint = Taint()
        for target in ctx.targets:
            sources = self._sources(ctx, target)
            if not sources:
                continue  # nothing of its kind to pass off as it
            source = ctx.rng.choice(sources)
            folder = posixpath.dirname(target.path)
            name = _plain_stem(target.path) + posixpath.splitext(target.path)[1].lower()
            path = posixpath.join(posixpath.dirname(folder), self.params.folder, name)
            if ctx.fs.exists(path):
                continue  # a file already holds that name: never overwrite the world
            try:
                ctx.fs.create(path, source.data, target.mtime + 3600)
            except OSError:
                continue  # the folder's place is taken by a file
            taint.targets.append(target.path)
            taint.paths.append(path)
            taint.watch.append(path)
            taint.origin[path] = target.path
            taint.digests.append(source.digest)
            taint.detail.setdefault("decoys", []).append({"path": path, "bytes_of": source.path})
        return taint


class AmbiguousParams(BaseModel):
    """Parameters of fs.ambiguous_name."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    variants: int = Field(2, ge=1, le=4, description="Near-duplicates beside each target")


@fault("fs.ambiguous_name")
class AmbiguousName(Fault):
    """Near-duplicate names beside the target; only the original holds the right content.

    The near-duplicates (`Report.pdf`, `report copy.pdf`, `report_ALT.pdf`, `REPORT.pdf`) hold
    other versions of the file in its own format: a video's rough cut, a document's draft, a
    text one revision back.
    """

    summary = "Near-duplicate names beside the target (other versions); only one is right."
    Params = AmbiguousParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Create near-duplicate names beside each target, holding other versions."""
        from chaos.world._assets import mp4_bytes, read_media_tags

        taint = Taint()
        for target in ctx.targets:
            folder, name = posixpath.split(target.path)
            stem, ext = posixpath.splitext(name)
            tags = read_media_tags(target.data)
            video = target.path.lower().endswith((".mp4", ".mov", ".m4v"))
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
                if video:
                    # Another cut of the same video: same tags and title, an earlier date.
                    other = dict(
                        tags,
                        date=_earlier(tags.get("date", "2026-01-01"), ctx),
                        comment=tags.get("comment", "") + " (rough cut)",
                    )
                    data = mp4_bytes(
                        {k: other[k] for k in ("title", "artist", "date", "comment")
                         if k in other},
                        max(512, len(target.data) - 256),
                        ctx.rng,
                    )
                else:
                    # Another version in the same format: an earlier draft of the file.
                    data, _ = older_bytes(target.path, target.data, ctx.rng,
                                          note=f"draft {variant}")
                try:
                    ctx.fs.create(path, data, target.mtime + 120)
                except OSError:
                    continue  # no room (a full disk) or no folder: nothing was placed
                taint.paths.append(path)
                taint.watch.append(path)
                taint.origin[path] = target.path
                taint.digests.append(sha256(data))
            taint.targets.append(target.path)
        return taint


def _plain_stem(path: str) -> str:
    """A file's name without its extension and export suffixes: `goal-1_v2-export` -> `goal-1`."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    return stem.split("_")[0].split(" ")[0].split("-export")[0]


def _earlier(day: str, ctx: FaultContext) -> str:
    from datetime import date, timedelta

    try:
        base = date.fromisoformat(day)
    except ValueError:
        base = date(2026, 1, 1)
    return (base - timedelta(days=ctx.rng.randrange(7, 60))).isoformat()
