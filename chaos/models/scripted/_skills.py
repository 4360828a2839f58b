"""Scripted skills: what a reference agent does for one kind of brief step.

A skill is a generator `run(brief, ctx, style)` that yields `(tool, arguments)` and receives
each tool's result text. The core brings the skills of its own task kinds; a pack registers the
skills of its briefs (`@skill("produce_package", task_kinds=("highlight_package",))`), and every
built-in policy (careful, naive...) then does them in its own style.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chaos._registry import Registry

__all__ = ["SkillEntry", "skill", "skills", "skilled_task_kinds"]


@dataclass(frozen=True)
class SkillEntry:
    """A registered skill and the task kinds whose briefs start with it."""

    step: str
    run: Callable[..., Any]
    task_kinds: tuple[str, ...] = ()


skills: Registry[SkillEntry] = Registry("scripted skill")


def skill(step: str, task_kinds: tuple[str, ...] = ()) -> Callable[[Callable], Callable]:
    """Register `run(brief, ctx, style)` for briefs whose `step` is `step`.

    Args:
        step: The brief's `step` value this skill answers.
        task_kinds: Task kinds whose entry brief has this step (what the policies can do).
    """

    def decorate(run: Callable[..., Any]) -> Callable[..., Any]:
        skills.register(step)(SkillEntry(step, run, tuple(task_kinds)))
        return run

    return decorate


def skilled_task_kinds() -> tuple[str, ...]:
    """Every task kind some skill starts, sorted: what the built-in policies can do."""
    return tuple(sorted({k for name in skills.names() for k in skills.get(name).task_kinds}))
