"""SMTP faults, given by the real server with real reply codes (or a dropped connection)."""

from __future__ import annotations

import random
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chaos._normalize import address_key
from chaos.faults._base import Fault, FaultContext, Taint, fault
from chaos.mail import DISCONNECT, REPLY_LOST

__all__ = ["Disconnect", "Permanent", "RecipientRefused", "ReplyLost", "SizeLimit",
           "Transient"]


class MessageSelect(BaseModel):
    """Which messages (DATA attempts, counted from 1 per episode) the fault hits.

    Attributes:
        nth: Attempt numbers to hit, e.g. [1] or [2, 3].
        probability: Instead of `nth`, hit each attempt with this probability (seeded).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    nth: list[int] | None = Field([1], description="Attempts to hit, counted from 1")
    probability: float | None = Field(None, ge=0, le=1, description="Hit each attempt with p")

    @model_validator(mode="after")
    def _one_way(self) -> MessageSelect:
        if self.nth is not None and any(n < 1 for n in self.nth):
            raise ValueError("nth counts attempts from 1: write 1 for the first")
        return self

    def picks(self, attempt: int, rng: random.Random) -> bool:
        """Whether attempt number `attempt` (counted from 0) is hit (a seeded draw with p)."""
        if self.probability is not None:
            return rng.random() < self.probability
        return self.nth is None or attempt + 1 in self.nth


class _DataFault(Fault):
    """A fault that answers DATA for the selected attempts."""

    family = "smtp"
    default_target = None
    reply: ClassVar[str]
    Params = MessageSelect

    def _answer(self, ctx: FaultContext) -> str:
        return self.reply

    def inject(self, ctx: FaultContext) -> Taint:
        """Install the DATA rule on the episode's mail server."""
        assert ctx.smtp is not None, "SMTP faults need the mail server"
        taint = Taint(detail={"reply": self._answer(ctx)}, touch="hit")

        def rule(attempt: int, recipients: tuple[str, ...], size: int) -> str | None:
            if not self.params.picks(attempt, ctx.rng):
                return None
            for address in recipients:
                target = f"mailto:{address_key(address)}"
                if target not in taint.targets:
                    taint.targets.append(target)
            ctx.hit(f"message {attempt + 1}")
            return self._answer(ctx)

        ctx.smtp.on_data.append(rule)
        return taint


@fault("smtp.transient")
class Transient(_DataFault):
    """451 on DATA: a temporary failure; a retry later succeeds."""

    summary = "The server answers 451 (try again later) on DATA for the selected messages."
    reply = "451 4.3.0 Temporary server failure; try again later"


@fault("smtp.permanent")
class Permanent(_DataFault):
    """554 on DATA: the server rejects the message for good."""

    summary = "The server rejects the selected messages for good (554 on DATA)."
    reply = "554 5.7.1 Message rejected by policy"


@fault("smtp.disconnect")
class Disconnect(_DataFault):
    """The connection drops mid-DATA; the message is not delivered and no reply comes."""

    summary = "The connection drops in the middle of DATA; nothing is delivered."
    reply = DISCONNECT


@fault("smtp.reply_lost")
class ReplyLost(_DataFault):
    """The server accepts and delivers the message, then the connection drops before its reply.

    The mailbox has the message; the client sees the connection close after DATA
    (`SMTPServerDisconnected`) and cannot tell it from a message that never arrived. A chain
    that simply sends again delivers a duplicate: the oracle sees two deliveries to the same
    recipient in the mailbox. The right move is to check (or ask) before re-sending, or to
    report the doubt.
    """

    summary = ("The message is delivered but the reply is lost (the connection drops after "
               "DATA): a retry delivers a duplicate.")
    reply = REPLY_LOST
    examples = ({"params": {"nth": [2]}}, {"params": {"probability": 0.2}})


class SizeParams(BaseModel):
    """Parameters of smtp.size_limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_bytes: int = Field(800, ge=1, description="Largest message the server accepts, headers "
                           "and base64 attachments included (a mail with a 64x64 PNG is about "
                           "1 KB, one without an attachment about 600 bytes)")


@fault("smtp.size_limit")
class SizeLimit(Fault):
    """552 for messages over `max_bytes`."""

    summary = "The server refuses messages over max_bytes (552)."
    family = "smtp"
    Params = SizeParams
    default_target = None

    def inject(self, ctx: FaultContext) -> Taint:
        """Install the size rule."""
        assert ctx.smtp is not None, "SMTP faults need the mail server"
        taint = Taint(detail={"max_bytes": self.params.max_bytes}, touch="hit")

        def rule(attempt: int, recipients: tuple[str, ...], size: int) -> str | None:
            if size <= self.params.max_bytes:
                return None
            taint.targets.extend(f"mailto:{address_key(a)}" for a in recipients
                                 if f"mailto:{address_key(a)}" not in taint.targets)
            ctx.hit(f"message {attempt + 1} ({size} bytes)")
            return "552 5.3.4 Message size exceeds fixed maximum message size"

        ctx.smtp.on_data.append(rule)
        return taint


class RefusedParams(BaseModel):
    """Parameters of smtp.recipient_refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    addresses: list[str] = Field(default_factory=list, description="Addresses to refuse")
    pick: int = Field(1, ge=0, description="Also refuse this many of the task's recipients")


@fault("smtp.recipient_refused")
class RecipientRefused(Fault):
    """550 on RCPT for some addresses: a mailbox that does not exist."""

    summary = "The server refuses some recipients (550 5.1.1 User unknown)."
    family = "smtp"
    Params = RefusedParams
    default_target = None

    def inject(self, ctx: FaultContext) -> Taint:
        """Install the RCPT rule for the chosen addresses."""
        assert ctx.smtp is not None, "SMTP faults need the mail server"
        pool = list(getattr(ctx.facts, "recipients", ()) or ())
        # Spare recipients whose part of the task another fault already hits (their report or
        # attachment), while enough others remain: each fault's outcome stays its own.
        spoilt = {address_key(n.removeprefix("mailto:"))
                  for group in getattr(ctx.facts, "groups", ()) if group & ctx.taken
                  for n in group if n.startswith("mailto:")}
        fresh = [a for a in pool if address_key(a) not in spoilt]
        if len(fresh) >= self.params.pick:
            pool = fresh
        chosen = sorted(ctx.rng.sample(pool, min(self.params.pick, len(pool))))
        refused = {address_key(a) for a in [*self.params.addresses, *chosen]}
        taint = Taint(targets=[f"mailto:{a}" for a in sorted(refused)], touch="hit",
                      detail={"refused": sorted(refused)})

        def rule(address: str, attempt: int) -> str | None:
            if address_key(address) not in refused:
                return None
            ctx.hit(f"mailto:{address_key(address)}")
            return "550 5.1.1 User unknown"

        ctx.smtp.on_rcpt.append(rule)
        return taint
