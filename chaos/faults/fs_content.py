"""Filesystem faults on content: the bytes change, the name stays (or looks even better)."""

from __future__ import annotations

import posixpath
import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults._base import Fault, FaultContext, Taint, fault, with_copies
from chaos.profile._schema import TargetSpec
from chaos.world import sha256
from chaos.world._assets import jpeg_bytes, mp4_bytes, read_media_tags

__all__ = ["Corrupt", "Empty", "Encoding", "StaleVersion", "Truncated", "WrongExtension",
           "damage", "replace_file"]


def replace_file(ctx: FaultContext, path: str, data: bytes, mtime: int) -> None:
    """Put `data` at `path` in the episode's filesystem (its name and mtime kept)."""
    if ctx.fs.exists(path):
        ctx.fs.remove(path)
    ctx.fs.create(path, data, mtime)


def damage(data: bytes, mode: str, rng: random.Random, keep: float = 0.6,
           flips: int = 3) -> bytes:
    """Truncate `data` to `keep` of its length, or flip `flips` bits past its signature."""
    if mode == "truncate":
        return data[: max(16, int(len(data) * keep))]
    out = bytearray(data)
    for _ in range(flips):
        # Past the first 16 bytes, so the file still sniffs as its format.
        out[rng.randrange(16, len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rewrite(Fault):
    """Faults that give each target new bytes under its own name; those bytes must not leave."""

    def new_bytes(self, ctx: FaultContext, path: str, data: bytes) -> bytes:
        raise NotImplementedError

    def inject(self, ctx: FaultContext) -> Taint:
        """Rewrite each target, and its identical copies, in place."""
        taint = Taint(targets=[t.path for t in ctx.targets], touch="opened")
        for path in with_copies(ctx):
            if not ctx.fs.exists(path):
                continue  # another fault removed it: nothing to rewrite
            original = ctx.world.files[path]
            data = self.new_bytes(ctx, path, original.data)
            replace_file(ctx, path, data, original.mtime)
            taint.watch.append(path)
            taint.digests.append(sha256(data))
            taint.detail.setdefault("rewritten", []).append(
                {"path": path, "size": len(data), "sha256": sha256(data)})
        return taint


class TruncatedParams(_Params):
    """Parameters of fs.truncated."""

    keep: float = Field(0.6, gt=0, lt=1, description="Fraction of the bytes kept")


@fault("fs.truncated")
class Truncated(_Rewrite):
    """The file is cut short (an interrupted copy); name and sniffed type unchanged."""

    summary = "The file's bytes are cut short; its name and sniffed type look fine."
    Params = TruncatedParams

    def new_bytes(self, ctx: FaultContext, path: str, data: bytes) -> bytes:
        """The first `keep` of the bytes."""
        return damage(data, "truncate", ctx.rng, keep=self.params.keep)


class CorruptParams(_Params):
    """Parameters of fs.corrupt."""

    flips: int = Field(8, ge=1, le=256, description="Bits flipped")


@fault("fs.corrupt")
class Corrupt(_Rewrite):
    """Bits flipped in the file (bit rot, a bad transfer); only a checksum tells."""

    summary = "Bits are flipped inside the file; name, size and sniffed type unchanged."
    Params = CorruptParams

    def new_bytes(self, ctx: FaultContext, path: str, data: bytes) -> bytes:
        """The bytes with `flips` bits flipped."""
        return damage(data, "bitflip", ctx.rng, flips=self.params.flips)


@fault("fs.empty")
class Empty(_Rewrite):
    """The file is there with zero bytes (a failed export)."""

    summary = "The file exists but holds zero bytes."

    def new_bytes(self, ctx: FaultContext, path: str, data: bytes) -> bytes:
        """No bytes."""
        return b""


@fault("fs.wrong_extension")
class WrongExtension(_Rewrite):
    """Another type's content under the file's name: a `.mp4` that holds a JPEG still."""

    summary = "The file holds another format's bytes under its own extension."

    def new_bytes(self, ctx: FaultContext, path: str, data: bytes) -> bytes:
        """A JPEG still in place of a video, or an MP4 in place of anything else."""
        if path.lower().endswith((".mp4", ".mov", ".m4v")):
            return jpeg_bytes(f"still exported as {posixpath.basename(path)}", ctx.rng)
        return mp4_bytes({"title": posixpath.basename(path)}, max(512, len(data)), ctx.rng)


class EncodingParams(_Params):
    """Parameters of fs.encoding."""

    encoding: Literal["utf-8-sig", "utf-16"] = Field(
        "utf-8-sig", description="utf-8-sig adds a BOM; utf-16 has a BOM and NUL bytes")


@fault("fs.encoding")
class Encoding(_Rewrite):
    """Text re-saved in another encoding, or with a byte-order mark (an editor's export)."""

    summary = "A text file is re-saved in another encoding or with a BOM."
    Params = EncodingParams
    default_target = TargetSpec(tag="task_shotlist")

    def new_bytes(self, ctx: FaultContext, path: str, data: bytes) -> bytes:
        """The same text, another encoding."""
        return data.decode("utf-8", errors="replace").encode(self.params.encoding)


class StaleParams(_Params):
    """Parameters of fs.stale_version."""

    # The label is prefixed to a file name: the whole name must stay within NAME_MAX (255).
    label: str = Field("LATEST", max_length=100, pattern=r"^[^/\x00]*$",
                       description="What the stale copy's name starts with")


@fault("fs.stale_version")
class StaleVersion(Fault):
    """An older cut beside the target with a newer-looking name and a newer mtime."""

    summary = "An older cut sits beside the file, with a newer-looking name and mtime."
    Params = StaleParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Place a stale copy beside each target."""
        taint = Taint()
        for target in ctx.targets:
            folder, name = posixpath.split(target.path)
            path = posixpath.join(folder, f"{self.params.label} {name}")
            if ctx.fs.exists(path):
                continue
            tags = read_media_tags(target.data)
            older = {k: tags[k] for k in ("title", "artist", "comment") if k in tags}
            older["date"] = _weeks_before(tags.get("date", "2026-01-01"), 2)
            data = mp4_bytes(older, max(512, len(target.data) - 128), ctx.rng) \
                if target.path.lower().endswith((".mp4", ".mov", ".m4v")) \
                else damage(target.data, "bitflip", ctx.rng, flips=4)
            try:
                ctx.fs.create(path, data, target.mtime + 86_400)
            except OSError:
                continue  # no room (a full disk): nothing was placed
            taint.targets.append(target.path)
            taint.watch.append(path)
            taint.paths.append(path)
            taint.digests.append(sha256(data))
        return taint


def _weeks_before(day: str, weeks: int) -> str:
    from datetime import date, timedelta

    try:
        return (date.fromisoformat(day) - timedelta(weeks=weeks)).isoformat()
    except ValueError:
        return day
