"""What one fault reached in one episode, or why it never fired: from what really happened.

Read from the fault monitor's record of the episode (every call that met the fault, its
trigger's events and draw) and the oracle's verdict (the sinks its taint reached), never from
what an agent said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chaos.coverage._parts import tool_sink
from chaos.results import FaultReach, NeverFired

if TYPE_CHECKING:
    from chaos.oracle import FaultVerdict
    from chaos.sim import ActiveFault
    from chaos.world import World

__all__ = ["MODEL_CALL", "fault_reach", "ordinal", "selector_text", "trigger_event"]

#: The `tool` of a meeting on a model call (not a tool of the chain).
MODEL_CALL = "(model call)"
#: How much of a crash reason a never-fired reason quotes.
_REASON_CAP = 200


def ordinal(n: int) -> str:
    """`1st`, `2nd`, `999th`."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def selector_text(target: Any) -> str:
    """A fault's target selector as the profile writes it: `tag: report, pick: 1`."""
    return ", ".join(f"{k}: {v}" for k, v in target.model_dump(exclude_none=True).items())


def fault_reach(active: ActiveFault, verdict: FaultVerdict, world: World,
                crashed: str | None, end_ms: int,
                structural: list[tuple[str, str]] | None = None) -> FaultReach:
    """What `active` reached in its episode (when it fired), or why it never fired.

    Args:
        active: The fault as the episode left it.
        verdict: The oracle's verdict on it.
        world: The episode's world (for the targets' tags).
        crashed: Why the episode crashed, if it did.
        end_ms: Simulated time the episode ended.
        structural: Why the chain as written can never meet the fault (`never_reasons`):
            the cause a never-fired reason gives when there is one.
    """
    if not verdict.fired:
        return FaultReach(never=_never(active, crashed, end_ms, structural))
    met = list(active.met)
    if active.touched is not None and not met:  # touched before coverage kept count
        met = [(active.touched[2], "")]
    taint = active.taint
    origin = taint.origin if taint is not None else {}
    # Only what the chain touched: never the fault's whole target list.
    files = sorted(active.reached)
    tags = sorted({tag for path in files if (source := origin.get(path, path)) in world.files
                   for tag in world.files[source].tags})
    tools = sorted({tool for _, tool in met if tool and tool != MODEL_CALL})
    agents = {agent for agent, _ in met}
    # A hand-off fault acted on its callee too (`agent:<name>` is what it hit).
    agents.update(h.split(":", 1)[1] for h in active.hits if h.startswith("agent:"))
    sinks = set(verdict.sinks)
    if taint is not None and taint.touch == "hit":
        # It acted on a send (a refused mail, upload or write): it reached that sink.
        sinks.update(s for t in tools if (s := tool_sink(t)) is not None and t != "finish")
    return FaultReach(agents=sorted(agents), tools=tools, files=files, tags=tags,
                      sinks=sorted(sinks))


def _never(active: ActiveFault, crashed: str | None, end_ms: int,
           structural: list[tuple[str, str]] | None) -> NeverFired:
    trigger, spec = active.trigger, active.spec.trigger
    # The chain as written rules it out: say that (explain's words), not this episode's
    # symptom ("no write_file call came").
    cause = dict(reversed(structural or []))
    for code in ("trigger_never_came", "outside_window"):
        if active.taint is None and code in cause:
            return NeverFired(code=code, why=cause[code])  # type: ignore[arg-type]
    if active.taint is not None and crashed is None and "never_touched" in cause:
        return NeverFired(code="never_touched", why=cause["never_touched"])
    if active.taint is None:
        if trigger.skipped:
            return NeverFired(code="probability_skipped",
                              why="its probability is 0: it never fires" if not
                              spec.probability else f"its seeded draw {trigger.drawn:.3f} "
                              f"is not under its probability {spec.probability}")
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


def trigger_event(spec: Any) -> str | None:
    """What a tool-call, model-call or hand-off trigger waits for: `read_file call by records`.

    None for a trigger at the start or at a time.
    """
    by = f" by {spec.agent}" if spec.agent else ""
    if spec.when == "tool_call":
        on = f" on a path matching {spec.path}" if spec.path else ""
        return f"{spec.tool or 'tool'} call{by}{on}"
    if spec.when == "model_call":
        return f"model call{by}"
    if spec.when == "delegation":
        return f"hand-off{by and ' from ' + spec.agent}{f' to {spec.to}' if spec.to else ''}"
    return None


def _no_trigger(spec: Any, seen: int, end_ms: int) -> str:
    """The trigger that never came, in words (`seen`: how many of its events came)."""
    if spec.when == "time":
        return f"the episode ended at {end_ms} ms, before its time ({spec.at_ms} ms)"
    event = trigger_event(spec)
    if event is None:
        return "its trigger never came"
    if spec.nth <= 1:
        return f"no {event} came"
    came = f"only {seen}" if seen else "none"
    return f"its {ordinal(spec.nth)} {event} never came ({came} came)"


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
