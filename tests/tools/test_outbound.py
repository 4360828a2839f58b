import json

import pytest

from chaos.mail import MailServer, inspect_mail
from chaos.sinks import EpisodeSinks
from chaos.tools import ToolContext, tools
from chaos.world import generate_world, materialize_world
from tests.helpers import StubChain


@pytest.fixture(scope="module")
def world():
    return generate_world("sports_media", 5)


@pytest.fixture
def episode(world):
    with MailServer() as server:
        sinks = EpisodeSinks("p/m/seed-5/chaos", lambda: 61_000, server)
        fs = materialize_world(world)
        ctx = ToolContext("distributor", fs, StubChain(), (), sinks)

        def call(name, **arguments):
            definition = tools.get(name)
            try:
                return definition.run(ctx, definition.args.model_validate(arguments))
            except OSError as exc:
                return str(exc)

        call.sinks, call.fs = sinks, fs
        yield call


def test_send_email_guesses_the_type_from_the_name_like_common_mail_code(episode, world):
    logo = world.truth.logo
    episode.fs.remove(logo)
    episode.fs.create(logo, world.files["/prod/brand/guidelines.pdf"].data, 0)
    text = episode("send_email", to=["fan@example.org"], subject="hi", body="b",
                   attachments=[{"path": logo}])
    assert text.startswith("sent <") and "accepted for 1 recipient" in text
    episode.sinks.close()
    (mail,) = episode.sinks.mail
    (attachment,) = mail.attachments
    assert attachment.declared == "image/png"
    assert attachment.sniffed == "application/pdf"
    assert "mime_mismatch" in attachment.findings


def test_the_mail_date_comes_from_the_simulated_clock(episode):
    episode("send_email", to=["fan@example.org"], subject="s", body="b")
    box = episode.sinks.server.close_mailbox(episode.sinks.token)
    assert b"Date: Wed, 01 Jul 2026 09:01:01 +0000" in box[0].data


def test_a_missing_attachment_is_the_real_errno_and_nothing_is_sent(episode):
    text = episode("send_email", to=["fan@example.org"], subject="s", body="b",
                   attachments=[{"path": "/prod/nope.png"}])
    assert text == "[Errno 2] No such file or directory: '/prod/nope.png'"
    assert episode.sinks.server.close_mailbox(episode.sinks.token) == []


def test_publish_video_records_the_bytes_at_upload_time(episode, world):
    clip = world.truth.clips[0]
    text = episode("publish_video", platform="youtube", title="t", clips=[clip.path])
    assert text.startswith("published 't' to youtube: 1 clip(s)")
    (upload,) = episode.sinks.uploads
    assert upload.items[0].digest == clip.digest
    assert upload.t_ms == 61_000
    assert episode("publish_video", platform="youtube", title="t",
                   clips=["/prod/gone.mp4"]).startswith("[Errno 2]")
    assert len(episode.sinks.uploads) == 1


def test_send_sms_checks_the_number(episode):
    assert episode("send_sms", to="+15551234567", text="out now") == "sms #1 sent to +15551234567"
    assert episode("send_sms", to="call me", text="x").startswith("error: 'call me' is not")


def test_send_sms_sends_to_the_number_however_it_is_written(episode):
    assert episode("send_sms", to="+1 (555) 123-4567", text="x") == "sms #1 sent to +15551234567"
    assert [s.to for s in episode.sinks.sms] == ["+15551234567"]
    refused = episode("send_sms", to="555 123 4567", text="x")
    assert refused == ("error: '555 123 4567' has no country code: give the number in E.164 "
                       "form: + and the country code, then the number, e.g. +15551234567")
    assert len(episode.sinks.sms) == 1


def test_publish_video_names_the_platform_as_the_oracle_reads_it(episode, world):
    clip = world.truth.clips[0].path
    text = episode("publish_video", platform=" YouTube ", title="t", clips=[clip])
    assert text.endswith("to youtube: 1 clip(s), upload #1, https://videos.desk.example/youtube/1")
    assert episode("publish_video", platform="you/tube", title="t", clips=[clip]) == (
        "error: platform 'you/tube' is not a platform name: use its plain name in letters and "
        "digits, e.g. youtube")
    assert [u.platform for u in episode.sinks.uploads] == ["youtube"]


def test_send_email_delivers_once_to_each_bare_address(episode):
    text = episode("send_email", to=["Ana Fan <ana@example.org>", "mailto:bo@Example.ORG."],
                   cc=["ANA@example.org", "Fan, Bo <bo@example.org>"], subject="s", body="b")
    assert text.endswith("accepted for 2 recipient(s)"), text
    (delivery,) = episode.sinks.server.close_mailbox(episode.sinks.token)
    assert delivery.rcpt_tos == ("ana@example.org", "bo@example.org")
    assert b"To: Ana Fan <ana@example.org>" in delivery.data  # the header as written


@pytest.mark.parametrize("address", ["ana", "ana@", "@example.org", "ana@exa mple.org", ""])
def test_send_email_refuses_what_is_no_address_and_sends_nothing(episode, address):
    text = episode("send_email", to=["fan@example.org", address], subject="s", body="b")
    assert text.startswith(f"error: {address!r} is not an email address: give it as name@domain")
    assert episode.sinks.server.close_mailbox(episode.sinks.token) == []


def test_file_info_reports_integrity(episode, world):
    logo = world.truth.logo
    data = world.files[logo].data
    episode.fs.remove(logo)
    episode.fs.create(logo, data[: len(data) // 2], 0)
    info = json.loads(episode("file_info", path=logo))
    assert info["sniffed_mime"] == "image/png"
    assert info["integrity"] == "truncated"


def test_inspection_of_what_arrived_matches_the_world_bytes(episode, world):
    logo = world.truth.logo
    episode("send_email", to=["a@example.org"], subject="s", body="b",
            attachments=[{"path": logo, "content_type": "image/png"}])
    (delivery,) = episode.sinks.server.close_mailbox(episode.sinks.token)
    (attachment,) = inspect_mail(0, delivery.rcpt_tos, delivery.data).attachments
    assert attachment.digest == world.files[logo].digest
    assert attachment.findings == ()


def test_publish_video_takes_a_manifest_file(episode, world):
    import json as _json

    clip = world.truth.clips[0]
    episode("write_file", path="/prod/distribution/manifests/m.json",
            content=_json.dumps({"clips": [{"clip_id": clip.clip_id, "path": clip.path}]}))
    text = episode("publish_video", platform="youtube", title="t",
                   manifest="/prod/distribution/manifests/m.json")
    assert text.startswith("published 't' to youtube: 1 clip(s)")
    assert episode.sinks.uploads[0].items[0].digest == clip.digest


def test_a_line_break_in_a_header_is_refused_and_nothing_is_sent(episode):
    # An agent must not smuggle headers of its own (Bcc:) into the message.
    for subject in ("hi\r\nBcc: leak@example.org", "hi\u2028Bcc: leak@example.org"):
        with pytest.raises(ValueError, match="may not contain linefeed or carriage return"):
            episode("send_email", to=["fan@example.org"], subject=subject, body="b")
    with pytest.raises(ValueError, match="may not contain linefeed"):
        episode("send_email", to=["fan@example.org\nBcc: leak@example.org"], subject="s",
                body="b")
    assert episode.sinks.server.close_mailbox(episode.sinks.token) == []


def test_non_ascii_subject_body_and_filename_arrive_as_sent(episode, world):
    import email
    import email.policy

    subject, name, body = "Highlights – Zürich ✓", "logo-zürich.png", "Grüße aus Zürich\n"
    text = episode("send_email", to=["fan@example.org"], subject=subject, body=body,
                   attachments=[{"path": world.truth.logo, "filename": name}])
    assert text.startswith("sent <")
    (delivery,) = episode.sinks.server.close_mailbox(episode.sinks.token)
    # What a standard mail reader makes of the bytes that arrived.
    # (Mail stores keep lines as LF; on the wire they end in CRLF.)
    read = email.message_from_bytes(delivery.data.replace(b"\r\n", b"\n"),
                                    policy=email.policy.default)
    assert read["subject"] == subject
    assert read.get_body().get_content() == body
    (part,) = read.iter_attachments()
    assert part.get_filename() == name and part.get_content() == world.files[
        world.truth.logo].data
    # And what chaos's own inspection reads.
    report = inspect_mail(0, delivery.rcpt_tos, delivery.data)
    assert report.subject == subject and report.attachments[0].filename == name


def test_what_a_mail_reader_sees_of_names_long_subjects_and_odd_bodies(episode):
    import email
    import email.policy

    long_word = "https://example.org/" + "a" * 1200
    cases = [
        {"to": ['"Müller, Jörg" <jm@example.org>', "fan@example.org"], "subject": "s",
         "body": "b"},
        {"to": ["fan@example.org"], "subject": " ".join(["word"] * 80), "body": ""},
        {"to": ["fan@example.org"], "subject": f"See {long_word} now", "body": "x" * 2000},
        {"to": ["fan@example.org"], "subject": "é" * 300, "body": ("z" * 600 + "\x0c") * 3},
    ]
    for args in cases:
        text = episode("send_email", **args)
        assert text.startswith("sent <"), text
        (delivery,) = episode.sinks.server.close_mailbox(episode.sinks.token)
        episode.sinks.server.open_mailbox(episode.sinks.token)
        assert max(len(line) for line in delivery.data.split(b"\r\n")) <= 998
        read = email.message_from_bytes(delivery.data.replace(b"\r\n", b"\n"),
                                        policy=email.policy.default)
        assert read["subject"] == args["subject"]
        if "Müller" in args["to"][0]:
            assert read["to"].addresses[0].display_name == "Müller, Jörg"
        assert [a.addr_spec for a in read["to"].addresses] == [
            a.rpartition("<")[2].rstrip(">") for a in args["to"]]
        assert read.get_body().get_content().replace("\r\n", "\n").rstrip("\n") == args["body"]
        report = inspect_mail(0, delivery.rcpt_tos, delivery.data)
        assert report.subject == args["subject"]
        assert report.header_to == tuple(a.addr_spec for a in read["to"].addresses)


def test_a_dropped_connection_reads_as_smtplib_words(episode):
    from chaos.mail import DISCONNECT

    episode.sinks.smtp_rules.on_data.append(lambda attempt, rcpt, size: DISCONNECT)
    text = episode("send_email", to=["fan@example.org"], subject="s", body="b")
    # The text recorded cassettes and existing traces hold: they must replay.
    assert text == "error: SMTPServerDisconnected: Connection unexpectedly closed"


def test_a_chain_without_await_sends_from_inside_a_running_loop(world):
    import asyncio

    async def inside_a_loop():
        with MailServer() as server:
            sinks = EpisodeSinks("p/m/seed-5/chaos", lambda: 61_000, server)
            ctx = ToolContext("distributor", materialize_world(world), StubChain(), (), sinks)
            send = tools.get("send_email")
            text = send.run(ctx, send.args.model_validate({
                "to": ["fan@example.org"], "subject": "s", "body": "b"}))
            return text, server.close_mailbox(sinks.token)

    text, box = asyncio.run(inside_a_loop())
    assert text.startswith("sent <") and len(box) == 1


def test_the_same_mail_gives_the_same_bytes(world):
    def sent_bytes():
        with MailServer() as server:
            sinks = EpisodeSinks("p/m/seed-5/chaos", lambda: 61_000, server)
            ctx = ToolContext("distributor", materialize_world(world), StubChain(), (), sinks)
            send = tools.get("send_email")
            send.run(ctx, send.args.model_validate({
                "to": ["fan@example.org"], "subject": "s", "body": "b",
                "attachments": [{"path": world.truth.logo}]}))
            return server.close_mailbox(sinks.token)[0].data

    assert sent_bytes() == sent_bytes()


def test_an_address_smtp_cannot_carry_is_an_error_and_nothing_is_sent(episode):
    text = episode("send_email", to=["fän@example.org"], subject="s", body="b")
    assert text == ("error: 'fän@example.org': the mail server takes ASCII addresses only (no "
                    "SMTPUTF8); give the recipient's ASCII address")
    assert episode.sinks.server.close_mailbox(episode.sinks.token) == []
