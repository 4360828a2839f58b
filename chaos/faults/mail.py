"""Mail faults: attachments whose bytes and name disagree, or whose bytes are broken."""

from __future__ import annotations

import posixpath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults._base import Fault, FaultContext, Taint, fault
from chaos.faults.fs_content import damage, replace_file
from chaos.profile._schema import TargetSpec
from chaos.world import sha256
from chaos.world._assets import jpeg_bytes, png_bytes, sniff_mime

__all__ = ["CorruptAttachment", "MimeMismatch"]

_LOGO = TargetSpec(tag="task_logo")


class MimeMismatchParams(BaseModel):
    """Parameters of mail.mime_mismatch."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    becomes: Literal["other", "jpeg", "png"] = Field(
        "other", description="The format the bytes are re-encoded to (`other`: whichever the "
        "file is not); its name stays")


@fault("mail.mime_mismatch")
class MimeMismatch(Fault):
    """The asset's bytes become another format while its name stays: `logo.png` holds a JPEG."""

    summary = "An asset's bytes and its name disagree (logo.png holds JPEG bytes)."
    Params = MimeMismatchParams
    default_target = _LOGO

    def inject(self, ctx: FaultContext) -> Taint:
        """Re-encode each target in the other format, keeping its path and mtime."""
        taint = Taint(touch="opened")
        for target in ctx.targets:
            stem = posixpath.basename(target.path)
            current = "jpeg" if sniff_mime(target.data) == "image/jpeg" else "png"
            becomes = self.params.becomes
            if becomes in ("other", current):
                # The same format would be no mismatch at all.
                becomes = "png" if current == "jpeg" else "jpeg"
            if becomes == "jpeg":
                data = jpeg_bytes(f"{stem} (re-exported)", ctx.rng)
            else:
                data = png_bytes(64, 64, (ctx.rng.randrange(256),) * 3, {"Title": stem})
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
    """The asset's bytes are cut short or bit-flipped; its name and type stay plausible."""

    summary = "An asset's bytes are truncated or bit-flipped; name and sniffed type unchanged."
    Params = CorruptParams
    default_target = _LOGO

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
