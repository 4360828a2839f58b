"""The scripted reference agents: deterministic policies that really work the world via tools.

Each policy is a generator: it yields `(tool, arguments)` and receives the tool's result text,
exactly what a model sees. A policy is a style (how careful it is); what it does for a brief
is the skill registered for the brief's `step` (`chaos.models.scripted._skills`): the core's
for its own task kinds, a pack's for the pack's.

- careful: verifies what it picks (sniffed type, integrity, checksums, tags, newest), widens
  the search and reports what it cannot find or do; retries temporary errors with backoff.
- naive: takes the first match, leaves out what it cannot find, lets tools guess attachment
  types from names, gives up on any error; never reports.
- hallucinator: as naive, but invents a plausible path or value when nothing matches.
- mime-careless: as careful with files and errors, but declares attachment types from the
  file extension and never checks the bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chaos._registry import Registry
from chaos.models.scripted._common import Step
from chaos.models.scripted._roles import Reach
from chaos.models.scripted._skills import skilled_task_kinds, skills

__all__ = ["Policy", "PolicyContext", "Style", "policies", "policy"]


@dataclass(frozen=True)
class PolicyContext:
    """What a scripted agent knows besides its brief.

    Attributes:
        agent: Its name in the chain.
        delegates: Sub-agents it may delegate to, in the chain's order.
        tools: Names of the tools it may call.
        shape: Every agent it can reach, directly or through others: {name: {role, tools,
            delegates_to}} (empty when the chain did not say).
    """

    agent: str
    delegates: tuple[str, ...]
    tools: tuple[str, ...] = ()
    shape: dict[str, Any] = field(default_factory=dict)

    @property
    def reach(self) -> Reach:
        """Whom it can hand work to, by role."""
        return Reach(self.delegates, self.shape)


@dataclass(frozen=True)
class Style:
    """How a reference agent behaves.

    Attributes:
        checks_files: Verifies what it picks (sniffed type, tags, checksums) and what others
            picked.
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


Policy = Callable[[dict[str, Any], PolicyContext], Step]
policies: Registry[Policy] = Registry("scripted policy")


def policy(name: str) -> Callable[[Policy], Policy]:
    """Register a scripted policy as `scripted/<name>`."""
    return policies.register(name)


def _cannot(step: Any) -> Step:
    """Finish at once, saying so: for a brief with no step this agent knows.

    A generator, so the tool's answer can be sent to it as to any other policy.
    """
    if step is None:  # no `Brief: {...}` in the conversation: nothing says what to do
        yield ("finish", {"result": "scripted agent found no task brief: a scripted model "
                                    "acts on the brief chaos gives (`Brief: {...}`, in "
                                    "CHAOS_TASK); send it as the first user message"})
    yield ("finish", {"result": f"scripted agent cannot do step {step!r}"})


class _TaskKinds:
    """The task kinds the skills serve, read when asked (packs and plugins register late)."""

    def __contains__(self, kind: object) -> bool:
        return kind in skilled_task_kinds()

    def __iter__(self) -> Any:
        return iter(skilled_task_kinds())


def _styled(name: str, style: Style, doc: str) -> None:
    def run(brief: dict[str, Any], ctx: PolicyContext) -> Step:
        step = brief.get("step")
        if isinstance(step, str) and step in skills:
            return skills.get(step).run(brief, ctx, style)
        return _cannot(step)

    run.__doc__ = doc
    run.__name__ = name.replace("-", "_")
    run.style = style  # type: ignore[attr-defined]
    # The task kinds whose briefs it reads; a profile giving it another is refused on load.
    run.task_kinds = _TaskKinds()  # type: ignore[attr-defined]
    policy(name)(run)


_styled("careful", Style(True, False, True, True, True),
        "Checks every file's bytes and tags, retries temporary errors, reports the rest.")
_styled("naive", Style(False, False, False, False, False),
        "Takes the first plausible match, trusts names, gives up quietly.")
_styled("hallucinator", Style(False, True, False, False, False),
        "Like naive, but answers a plausible invented path when nothing is found.")
_styled("mime-careless", Style(True, False, False, True, True),
        "Careful with files, careless with attachments: declares types from file extensions.")
