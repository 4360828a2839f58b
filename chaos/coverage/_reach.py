"""What one fault reached in one episode, or why it never fired: from what really happened.

Read from the fault monitor's record of the episode (every call that met the fault, its
trigger's events and draw) and the oracle's verdict (the sinks its taint reached), never from
what an agent said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chaos.results import FaultReach, NeverFired

if TYPE_CHECKING:
    from chaos.oracle import FaultVerdict
    from chaos.sim import ActiveFault
    from chaos.world import World

__all__ = ["MODEL_CALL", "fault_reach", "selector_text"]

#: The `tool` of a meeting on a model call (not a tool of the chain).
MODEL_CALL = "(model call)"
#: How much of a crash reason a never-fired reason quotes.
_REASON_CAP = 200


def selector_text(target: Any) -> str:
    """A fault's target selector as the profile writes it: `tag: report, pick: 1`."""
    return ", ".join(f"{k}: {v}" for k, v in target.model_dump(exclude_none=True).items())


def fault_reach(active: ActiveFault, verdict: FaultVerdict, world: World,
                crashed: str | None, end_ms: int) -> FaultReach:
    """What `active` reached in its episode (when it fired), or why it never fired.

    Args:
        active: The fault as the episode left it.
        verdict: The oracle's verdict on it.
        world: The episode's world (for the targets' tags).
        crashed: Why the episode crashed, if it did.
        end_ms: Simulated time the episode ended.
    """
    if not verdict.fired:
        return FaultReach(never=_never(active, crashed, end_ms))
    met = list(active.met)
    if active.touched is not None and not met:  # touched before coverage kept count
        met = [(active.touched[2], "")]
    # World files only: a recipient fault's targets are addresses (`mailto:`), no files.
    files = sorted(p for p in (active.taint.targets if active.taint is not None else ())
                   if p in world.files)
    tags = sorted({tag for path in files if path in world.files
                   for tag in world.files[path].tags})
    return FaultReach(agents=sorted({agent for agent, _ in met}),
                      tools=sorted({tool for _, tool in met if tool and tool != MODEL_CALL}),
                      files=files, tags=tags, sinks=sorted(set(verdict.sinks)))


def _never(active: ActiveFault, crashed: str | None, end_ms: int) -> NeverFired:
    trigger, spec = active.trigger, active.spec.trigger
    if active.taint is None:
        if trigger.skipped:
            return NeverFired(code="probability_skipped",
                              why=f"its seeded draw {trigger.drawn:.3f} is not under its "
                                  f"probability {spec.probability}")
        if trigger.outside and not trigger.seen:
            return NeverFired(code="outside_window",
                              why=f"its event came only outside its window [{spec.window[0]}, "  # type: ignore[index]
                                  f"{spec.window[1]}) ms")  # type: ignore[index]
        if crashed is not None:
            return NeverFired(code="crashed_first",
                              why=f"the episode crashed before its trigger came: "
                                  f"{crashed[:_REASON_CAP]}")
        return NeverFired(code="trigger_never_came", why=_no_trigger(spec, trigger.seen, end_ms))
    if crashed is not None:
        return NeverFired(code="crashed_first",
                          why=f"the episode crashed before the chain met it: "
                              f"{crashed[:_REASON_CAP]}")
    target = active.spec.target if active.impl.default_target is not None else None
    if target is not None and not active.targets:
        return NeverFired(code="no_target",
                          why=f"nothing in this world matches its target ({selector_text(target)})")
    return NeverFired(code="never_touched", why=_untouched(active))


def _no_trigger(spec: Any, seen: int, end_ms: int) -> str:
    """The trigger that never came, in words."""
    by = f" by {spec.agent}" if spec.agent else ""
    short = f" (only {seen} of the {spec.nth} needed)" if seen else ""
    if spec.when == "time":
        return f"the episode ended at {end_ms} ms, before its time ({spec.at_ms} ms)"
    if spec.when == "tool_call":
        on = f" on a path matching {spec.path}" if spec.path else ""
        return f"no {spec.tool or 'tool'} call{by}{on} came{short}"
    if spec.when == "model_call":
        return f"no model call{by} came{short}"
    if spec.when == "delegation":
        to = f" to {spec.to}" if spec.to else ""
        return f"no hand-off{by and ' from ' + spec.agent}{to} came{short}"
    return "its trigger never came"


def _untouched(active: ActiveFault) -> str:
    """A fault that took effect and was never met, in words by what it acts on."""
    family = active.impl.family
    taint = active.taint
    paths = list(taint.targets or taint.watch) if taint is not None else []
    if paths:
        more = f" (+{len(paths) - 1} more)" if len(paths) > 1 else ""
        return f"it took effect, but the chain never touched {paths[0]}{more}"
    what = {"smtp": "no mail it acts on was sent", "mail": "no mail it acts on was sent",
            "upload": "no upload it acts on was made",
            "chain": "no hand-off it acts on happened",
            "model": "no model call it acts on was made",
            "fs": "the chain never did what it acts on (a read, a write)"}
    return f"it took effect, but {what.get(family, 'the chain never met it')}"
