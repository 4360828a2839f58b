"""Mail: a real SMTP server on loopback, and inspection of what arrived."""

from chaos.mail._inspect import AttachmentReport, MailReport, inspect_mail
from chaos.mail._server import (
    DISCONNECT,
    REPLY_LOST,
    Delivery,
    MailServer,
    SmtpRules,
    episode_host,
)

__all__ = [
    "DISCONNECT",
    "REPLY_LOST",
    "AttachmentReport",
    "Delivery",
    "MailReport",
    "MailServer",
    "SmtpRules",
    "episode_host",
    "inspect_mail",
]
