"""Sinks: what left the organisation (uploads, SMS, mail, plugin sinks), per episode."""

from chaos.sinks._plugins import SinkItem, SinkKind, SinkRecord, file_item, sink, sink_kinds
from chaos.sinks._records import (
    VIDEO_HOST,
    EpisodeSinks,
    MailClient,
    SmsRecord,
    UploadItem,
    UploadRecord,
    UploadRules,
)

__all__ = [
    "VIDEO_HOST",
    "EpisodeSinks",
    "MailClient",
    "SinkItem",
    "SinkKind",
    "SinkRecord",
    "SmsRecord",
    "UploadItem",
    "UploadRecord",
    "UploadRules",
    "file_item",
    "sink",
    "sink_kinds",
]
