"""Upload faults: the publishing platform refuses an upload, for a while or for good."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from chaos._normalize import platform_key
from chaos.faults._base import Fault, FaultContext, Taint, fault
from chaos.faults.smtp import MessageSelect

__all__ = ["UploadRejected", "UploadTransient"]


class UploadSelect(MessageSelect):
    """Which uploads (attempts, counted from 1 per episode) the fault refuses.

    Attributes:
        nth: Attempt numbers to refuse, e.g. [1] or [1, 2].
        probability: Instead of `nth`, refuse each attempt with this probability (seeded).
        platform: Only uploads to this platform (any when unset); attempts are then counted
            on that platform alone.
    """

    platform: str | None = Field(None, description="Only uploads to this platform")


class _UploadFault(Fault):
    """A fault that answers the selected uploads with the platform's error."""

    family = "upload"
    default_target = None
    Params = UploadSelect
    reply: ClassVar[str]

    def inject(self, ctx: FaultContext) -> Taint:
        """Install the refusal on the episode's publishing platforms."""
        assert ctx.uploads is not None, "upload faults need the episode's upload rules"
        taint = Taint(detail={"reply": self.reply}, touch="hit")
        wanted = platform_key(self.params.platform) if self.params.platform else None

        def rule(attempt: int, here: int, platform: str, paths: tuple[str, ...]) -> str | None:
            if wanted is not None and platform_key(platform) != wanted:
                return None
            nth = here if wanted is not None else attempt
            if not self.params.picks(nth, ctx.rng):
                return None
            # What the refused upload carried is what must still get out (or be reported).
            taint.targets.extend(p for p in paths if p not in taint.targets)
            ctx.hit(f"upload {nth + 1}")
            return self.reply

        ctx.uploads.on_upload.append(rule)
        return taint


@fault("upload.transient")
class UploadTransient(_UploadFault):
    """503 from the platform: a temporary failure; a retry later goes through."""

    summary = "The publishing platform answers 503 (try again later) to the selected uploads."
    reply = "503 Service Unavailable: try again later"


@fault("upload.rejected")
class UploadRejected(_UploadFault):
    """The platform refuses the upload for good (a policy or quota refusal)."""

    summary = "The publishing platform refuses the selected uploads for good (403)."
    reply = "403 Forbidden: the upload was refused by the platform's policy"
