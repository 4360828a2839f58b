"""Coverage before a run (`chaos explain`), for one seed.

What each fault can reach, which faults cannot fire on the seed and why, and what no fault can
touch. Read from the chain as written and the seed's fault plan, with the same reason codes a run
records (`NeverFired.code`). It is a bound: a fault *can* reach what is listed; the run says
what it did reach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from chaos.coverage._parts import chain_parts, tool_sink, world_tags
from chaos.results import NeverFiredCode

if TYPE_CHECKING:
    from chaos.profile import Profile
    from chaos.world import World

__all__ = ["CannotFire", "CoveragePrediction", "FaultCanReach", "predict_coverage"]

#: Tools through which a file's bytes are read or carried out.
_FILE_TOOLS = frozenset({"list_dir", "find_files", "read_file", "file_info", "send_email",
                         "publish", "publish_video", "write_file"})
_SEND_TOOLS = frozenset({"send_email", "publish", "publish_video", "send_sms", "write_file"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FaultCanReach(_Frozen):
    """What one fault can reach in this seed's episode (nothing, when it cannot fire)."""

    agents: list[str] = []
    tools: list[str] = []
    tags: list[str] = []
    sinks: list[str] = []


class CannotFire(_Frozen):
    """A fault that cannot fire on this seed, with the code a run would record."""

    fault: str
    kind: str
    code: NeverFiredCode
    why: str


class CoveragePrediction(_Frozen):
    """`chaos explain`'s coverage: before a run, for one seed.

    Attributes:
        faults: Per fault id, what it can reach.
        can_reach: Every fault's reach pooled.
        cannot_fire: The faults that cannot fire, and why.
        untouchable: The chain's agents, tools and sinks and the world's tags no fault can
            touch.
    """

    faults: dict[str, FaultCanReach]
    can_reach: dict[str, list[str]]
    cannot_fire: list[CannotFire]
    untouchable: dict[str, list[str]]


def predict_coverage(profile: Profile, world: World, plans: list[Any],
                     never: dict[str, list[tuple[str, str]]], reachable: set[str],
                     unreachable_files: list[str]) -> CoveragePrediction:
    """The coverage a run of this seed can have.

    Args:
        profile: The profile.
        world: The seed's world.
        plans: The seed's fault plans (`chaos.explain.FaultPlan`).
        never: Per fault id, why the chain can never meet it, read from the chain alone:
            (code, words) pairs.
        reachable: The agents the entry reaches.
        unreachable_files: World files no agent the chain reaches can open.
    """
    faults: dict[str, FaultCanReach] = {}
    cannot: list[CannotFire] = []
    for plan in plans:
        reason = _cannot(plan, never.get(plan.id, []), set(unreachable_files))
        if reason is not None:
            cannot.append(CannotFire(fault=plan.id, kind=plan.kind, code=reason[0],
                                     why=reason[1]))
            faults[plan.id] = FaultCanReach()
        else:
            faults[plan.id] = _reach(plan, profile, world, reachable)
    pooled = {part: sorted({n for f in faults.values() for n in getattr(f, part)})
              for part in ("agents", "tools", "tags", "sinks")}
    untouchable = chain_parts(profile, world).minus(pooled)
    return CoveragePrediction(faults=faults, can_reach=pooled, cannot_fire=cannot,
                              untouchable=untouchable.json())


def _cannot(plan: Any, never: list[tuple[str, str]],
            unreachable: set[str]) -> tuple[NeverFiredCode, str] | None:
    if never:
        code, why = never[0]
        return code, why  # type: ignore[return-value]
    if plan.takes_effect == "no":
        if plan.draw is None:
            return "outside_window", "its trigger's moment is outside its window"
        # The run draws only once the trigger's event comes: say so, never a bare draw.
        if not plan.probability:
            return "probability_skipped", "its probability is 0: it never fires"
        first = f"{plan.condition}, " if plan.condition else ""
        return "probability_skipped", (f"{first}this seed's draw {plan.draw:.3f} is not under "
                                       f"its probability {plan.probability}")
    if plan.selector is not None and not plan.targets:
        return "no_target", f"nothing in this world matches its target ({plan.selector})"
    if plan.targets and set(plan.targets) <= unreachable:
        return "never_touched", "no agent the chain reaches can open its target"
    return None


def _with(agents: dict[str, Any], names: set[str], tools: frozenset[str]
          ) -> tuple[list[str], list[str]]:
    """The agents among `names` with any of `tools`, and those tools they have."""
    who = sorted(a for a in names if tools & set(agents[a].tools))
    return who, sorted({t for a in who for t in agents[a].tools if t in tools})


def _sinks(tools: list[str]) -> list[str]:
    return sorted({s for t in tools if (s := tool_sink(t)) is not None})


def _reach(plan: Any, profile: Profile, world: World, reachable: set[str]) -> FaultCanReach:
    agents = profile.chain.agents
    family = plan.kind.split(".")[0]
    everyone_sends = sorted({t for a in reachable for t in agents[a].tools if t in _SEND_TOOLS})
    answer = ["answer"]
    if plan.selector is not None:  # a file fault: whoever opens or carries files meets it
        who, tools = _with(agents, reachable, _FILE_TOOLS)
        tags = sorted({tag for p in [*plan.targets, *plan.copies] if p in world.files
                       for tag in world.files[p].tags})
        return FaultCanReach(agents=who, tools=tools, tags=tags,
                             sinks=sorted(set(_sinks(everyone_sends)) | set(answer)))
    if plan.kind == "fs.disk_full":
        who, tools = _with(agents, reachable, frozenset({"write_file"}))
        return FaultCanReach(agents=who, tools=tools, sinks=_sinks(tools))
    if family in ("smtp", "mail"):
        who, tools = _with(agents, reachable, frozenset({"send_email"}))
        return FaultCanReach(agents=who, tools=tools, sinks=_sinks(tools))
    # What a refused upload carried, or the file a wrong answer stands in for, can be any
    # file the chain picks: every tag is within reach.
    any_tag = world_tags(world)
    if family == "upload":
        who, tools = _with(agents, reachable, frozenset({"publish", "publish_video"}))
        return FaultCanReach(agents=who, tools=tools, tags=any_tag if who else [],
                             sinks=_sinks(tools))
    if family == "chain":
        callee = plan.params.get("agent")
        callers = {a for a in reachable if callee in agents[a].delegates_to} if callee else \
            {a for a in reachable if agents[a].delegates_to}
        callees = {callee} if callee else {d for a in callers for d in agents[a].delegates_to}
        # A wrong answer carries a wrong file or value on: it can leave by any sink.
        sinks = sorted(set(_sinks(everyone_sends)) | set(answer)) \
            if plan.kind == "chain.subagent_wrong" else []
        return FaultCanReach(agents=sorted((callers | callees) & set(agents)),
                             tools=["delegate"] if callers else [], sinks=sinks,
                             tags=any_tag if plan.kind == "chain.subagent_wrong" else [])
    if family == "model":
        who = [plan.trigger["agent"]] if plan.trigger.get("agent") else sorted(reachable)
        return FaultCanReach(agents=who)
    return FaultCanReach(agents=sorted(reachable))
