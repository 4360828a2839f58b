"""Who does what in a chain: each agent's role, declared or read from its tools.

Roles let an agent that hands work on pick the sub-agent for each part (find, check, send,
write) by what the sub-agent is for, not by its place in `delegates_to`. The chain runner
tells every delegating agent the roles and tools of the agents it can reach (`chain_shape`),
in the `delegate` tool's description, where real models and scripted ones both read it.
"""

from __future__ import annotations

import json
from typing import Any

from chaos.profile._schema import AgentSpec, ChainSpec

__all__ = ["ROLES", "SENDING_TOOLS", "acting_agents", "agent_role", "chain_shape", "reachable",
           "shape_text"]

ROLES = ("finder", "checker", "sender", "writer")
#: Core tools that send something out of the organisation; any `send_*`/`publish*` tool too.
SENDING_TOOLS = ("send_email", "publish", "send_sms")
#: What precedes the chain's shape in the `delegate` tool's description.
SHAPE_LEAD = "Who you can reach (JSON):"


def _sends(tool: str) -> bool:
    return tool in SENDING_TOOLS or tool.startswith(("send_", "publish"))


def agent_role(spec: AgentSpec) -> str | None:
    """The agent's declared role, else the one its tools suggest (None: none fits).

    send_email/publish/send_sms -> sender; write_file -> writer; find_files/list_dir ->
    finder; file_info without those -> checker.
    """
    if spec.role is not None:
        return spec.role
    tools = set(spec.tools)
    if any(_sends(t) for t in tools):
        return "sender"
    if "write_file" in tools:
        return "writer"
    if tools & {"find_files", "list_dir"}:
        return "finder"
    if "file_info" in tools:
        return "checker"
    return None


def reachable(chain: ChainSpec, start: str) -> list[str]:
    """Agents `start` can hand work to, directly or through others, breadth first."""
    seen: list[str] = []
    queue = list(chain.agents[start].delegates_to) if start in chain.agents else []
    while queue:
        name = queue.pop(0)
        if name in seen or name == start or name not in chain.agents:
            continue
        seen.append(name)
        queue += chain.agents[name].delegates_to
    return seen


def acting_agents(chain: ChainSpec) -> list[str]:
    """The agents that can act in an episode, entry first.

    The entry and those it reaches by delegation; when a team's own agent runs (`chain.
    command`/`function`), every agent: each one's tools are served at an endpoint of its own.
    """
    if chain.runs_own_agent:
        return [chain.entry, *[n for n in chain.agents if n != chain.entry]]
    return [chain.entry, *reachable(chain, chain.entry)]


def chain_shape(chain: ChainSpec, agent: str) -> dict[str, dict[str, Any]]:
    """Role, tools and delegates of every agent `agent` can reach, in reach order."""
    shape = {}
    for name in reachable(chain, agent):
        spec = chain.agents[name]
        shape[name] = {"role": agent_role(spec), "tools": list(spec.tools),
                       "delegates_to": [d for d in spec.delegates_to if d in chain.agents]}
    return shape


def shape_text(chain: ChainSpec, agent: str) -> str:
    """The reachable agents' shape as the `delegate` tool's description carries it."""
    return f"{SHAPE_LEAD} {json.dumps(chain_shape(chain, agent), separators=(',', ':'))}"
