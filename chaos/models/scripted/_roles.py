"""What a scripted agent knows of the chain beyond its own tools: who it can reach, for what.

The chain runner writes the roles and tools of every agent a delegating agent can reach into
the `delegate` tool's description (`chaos.profile.shape_text`); the adapter reads it back here,
so a scripted agent behind any wire format (in process, or the loopback HTTP server) picks the
sub-agent for each part by role, and hands on along `delegates_to` to agents further down.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chaos.models._protocol import ToolSchema
from chaos.profile._roles import SHAPE_LEAD

__all__ = ["Reach", "shape_from_tools"]


def shape_from_tools(tools: Sequence[ToolSchema]) -> dict[str, dict[str, Any]]:
    """The reachable agents' shape the `delegate` tool's description carries ({} if none)."""
    for schema in tools:
        if schema.name != "delegate":
            continue
        text = str(schema.parameters.get("properties", {}).get("agent", {})
                   .get("description", ""))
        at = text.find(SHAPE_LEAD)
        if at < 0:
            return {}
        try:
            shape, _ = json.JSONDecoder().raw_decode(text, at + len(SHAPE_LEAD) + 1)
        except (json.JSONDecodeError, RecursionError):
            return {}
        return shape if isinstance(shape, dict) else {}
    return {}


@dataclass(frozen=True)
class Reach:
    """Whom an agent can hand work to, and what they do.

    Attributes:
        delegates: Its direct sub-agents, in the chain's order.
        shape: Every agent it can reach: {name: {role, tools, delegates_to}}.
    """

    delegates: tuple[str, ...]
    shape: dict[str, dict[str, Any]]

    def role(self, agent: str) -> str | None:
        """The role the chain gives `agent` (None when it has none or is unknown)."""
        return (self.shape.get(agent) or {}).get("role")

    def tools(self, agent: str) -> tuple[str, ...]:
        """The tools of a reachable agent."""
        return tuple((self.shape.get(agent) or {}).get("tools") or ())

    def _via(self, target: str) -> str | None:
        """The direct sub-agent through which `target` is reached."""
        for first in self.delegates:
            seen, queue = set(), [first]
            while queue:
                name = queue.pop(0)
                if name == target:
                    return first
                if name in seen:
                    continue
                seen.add(name)
                queue += list((self.shape.get(name) or {}).get("delegates_to") or ())
        return None

    def route(self, role: str, tools: Iterable[str] = (), avoid: Iterable[str] = (),
              by_tools: bool = True) -> str | None:
        """The direct sub-agent to hand a part to (None when no reachable agent fits).

        Toward the nearest agent of `role` that has the `tools`; else (with `by_tools`) toward
        the nearest one that has them, whatever its role.
        """
        tools, avoid = set(tools), set(avoid)
        order = [a for a in self.shape if a not in avoid] or \
            [a for a in self.delegates if a not in avoid]
        fits = [a for a in order if self.role(a) == role and
                (not self.shape or tools <= set(self.tools(a)))]
        if tools and by_tools:
            fits += [a for a in order if a not in fits and tools <= set(self.tools(a))]
        for target in fits:
            via = self._via(target) if self.shape else (target if target in self.delegates
                                                         else None)
            if via is not None and via not in avoid:
                return via
        return None
