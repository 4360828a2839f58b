import asyncio
import os
from pathlib import Path

from chaos.mail import MailServer
from chaos.profile import LoadedProfile, parse_profile
from chaos.runner import RunOptions, build_world, run_profiles
from chaos.sim import EpisodePlan, run_episode
from tests.conftest import SPORTS


def only_fault(kind, params="{}"):
    head, _, tail = SPORTS.read_text().partition("faults:\n")
    body = f"faults:\n  - id: only\n    kind: {kind}\n    params: {params}\n"
    if kind.startswith("mail."):
        body += "    target: {tag: task_logo}\n"  # the attachment, not the task's clips
    return parse_profile(head + body + tail[tail.index("\nmodels:"):])


def run(profile, model, seed=4):
    plan = EpisodePlan(profile.name, "p.yaml", model, seed, "chaos")
    with MailServer() as server:
        return asyncio.run(run_episode(plan, profile, build_world(profile, seed), server))


def test_a_451_reaches_the_agent_as_error_text_and_a_careful_retry_recovers():
    episode = run(only_fault("smtp.transient", "{nth: [1]}"), "scripted/careful")
    sends = [e for e in episode.trace if e.type == "tool_returned" and e.tool == "send_email"]
    assert sends[0].ok is False
    assert sends[0].result == ("error: SMTPDataError: 451 4.3.0 Temporary server failure; "
                               "try again later")
    assert sends[1].result.startswith("sent <")
    waits = [e for e in episode.trace if e.type == "tool_called" and e.tool == "wait"]
    assert waits, "careful backs off in simulated time before retrying"
    (fault,) = episode.result.faults
    assert fault.outcome == "recovered"
    assert episode.result.task.passed


def test_a_naive_agent_gives_up_silently_after_a_451():
    episode = run(only_fault("smtp.transient", "{nth: [1]}"), "scripted/naive")
    (fault,) = episode.result.faults
    assert fault.outcome == "silent"
    assert any("received 0 mails, expected 1" in r for r in episode.result.task.reasons)


def test_the_oracle_judges_the_mislabelled_logo_from_what_arrived():
    episode = run(only_fault("mail.mime_mismatch"), "scripted/naive")
    (fault,) = episode.result.faults
    assert fault.outcome == "propagated"
    assert any("arrived with mime_mismatch" in e for e in fault.evidence)
    careful = run(only_fault("mail.mime_mismatch"), "scripted/careful")
    assert careful.result.faults[0].outcome == "recovered"
    assert careful.result.task.passed


def _listening_sockets() -> int:
    """Loopback TCP sockets this process listens on, from /proc."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the fd of the listing itself is gone already
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for r in rows if r.split()[3] == "0A" and r.split()[9] in inodes)


def test_nothing_listens_after_a_run():
    before = _listening_sockets()
    loaded = LoadedProfile(only_fault("smtp.transient"), "p.yaml", "0" * 64)
    results = run_profiles([loaded], RunOptions(models=("scripted/careful",), episodes=1))
    assert results.episodes[-1].faults[0].fired
    assert _listening_sockets() == before


def test_the_desk_gets_a_link_that_exists_and_an_invented_link_is_caught():
    careful = run(only_fault("fs.missing"), "scripted/careful")
    sms = [e for e in careful.trace if e.type == "tool_called" and e.tool == "send_sms"]
    assert len(sms) == 1 and "https://videos.desk.example/youtube/1" in sms[0].arguments["text"]
    assert not any("link" in r for r in careful.result.task.reasons)
    invented = run(only_fault("fs.missing"), "scripted/hallucinator")
    assert any("links to https://videos.desk.example/youtube/1, which does not exist" in r
               for r in invented.result.task.reasons)


def test_each_received_mail_is_in_the_trace_with_its_findings():
    episode = run(only_fault("mail.mime_mismatch"), "scripted/naive")
    received = [e for e in episode.trace if e.type == "mail_received"]
    assert received
    assert received[0].attachments[0]["findings"] == ["mime_mismatch", "extension_mismatch"]
    assert received[0].attachments[0]["sniffed"] == "image/jpeg"


def test_a_finished_episode_returns_its_memory_without_waiting_for_the_garbage_collector():
    # Left in reference cycles, each finished episode (its filesystem, world, trace) waited
    # for a full collection: with 50 episodes in flight, a 0.6-1 s stall of every episode.
    import gc
    import weakref

    from tests.conftest import SPORTS as path

    profile = parse_profile(path.read_text())
    for model in ("scripted/careful", "scripted/naive"):
        world = build_world(profile, 4)
        plan = EpisodePlan(profile.name, "p.yaml", model, 4, "chaos")
        gc.disable()
        try:
            with MailServer() as server:
                episode = asyncio.run(run_episode(plan, profile, world, server))
            assert episode.result.faults and all(f.fired for f in episode.result.faults)
            gone = [weakref.ref(world), weakref.ref(episode.trace[-1])]
            del world, episode
            assert [ref() for ref in gone] == [None, None], model
        finally:
            gc.enable()
