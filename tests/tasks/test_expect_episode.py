"""Real episodes of an `expect` task: mail through the real send_email tool and SMTP server."""

import asyncio
import dataclasses

from chaos.mail import MailServer
from chaos.runner import build_world
from chaos.sim import EpisodePlan, run_episode
from tests.tasks.expect_profiles import load

REPORT_GONE = """  - id: report-gone
    kind: fs.missing
    target: {glob: /clinic/reports/P002.txt}
"""


def run(profile, model, arm="clean", world=None):
    plan = EpisodePlan(profile.name, "p.yaml", model, 0, arm)
    with MailServer() as server:
        return asyncio.run(run_episode(plan, profile, world or build_world(profile, 0), server))


def test_mail_the_server_received_meets_the_expectation():
    episode = run(load(), "scripted/expect-probe-last")
    assert episode.result.status == "completed"
    assert episode.result.task.passed, episode.result.task.reasons
    received = [e for e in episode.trace if e.type == "mail_received"]
    assert len(received) == 3


def test_the_stale_copy_mailed_fails_with_evidence_naming_each_row():
    episode = run(load(), "scripted/expect-probe-first")
    assert episode.result.task.reasons == [
        f"reports[{p}]: mail to {to}@clinic.example: attachment holds other bytes than "
        f"/clinic/reports/{p}.txt" for p, to in (("P001", "ana"), ("P002", "bo"),
                                                 ("P003", "cy"))]


def test_a_missing_report_whose_stale_copy_left_is_propagated():
    profile = load(faults=REPORT_GONE)
    episode = run(profile, "scripted/expect-probe-last", arm="chaos")
    (fault,) = episode.result.faults
    assert fault.outcome == "propagated"
    assert fault.evidence == ["mail: P002.txt stands for reports[P002] but holds other bytes"]
    assert episode.result.task.reasons == [
        "reports[P002]: mail to bo@clinic.example: attachment holds other bytes than "
        "/clinic/reports/P002.txt"]


def test_a_seed_whose_world_lacks_a_referenced_file_is_crashed_with_the_reason():
    profile = load()
    world = build_world(profile, 0)
    files = {p: f for p, f in world.files.items() if p != "/clinic/reports/P003.txt"}
    episode = run(profile, "scripted/expect-probe-last", world=dataclasses.replace(
        world, files=files))
    assert episode.result.status == "crashed"
    assert "task.expect.0.mail.attachments.0.file: /clinic/reports/P003.txt is not in the " \
        "world of seed 0" in episode.result.error
