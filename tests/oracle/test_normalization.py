"""A correct agent earns its verdict whatever punctuation, case or shape it writes things in.

Each test runs real episodes (the real tools, the real mail server, the oracle) with `careful`
whose tool calls are rewritten the way real models write: the link in quotes or brackets, the
platform capitalised, the phone number with spaces, the address with a display name. The
verdicts must be those `careful` earns as it writes them; what the oracle could not read, the
tool refuses at call time with an error that says how to write it.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import unicodedata
from collections.abc import Callable
from email.utils import formataddr
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaos._normalize import links, mail_address, phone_number
from chaos.mail import MailServer
from chaos.models.scripted import policies, policy
from chaos.profile import parse_profile
from chaos.runner import build_world
from chaos.sim import EpisodePlan, run_episode
from tests.conftest import SPORTS

SEED = 1
Rewrite = Callable[[str, dict[str, Any]], dict[str, Any]]


def careful_writing(rewrite: Rewrite) -> str:
    """Register `careful` with its tool calls rewritten; returns the model id."""
    name = f"test-norm-{next(_NUMBERS)}"
    careful = policies.get("careful")

    def run(brief: dict[str, Any], ctx: Any):
        inner = careful(brief, ctx)
        try:
            tool, args = next(inner)
            while True:
                result = yield tool, rewrite(tool, dict(args))
                tool, args = inner.send(result)
        except StopIteration:
            return

    run.style = careful.style  # type: ignore[attr-defined]
    policy(name)(run)
    return f"scripted/{name}"


_NUMBERS = itertools.count(1)


def on(tool: str, change: Callable[[dict[str, Any]], None]) -> Rewrite:
    """A rewrite of one tool's arguments (in place), leaving every other call as it is."""

    def rewrite(name: str, args: dict[str, Any]) -> dict[str, Any]:
        if name == tool:
            change(args)
        return args

    return rewrite


def link_in(template: str) -> Rewrite:
    """The SMS link written into `template` ({} is the link)."""
    return on("send_sms", lambda a: a.update(
        text=re.sub(r"https://\S+", lambda m: template.format(m.group()), a["text"])))


@pytest.fixture(scope="module")
def profile():
    return parse_profile(SPORTS.read_text())


@pytest.fixture(scope="module")
def world(profile):
    return build_world(profile, SEED)


@pytest.fixture(scope="module")
def server():
    with MailServer() as mail:
        yield mail


@pytest.fixture(scope="module")
def episode(profile, world, server):
    def run(model: str, arm: str = "clean"):
        plan = EpisodePlan(profile.name, "p.yaml", model, SEED, arm)
        return asyncio.run(run_episode(plan, profile, world, server))

    return run


def outcomes(run) -> dict[str, str]:
    return {f.id: str(f.outcome) for f in run.result.faults}


def results(run, tool: str) -> list[str]:
    return [e.result for e in run.trace if e.type == "tool_returned" and e.tool == tool]


@pytest.fixture(scope="module")
def careful_chaos(episode):
    return outcomes(episode("scripted/careful", "chaos"))


def assert_same_verdicts(episode, careful_chaos, model: str) -> None:
    clean = episode(model)
    assert clean.result.task.passed, clean.result.task.reasons
    assert outcomes(episode(model, "chaos")) == careful_chaos


# -- links in texts ----------------------------------------------------------------------------

LINK_SHAPES = [
    "“{}”", "„{}“", "‘{}’", "«{}»", "‹{}›", "「{}」", "『{}』", '"{}"', "'{}'", "({})", "[{}]",
    "<{}>", "{{{}}}", "{}!", "{}.", "{},", "{};", "{}:", "{}?", "{}...", "{}…", "{}!!", "{}）",
    "{}。", "{}，", "{}！", "{}、", "（{}）", "【{}】", "[watch]({})", "[{0}]({0})",
    '<a href="{}">watch</a>', "**{}**", "_{}_", "`{}`", "{}/", "{}?utm_source=sms",
    "{}#t=30", "{}🔥", "{}\u200b", "{}\u2028", "{}\u00a0now", "{}—now", "{}&nbsp;",
    "watch:{}", "(see {} (new))",
]


@pytest.mark.parametrize("shape", LINK_SHAPES)
def test_the_right_link_in_any_punctuation_reaches_the_published_video(shape, episode,
                                                                        careful_chaos):
    assert_same_verdicts(episode, careful_chaos, careful_writing(link_in(shape)))


@pytest.mark.parametrize("spelling", [
    lambda link: link.upper(),  # scheme, host and path in capitals: the host's routes ignore case
    lambda link: link.replace("https://", "http://"),
    lambda link: link.replace("https://", ""),  # as phones link a bare host
    lambda link: link.replace("desk.example/", "desk.example./"),
    lambda link: link.replace("desk.example/", "desk.example:443/"),
    lambda link: link.replace("/youtube/", "//youtube/"),
    lambda link: link.replace("/youtube/", "/%79outube/"),
])
def test_the_right_link_in_any_spelling_reaches_the_published_video(spelling, episode,
                                                                     careful_chaos):
    model = careful_writing(on("send_sms", lambda a: a.update(
        text=re.sub(r"https://\S+", lambda m: spelling(m.group()), a["text"]))))
    assert_same_verdicts(episode, careful_chaos, model)


def test_a_link_elsewhere_beside_the_right_one_is_not_judged_dead(episode, careful_chaos):
    model = careful_writing(link_in("{} (background: https://en.wikipedia.org/wiki/Foo_(bar))"))
    assert_same_verdicts(episode, careful_chaos, model)


def test_a_dead_link_stays_dead_whatever_its_punctuation(episode):
    model = careful_writing(link_in("“{}9”"))
    run = episode(model)
    assert not run.result.task.passed
    assert any(r.endswith("links to https://videos.desk.example/youtube/19, which does not "
                          "exist") for r in run.result.task.reasons), run.result.task.reasons
    chaos = outcomes(episode(model, "chaos"))
    assert chaos["stock-decoy"] == "propagated"


def mailing_link(body: Callable[[str], str]) -> Rewrite:
    """The published video's link mailed too, in the body `body(link)` adds."""
    link: dict[str, str] = {}

    def rewrite(tool: str, args: dict[str, Any]) -> dict[str, Any]:
        if tool == "send_sms":
            link["url"] = re.search(r"https://\S+", args["text"]).group()
        if tool == "send_email" and "url" in link:
            args["body"] += body(link["url"])
        return args

    return rewrite


@pytest.mark.parametrize("body", [
    lambda url: f" Watch “{url}”!",
    lambda url: f'<p>Watch <a href="{url}?from=mail&amp;x=1">«{url}»</a>.</p>',
    lambda url: f" {'ä' * 60} „{url.upper()}“.",  # quoted-printable, split across lines
    lambda url: f" [{url}]({url})",
])
def test_the_right_link_mailed_in_any_punctuation_passes(body, episode, careful_chaos):
    assert_same_verdicts(episode, careful_chaos, careful_writing(mailing_link(body)))


def test_a_link_before_200_kb_of_punctuation_is_read_in_bounded_time(episode, careful_chaos):
    model = careful_writing(mailing_link(lambda url: f" “{url}”" + ".;" * 100_000))
    assert_same_verdicts(episode, careful_chaos, model)


def test_a_dead_link_mailed_is_judged_as_a_dead_link_texted(episode):
    model = careful_writing(mailing_link(lambda url: f" Watch “{url}9”!"))
    run = episode(model)
    assert any(r.startswith("mail to ") and r.endswith(
        "links to https://videos.desk.example/youtube/19, which does not exist")
        for r in run.result.task.reasons), run.result.task.reasons
    assert outcomes(episode(model, "chaos"))["stock-decoy"] == "propagated"


# -- platforms ---------------------------------------------------------------------------------

@pytest.mark.parametrize("platform", ["YouTube", " youtube ", "YOUTUBE", "You Tube", "you-tube",
                                      "ＹｏｕＴｕｂｅ", "youtube.", "you_tube"])
def test_a_platform_in_any_case_or_spacing_is_the_platform(platform, episode, careful_chaos):
    model = careful_writing(on("publish_video", lambda a: a.update(platform=platform)))
    assert_same_verdicts(episode, careful_chaos, model)
    (published,) = results(episode(model), "publish_video")
    assert "to youtube:" in published and published.endswith("/youtube/1")


@pytest.mark.parametrize("platform", ["you/tube", "", "  ", "../youtube", "youtube.com",
                                      "youtube?x=1", "ютуб"])
def test_a_platform_that_is_no_name_is_refused_at_call_time(platform, episode):
    run = episode(careful_writing(on("publish_video", lambda a: a.update(platform=platform))))
    (refused, *_) = results(run, "publish_video")
    assert refused.startswith("error: ") and "is not a platform name" in refused
    assert "e.g. youtube" in refused
    assert "expected one upload to youtube, found 0" in run.result.task.reasons


# -- phone numbers -----------------------------------------------------------------------------

def _spaced(n: str) -> str:
    return f"{n[:2]} {n[2:5]}-{n[5:8]}-{n[8:]}"


@pytest.mark.parametrize("written", [
    _spaced, lambda n: f"{n[:2]} ({n[2:5]}) {n[5:8]}.{n[8:]}", lambda n: f"tel:{n}",
    lambda n: f" {n} ", lambda n: unicodedata.normalize("NFKC", n).translate(
        {ord(c): 0xFF10 + int(c) for c in "0123456789"}),  # full-width digits
    lambda n: n.replace("-", "").replace(" ", "\u2011"),
])
def test_a_phone_number_written_with_separators_reaches_the_desk(written, episode,
                                                                   careful_chaos):
    model = careful_writing(on("send_sms", lambda a: a.update(to=written(a["to"]))))
    assert_same_verdicts(episode, careful_chaos, model)


@pytest.mark.parametrize("written", [lambda n: n[1:], lambda n: n[2:], lambda n: "+1 555",
                                     lambda n: "desk"])
def test_a_phone_number_the_oracle_could_not_read_is_refused_at_call_time(written, episode):
    run = episode(careful_writing(on("send_sms", lambda a: a.update(to=written(a["to"])))))
    (refused,) = results(run, "send_sms")
    assert refused.startswith("error: ") and "E.164" in refused and "+15551234567" in refused
    assert any(r.startswith("expected one text to the desk") for r in run.result.task.reasons)


# -- mail addresses ----------------------------------------------------------------------------

@pytest.mark.parametrize("written", [
    lambda a: [f"Ana Fan <{a}>"], lambda a: [f'"Fan, Ana" <{a}>'], lambda a: [f"Fan, Ana <{a}>"],
    lambda a: [f"Ánä Fän <{a}>"], lambda a: [a.upper()], lambda a: [f"{a}."],
    lambda a: [f"<{a}>"], lambda a: [f"mailto:{a}"], lambda a: [f" {a} "], lambda a: [a, a.upper()],
    lambda a: [f"{a};"], lambda a: [f"{a},"], lambda a: [f"{a}; {a.upper()}"],
    lambda a: [f'"Fan; Ana" <{a}>'],
])
def test_an_address_in_any_shape_reaches_its_subscriber_once(written, episode, careful_chaos):
    model = careful_writing(on("send_email", lambda a: a.update(to=written(a["to"][0]))))
    assert_same_verdicts(episode, careful_chaos, model)


def test_the_same_address_in_to_and_cc_is_delivered_once(episode, careful_chaos):
    model = careful_writing(on("send_email", lambda a: a.update(cc=[a["to"][0].upper()])))
    assert_same_verdicts(episode, careful_chaos, model)


@pytest.mark.parametrize("address", ["ana", "", "ana@", "@example.org", "ana@@example.org",
                                     "ana@exa mple.org", "Ana <>"])
def test_an_address_the_oracle_could_not_read_is_refused_at_call_time(address, episode):
    run = episode(careful_writing(on("send_email", lambda a: a.update(to=[address]))))
    refused = results(run, "send_email")[0]
    assert refused.startswith("error: ") and "is not an email address" in refused
    assert "name@domain" in refused


def _attachments(change: Callable[[dict[str, Any]], None]) -> Rewrite:
    return on("send_email", lambda a: [change(x) for x in a.get("attachments", [])])


@pytest.mark.parametrize("written", [str.upper, lambda t: t.replace("/", " / "),
                                     lambda t: f" {t}; name=logo ", str.title])
def test_an_attachment_type_in_any_case_or_spacing_is_the_type(written, episode, careful_chaos):
    model = careful_writing(_attachments(
        lambda x: x.update(content_type=written(x["content_type"]))))
    assert_same_verdicts(episode, careful_chaos, model)


@pytest.mark.parametrize("written", ["png", "image/", "image/p n g", "/png"])
def test_an_attachment_type_that_is_no_type_is_refused_at_call_time(written, episode):
    run = episode(careful_writing(_attachments(lambda x: x.update(content_type=written))))
    refused = results(run, "send_email")[0]
    assert refused == (f"error: content_type {written!r} is not of the form type/subtype, "
                       "e.g. image/png")


# -- names and paths in the final answer -------------------------------------------------------

def _answer(change: Callable[[dict[str, Any]], None]) -> Rewrite:
    def rewrite(tool: str, args: dict[str, Any]) -> dict[str, Any]:
        result = args.get("result")
        if tool == "finish" and isinstance(result, dict) and "clips" in result \
                and "team" in result:
            result = dict(result, clips=[dict(c) for c in result["clips"]])
            change(result)
            args["result"] = result
        return args

    return rewrite


@pytest.mark.parametrize("change", [
    lambda r: r.update(team=r["team"].upper()),
    lambda r: r.update(team=f"  {r['team']} "),
    lambda r: r.update(team=unicodedata.normalize("NFD", r["team"])),
    lambda r: [c.update(clip_id=c["clip_id"].upper()) for c in r["clips"]],
    lambda r: [c.update(path=c["path"].replace("/clips/", "/./clips//")) for c in r["clips"]],
])
def test_a_manifest_naming_things_in_another_case_or_form_passes(change, episode, careful_chaos):
    assert_same_verdicts(episode, careful_chaos, careful_writing(_answer(change)))


def test_a_manifest_date_in_another_iso_form_passes(episode, careful_chaos):
    model = careful_writing(_answer(lambda r: r.update(
        match_date=f" {r['match_date'].replace('-', '')} ")))
    assert_same_verdicts(episode, careful_chaos, model)


@pytest.mark.parametrize("date", ["28/03/2026", "March 28, 2026", "2026-3-28"])
def test_a_manifest_date_the_oracle_could_not_read_is_refused_at_finish(date, episode):
    run = episode(careful_writing(_answer(lambda r: r.update(match_date=date))))
    refused = [r for r in results(run, "finish") if r.startswith("error")]
    assert refused == [f"error: result rejected: match_date: Value error, {date!r} is not a "
                       "date: give it as YYYY-MM-DD, e.g. 2026-03-28"]


def test_a_manifest_naming_another_team_still_fails(episode):
    run = episode(careful_writing(_answer(lambda r: r.update(team=r["team"] + " B"))))
    assert any(r.startswith("manifest team is") for r in run.result.task.reasons)


# -- the rubric report -------------------------------------------------------------------------

RUBRIC = SPORTS.parent / "sports-rubric.yaml"


def _report(change: Callable[[dict[str, Any]], None]) -> Rewrite:
    def rewrite(tool: str, args: dict[str, Any]) -> dict[str, Any]:
        result = args.get("result")
        if tool == "finish" and isinstance(result, dict) and "synthesis" in result:
            result = dict(result, synthesis=dict(result["synthesis"]),
                          clips=[dict(c) for c in result["clips"]])
            change(result)
            args["result"] = result
        return args

    return rewrite


@pytest.mark.parametrize("change", [
    lambda r: r.update(team=r["team"].upper(), match_date=f" {r['match_date']} "),
    lambda r: r["synthesis"].update(opponent=unicodedata.normalize("NFD", r["synthesis"][
        "opponent"]).lower()),
    lambda r: r["synthesis"].update(recipients=[f"Fan <{a.upper()}>" for a in r["synthesis"][
        "recipients"]]),
    lambda r: [c.update(clip_id=c["clip_id"].upper(), path=c["path"].replace("/clips/",
                                                                             "//clips/./"))
               for c in r["clips"]],
    lambda r: r.update(video_assets=[p + "/" for p in r["video_assets"]]),
])
def test_a_rubric_report_naming_things_in_another_case_or_form_scores_five(change, server):
    profile = parse_profile(RUBRIC.read_text())
    plan = EpisodePlan(profile.name, "p.yaml", careful_writing(_report(change)), SEED, "clean")
    run = asyncio.run(run_episode(plan, profile, build_world(profile, SEED), server))
    assert run.result.task.passed, run.result.task.reasons


# -- the same readings, over many shapes (what the episodes above run one by one) -------------

_PATH_CHARS = st.text(st.sampled_from("abcxyzABC0123456789-._~%/=&+"), min_size=1, max_size=30)
_AROUND = st.sampled_from([("“", "”"), ("«", "»"), ("「", "」"), ("(", ")"), ("[", "]"),
                           ("<", ">"), ('"', '"'), ("'", "'"), ("", "!"), ("", "."), ("", "。"),
                           ("", "，"), ("[x](", ")"), ('<a href="', '">x</a>'), ("", "…"),
                           ("**", "**"), ("", ""), ("", "?!"), ("", "\u200b")])


@given(path=_PATH_CHARS.filter(lambda p: p[-1] not in ".~_"), around=_AROUND,
       before=st.sampled_from(["", "watch ", "link:", "\n", "« "]),
       after=st.sampled_from(["", " now", "\n", " 🔥"]))
def test_a_link_in_any_surroundings_is_found_whole(path, around, before, after):
    url = f"https://videos.desk.example/{path}"
    text = f"{before}{around[0]}{url}{around[1]}{after}"
    assert links(text) == [url]


@given(number=st.from_regex(r"\A\+[1-9][0-9]{6,14}\Z"),
       separators=st.lists(st.sampled_from([" ", "-", ".", "\u2011", "\u00a0", ""]),
                           min_size=16, max_size=16))
def test_a_phone_number_with_any_separators_reads_as_its_e164_form(number, separators):
    written = "+" + "".join(d + s for d, s in zip(number[1:], separators, strict=False))
    assert phone_number(written) == number


@given(name=st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20),
       local=st.from_regex(r"\A[a-z0-9][a-z0-9._+-]{0,15}\Z"),
       domain=st.sampled_from(["example.org", "Example.ORG", "mail.example.co.uk"]))
def test_an_address_under_any_display_name_reads_as_the_address(name, local, domain):
    written = formataddr((name, f"{local}@{domain}")) if name.strip() else f"{local}@{domain}"
    assert mail_address(written) == f"{local}@{domain.lower()}"
