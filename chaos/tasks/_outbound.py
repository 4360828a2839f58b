"""What left the organisation, read the same way for any task kind: deliveries, texts, uploads.

Generic readers of an episode's end state (the mailbox as the real SMTP server received it,
uploads, SMS); a task kind adds what its artifacts stand for.
"""

from __future__ import annotations

from typing import Any

from chaos._normalize import address_key, phone_key, platform_key
from chaos.tasks._base import EndState, Shipped

__all__ = ["deliveries", "mails_to", "sent_artifacts", "sms_to", "uploads_to"]


def deliveries(end: EndState) -> dict[str, int]:
    """How many received messages name each envelope recipient (read as `address_key`)."""
    counts: dict[str, int] = {}
    for mail in end.sinks.mail:
        for address in {address_key(a) for a in mail.envelope_to}:
            counts[address] = counts.get(address, 0) + 1
    return counts


def mails_to(end: EndState, address: str) -> list[Any]:
    """The received messages whose envelope names `address`, in the order they arrived."""
    key = address_key(address)
    return [m for m in end.sinks.mail if key in {address_key(a) for a in m.envelope_to}]


def sms_to(end: EndState, phone: str) -> list[Any]:
    """The texts sent to `phone` (read as `phone_key`)."""
    key = phone_key(phone)
    return [s for s in end.sinks.sms if phone_key(s.to) == key]


def uploads_to(end: EndState, platform: str) -> list[Any]:
    """The uploads to `platform` (read as `platform_key`)."""
    key = platform_key(platform)
    return [u for u in end.sinks.uploads if platform_key(u.platform) == key]


def sent_artifacts(end: EndState) -> list[Shipped]:
    """Uploads' files, mail deliveries and attachments, SMS deliveries: every artifact that left.

    `subject` is left for the task kind to fill (what the artifact stands for in its task).
    """
    out: list[Shipped] = []
    for upload in end.sinks.uploads:
        for item in upload.items:
            out.append(Shipped(f"upload:{upload.platform}", item.path, item.digest))
    for mail in end.sinks.mail:
        for address in sorted({address_key(a) for a in mail.envelope_to}):
            out.append(Shipped("mail", f"mailto:{address}", None, address))
        for attachment in mail.attachments:
            out.append(Shipped("mail", attachment.filename or "(unnamed attachment)",
                               attachment.digest, None, attachment.findings))
    for sms in end.sinks.sms:
        out.append(Shipped("sms", f"tel:{phone_key(sms.to)}", None, phone_key(sms.to)))
    return out
