"""The sports skills of the scripted reference agents: a highlights desk's steps.

Registered for the brief steps the sports task kinds hand out; every built-in policy does them
in its own style (careful, naive, hallucinator, mime-careless).
"""

from __future__ import annotations

from typing import Any

from chaos.models.scripted._common import Step
from chaos.models.scripted._skills import skill
from chaos.packs.sports.scripted.distribution import distribute
from chaos.packs.sports.scripted.production import produce, qa_check, select_clips
from chaos.packs.sports.scripted.rubric import rubric

__all__: list[str] = []


@skill("produce_package", task_kinds=("highlight_package",))
def _produce(brief: dict[str, Any], ctx: Any, style: Any) -> Step:
    return produce(brief, ctx, style)


@skill("select_clips")
def _select(brief: dict[str, Any], ctx: Any, style: Any) -> Step:
    return select_clips(brief, style)


@skill("qa_check")
def _check(brief: dict[str, Any], ctx: Any, style: Any) -> Step:
    return qa_check(brief, style)


@skill("distribute")
def _distribute(brief: dict[str, Any], ctx: Any, style: Any) -> Step:
    return distribute(brief, style)


@skill("rubric", task_kinds=("rubric",))
def _rubric(brief: dict[str, Any], ctx: Any, style: Any) -> Step:
    # The clip table goes to the first finder the chain gives it (else the first sub-agent).
    finders_first = sorted(ctx.delegates, key=lambda d: ctx.reach.role(d) != "finder")
    return rubric(brief, finders_first, style)
