"""A small task kind whose brief is an expect brief, to run the scripted `expect` skill in real
episodes (the real tool loop, the real mail server) on small worlds of our own files."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from chaos.models.scripted._skills import skill, skills
from chaos.profile import parse_profile
from chaos.runner import build_world
from chaos.sim import EpisodePlan, run_episode
from chaos.tasks import TaskKind, TaskVerdict, task_kind, task_kinds
from chaos.world import WorldFile

KIND = "expect_probe"
#: What the last episode left: its end state, as read before the filesystem is let go.
LAST: dict[str, Any] = {}


class ProbeParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    work: list[dict[str, Any]]
    read_back: list[str] = []
    expect: list[dict[str, Any]] = []  # the expect task's entries, for the chain checks


class ProbeResult(BaseModel):
    model_config = ConfigDict(extra="allow")
    done: list[str] = []
    issues: list[str] = []


if KIND not in task_kinds:

    @task_kind(KIND)
    class ExpectProbe(TaskKind):
        """Hands the entry agent `{"step": "expect", "work": params.work}`; judges nothing."""

        Params = ProbeParams
        Result = ProbeResult

        def brief(self, world: Any, params: Any, extra: str = "") -> str:
            brief = {"step": "expect", "work": params.work}
            return f"Do the work below.\nBrief: {json.dumps(brief)}"

        def shipped(self, end: Any) -> list:
            return []

        def check(self, end: Any) -> TaskVerdict:
            LAST.update(result=end.result, mail=list(end.sinks.mail),
                        uploads=list(end.sinks.uploads), sms=list(end.sinks.sms),
                        files={p: end.fs.read(p, 1 << 20) if end.fs.exists(p) else None
                               for p in end.params.read_back})
            return TaskVerdict(True)

        def handled(self, end: Any, targets: list[str]) -> bool:
            return True

        def subjects(self, world: Any, targets: list[str]) -> list[str]:
            return []

        def wrong_for_subject(self, end: Any, targets: list[str]) -> list:
            return []

if "expect_probe" not in skills:
    # The built-in policies serve a task kind some skill names; this one's brief is `expect`.
    skill("expect_probe", task_kinds=(KIND,))(lambda brief, ctx, style: iter(()))


@dataclass
class Episode:
    """What an episode left, for assertions a user would make."""

    result: dict[str, Any] | None
    mail: list[Any]
    uploads: list[Any]
    sms: list[Any]
    files: dict[str, bytes | None]
    trace: list[Any] = field(default_factory=list)

    def calls(self, tool: str, agent: str | None = None) -> list[dict[str, Any]]:
        """Arguments of every call of `tool` (by `agent`)."""
        return [e.arguments for e in self.trace if e.type == "tool_called" and e.tool == tool
                and (agent is None or e.agent == agent)]

    def issues(self) -> list[str]:
        """Every report_issue summary."""
        return [e.summary for e in self.trace if e.type == "issue_reported"]

    def agents(self) -> list[str]:
        """Agents started, in order."""
        return [e.agent for e in self.trace if e.type == "agent_started"]


def profile_text(agents: str, work: list[dict[str, Any]], entry: str = "desk",
                 faults: str = "", read_back: tuple[str, ...] = ()) -> str:
    """A profile on a small sports world (our files are added per test), running the probe."""
    params = json.dumps({"work": work, "read_back": list(read_back)})
    return f"""version: 1
name: probe
world: {{generator: sports_media, params: {{teams: 2, matches_per_team: 1}}}}
chain:
  entry: {entry}
  agents:
{agents}
task:
  kind: {KIND}
  params: {params}
{faults}
models: [scripted/careful]
"""


def run(text: str, model: str, files: list[WorldFile], arm: str = "clean",
        seed: int = 0) -> Episode:
    """One real episode of `model` on the profile's world plus `files`."""
    from chaos.runner import mail_server

    profile = parse_profile(text)
    world = build_world(profile, seed)
    for item in files:
        world.add_file(item)

    async def go() -> Any:
        async with mail_server(True) as mail:
            return await run_episode(EpisodePlan("probe", "p.yaml", model, seed, arm), profile,
                                     world, mail)

    LAST.clear()
    ran = asyncio.run(go())
    assert ran.result.status == "completed", ran.result.error
    return Episode(LAST.get("result"), LAST.get("mail", []), LAST.get("uploads", []),
                   LAST.get("sms", []), LAST.get("files", {}), ran.trace)
