"""What left, judged: end states built by hand, so each rule of the oracle is seen alone."""

import random

import pytest

from chaos.faults import Taint, fault_kinds
from chaos.mail import inspect_mail
from chaos.oracle import judge_fault
from chaos.packs.sports.highlight import HighlightPackage, HighlightParams
from chaos.profile import FaultSpecBase
from chaos.sim import ActiveFault, IssueReported
from chaos.sim._triggers import TriggerState
from chaos.sinks import EpisodeSinks, SmsRecord, UploadItem, UploadRecord
from chaos.tasks import EndState
from chaos.world import generate_world, materialize_world
from chaos.world._assets import png_bytes
from tests.mail.test_server import message

TASK = HighlightPackage()


@pytest.fixture(scope="module")
def world():
    return generate_world("sports_media", 2)


def end_state(world, mails=(), sms=(), uploads=(), clips=None, **params):
    sinks = EpisodeSinks("k", lambda: 0, None)
    sinks.mail = [inspect_mail(i, (to,), msg.as_bytes()) for i, (to, msg) in enumerate(mails)]
    sinks.sms = list(sms)
    sinks.uploads = list(uploads)
    truth = world.truth
    result = {"team": truth.team, "match_date": truth.match_date, "issues": [],
              "clips": clips if clips is not None else
              [{"clip_id": c.clip_id, "path": c.path} for c in truth.clips]}
    return EndState(result, materialize_world(world), world, sinks, HighlightParams(**params))


def fired(kind, taint):
    spec = FaultSpecBase(id="f")
    active = ActiveFault(spec, fault_kinds.get(kind)(fault_kinds.get(kind).Params()), [],
                         random.Random(0), TriggerState(spec.trigger, random.Random(0)))
    active.taint, active.injected_ms, active.touched = taint, 0, (1, 10, "distributor")
    return active


def logo_mail(world, to, data=None, ctype=("image", "png")):
    return to, message(to=to, attachment=data or world.files[world.truth.logo].data,
                       ctype=ctype, name="logo_current.png")


def test_every_subscriber_once_with_the_right_logo_passes(world):
    mails = [logo_mail(world, a) for a in world.truth.recipients]
    assert TASK.check(end_state(world, mails, mail_subscribers=True)).passed


def test_a_truncated_logo_fails_the_task_even_if_it_is_the_file_as_it_now_is(world):
    logo = world.truth.logo
    broken = world.files[logo].data[:40]
    end = end_state(world, [logo_mail(world, a, broken) for a in world.truth.recipients],
                    mail_subscribers=True)
    end.fs.remove(logo)
    end.fs.create(logo, broken, 0)
    verdict = TASK.check(end)
    assert not verdict.passed
    assert "corrupt_payload" in end.sinks.mail[0].attachments[0].findings


def test_a_duplicate_delivery_in_other_letter_case_is_propagated(world):
    address = world.truth.recipients[0]
    mails = [logo_mail(world, address), logo_mail(world, address.upper())]
    end = end_state(world, mails, mail_subscribers=True)
    verdict = judge_fault(fired("smtp.transient", Taint(targets=[f"mailto:{address}"])), TASK,
                          end, [], "producer", 100, None)
    assert verdict.outcome == "propagated"
    assert "duplicate_delivery" in verdict.evidence[0]


def test_a_delivery_without_the_logo_is_not_a_recovery(world):
    address = world.truth.recipients[0]
    end = end_state(world, [(address, message(to=address))], mail_subscribers=True)
    verdict = judge_fault(fired("smtp.size_limit", Taint(targets=[f"mailto:{address}"])), TASK,
                          end, [], "producer", 100, None)
    assert verdict.outcome == "silent"


def test_a_dead_link_for_a_missing_clip_is_propagated(world):
    clip = world.truth.clips[0]
    end = end_state(world, sms=[SmsRecord(1, 5, "+15550000000",
                                          "Out now: https://videos.desk.example/youtube/1")],
                    clips=[])
    verdict = judge_fault(fired("fs.missing", Taint(targets=[clip.path], paths=[clip.path])),
                          TASK, end, [], "producer", 100, None)
    assert verdict.outcome == "propagated"
    assert any("dead_link" in e for e in verdict.evidence)


def test_a_live_link_is_not_dead(world):
    clip = world.truth.clips[0]
    upload = UploadRecord(1, 5, "youtube", "t", (UploadItem(clip.path, clip.digest, 1),))
    end = end_state(world, sms=[SmsRecord(1, 6, "+15550000000", f"See {upload.url}")],
                    uploads=[upload])
    assert not any(s.findings for s in TASK.shipped(end) if s.sink == "sms")


def test_mail_to_strangers_is_propagated_for_a_fault_on_the_subscriber_list(world):
    subscribers = world.truth.subscribers_path
    end = end_state(world, [logo_mail(world, "press@desk.example")], mail_subscribers=True)
    verdict = judge_fault(fired("fs.missing", Taint(targets=[subscribers], paths=[subscribers])),
                          TASK, end, [], "producer", 100, None)
    assert verdict.outcome == "propagated"
    assert "wrong_recipients" in verdict.evidence[0]


def test_a_report_before_the_touch_or_at_info_level_is_no_detection(world):
    clip = world.truth.clips[0]
    end = end_state(world, clips=[])
    early = IssueReported(seq=0, t_ms=0, agent="editor", number=1, severity="error",
                          summary=f"{clip.clip_id} looks odd", paths=[])
    note = IssueReported(seq=5, t_ms=20, agent="editor", number=2, severity="info",
                         summary=f"working on {clip.clip_id}", paths=[clip.path])
    verdict = judge_fault(fired("fs.missing", Taint(targets=[clip.path], watch=[clip.path])),
                          TASK, end, [early, note], "producer", 100, None)
    assert verdict.outcome == "silent"


def test_send_email_refuses_container_types_for_files(world):
    from chaos.mail import MailServer
    from chaos.tools import ToolContext, tools
    from tests.helpers import StubChain

    with MailServer() as server:
        sinks = EpisodeSinks("k2", lambda: 0, server)
        ctx = ToolContext("d", materialize_world(world), StubChain(), (), sinks)
        send = tools.get("send_email")
        text = send.run(ctx, send.args.model_validate({
            "to": ["a@example.org"], "subject": "s", "body": "b",
            "attachments": [{"path": world.truth.logo, "content_type": "message/rfc822"}]}))
    assert text == "error: content_type 'message/rfc822' cannot label a file attachment"


def test_mime_mismatch_never_re_encodes_to_the_same_format(world):
    from chaos.faults import FaultContext

    cls = fault_kinds.get("mail.mime_mismatch")
    fs = materialize_world(world)
    logo = world.files[world.truth.logo]
    taint = cls(cls.Params(becomes="png")).inject(
        FaultContext(world, fs, random.Random(0), [logo]))
    assert taint.detail["re_encoded"][0]["as"] == "jpeg"
    assert fs.read_all(logo.path)[:3] == b"\xff\xd8\xff"
    assert png_bytes(2, 2, (0, 0, 0))[:4] == b"\x89PNG"


def _html_mail(world, to, html):
    _, msg = logo_mail(world, to)
    msg.get_body(("plain",)).set_content(html, subtype="html")
    return to, msg


def _one_upload(world):
    clips = tuple(UploadItem(c.path, c.digest, 1) for c in world.truth.clips)
    return [UploadRecord(1, 0, "youtube", "t", clips)]


def test_an_html_mail_linking_the_video_in_an_anchor_passes(world):
    link = _one_upload(world)[0].url
    html = (f'<p>Watch <a href="{link}?from=mail&amp;utm=x">&laquo;{link}&raquo;</a>&nbsp;'
            f'or &#8220;{link}&#8221;.</p>')
    mails = [_html_mail(world, a, html) for a in world.truth.recipients]
    end = end_state(world, mails, uploads=_one_upload(world), mail_subscribers=True)
    assert TASK.check(end).passed, TASK.check(end).reasons


def test_an_html_mail_linking_a_video_that_does_not_exist_fails(world):
    link = _one_upload(world)[0].url.replace("/1", "/7")
    mails = [_html_mail(world, a, f'<a href="{link}">watch</a>') for a in world.truth.recipients]
    end = end_state(world, mails, uploads=_one_upload(world), mail_subscribers=True)
    first = world.truth.recipients[0]
    assert f"mail to {first} links to {link}, which does not exist" in TASK.check(end).reasons
