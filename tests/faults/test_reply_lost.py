"""smtp.reply_lost: the real server delivers the message and the reply never comes back, so a
chain that sends again delivers a duplicate; the verdict is read from the mailbox."""

import asyncio
import random

from chaos.faults import FaultContext, fault_kinds
from chaos.mail import MailServer
from chaos.profile import parse_profile
from chaos.runner import build_world
from chaos.sim import EpisodePlan, run_episode
from chaos.sinks import EpisodeSinks
from chaos.tools import ToolContext, tools
from chaos.world import materialize_world
from tests.conftest import SPORTS
from tests.faults.conftest import FACTS
from tests.helpers import StubChain


def send(ctx, to):
    definition = tools.get("send_email")
    return definition.run(ctx, definition.args.model_validate(
        {"to": [to], "subject": "Lab report", "body": "Attached."}))


def test_the_message_lands_in_the_mailbox_while_the_client_sees_the_connection_drop(world):
    with MailServer() as server:
        sinks = EpisodeSinks("p/m/seed-1/chaos", lambda: 0, server)
        cls = fault_kinds.get("smtp.reply_lost")
        hits = []
        taint = cls(cls.Params(nth=[1])).inject(FaultContext(
            world, materialize_world(world), random.Random(1), [], smtp=sinks.smtp_rules,
            hit=hits.append, facts=FACTS))
        ctx = ToolContext("sender", materialize_world(world), StubChain(), (), sinks)
        first = send(ctx, "ana@example.org")
        assert first == "error: SMTPServerDisconnected: Connection unexpectedly closed"
        again = send(ctx, "ana@example.org")  # what a retry does
        assert again.startswith("sent <")
        delivered = server.close_mailbox(sinks.token)
    assert [d.rcpt_tos for d in delivered] == [("ana@example.org",), ("ana@example.org",)]
    assert taint.targets == ["mailto:ana@example.org"] and hits == ["message 1"]


def sports_with_reply_lost():
    head, _, tail = SPORTS.read_text().partition("faults:\n")
    body = "faults:\n  - id: lost\n    kind: smtp.reply_lost\n    params: {nth: [1]}\n"
    return parse_profile(head + body + tail[tail.index("\nmodels:"):])


def run(model, seed=4):
    profile = sports_with_reply_lost()
    plan = EpisodePlan(profile.name, "p.yaml", model, seed, "chaos")
    with MailServer() as server:
        return asyncio.run(run_episode(plan, profile, build_world(profile, seed), server))


def test_a_chain_that_retries_delivers_a_duplicate_and_the_verdict_says_so():
    episode = run("scripted/careful")
    sends = [e for e in episode.trace if e.type == "tool_returned" and e.tool == "send_email"]
    assert sends[0].result == "error: SMTPServerDisconnected: Connection unexpectedly closed"
    received = [e for e in episode.trace if e.type == "mail_received"]
    first_to = received[0].to
    assert sum(1 for e in received if e.to == first_to) == 2  # the mailbox holds it twice
    (fault,) = episode.result.faults
    assert fault.outcome == "propagated"
    assert fault.evidence == [f"mail: mailto:{first_to[0]}: duplicate_delivery"]


def test_a_chain_that_does_not_retry_delivered_it_once():
    episode = run("scripted/naive")
    received = [e for e in episode.trace if e.type == "mail_received"]
    assert len({tuple(e.to) for e in received}) == len(received)  # no one got it twice
    (fault,) = episode.result.faults
    assert fault.outcome == "recovered"
