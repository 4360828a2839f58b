"""The mail server: aiosmtpd on 127.0.0.1, one per process, a mailbox per episode.

Episodes are told apart by the name their client gives in EHLO (`<token>.chaos.invalid`), so
episodes running at the same time share one server and never see each other's mail. SMTP faults
act here, as a real server would: reply codes on RCPT and DATA, or a dropped connection.

The server listens either on the event loop of the episodes (`async with MailServer()`: what
runs use; the client's and the server's halves of each conversation then interleave with the
episodes' other work on one loop, with no thread hand-offs), or in a thread of its own (`with
MailServer()`, for callers without a loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["DISCONNECT", "REPLY_LOST", "Delivery", "MailServer", "SmtpRules", "episode_host"]

#: What a DATA rule returns to drop the connection mid-DATA instead of replying.
DISCONNECT = "disconnect"
#: What a DATA rule returns to deliver the message and then drop the connection before the
#: reply: the mailbox has it, the client never learns so.
REPLY_LOST = "reply-lost"
_DOMAIN = "chaos.invalid"


def episode_host(token: str) -> str:
    """The EHLO name an episode's client uses."""
    return f"{token}.{_DOMAIN}"


@dataclass(frozen=True)
class Delivery:
    """One message as the server accepted it.

    Attributes:
        index: Order of acceptance within the episode, from 0.
        mail_from: Envelope sender.
        rcpt_tos: Envelope recipients the server accepted.
        data: The message bytes exactly as received.
    """

    index: int
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes


@dataclass
class SmtpRules:
    """An episode's server-side behaviour: hooks SMTP faults plug into.

    Attributes:
        on_rcpt: Called with (address, attempt); returns a reply such as
            "550 5.1.1 User unknown" to refuse, or None to accept.
        on_data: Called with (attempt, recipients, size in bytes); returns a reply to refuse
            the message, DISCONNECT to drop the connection, REPLY_LOST to deliver it and
            then drop the connection before replying, or None to accept.
        attempts: DATA commands seen so far (accepted or not).
    """

    on_rcpt: list[Callable[[str, int], str | None]] = field(default_factory=list)
    on_data: list[Callable[[int, tuple[str, ...], int], str | None]] = field(
        default_factory=list)
    attempts: int = 0


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.mail = server

    def _token(self, session: Session) -> str | None:
        host = (session.host_name or "").lower()
        return host.removesuffix("." + _DOMAIN) if host.endswith("." + _DOMAIN) else None

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        token = self._token(session)
        rules = self.mail.rules_for(token)
        if token is None or rules is None:
            return "550 5.7.1 Relaying denied: unknown client"
        for rule in rules.on_rcpt:
            reply = rule(address, rules.attempts)
            if reply:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session,  # noqa: N802
                          envelope: Envelope) -> str:
        token = self._token(session)
        rules = self.mail.rules_for(token)
        if token is None or rules is None:
            return "554 5.7.1 Unknown client"
        data = envelope.original_content or b""
        attempt = rules.attempts
        rules.attempts += 1
        for rule in rules.on_data:
            reply = rule(attempt, tuple(envelope.rcpt_tos), len(data))
            if reply in (DISCONNECT, REPLY_LOST):
                if reply == REPLY_LOST:
                    # Accepted and delivered; only the "250" is lost on the way back.
                    self.mail.store(token, envelope.mail_from or "",
                                    tuple(envelope.rcpt_tos), data)
                # A connection that drops: the client never gets a reply.
                server.transport.close()  # type: ignore[union-attr]
                return "421 4.4.2 Connection dropped"
            if reply:
                return reply
        self.mail.store(token, envelope.mail_from or "", tuple(envelope.rcpt_tos), data)
        return "250 2.0.0 Message accepted for delivery"


#: The name the server greets with. Given, so that aiosmtpd does not look up the host's fully
#: qualified name (a DNS query) for every connection.
_SERVER_NAME = "mail.desk.example"


class _LoopbackController(Controller):
    """aiosmtpd's Controller, made to work with port 0 (an ephemeral port)."""

    def _trigger_server(self) -> None:
        # The stock self-check dials self.port, which is 0 until we read the bound socket.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MailServer:
    """A real SMTP server on 127.0.0.1 with per-episode mailboxes and rules.

    Use as an async context manager (listens on the running event loop) or as a context
    manager, or `start()`/`stop()` (listens in a thread); `port` is known once started.
    """

    def __init__(self, data_size_limit: int = 32 * 1024 * 1024) -> None:
        self._lock = threading.Lock()
        self._mailboxes: dict[str, list[Delivery]] = {}
        self._rules: dict[str, SmtpRules] = {}
        self._smtp = {"decode_data": False, "data_size_limit": data_size_limit,
                      "ident": "chaos ESMTP"}
        self._controller: _LoopbackController | None = None
        self._listener: asyncio.Server | None = None
        self.host = "127.0.0.1"
        self.port = 0

    def start(self) -> MailServer:
        """Start listening in a thread, on an ephemeral loopback port.

        Nothing stays bound if it fails.
        """
        self._controller = _LoopbackController(_Handler(self), hostname=self.host, port=0,
                                               server_hostname=_SERVER_NAME, **self._smtp)
        try:
            self._controller.start()
        except BaseException:
            self._controller.stop(no_assert=True)
            raise
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        """Stop listening; nothing stays bound."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    async def __aenter__(self) -> MailServer:
        loop = asyncio.get_running_loop()
        handler = _Handler(self)
        self._listener = await loop.create_server(
            lambda: SMTP(handler, loop=loop, hostname=_SERVER_NAME,  # type: ignore[arg-type]
                         **self._smtp),
            self.host, 0)
        self.port = self._listener.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            listener.close()
            if hasattr(listener, "close_clients"):  # Python 3.13+
                listener.close_clients()
            # From Python 3.12 this waits for open conversations too (an episode cancelled in
            # the middle of one); nothing of a run is left to wait for by then.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(listener.wait_closed(), 1.0)

    def open_mailbox(self, token: str, rules: SmtpRules | None = None) -> None:
        """Make an empty mailbox for an episode, with its SMTP rules."""
        with self._lock:
            self._mailboxes[token] = []
            self._rules[token] = rules or SmtpRules()

    def rules_for(self, token: str | None) -> SmtpRules | None:
        """The rules of an episode (None: unknown client)."""
        with self._lock:
            return self._rules.get(token) if token else None

    def store(self, token: str, mail_from: str, rcpt_tos: tuple[str, ...], data: bytes) -> None:
        """Deliver an accepted message into the episode's mailbox."""
        with self._lock:
            box = self._mailboxes.setdefault(token, [])
            box.append(Delivery(len(box), mail_from, rcpt_tos, data))

    def close_mailbox(self, token: str) -> list[Delivery]:
        """Take an episode's mailbox away and return what arrived."""
        with self._lock:
            self._rules.pop(token, None)
            return self._mailboxes.pop(token, [])
