"""Tools that send things out of the organisation: mail, video uploads, SMS, and waiting."""

from __future__ import annotations

import asyncio
import email.policy
import mimetypes
import posixpath
from collections.abc import Coroutine, Generator
from concurrent.futures import ThreadPoolExecutor
from email import encoders
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

import aiosmtplib
from pydantic import BaseModel, ConfigDict, Field

from chaos._clock import sim_datetime
from chaos._normalize import content_type, mail_addresses, phone_number, platform_name
from chaos.sinks import SmsRecord, UploadItem, UploadRecord
from chaos.tools._registry import ToolContext, tool
from chaos.world import sha256

__all__ = ["ATTACHMENT_CAP", "SENDER", "upload"]

SENDER = "highlights@desk.example"
ATTACHMENT_CAP = 25 * 1024 * 1024
WAIT_CAP_MS = 300_000


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachmentArg(_Args):
    path: str = Field(description="Absolute path of the file to attach")
    content_type: str | None = Field(None, description="MIME type, e.g. image/png; guessed from "
                                     "the file name when omitted")
    filename: str | None = Field(None, description="Name shown to the recipient")


class SendEmailArgs(_Args):
    to: list[str] = Field(min_length=1, description="Recipient addresses, e.g. ana@example.org "
                          "or Ana <ana@example.org>")
    cc: list[str] = Field(default_factory=list)
    subject: str
    body: str
    attachments: list[AttachmentArg] = Field(default_factory=list)


class PublishArgs(_Args):
    platform: str = Field(description="Where to publish, e.g. a store or release page name")
    title: str
    files: list[str] = Field(min_length=1, description="Absolute paths of the files, in order")


class SmsArgs(_Args):
    to: str = Field(description="Phone number with its country code (E.164), e.g. +15551234567")
    text: str = Field(max_length=1600)


class WaitArgs(_Args):
    seconds: float = Field(gt=0, le=WAIT_CAP_MS / 1000, description="How long to wait")


#: What the server refused: address -> (reply code, reply text).
Refused = dict[str, tuple[int, str]]


def _smtp_error(exc: Exception) -> str:
    name = type(exc).__name__
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{r.recipient}: {r.code} {r.message}"
                            for r in sorted(exc.recipients, key=lambda r: r.recipient))
        return f"error: {name}: all recipients were refused: {refused}"
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"error: {name}: {exc.code} {exc.message}"
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        # smtplib's words, which recorded cassettes and existing traces hold.
        return f"error: {name}: Connection unexpectedly closed"
    return f"error: {name}: {exc}"


#: How messages are flattened for SMTP: CRLF line endings, headers folded the classic way.
#: The classic (compat32) classes build and flatten a message about 5x faster than
#: EmailMessage, whose header objects parse every value; the bytes are standard MIME.
_WIRE = email.policy.compat32.clone(linesep="\r\n")
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
#: What `str.splitlines` breaks on: any of them in a header would end it early.
_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
#: The longest line SMTP carries (RFC 5321), less room for the header's name.
_LINE_MAX = 998 - 40
#: Attachment names are bounded as file names are (bytes of UTF-8).
_NAME_MAX = 255


def _header(value: str) -> str:
    if not _LINE_BREAKS.isdisjoint(value):
        # EmailMessage's own words: a line break would start a header of the agent's own.
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    return value


def _text_header(value: str) -> str | Header:
    """A free-text header (the subject): RFC 2047-encoded when it cannot fold as it is."""
    value = _header(value)
    if value.isascii() and all(len(word) <= _LINE_MAX for word in value.split()):
        return value
    return Header(value, "utf-8")  # encoded words: foldable at any length


def _address(value: str) -> str:
    """An address as given; a display name that is not ASCII goes into encoded words alone."""
    if _header(value).isascii():
        return value
    name, address = parseaddr(value)
    return formataddr((name, address), "utf-8") if name and address.isascii() else value


def _addresses(values: list[str]) -> str:
    return ", ".join(_address(v) for v in values)


def _body(text: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", "plain")
    if not text.endswith("\n"):
        text += "\n"  # as EmailMessage.set_content does
    if text.isascii() and all(len(line) <= _LINE_MAX for line in text.split("\n")):
        part.set_payload(text, "us-ascii")
    else:
        part.set_payload(text, _UTF8_QP)
    return part


def _boundary(base: str, body: str) -> str:
    """A boundary of our own (the stdlib draws one at random) that the body does not hold."""
    boundary, n = base, 0
    while boundary in body:
        n += 1
        boundary = f"{base}.{n}"
    return boundary


def _message(ctx: ToolContext, args: SendEmailArgs) -> Message | str:
    headers: list[tuple[str, str | Header]] = [("From", SENDER), ("To", _addresses(args.to))]
    if args.cc:
        headers.append(("Cc", _addresses(args.cc)))
    headers.append(("Subject", _text_header(args.subject)))
    assert ctx.sinks is not None
    headers.append(("Date", format_datetime(sim_datetime(ctx.sinks.now_ms()))))
    ctx.sinks.sent += 1
    headers.append(("Message-ID", f"<{ctx.sinks.message_token}.{ctx.sinks.sent}@desk.example>"))
    parts: list[Message] = []
    for attachment in args.attachments:
        path = ctx.fs.resolve(attachment.path)
        if ctx.fs.stat(path).st_size > ATTACHMENT_CAP:
            return f"error: {path} is larger than {ATTACHMENT_CAP} bytes; not attached"
        data = ctx.fs.read(path, ATTACHMENT_CAP)
        filename = _header(attachment.filename or posixpath.basename(path))
        if len(filename.encode()) > _NAME_MAX:
            return (f"error: attachment name '{filename[:40]}...' is {len(filename.encode())} "
                    f"bytes; at most {_NAME_MAX}")
        # As common mail code does: trust the name when no type is given.
        ctype = attachment.content_type or mimetypes.guess_type(filename)[0] or \
            "application/octet-stream"
        try:  # sent as mail readers compare it: `Image / PNG` arrives as image/png
            maintype, _, subtype = content_type(_header(ctype)).partition("/")
        except ValueError as exc:
            return f"error: {exc}"
        if maintype in ("multipart", "message"):
            return f"error: content_type '{ctype}' cannot label a file attachment"
        part = MIMEBase(maintype, subtype)
        part.set_payload(data)
        encoders.encode_base64(part)
        # Non-ASCII names as RFC 2231 (filename*=utf-8''...), as EmailMessage writes them.
        part.add_header("Content-Disposition", "attachment",
                        filename=filename if filename.isascii() else ("utf-8", "", filename))
        parts.append(part)
    message: Message = _body(args.body)
    if parts:
        boundary = _boundary(f"=_chaos.{ctx.sinks.message_token}.{ctx.sinks.sent}", args.body)
        message = MIMEMultipart("mixed", boundary, [message, *parts])
    for name, value in headers:
        message[name] = value
    return message


async def _deliver(host: str, port: int, ehlo: str, recipients: list[str],
                   raw: bytes) -> Refused | str:
    """One SMTP conversation: the refused recipients, or the error text."""
    try:
        async with aiosmtplib.SMTP(hostname=host, port=port, local_hostname=ehlo, timeout=30,
                                   use_tls=False, start_tls=False) as smtp:
            refused, _ = await smtp.sendmail(SENDER, recipients, raw)
    except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
        return _smtp_error(exc)
    except ValueError as exc:  # an address that cannot go into an SMTP command as it is
        return f"error: {exc}"
    return {address: (reply.code, reply.message) for address, reply in refused.items()}


def _outcome(message: Message, recipients: list[str], refused: Refused | str) -> str:
    if isinstance(refused, str):
        return refused
    text = (f"sent {message['Message-ID']}: accepted for {len(recipients) - len(refused)} "
            "recipient(s)")
    if refused:
        text += "; refused: " + "; ".join(
            f"{a}: {c} {m}" for a, (c, m) in sorted(refused.items()))
    return text


@tool("send_email", args=SendEmailArgs)
def send_email(ctx: ToolContext, args: SendEmailArgs) -> str | Generator[Any, Any, str]:
    """Send an email through the organisation's SMTP server, with files attached."""
    client = ctx.sinks.mail_client if ctx.sinks else None
    if client is None:
        return "error: no mail server is configured for this world"
    try:
        # The envelope names each address once, bare, as the oracle reads the mailbox.
        recipients = mail_addresses([*args.to, *args.cc])
    except ValueError as exc:
        return f"error: {exc}"
    wide = next((a for a in recipients if not a.isascii()), None)
    if wide is not None:  # the server offers no SMTPUTF8, as many do not
        return (f"error: '{wide}': the mail server takes ASCII addresses only (no SMTPUTF8); "
                "give the recipient's ASCII address")
    message = _message(ctx, args)
    if isinstance(message, str):
        return message
    # Flattened once with CRLF line endings: sent as is.
    raw = message.as_bytes(policy=_WIRE)
    conversation = (client.host, client.port, client.ehlo, recipients, raw)
    wait = getattr(ctx.chain, "await_", None)
    if wait is None:  # a chain without `await_` (ChainServices): block until it is done
        return _outcome(message, recipients, _blocking(conversation))
    return _on_the_loop(wait, message, recipients, _deliver(*conversation))


def _blocking(conversation: tuple[Any, ...]) -> Refused | str:
    """The SMTP conversation, waited for; in a thread of its own under a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_deliver(*conversation))
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(_deliver(*conversation))).result()


def _on_the_loop(wait: Any, message: Message, recipients: list[str],
                 conversation: Coroutine[Any, Any, Refused | str]) -> Generator[Any, Any, str]:
    """The SMTP conversation on the episodes' event loop, with no simulated time passing.

    Other episodes go on while it waits on the server.
    """
    refused = yield wait(conversation)
    return _outcome(message, recipients, refused)


def upload(ctx: ToolContext, platform: str, title: str, paths: list[str], noun: str) -> str:
    """Record an upload of `paths` (their bytes as they are now) to `platform`.

    Args:
        ctx: The calling tool's context.
        platform: The platform as the agent named it (normalised as the oracle reads it).
        title: The upload's title.
        paths: Files to upload, in order.
        noun: What the answer calls each file (`file`, or a pack's word).

    Returns:
        The tool's answer: the upload's number and URL, or an error text.
    """
    assert ctx.sinks is not None
    try:
        platform = platform_name(platform)  # what the upload's record and URL carry
    except ValueError as exc:
        return f"error: {exc}"
    resolved = tuple(ctx.fs.resolve(name) for name in paths)
    refused = ctx.sinks.upload_rules.refusal(platform, resolved)
    if refused is not None:
        return f"error: {platform} refused the upload: {refused}"
    items = []
    for path in resolved:
        data = ctx.fs.read(path, ATTACHMENT_CAP * 40)
        items.append(UploadItem(path, sha256(data), len(data)))
    record = UploadRecord(len(ctx.sinks.uploads) + 1, ctx.sinks.now_ms(), platform,
                          title, tuple(items))
    ctx.sinks.uploads.append(record)
    return (f"published '{title}' to {platform}: {len(items)} {noun}(s), "
            f"upload #{record.index}, {record.url}")


@tool("publish", args=PublishArgs)
def publish(ctx: ToolContext, args: PublishArgs) -> str:
    """Publish files to a platform: a store, a release page, a portal (leaves the organisation)."""
    return upload(ctx, args.platform, args.title, list(args.files), "file")


@tool("send_sms", args=SmsArgs)
def send_sms(ctx: ToolContext, args: SmsArgs) -> str:
    """Send a text message to a phone number (leaves the organisation)."""
    assert ctx.sinks is not None
    try:
        to = phone_number(args.to)  # E.164, as the oracle reads it
    except ValueError as exc:
        return f"error: {exc}"
    record = SmsRecord(len(ctx.sinks.sms) + 1, ctx.sinks.now_ms(), to, args.text)
    ctx.sinks.sms.append(record)
    return f"sms #{record.index} sent to {to}"


@tool("wait", args=WaitArgs)
def wait(ctx: ToolContext, args: WaitArgs) -> Generator[Any, Any, str]:
    """Wait before trying again (simulated time passes; use it to back off after errors)."""
    ms = round(args.seconds * 1000)
    yield from ctx.chain.sleep(ms)
    return f"waited {ms} ms"
