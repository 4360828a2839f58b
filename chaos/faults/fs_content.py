"""Filesystem faults on content: the bytes change, the name stays (or looks even better)."""

from __future__ import annotations

import posixpath
import random
import re
import string
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chaos.faults._base import Fault, FaultContext, Taint, fault, with_copies
from chaos.faults._formats import format_of, make_format, other_format
from chaos.faults._versions import older_bytes
from chaos.world import sha256
from chaos.world._assets import jpeg_bytes

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
    # Past the first 16 bytes, so the file still sniffs as its format (a tiny file: anywhere).
    start = 16 if len(out) > 16 else 0
    for _ in range(flips if out else 0):
        out[rng.randrange(start, len(out))] ^= 1 << rng.randrange(8)
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
            if data != original.data:  # e.g. ASCII text "re-encoded": the right bytes still
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


class WrongExtensionParams(_Params):
    """Parameters of fs.wrong_extension."""

    to: Literal["other", "pdf", "docx", "xlsx", "zip", "png", "jpeg", "gif", "mp4"] = Field(
        "other", description="The format whose bytes the file holds (`other`: a video holds a "
        "JPEG still, a PDF a DOCX, an image the other image format, text a PDF)")


@fault("fs.wrong_extension")
class WrongExtension(_Rewrite):
    """Another type's content under the file's name: a `.mp4` that holds a JPEG still."""

    summary = "The file holds another format's bytes under its own extension."
    Params = WrongExtensionParams
    examples = ({"target": {"glob": "/shop/**/*.csv"}, "params": {"to": "xlsx"}},)

    def new_bytes(self, ctx: FaultContext, path: str, data: bytes) -> bytes:
        """The bytes of another format (never the file's own)."""
        becomes = self.params.to
        if becomes == "other" and path.lower().endswith((".mp4", ".mov", ".m4v")):
            return jpeg_bytes(f"still exported as {posixpath.basename(path)}", ctx.rng)
        if becomes in ("other", format_of(data)):
            becomes = other_format(data)
        return make_format(becomes, posixpath.basename(path), ctx.rng)


class EncodingParams(_Params):
    """Parameters of fs.encoding."""

    encoding: Literal["utf-8-sig", "utf-16", "latin-1", "cp1252"] = Field(
        "utf-8-sig", description="utf-8-sig adds a BOM; utf-16 has a BOM and NUL bytes; "
        "latin-1 and cp1252 write non-ASCII text as a Windows export does (é is one byte, "
        "what a UTF-8 reader cannot decode)")
    rows: Literal["all"] | Annotated[int, Field(ge=1)] = Field(
        "all", description="Re-encode every line, or N of them (a file appended to by "
        "another tool: mixed encodings; latin-1 and cp1252 only)")

    @model_validator(mode="after")
    def _rows_fit(self) -> EncodingParams:
        if self.rows != "all":
            if isinstance(self.rows, bool) or self.rows < 1:
                raise ValueError("rows is 'all' or a number of lines, at least 1")
            if self.encoding in ("utf-8-sig", "utf-16"):
                raise ValueError(f"rows: {self.rows} needs a per-line encoding (latin-1 or "
                                 f"cp1252); {self.encoding} applies to the whole file: use "
                                 "rows: all")
        return self


#: A word of running text or a table cell: what a mojibake form is taken of.
_WORD = re.compile(r"[^\s,;|\t\"]+")


@fault("fs.encoding")
class Encoding(_Rewrite):
    """Text re-saved in another encoding, or with a byte-order mark (an editor's export).

    `latin-1` and `cp1252` give real mojibake on non-ASCII text: `Zoë` becomes the one byte
    0xEB that a UTF-8 reader cannot decode (it shows `Zo\ufffd`), and a reader that takes the
    file for cp1252 turns the UTF-8 lines of a mixed file into `ZoÃ«`. With `rows: N` only N
    lines are re-encoded (lines with non-ASCII text first): a CSV appended to by a Windows
    tool. The mojibake forms of the file's words are the fault's values: text that must not
    leave.
    """

    summary = "A text file is re-saved in another encoding (BOM, UTF-16, Latin-1, cp1252)."
    Params = EncodingParams
    examples = (
        {"target": {"glob": "/shop/prices.csv"}, "params": {"encoding": "cp1252"}},
        {"target": {"tag": "patients"}, "params": {"encoding": "latin-1", "rows": 2}},
    )

    def new_bytes(self, ctx: FaultContext, path: str, data: bytes) -> bytes:
        """The same text, another encoding (all lines, or `rows` of them)."""
        text = data.decode("utf-8", errors="replace")
        encoding = self.params.encoding
        if self.params.rows == "all":
            return text.encode(encoding, errors="replace")
        lines = text.splitlines(keepends=True)
        body = list(range(1, len(lines))) if len(lines) > 1 else [0]  # spare a header
        rich = [i for i in body if not lines[i].isascii()]
        pool = rich if len(rich) >= self.params.rows else body
        chosen = set(ctx.rng.sample(pool, min(self.params.rows, len(pool))))
        return b"".join(line.encode(encoding, errors="replace") if i in chosen
                        else line.encode("utf-8") for i, line in enumerate(lines))

    def inject(self, ctx: FaultContext) -> Taint:
        """Re-encode each target; its words' mojibake forms become the taint's values."""
        taint = super().inject(ctx)
        if self.params.encoding not in ("latin-1", "cp1252"):
            return taint
        values: set[str] = set()
        for path in taint.watch:
            text = ctx.world.files[path].data.decode("utf-8", errors="replace")
            for word in {w for w in _WORD.findall(text) if not w.isascii()}:
                for form in (
                    # What a UTF-8 reader shows for the re-encoded word.
                    word.encode(self.params.encoding, "replace").decode("utf-8", "replace"),
                    # What a reader taking the file for cp1252/latin-1 makes of a UTF-8 word.
                    word.encode("utf-8").decode(self.params.encoding, "replace"),
                ):
                    # A form must be a word (not a lone "?") that the file did not hold.
                    if form != word and any(c.isalnum() for c in form) and form not in text:
                        values.add(form)
        taint.values.extend(sorted(values))
        return taint


class StaleParams(_Params):
    """Parameters of fs.stale_version."""

    # The label is prefixed to a file name: the whole name must stay within NAME_MAX (255).
    label: str = Field("LATEST", max_length=100, pattern=r"^[^/\x00]*$",
                       description="What the stale copy's name starts with")
    name: str | None = Field(
        None, max_length=100, pattern=r"^[^/\x00]+$",
        description="The stale copy's name instead, from {stem} and {ext} of the file's: "
        "'{stem}-final{ext}' (unset: '<label> <name>')")
    newer_by_s: int = Field(86_400, ge=0, le=10 * 365 * 86_400,
                            description="How much newer than the file its mtime looks")

    @model_validator(mode="after")
    def _name_fills(self) -> StaleParams:
        if self.name is not None:
            try:
                fields = [(f, spec, conv) for _, f, spec, conv in
                          string.Formatter().parse(self.name) if f is not None]
            except ValueError as exc:
                raise ValueError(f"name may use only {{stem}} and {{ext}} ({exc})") from None
            # Plain placeholders only: a format spec such as {stem:>99999999} is no name.
            if any(f not in ("stem", "ext") or spec or conv for f, spec, conv in fields):
                raise ValueError("name may use only {stem} and {ext}, e.g. '{stem}-final{ext}'")
            if self.name.format(stem="x", ext=".y") in (".", ".."):
                raise ValueError("name must name a file")
        return self


@fault("fs.stale_version")
class StaleVersion(Fault):
    """An older copy beside the target, with a newer-looking name and a newer mtime.

    Works on any file: a video's older cut, a document or image of the same format with an
    earlier draft's content, a text file one revision back (a version number one lower, or its
    last line not yet written). Its path, bytes and (for text) its older version numbers must
    not leave.
    """

    summary = "An older copy sits beside the file, with a newer-looking name and mtime."
    Params = StaleParams
    examples = (
        {"target": {"glob": "/release/**/version.json"}, "params": {"label": "FINAL"}},
        {"target": {"tag": "report"}, "params": {"name": "{stem}-final{ext}",
                                                 "newer_by_s": 3600}},
    )

    def inject(self, ctx: FaultContext) -> Taint:
        """Place a stale copy beside each target."""
        taint = Taint()
        for target in ctx.targets:
            folder, name = posixpath.split(target.path)
            stem, ext = posixpath.splitext(name)
            stale = f"{self.params.label} {name}" if self.params.name is None else \
                self.params.name.format(stem=stem, ext=ext)
            path = posixpath.join(folder, stale)
            if ctx.fs.exists(path) or len(stale.encode()) > 255:
                continue  # never overwrite the world; a name past NAME_MAX cannot be
            data, values = older_bytes(target.path, target.data, ctx.rng)
            try:
                ctx.fs.create(path, data, target.mtime + self.params.newer_by_s)
            except OSError:
                continue  # no room (a full disk): nothing was placed
            taint.targets.append(target.path)
            taint.watch.append(path)
            taint.origin[path] = target.path
            taint.paths.append(path)
            taint.digests.append(sha256(data))
            taint.values.extend(v for v in values if v not in taint.values)
        return taint
