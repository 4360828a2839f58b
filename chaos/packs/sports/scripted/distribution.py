"""Scripted distribution: publish the package video and mail each subscriber the team logo."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

from chaos.models.scripted._common import Step, load, rows, sending

if TYPE_CHECKING:
    from chaos.models.scripted._policies import Style

__all__ = ["distribute"]

#: What a careless mailer declares, from the extension alone.
_BY_EXTENSION = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                 ".gif": "image/gif", ".pdf": "application/pdf"}
_EXTENSION_FOR = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
                  "application/pdf": ".pdf"}


def _attachment(brief: dict[str, Any], style: Style) -> Step:
    """The logo attachment spec, or None when a careful agent refuses to send it."""
    logo = brief["logo"]
    stem, ext = posixpath.splitext(posixpath.basename(logo))
    if not style.checks_attachments:
        declared = _BY_EXTENSION.get(ext.lower()) if style.checks_files else None
        return {"path": logo} | ({"content_type": declared} if declared else {})
    info = load((yield "file_info", {"path": logo})) or {}
    sniffed = info.get("sniffed_mime")
    if info.get("integrity") != "ok" or sniffed not in _EXTENSION_FOR:
        yield "report_issue", {"severity": "error", "paths": [logo], "summary":
                               f"the logo {logo} is broken (integrity: {info.get('integrity')},"
                               f" type: {sniffed}); not mailing it"}
        return None
    if sniffed != info.get("extension_mime"):
        yield "report_issue", {"severity": "warning", "paths": [logo], "summary":
                               f"the logo {logo} holds {sniffed} bytes under a "
                               f"{ext} name; sending it labelled as {sniffed}"}
    return {"path": logo, "content_type": sniffed, "filename": stem + _EXTENSION_FOR[sniffed]}


def distribute(brief: dict[str, Any], style: Style) -> Step:
    """Publish the approved clips; mail each opted-in subscriber once, with the logo."""
    issues: list[str] = []
    clips = [c["path"] for c in brief.get("clips", []) if isinstance(c, dict) and c.get("path")]
    link = None
    if brief.get("publish") and clips:
        title = f"{brief['team']} v {brief['opponent']} highlights ({brief['match_date']})"
        result = yield from sending("publish_video", {"platform": brief["platform"],
                                                      "title": title, "clips": clips},
                                    style, ("published",))
        if result.startswith("published"):
            link = result.rsplit(", ", 1)[-1]
        elif style.reports:
            yield "report_issue", {"severity": "error", "paths": clips,
                                   "summary": f"publishing failed: {result}"}
            issues.append(f"publishing failed: {result}")
        if link is None and style.invents:
            link = f"https://videos.desk.example/{brief['platform']}/1"
    if brief.get("sms_to") and link:
        yield "send_sms", {"to": brief["sms_to"], "text": f"Highlights are out: {link}"}
    if brief.get("mail"):
        table = load((yield "read_file", {"path": brief["subscribers"]})) or {}
        recipients = [r["email"] for r in rows(str(table.get("content", "")))
                      if r.get("team") == brief["team"] and r.get("opt_in") == "yes"]
        attachment = yield from _attachment(brief, style)
        if attachment is None:
            issues.append("subscriber mail not sent: the logo is broken")
            recipients = []
        for address in recipients:
            result = yield from sending("send_email", {
                "to": [address], "subject": f"{brief['team']}: match highlights",
                "body": f"The highlights of {brief['team']} v {brief['opponent']} are out.",
                "attachments": [attachment]}, style, ("sent",))
            if not result.startswith("sent") and style.reports:
                yield "report_issue", {"severity": "error", "paths": [],
                                       "summary": f"mail to {address} failed: {result}"}
                issues.append(f"mail to {address} failed")
    yield "finish", {"result": {"published": bool(clips and brief.get("publish")),
                                "issues": issues}}
