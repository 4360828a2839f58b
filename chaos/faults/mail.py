"""Mail faults: files to attach whose bytes and name disagree, or whose bytes are broken."""

from __future__ import annotations

import posixpath
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from chaos.faults._base import Fault, FaultContext, Taint, fault
from chaos.faults._formats import format_of, make_format, other_format
from chaos.faults.fs_content import damage, replace_file
from chaos.world import sha256

__all__ = ["CorruptAttachment", "MimeMismatch"]

class MimeMismatchParams(BaseModel):
    """Parameters of mail.mime_mismatch."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    to: Literal["other", "pdf", "docx", "xlsx", "zip", "png", "jpeg", "gif", "mp4"] = Field(
        "other", validation_alias=AliasChoices("to", "becomes"),
        description="The format the bytes become; the name stays (`other`: the format a wrong "
        "export most often is: png<->jpeg, pdf<->docx, a text file a pdf). `becomes` is "
        "accepted too")


@fault("mail.mime_mismatch")
class MimeMismatch(Fault):
    """The file's bytes become another format while its name stays: `report.pdf` holds a DOCX.

    Any format chaos can make: pdf, docx, xlsx, zip, png, jpeg, gif, mp4 (`to:`). The new bytes
    may leave only labelled by what they really are; an attachment declared by its extension
    arrives with `mime_mismatch` / `extension_mismatch` findings.
    """

    summary = "A file's bytes and its name disagree (report.pdf holds DOCX bytes)."
    Params = MimeMismatchParams
    examples = (
        {"target": {"glob": "/clinic/reports/*.pdf"}, "params": {"to": "docx"}},
        {"target": {"tag": "photo"}, "params": {"to": "gif"}},
    )

    def inject(self, ctx: FaultContext) -> Taint:
        """Re-encode each target in the other format, keeping its path and mtime."""
        taint = Taint(touch="opened")
        for target in ctx.targets:
            stem = posixpath.basename(target.path)
            current = format_of(target.data)
            becomes = self.params.to
            if becomes in ("other", current):
                # The same format would be no mismatch at all.
                becomes = other_format(target.data)
            data = make_format(becomes, f"{stem} (re-exported)" if becomes == "jpeg" else stem,
                               ctx.rng)
            replace_file(ctx, target.path, data, target.mtime)
            digest = sha256(data)
            taint.targets.append(target.path)
            taint.watch.append(target.path)
            taint.flagged[digest] = ["mime_mismatch", "extension_mismatch"]
            taint.detail.setdefault("re_encoded", []).append(
                {"path": target.path, "as": becomes, "sha256": digest})
        return taint


class CorruptParams(BaseModel):
    """Parameters of mail.corrupt_attachment."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    mode: Literal["truncate", "bitflip"] = "truncate"
    keep: float = Field(0.6, gt=0, lt=1, description="Fraction of bytes kept when truncating")
    flips: int = Field(3, ge=1, le=64, description="Bytes flipped when bit-flipping")


@fault("mail.corrupt_attachment")
class CorruptAttachment(Fault):
    """The file's bytes are cut short or bit-flipped; its name and type stay plausible."""

    summary = "A file's bytes are truncated or bit-flipped; name and sniffed type unchanged."
    Params = CorruptParams
    def inject(self, ctx: FaultContext) -> Taint:
        """Damage each target in place."""
        taint = Taint(touch="opened")
        for target in ctx.targets:
            data = damage(target.data, self.params.mode, ctx.rng, self.params.keep,
                          self.params.flips)
            replace_file(ctx, target.path, data, target.mtime)
            taint.targets.append(target.path)
            taint.watch.append(target.path)
            taint.digests.append(sha256(data))
            taint.detail.setdefault("damaged", []).append(
                {"path": target.path, "mode": self.params.mode, "size": len(data)})
        return taint
