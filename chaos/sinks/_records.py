"""Sinks outside the organisation: uploads, SMS, plugin sinks as they happen, mail as it came."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chaos._normalize import platform_key
from chaos.mail import MailReport, MailServer, episode_host, inspect_mail
from chaos.mail._server import SmtpRules
from chaos.sinks._plugins import SinkItem, SinkRecord, sink_kinds

__all__ = ["VIDEO_HOST", "EpisodeSinks", "MailClient", "SmsRecord", "UploadItem", "UploadRecord"]

#: The (fictional) host published videos live on; SMS links are checked against it.
VIDEO_HOST = "https://videos.desk.example"


@dataclass(frozen=True)
class UploadItem:
    """One file in an upload, with the bytes' hash taken at upload time."""

    path: str
    digest: str
    size: int


@dataclass(frozen=True)
class UploadRecord:
    """A `publish_video` call that went through."""

    index: int
    t_ms: int
    platform: str
    title: str
    items: tuple[UploadItem, ...]

    @property
    def url(self) -> str:
        """Where the published video can be watched."""
        return f"{VIDEO_HOST}/{self.platform}/{self.index}"


@dataclass(frozen=True)
class SmsRecord:
    """A `send_sms` call that went through."""

    index: int
    t_ms: int
    to: str
    text: str


@dataclass(frozen=True)
class MailClient:
    """How an episode's `send_email` reaches the mail server.

    Attributes:
        host: Server address (always 127.0.0.1).
        port: Server port.
        ehlo: The EHLO name that routes mail to this episode's mailbox.
        token: The episode's mailbox token.
    """

    host: str
    port: int
    ehlo: str
    token: str


@dataclass
class UploadRules:
    """An episode's publishing platforms' behaviour: hooks upload faults plug into.

    Attributes:
        on_upload: Called with (attempt, attempt to this platform, platform, paths) before an
            upload is recorded, attempts counted from 0 whatever earlier rules answered;
            returns the platform's error text (`503 Service Unavailable`) to refuse it, or None.
        attempts: Uploads tried so far (accepted or not).
        by_platform: Uploads tried so far per platform (as `platform_key` reads its name).
    """

    on_upload: list[Callable[[int, int, str, tuple[str, ...]], str | None]] = field(
        default_factory=list)
    attempts: int = 0
    by_platform: dict[str, int] = field(default_factory=dict)

    def refusal(self, platform: str, paths: tuple[str, ...]) -> str | None:
        """Count one attempt; the first rule's refusal, or None when the upload goes through."""
        key = platform_key(platform)
        attempt, here = self.attempts, self.by_platform.get(key, 0)
        self.attempts += 1
        self.by_platform[key] = here + 1
        for rule in self.on_upload:
            answer = rule(attempt, here, platform, paths)
            if answer is not None:
                return answer
        return None


@dataclass
class EpisodeSinks:
    """Everything that left the organisation during one episode.

    Args:
        key: The episode key (its mailbox token derives from it).
        now_ms: The episode's simulated clock.
        server: The process's mail server, if this run has one.
    """

    key: str
    now_ms: Callable[[], int]
    server: MailServer | None = None
    uploads: list[UploadRecord] = field(default_factory=list)
    sms: list[SmsRecord] = field(default_factory=list)
    mail: list[MailReport] = field(default_factory=list)
    #: Plugin sinks' records, by sink name, in the order they left.
    records: dict[str, list[SinkRecord]] = field(default_factory=dict)
    smtp_rules: SmtpRules = field(default_factory=SmtpRules)
    upload_rules: UploadRules = field(default_factory=UploadRules)
    sent: int = 0

    def __post_init__(self) -> None:
        self.token = "ep" + hashlib.sha256(self.key.encode()).hexdigest()[:16]
        # What the agent sees (Message-IDs) must not name the model: a `replay/<cassette>`
        # model then asks the recorded questions again. Keys read profile/model/seed-N/arm.
        parts = self.key.split("/")
        seen = "/".join(parts[:1] + parts[2:]) if len(parts) == 4 else self.key
        self.message_token = "m" + hashlib.sha256(seen.encode()).hexdigest()[:16]
        if self.server is not None:
            self.server.open_mailbox(self.token, self.smtp_rules)

    @property
    def mail_client(self) -> MailClient | None:
        """Where `send_email` connects, or None when the run has no mail server."""
        if self.server is None:
            return None
        return MailClient(self.server.host, self.server.port, episode_host(self.token),
                          self.token)

    def record(self, sink: str, destination: str, items: tuple[SinkItem, ...] | list[SinkItem],
               text: str = "", **fields: Any) -> SinkRecord:
        """Append a record to a plugin sink (what a plugin's tool calls when something left).

        Args:
            sink: The registered sink's name.
            destination: Where it went (a channel, a board).
            items: What left: files with their bytes' hash, or links.
            text: The message that went with it.
            **fields: The sink's own record fields.

        Returns:
            The record, numbered and stamped with the simulated time.

        Raises:
            KeyError: No sink of that name is registered.
        """
        kind = sink_kinds.get(sink)
        kept = self.records.setdefault(sink, [])
        record = kind.record(index=len(kept) + 1, t_ms=self.now_ms(), destination=destination,
                             items=tuple(items), text=text, **fields)
        kept.append(record)
        return record

    def of(self, sink: str) -> list[SinkRecord]:
        """The records of a plugin sink so far (empty when nothing left through it)."""
        return list(self.records.get(sink, ()))

    def close(self) -> None:
        """Collect the mailbox: what really arrived, parsed and inspected."""
        if self.server is None:
            return
        deliveries = self.server.close_mailbox(self.token)
        self.mail = [inspect_mail(d.index, d.rcpt_tos, d.data) for d in deliveries]
