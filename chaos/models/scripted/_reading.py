"""Reading a conversation however an agent framework wrote it: the brief, and tool results.

The built-in chain hands a scripted agent its brief as the first user message and each tool's
result text as is. An agent framework driving the same policy through the model gateway adds
its own system prompt (or sends it as a user message), may put words around the task, and
wraps what an MCP tool gave back: PydanticAI sends a failed call as `{"error": "<text>"}` and
re-serialises JSON results; older OpenAI Agents SDK releases send the JSON of the MCP content
item (`{"type": "text", "text": ...}`); LangGraph's ToolNode sends a tool's exception as
`Error: ToolException('<text>')` and "Please fix your mistakes.". The policies read the tool's own
text in every case.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from typing import Any

from chaos.models._protocol import Message

__all__ = ["brief_message", "tool_result_text"]

#: What PydanticAI appends to a tool error the model is asked to correct (`ModelRetry`).
_RETRY_ADVICE = "\n\nFix the errors and try again."
#: LangGraph's ToolNode template for a tool's exception: `Error: {repr(exc)}\n Please fix ...`.
_NODE_HEAD, _NODE_TAIL = "Error: ", "\n Please fix your mistakes."
_EXCEPTION_REPR = re.compile(r"\w+\((.*)\)", re.DOTALL)


def brief_message(messages: Sequence[Message], has_brief: Any) -> int | None:
    """The index of the message holding the task's brief.

    The first user message whose text holds a brief; else the first other message that holds
    one (an agent that put its task in its system prompt); else the first user message. The
    built-in chain's brief is always in the first user message, so it reads just as before.

    Args:
        messages: The conversation.
        has_brief: `text -> bool`: whether a text holds a brief.
    """
    users = [i for i, m in enumerate(messages) if m.role == "user"]
    others = [i for i, m in enumerate(messages) if m.role in ("system", "developer")]
    found = next((i for i in users + others if has_brief(messages[i].content)), None)
    return found if found is not None else (users[0] if users else None)


def tool_result_text(content: str) -> str:
    """The tool's own result text inside a framework's wrapping (the text itself if none)."""
    if content.startswith(_NODE_HEAD) and content.endswith(_NODE_TAIL):
        inner = content[len(_NODE_HEAD):-len(_NODE_TAIL)]
        exception = _EXCEPTION_REPR.fullmatch(inner)
        return (_literal(exception[1]) if exception else None) or inner
    if not content.startswith(("{", "[")):
        return content
    try:
        value = json.loads(content)
    except (json.JSONDecodeError, RecursionError):
        return content
    text = _unwrapped(value)
    return content if text is None else text


def _unwrapped(value: Any) -> str | None:
    """The text a framework's wrapper holds, or None when `value` is not a wrapper."""
    if isinstance(value, dict) and set(value) == {"error"} and isinstance(value["error"], str):
        return value["error"].removesuffix(_RETRY_ADVICE)
    if _text_item(value):
        return value["text"]
    if isinstance(value, list) and value and all(_text_item(v) for v in value):
        return "".join(v["text"] for v in value)
    return None


def _text_item(value: Any) -> bool:
    """An MCP text content item, as `model_dump_json()` writes it."""
    return isinstance(value, dict) and value.get("type") == "text" and \
        isinstance(value.get("text"), str) and \
        set(value) <= {"type", "text", "annotations", "meta", "_meta"}


def _literal(quoted: str) -> str | None:
    """A Python string literal's value, as `repr` wrote it (None if it is not one)."""
    try:
        value = ast.literal_eval(quoted)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None
