"""`scripted/<policy>`: a model adapter that answers from a deterministic policy."""

from __future__ import annotations

import json
import re
from typing import Any

from chaos.models._protocol import ModelRequest, ModelTurn, ToolCall
from chaos.models.scripted._common import Step
from chaos.models.scripted._policies import PolicyContext, policies

__all__ = ["ScriptedModel"]

_BRIEF = re.compile(r"Brief:\s*(\{.*\})\s*$", re.DOTALL)


def _brief(text: str) -> dict[str, Any]:
    match = _BRIEF.search(text)
    try:
        value = json.loads(match.group(1) if match else text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


class ScriptedModel:
    """One scripted model for one episode; keeps each agent invocation's policy state.

    Args:
        policy: A registered policy name (`careful`, `naive`, `hallucinator`...).
    """

    def __init__(self, policy: str) -> None:
        self.model_id = f"scripted/{policy}"
        self._policy = policies.get(policy)
        self._steps: dict[str, Step] = {}
        self._calls = 0

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """The policy's next tool call for this conversation."""
        step = self._steps.get(request.conversation)
        try:
            if step is None:
                user = next(m.content for m in reversed(request.messages) if m.role == "user")
                context = PolicyContext(request.agent, _delegate_names(request),
                                        tuple(t.name for t in request.tools))
                step = self._steps[request.conversation] = self._policy(_brief(user), context)
                name, arguments = next(step)
            else:
                name, arguments = step.send(request.messages[-1].content)
        except StopIteration:
            return ModelTurn(text="done")
        self._calls += 1
        return ModelTurn(tool_calls=(ToolCall(f"call_{self._calls}", name, arguments),),
                         finish_reason="tool_calls")


def _delegate_names(request: ModelRequest) -> tuple[str, ...]:
    for schema in request.tools:
        if schema.name == "delegate":
            return tuple(schema.parameters.get("properties", {}).get("agent", {}).get("enum", []))
    return ()
