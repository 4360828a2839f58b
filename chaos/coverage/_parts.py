"""The parts of a profile a fault can reach: its chain's agents and tools, its sinks, its tags.

Coverage says which of them no fault touched (after a run) or can touch (`chaos explain`); both
read the parts from here, so the two lists name the same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chaos.profile import Profile
    from chaos.world import World

__all__ = ["ChainParts", "SIGNAL_TOOLS", "chain_parts", "tool_sink", "world_of", "world_tags"]

#: Tools that only signal (no file, message or hand-off a fault acts on or taints).
SIGNAL_TOOLS = frozenset({"report_issue", "finish", "wait"})
#: The sink each built-in tool sends to (`finish` is the final answer's).
_TOOL_SINKS = {"send_email": "mail", "publish": "upload", "publish_video": "upload",
               "send_sms": "sms", "write_file": "write", "finish": "answer"}


def tool_sink(tool: str) -> str | None:
    """The sink `tool` sends to, or None (a plugin's tool names its sink in its records)."""
    return _TOOL_SINKS.get(tool)


@dataclass(frozen=True)
class ChainParts:
    """What a profile offers faults to reach, each list sorted.

    Attributes:
        agents: Every agent of the chain (reached from the entry or not).
        tools: Every tool an agent of the chain has, but the signals (`SIGNAL_TOOLS`).
        sinks: Where the chain can send things: `mail`, `upload`, `sms`, `write`, `answer`.
        tags: The world's file tags (of the seed given).
    """

    agents: list[str]
    tools: list[str]
    sinks: list[str]
    tags: list[str]

    def json(self) -> dict[str, list[str]]:
        """As results.json and explain's JSON hold it."""
        return {"agents": self.agents, "tools": self.tools, "sinks": self.sinks,
                "tags": self.tags}

    def minus(self, reached: dict[str, Any]) -> ChainParts:
        """The parts not in `reached` ({agents, tools, sinks, tags}: names)."""
        return ChainParts(*(sorted(set(getattr(self, k)) - set(reached.get(k, ())))
                            for k in ("agents", "tools", "sinks", "tags")))


def world_tags(world: World) -> list[str]:
    """Every tag a file of `world` carries, sorted."""
    return sorted({tag for f in world.files.values() for tag in f.tags})


def chain_parts(profile: Profile, world: World | None, tags: list[str] | None = None
                ) -> ChainParts:
    """The parts of `profile`, with `tags` (else `world`'s; none without either)."""
    agents = profile.chain.agents
    tools = sorted({t for spec in agents.values() for t in spec.tools})
    sinks = sorted({s for t in tools if (s := tool_sink(t)) is not None} | {"answer"})
    if tags is None:
        tags = world_tags(world) if world is not None else []
    return ChainParts(agents=sorted(agents), tools=[t for t in tools if t not in SIGNAL_TOOLS],
                      sinks=sinks, tags=tags)


def world_of(profile: Profile, seed: int) -> World | None:
    """The world of `seed` (its tags), or None when it cannot be built (the run said why)."""
    from chaos._world_cache import build_world

    try:
        return build_world(profile, seed)
    except Exception:  # a seed's world that fails crashed its episodes; coverage goes on
        return None
