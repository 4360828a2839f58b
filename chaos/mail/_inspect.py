"""What arrived: parse received mail and judge each attachment from its bytes, not its headers."""

from __future__ import annotations

import email.policy
import html
import mimetypes
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses

from chaos.world._assets import sniff_mime
from chaos.world._integrity import check_integrity
from chaos.world._model import sha256

__all__ = ["AttachmentReport", "MailReport", "inspect_mail"]

#: Declared types that name the same thing as the sniffed one.
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "video/x-m4v": "video/mp4",
            "application/x-pdf": "application/pdf"}


@dataclass(frozen=True)
class AttachmentReport:
    """One attachment as it arrived.

    Attributes:
        filename: The name it carries.
        declared: The Content-Type it declares.
        sniffed: The type its bytes are (filetype), or None if unknown.
        by_extension: The type its filename extension suggests.
        size: Decoded size in bytes.
        decodes: Whether its transfer encoding decoded cleanly.
        digest: SHA-256 of the decoded bytes.
        findings: Typed problems: `mime_mismatch`, `extension_mismatch`, `corrupt_payload`
            (undecodable, unknown bytes, or a broken structure), `empty`.
    """

    filename: str | None
    declared: str
    sniffed: str | None
    by_extension: str | None
    size: int
    decodes: bool
    digest: str
    findings: tuple[str, ...]


@dataclass(frozen=True)
class MailReport:
    """One received message."""

    index: int
    envelope_to: tuple[str, ...]
    header_to: tuple[str, ...]
    subject: str
    attachments: tuple[AttachmentReport, ...]
    parse_defects: tuple[str, ...] = field(default=())
    #: What a reader sees of the message's text parts (HTML with its entities decoded).
    text: str = ""


def _canonical(mime: str | None) -> str | None:
    return _ALIASES.get(mime, mime) if mime else mime


def _attachment(part: Message) -> AttachmentReport:
    declared = part.get_content_type()
    filename = part.get_filename()
    try:
        payload = part.get_payload(decode=True)
        if payload is None:  # message/* and multipart/* parts: judge their raw body bytes
            payload = part.as_bytes().partition(b"\n\n")[2]
        decodes = not any("Base64" in type(d).__name__ for d in part.defects)
    except Exception:  # a payload the stdlib cannot decode at all
        payload, decodes = b"", False
    sniffed = sniff_mime(payload)
    by_extension = mimetypes.guess_type(filename or "", strict=False)[0] if filename else None
    findings: list[str] = []
    if not payload:
        findings.append("empty")
    if not decodes:
        findings.append("corrupt_payload")
    binary_declared = not declared.startswith("text/")
    if payload and sniffed is None and binary_declared:
        # Declared as an image/video/document but no known format's bytes: broken content.
        findings.append("corrupt_payload")
    if check_integrity(payload) in ("truncated", "corrupt"):
        findings.append("corrupt_payload")
    if sniffed and sniffed != "text/plain" and _canonical(declared) != sniffed:
        findings.append("mime_mismatch")
    if sniffed and by_extension and sniffed != "text/plain" and _canonical(by_extension) != sniffed:
        findings.append("extension_mismatch")
    return AttachmentReport(filename, declared, sniffed, by_extension, len(payload), decodes,
                            sha256(payload), tuple(dict.fromkeys(findings)))


class _Part(MIMEPart):
    """MIMEPart's walk over attachments, on the classic (compat32) header values.

    The classic parser keeps header values as text instead of parsing each into an object,
    which makes reading a message about 4x cheaper; what is judged (types, names, bytes) is
    the same.
    """

    def is_attachment(self) -> bool:
        return self.get_content_disposition() == "attachment"


_PARSER = BytesParser(_Part, policy=email.policy.compat32)
#: A folded header's line breaks (the classic parser keeps them in the value).
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _text(value: str) -> str:
    """A header's text, unfolded, with its RFC 2047 encoded words decoded."""
    value = _FOLD.sub("", value)
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError, UnicodeDecodeError):  # an unknown or broken charset
        return value


#: Most characters of a message's text kept for the oracle (its links are near the top).
_TEXT_CAP = 256 * 1024


def _readable(message: _Part) -> str:
    """The text of the message's body parts, decoded as a mail client shows it."""
    texts = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text" or \
                part.get_content_disposition() == "attachment":
            continue
        try:
            payload = part.get_payload(decode=True) or b""
            text = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        except (LookupError, ValueError):  # an unknown charset or a broken encoding
            text = (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
        texts.append(html.unescape(text) if part.get_content_subtype() == "html" else text)
    return "\n".join(texts)[:_TEXT_CAP]


def inspect_mail(index: int, envelope_to: tuple[str, ...], raw: bytes) -> MailReport:
    """Parse one received message and inspect every attachment."""
    message = _PARSER.parsebytes(raw)
    assert isinstance(message, _Part)
    attachments = tuple(_attachment(p) for p in message.iter_attachments())  # type: ignore[arg-type]
    # Addresses from the encoded header: a decoded display name may hold a comma.
    header_to = tuple(a for _, a in getaddresses([_FOLD.sub("", str(v)) for v in
                                                  message.get_all("to", []) +
                                                  message.get_all("cc", [])]))
    defects = tuple(type(d).__name__ for d in message.defects)
    return MailReport(index, envelope_to, header_to, _text(str(message.get("subject", ""))),
                      attachments, defects, _readable(message))
