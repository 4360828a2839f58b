"""Small `expect` profiles built in code, and end states judged by hand or from real episodes."""

from __future__ import annotations

import json
import textwrap

from chaos.mail import inspect_mail
from chaos.models.scripted import policy
from chaos.profile import check_profile, parse_profile
from chaos.runner import build_world
from chaos.sinks import EpisodeSinks
from chaos.tasks import EndState
from chaos.tasks.expect import Expect
from chaos.world import materialize_world

PATIENTS = ("patient_id,name,email,amount\n"
            "P001,Ana Lima,ana@clinic.example,12.50\n"
            "P002,Bo Chen,bo@clinic.example,7.25\n"
            "P003,Cy Diaz,cy@clinic.example,30.00\n")
DECOY = ("patient_id,name,email,amount\n"
         "P001,Ana Lima,ana@clinic.example,99.00\n")


def report(pid: str, stale: bool = False) -> str:
    return f"Lab report {pid}\n{'superseded' if stale else 'Haemoglobin 13.2 g/dL'}\n"


FILES = [("/clinic/patients.csv", PATIENTS, ["patients"]),
         ("/clinic/archive/patients-2019.csv", DECOY, ["stale"])]
FILES += [(f"/clinic/reports/{p}.txt", report(p), ["report"]) for p in ("P001", "P002", "P003")]
FILES += [(f"/clinic/old/{p}.txt", report(p, True), ["stale"]) for p in ("P001", "P002", "P003")]

MAIL_EXPECT = """
- id: reports
  for_each: /clinic/patients.csv
  mail:
    to: "{email}"
    attachments:
      - {file: "/clinic/reports/{patient_id}.txt", type: text/plain}
  hints:
    attachments: [{glob: "/clinic/**/{patient_id}.txt", pick: newest}]
"""


def profile_text(expect: str = MAIL_EXPECT, prompt: str = "Mail each patient their report.",
                 files=FILES, agents: str | None = None, model: str = "scripted/expect-probe-last",
                 faults: str = "") -> str:
    entries = "".join(
        f"    - path: {path}\n      text: {json.dumps(text)}\n      tags: {json.dumps(tags)}\n"
        for path, text, tags in files)
    agents = agents or ("    desk:\n      instructions: Do the task.\n"
                        "      tools: [find_files, list_dir, read_file, file_info, write_file, "
                        "send_email, send_sms, publish, report_issue, finish]\n")
    return (
        "version: 1\nname: expect-test\nepisodes: 1\n"
        "world:\n  generator: sports_media\n"
        "  params: {teams: 2, matches_per_team: 1, clips_per_match: 2, stock_clips: 2}\n"
        f"  files:\n{entries}"
        f"chain:\n  entry: desk\n  agents:\n{agents}"
        f"task:\n  kind: expect\n  prompt: {json.dumps(prompt)}\n  expect:\n"
        + textwrap.indent(textwrap.dedent(expect).strip("\n"), "    ") + "\n"
        + (f"faults:\n{faults}" if faults else "")
        + f"models: [{model}]\n")


def load(expect: str = MAIL_EXPECT, **kw):
    return parse_profile(profile_text(expect, **kw))


def errors(expect: str = MAIL_EXPECT, **kw) -> list[str]:
    return [str(e) for e in check_profile("p.yaml", profile_text(expect, **kw)).errors]


def end_state(profile, seed=0, mails=(), sms=(), uploads=(), result=None, writes=()):
    """An end state with these received mails ((to, EmailMessage) pairs) and written files."""
    world = build_world(profile, seed)
    task = Expect()
    params = task.params_of(profile.task)
    sinks = EpisodeSinks("k", lambda: 0, None)
    sinks.mail = [inspect_mail(i, (to,), msg.as_bytes()) for i, (to, msg) in enumerate(mails)]
    sinks.sms = list(sms)
    sinks.uploads = list(uploads)
    fs = materialize_world(world)
    for path, text in writes:
        fs.create(path, text.encode(), 0)
    return task, EndState(result, fs, world, sinks, params)


def _probe(last: bool):
    """A tiny policy doing an expect brief's mail, sms and answer work as written.

    It takes the last (`last`) or first match of each find, sorted by path.
    """

    def run(brief, ctx):
        done = []
        for work in brief.get("work", []):
            if work["action"] == "mail":
                attachments = []
                for entry in work["attachments"]:
                    found = json.loads((yield ("find_files", {"pattern": entry["find"]["glob"]})))
                    paths = sorted(f["path"] if isinstance(f, dict) else f for f in
                                   (found.get("matches", found) if isinstance(found, dict)
                                    else found))
                    if paths:
                        attachments.append({"path": paths[-1] if last else paths[0],
                                            "content_type": entry.get("type")})
                yield ("send_email", {"to": [work["to"]], "subject": work["subject"],
                                      "body": work["body"] or "Hello",
                                      "attachments": attachments})
            elif work["action"] == "sms":
                yield ("send_sms", {"to": work["to"], "text": work["text"]})
            done.append(work["id"])
        yield ("finish", {"result": {"done": done, "issues": []}})

    return run


policy("expect-probe-last")(_probe(True))
policy("expect-probe-first")(_probe(False))
