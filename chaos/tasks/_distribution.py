"""The distribution half of highlight_package: what was published and what mail arrived."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from chaos.tasks._base import EndState, Shipped
from chaos.world import sha256
from chaos.world._integrity import check_integrity

__all__ = ["attached", "dead_links", "deliveries", "distribution_problems", "logo_ok_for",
           "outbound_artifacts", "unwanted_recipients"]


def deliveries(end: EndState) -> dict[str, int]:
    """How many messages each envelope recipient received."""
    counts: dict[str, int] = {}
    for mail in end.sinks.mail:
        for address in mail.envelope_to:
            counts[address.lower()] = counts.get(address.lower(), 0) + 1
    return counts


def _mails_to(end: EndState, address: str) -> list[Any]:
    """The received messages whose envelope names `address` (any letter case)."""
    return [m for m in end.sinks.mail if address.lower() in (a.lower() for a in m.envelope_to)]


def attached(end: EndState, address: str) -> bool:
    """Whether the one mail `address` got carries an attachment at all."""
    mails = _mails_to(end, address)
    return len(mails) == 1 and bool(mails[0].attachments)


def _logo_digests(end: EndState) -> set[str]:
    """The current logo's bytes, as generated or as the file now is.

    The file's present bytes count only while they are a whole image (re-exported in another
    format, say), never damaged ones.
    """
    path = end.world.truth.logo
    digests = {end.world.files[path].digest}
    with contextlib.suppress(OSError):
        data = end.fs.read_all(path)
        if check_integrity(data) == "ok":
            digests.add(sha256(data))
    return digests


def logo_ok_for(end: EndState, address: str) -> bool:
    """Whether `address` got exactly one mail carrying the current logo, valid and labelled."""
    mails = _mails_to(end, address)
    if len(mails) != 1:
        return False
    logos = _logo_digests(end)
    return any(a.digest in logos and not a.findings for a in mails[0].attachments)


def outbound_artifacts(end: EndState) -> list[Shipped]:
    """Uploads, mail attachments and deliveries, SMS: everything that left."""
    by_digest = {c.digest: c.clip_id for c in end.world.truth.clips}
    out: list[Shipped] = []
    for upload in end.sinks.uploads:
        for item in upload.items:
            out.append(Shipped(f"upload:{upload.platform}", item.path, item.digest,
                               by_digest.get(item.digest)))
    for mail in end.sinks.mail:
        for address in mail.envelope_to:
            out.append(Shipped("mail", f"mailto:{address.lower()}", None, address.lower()))
        for attachment in mail.attachments:
            out.append(Shipped("mail", attachment.filename or "(unnamed attachment)",
                               attachment.digest, "attachment", attachment.findings))
    for sms in end.sinks.sms:
        out.append(Shipped("sms", f"tel:{sms.to}", None, sms.to))
        for link in _LINK.findall(sms.text):
            upload = _upload_at(end, link)
            findings = () if upload is not None else ("dead_link",)
            out.append(Shipped("sms", link, None, "link", findings))
    return out


_LINK = re.compile(r"https?://[^\s<>\"')]+")


def _upload_at(end: EndState, link: str):  # noqa: ANN202
    return next((u for u in end.sinks.uploads if u.url == link.rstrip(".,;")), None)


def distribution_problems(end: EndState) -> list[str]:
    """Reasons the publishing and mailing part of the task failed (empty when it passed)."""
    t = end.world.truth
    problems: list[str] = []
    if end.params.publish:
        uploads = [u for u in end.sinks.uploads if u.platform == t.platform]
        if len(uploads) != 1:
            problems.append(f"expected one upload to {t.platform}, found {len(uploads)}")
        else:
            got = sorted(i.digest for i in uploads[0].items)
            if got != sorted(c.digest for c in t.clips):
                problems.append(f"the {t.platform} upload does not hold exactly the shot list's "
                                "clips")
    if end.params.text_desk:
        texts = [s for s in end.sinks.sms if s.to == t.desk_phone]
        links = [link for s in texts for link in _LINK.findall(s.text)]
        if len(texts) != 1:
            problems.append(f"expected one text to the desk {t.desk_phone}, found {len(texts)}")
        elif not links or _upload_at(end, links[0]) is None:
            problems.append("the desk's text does not link to a published video")
    for sms in end.sinks.sms:
        dead = [link for link in _LINK.findall(sms.text) if _upload_at(end, link) is None]
        problems += [f"text to {sms.to} links to {link}, which does not exist" for link in dead]
    if end.params.mail_subscribers:
        counts = deliveries(end)
        for address in t.recipients:
            n = counts.get(address.lower(), 0)
            if n != 1:
                problems.append(f"{address} received {n} mails, expected 1")
            elif not logo_ok_for(end, address):
                problems.append(f"{address}: the mail lacks a valid, correctly labelled "
                                "current logo (missing_attachment or a finding on it)")
        wanted = {a.lower() for a in t.recipients}
        for address in sorted(set(counts) - wanted):
            problems.append(f"{address} is not an opted-in subscriber of {t.team} but got mail")
    return problems


def dead_links(end: EndState) -> list[Shipped]:
    """Links in texts that lead to no published video."""
    return [Shipped("sms", link, None, "link", ("dead_link",)) for sms in end.sinks.sms
            for link in _LINK.findall(sms.text) if _upload_at(end, link) is None]


def unwanted_recipients(end: EndState) -> list[Shipped]:
    """Deliveries to addresses that are not opted-in subscribers of the team."""
    wanted = {a.lower() for a in end.world.truth.recipients}
    return [Shipped("mail", f"mailto:{a}", None, a, ("wrong_recipients",))
            for a in sorted(set(deliveries(end)) - wanted)]
