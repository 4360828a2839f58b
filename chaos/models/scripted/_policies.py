"""The scripted reference agents: deterministic policies that really work the world via tools.

Each policy is a generator: it yields `(tool, arguments)` and receives the tool's result text,
exactly what a model sees. The chain's entry agent gets a `produce_package` brief; it hands
clip selection to its first sub-agent, the check to its second and distribution to its third.
On a `rubric` brief it does the clean benchmark itself and hands the clip table to its first
sub-agent.

- careful: picks clips by their media tags (team, match date, clip id), widens the search and
  reports what it cannot find; sniffs and integrity-checks attachments; retries 4xx and dropped
  connections with backoff, reports 5xx.
- naive: takes the first video whose name fits, leaves out what it cannot find, lets the mail
  tool guess attachment types from names, gives up on any SMTP error; never reports.
- hallucinator: as naive, but invents a plausible path when nothing matches.
- mime-careless: as careful with clips and SMTP errors, but declares attachment types from the
  file extension and never checks the bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chaos._registry import Registry
from chaos.models.scripted._common import Step
from chaos.models.scripted._distribution import distribute
from chaos.models.scripted._production import produce, qa_check, select_clips
from chaos.models.scripted._rubric import rubric

__all__ = ["Policy", "PolicyContext", "Style", "policies", "policy"]


@dataclass(frozen=True)
class PolicyContext:
    """What a scripted agent knows besides its brief.

    Attributes:
        agent: Its name in the chain.
        delegates: Sub-agents it may delegate to, in the chain's order.
        tools: Names of the tools it may call.
    """

    agent: str
    delegates: tuple[str, ...]
    tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class Style:
    """How a reference agent behaves.

    Attributes:
        checks_files: Verifies what it picks (sniffed type, media tags) and what others picked.
        invents: Answers a plausible invented path when nothing matches.
        checks_attachments: Sniffs and integrity-checks files before attaching them.
        retries: Retries temporary (4xx, dropped connection) errors with backoff.
        reports: Calls report_issue for what it finds wrong.
    """

    checks_files: bool
    invents: bool
    checks_attachments: bool
    retries: bool
    reports: bool


#: The task kinds (and so the brief steps) the reference policies do.
TASK_KINDS = ("highlight_package", "rubric")

Policy = Callable[[dict[str, Any], PolicyContext], Step]
policies: Registry[Policy] = Registry("scripted policy")


def policy(name: str) -> Callable[[Policy], Policy]:
    """Register a scripted policy as `scripted/<name>`."""
    return policies.register(name)


def _cannot(step: Any) -> Step:
    """Finish at once, saying so: for a brief with no step this agent knows.

    A generator, so the tool's answer can be sent to it as to any other policy.
    """
    yield ("finish", {"result": f"scripted agent cannot do step {step!r}"})


def _styled(name: str, style: Style, doc: str) -> None:
    def run(brief: dict[str, Any], ctx: PolicyContext) -> Step:
        step = brief.get("step")
        if step == "produce_package":
            return produce(brief, ctx.delegates, ctx.tools, style)
        if step == "select_clips":
            return select_clips(brief, style)
        if step == "qa_check":
            return qa_check(brief, style)
        if step == "distribute":
            return distribute(brief, style)
        if step == "rubric":
            return rubric(brief, ctx.delegates, style)
        return _cannot(step)

    run.__doc__ = doc
    run.__name__ = name.replace("-", "_")
    run.style = style  # type: ignore[attr-defined]
    # The task kinds whose briefs it reads; a profile giving it another is refused on load.
    run.task_kinds = TASK_KINDS  # type: ignore[attr-defined]
    policy(name)(run)


_styled("careful", Style(True, False, True, True, True),
        "Checks every file's bytes and tags, retries temporary errors, reports the rest.")
_styled("naive", Style(False, False, False, False, False),
        "Takes the first plausible match, trusts names, gives up quietly.")
_styled("hallucinator", Style(False, True, False, False, False),
        "Like naive, but answers a plausible invented path when nothing is found.")
_styled("mime-careless", Style(True, False, False, True, True),
        "Careful with clips, careless with attachments: declares types from file extensions.")
