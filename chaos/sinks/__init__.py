"""Sinks: what left the organisation (uploads, SMS, mail), recorded or received per episode."""

from chaos.sinks._records import (
    VIDEO_HOST,
    EpisodeSinks,
    MailClient,
    SmsRecord,
    UploadItem,
    UploadRecord,
)

__all__ = ["VIDEO_HOST", "EpisodeSinks", "MailClient", "SmsRecord", "UploadItem", "UploadRecord"]
