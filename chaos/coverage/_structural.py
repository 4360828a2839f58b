"""Why the chain as written can never meet a fault, read from the chain alone.

One function for both sides: `chaos explain` predicts with it before a run, and a run gives
its words as the reason a fault never fired, so the two say the same thing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chaos.profile import Profile

__all__ = ["never_reasons"]


def never_reasons(spec: Any, profile: Profile, reachable: set[str]) -> list[tuple[str, str]]:
    """Why the chain can never meet the fault `spec`: (code a run records, words) pairs.

    Args:
        spec: The fault as the profile writes it.
        profile: The profile (its chain and limits).
        reachable: The agents the entry reaches (`acting_agents`).
    """
    agents = profile.chain.agents
    trigger = spec.trigger
    acting = [trigger.agent] if trigger.agent else sorted(reachable)
    out = []
    never = "trigger_never_came"
    if trigger.agent and trigger.agent not in reachable:
        out.append((never, f"agent {trigger.agent} is never reached from the entry agent "
                           f"{profile.chain.entry}: the trigger can never come"))
    elif trigger.when == "tool_call" and trigger.tool and not any(
            trigger.tool in agents[a].tools for a in acting):
        who = f"agent {trigger.agent} lacks" if trigger.agent else "no agent has"
        out.append((never, f"{who} the tool {trigger.tool}: the trigger can never come"))
    elif trigger.when == "delegation":
        handed = {d for a in acting for d in agents[a].delegates_to}
        if not handed or (trigger.to and trigger.to not in handed):
            out.append((never, "no such hand-off in the chain: the trigger can never come"))
    if trigger.when in ("start", "time") and trigger.window is not None:
        moment = (trigger.at_ms or 0) if trigger.when == "time" else 0
        start, end = trigger.window
        if not start <= moment < end:
            out.append(("outside_window", f"its moment ({moment} ms) is outside its window "
                                          f"[{start}, {end}) ms: the trigger can never come"))
    if trigger.when == "time" and (trigger.at_ms or 0) >= profile.limits.deadline_ms:
        out.append((never, f"at_ms {trigger.at_ms} is past the deadline "
                           f"({profile.limits.deadline_ms} ms): the episode is over by then"))
    family = spec.kind.split(".")[0]
    untouched = "never_touched"
    # A mail.* fault alters a file: opening it meets it, mail or not; SMTP needs a send.
    if family == "smtp" and not any("send_email" in agents[a].tools for a in reachable):
        out.append((untouched, "no agent has send_email: no mail for this fault to act on"))
    if family == "upload" and not any({"publish", "publish_video"} & set(agents[a].tools)
                                      for a in reachable):
        out.append((untouched, "no agent has a publishing tool: no upload for this fault to "
                               "act on"))
    if family == "chain" and not any(agents[a].delegates_to for a in reachable):
        out.append((untouched, "no agent delegates: no hand-off for this fault to act on"))
    return out
