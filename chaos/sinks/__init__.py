"""Sinks: what left the organisation (uploads, SMS, mail), recorded or received per episode."""

from chaos.sinks._records import EpisodeSinks, MailClient, SmsRecord, UploadItem, UploadRecord

__all__ = ["EpisodeSinks", "MailClient", "SmsRecord", "UploadItem", "UploadRecord"]
