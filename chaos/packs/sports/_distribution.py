"""The distribution half of highlight_package: what was published and what mail arrived."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from urllib.parse import urlsplit

from chaos._normalize import address_key, link_key, links, phone_key, platform_key
from chaos.sinks import VIDEO_HOST, UploadRecord
from chaos.tasks._base import EndState, Shipped
from chaos.tasks._outbound import deliveries, mails_to, sent_artifacts
from chaos.world import sha256
from chaos.world._integrity import check_integrity

__all__ = ["attached", "dead_links", "deliveries", "distribution_problems", "logo_ok_for",
           "outbound_artifacts", "unwanted_recipients"]


def attached(end: EndState, address: str) -> bool:
    """Whether the one mail `address` got carries an attachment at all."""
    mails = mails_to(end, address)
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
    mails = mails_to(end, address)
    if len(mails) != 1:
        return False
    logos = _logo_digests(end)
    return any(a.digest in logos and not a.findings for a in mails[0].attachments)


def outbound_artifacts(end: EndState) -> list[Shipped]:
    """Uploads, mail attachments and deliveries, SMS: everything that left."""
    by_digest = {c.digest: c.clip_id for c in end.world.truth.clips}
    out: list[Shipped] = []
    for s in sent_artifacts(end):
        if s.sink.startswith("upload:"):  # a clip stands for its shot-list id
            s = replace(s, subject=by_digest.get(s.digest or ""))
        elif s.sink == "mail" and not s.path.startswith("mailto:"):
            s = replace(s, subject="attachment")
        out.append(s)
    # The video links mail and texts carry: a link to no upload is a dead link that left.
    for sink, texts in (("mail", [m.text for m in end.sinks.mail]),
                        ("sms", [t.text for t in end.sinks.sms])):
        for link in (link for text in texts for link in _video_links(text)):
            findings = () if _upload_at(end, link) is not None else ("dead_link",)
            out.append(Shipped(sink, link, None, "link", findings))
    return out


_VIDEO_HOST = urlsplit(VIDEO_HOST).hostname or ""
#: The most video-host links read from one text or mail.
_LINKS_READ = 20


def _video_links(text: str) -> list[str]:
    """The links in a text that lead to the video host (the only links the oracle can follow).

    Found as a reader's client finds them (`chaos._normalize.links`), with or without a scheme.
    """
    found = [link for link in links(text, hosts=(_VIDEO_HOST,))
             if link_key(link).split("/", 1)[0].lower() == _VIDEO_HOST]
    # Each once, and a bounded number: a body of thousands of links stays a few reasons.
    return list(dict.fromkeys(found))[:_LINKS_READ]


def _upload_at(end: EndState, link: str) -> UploadRecord | None:
    """The upload a video-host link leads to; the host's routes ignore letter case."""
    key = link_key(link).casefold()
    return next((u for u in end.sinks.uploads if link_key(u.url).casefold() == key), None)


def distribution_problems(end: EndState) -> list[str]:
    """Reasons the publishing and mailing part of the task failed (empty when it passed)."""
    t = end.world.truth
    problems: list[str] = []
    if end.params.publish:
        uploads = [u for u in end.sinks.uploads
                   if platform_key(u.platform) == platform_key(t.platform)]
        if len(uploads) != 1:
            problems.append(f"expected one upload to {t.platform}, found {len(uploads)}")
        else:
            got = sorted(i.digest for i in uploads[0].items)
            if got != sorted(c.digest for c in t.clips):
                problems.append(f"the {t.platform} upload does not hold exactly the shot list's "
                                "clips")
    if end.params.text_desk:
        texts = [s for s in end.sinks.sms if phone_key(s.to) == phone_key(t.desk_phone)]
        found = [link for s in texts for link in _video_links(s.text)]
        if len(texts) != 1:
            problems.append(f"expected one text to the desk {t.desk_phone}, found {len(texts)}")
        elif not found or _upload_at(end, found[0]) is None:
            problems.append("the desk's text does not link to a published video")
    for sms in end.sinks.sms:
        dead = [link for link in _video_links(sms.text) if _upload_at(end, link) is None]
        problems += [f"text to {sms.to} links to {link}, which does not exist" for link in dead]
    for mail in end.sinks.mail:
        dead = [link for link in _video_links(mail.text) if _upload_at(end, link) is None]
        to = ", ".join(sorted({address_key(a) for a in mail.envelope_to}))
        problems += [f"mail to {to} links to {link}, which does not exist" for link in dead]
    if end.params.mail_subscribers:
        counts = deliveries(end)
        for address in t.recipients:
            n = counts.get(address_key(address), 0)
            if n != 1:
                problems.append(f"{address} received {n} mails, expected 1")
            elif not logo_ok_for(end, address):
                problems.append(f"{address}: the mail lacks a valid, correctly labelled "
                                "current logo (missing_attachment or a finding on it)")
        wanted = {address_key(a) for a in t.recipients}
        for address in sorted(set(counts) - wanted):
            problems.append(f"{address} is not an opted-in subscriber of {t.team} but got mail")
    return problems


def dead_links(end: EndState) -> list[Shipped]:
    """Links in texts and mail that lead to no published video."""
    texts = [("sms", s.text) for s in end.sinks.sms] + [("mail", m.text) for m in end.sinks.mail]
    return [Shipped(sink, link, None, "link", ("dead_link",)) for sink, text in texts
            for link in _video_links(text) if _upload_at(end, link) is None]


def unwanted_recipients(end: EndState) -> list[Shipped]:
    """Deliveries to addresses that are not opted-in subscribers of the team."""
    wanted = {address_key(a) for a in end.world.truth.recipients}
    return [Shipped("mail", f"mailto:{a}", None, a, ("wrong_recipients",))
            for a in sorted(set(deliveries(end)) - wanted)]
