"""The two wire formats chaos speaks: OpenAI Chat Completions and Anthropic Messages.

Pure translations between chaos's neutral messages and each API's JSON, used by the adapters
(to call the official SDKs) and by the loopback server (to answer them). Requests hold only what
strict servers accept: no `content: null` on an assistant turn without tool calls, arguments
always a JSON string (OpenAI); no blank text blocks, no empty messages, no two messages of one
role in a row, tool results first in their message, signed thinking blocks echoed as received
(Anthropic). Answers are read by `chaos.models._turns`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chaos.models._protocol import Message, ModelTurn, ToolCall, ToolSchema
from chaos.models._turns import UNNAMED, WireMemory, content_text, parse_arguments

__all__ = [
    "anthropic_id",
    "anthropic_request",
    "anthropic_response",
    "messages_from_anthropic",
    "messages_from_openai",
    "openai_request",
    "openai_response",
    "anthropic_stop_reason",
    "openai_finish_reason",
    "tools_from_anthropic",
    "tools_from_openai",
    "unparseable",
    "wire_arguments",
]

#: Why a turn ended, from either family's words to the other's.
_TO_OPENAI = {"end_turn": "stop", "stop_sequence": "stop", "pause_turn": "stop",
              "max_tokens": "length", "tool_use": "tool_calls", "refusal": "content_filter"}
_TO_ANTHROPIC = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
                 "function_call": "tool_use", "content_filter": "refusal"}
_ANTHROPIC_REASONS = {"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn",
                      "refusal"}


def openai_finish_reason(turn: ModelTurn) -> str:
    """The turn's `finish_reason` in Chat Completions' words."""
    reason = _TO_OPENAI.get(turn.finish_reason, turn.finish_reason)
    if turn.tool_calls and reason == "stop":
        return "tool_calls"
    return reason if reason in ("stop", "length", "tool_calls", "content_filter") else "stop"


def anthropic_stop_reason(turn: ModelTurn) -> str:
    """The turn's `stop_reason` in Messages' words."""
    reason = _TO_ANTHROPIC.get(turn.finish_reason, turn.finish_reason)
    if turn.tool_calls and reason == "end_turn":
        return "tool_use"
    return reason if reason in _ANTHROPIC_REASONS else "end_turn"


def unparseable(arguments: Any) -> str:
    """A call's arguments as a model that garbles them writes them: Python quotes, cut short.

    Not JSON, and not the start of JSON either: a client that reads streamed arguments as
    they come (partial JSON) cannot make an object of them.
    """
    items = arguments.items() if isinstance(arguments, dict) else ()
    text = "{" + ", ".join(f"'{k}': {json.dumps(v, default=str)}" for k, v in items)
    return text[: max(2, len(text) // 2)] if items else "{'"


def anthropic_id(call_id: str) -> str:
    """A call id as the Messages API issues them (`^[a-zA-Z0-9_-]+$`).

    An id from another family's model may hold other characters; the client must be able to
    send it back.
    """
    return re.sub(r"[^a-zA-Z0-9_-]", "_", call_id) or "toolu_chaos"


def wire_arguments(call: ToolCall) -> str:
    """A call's arguments as JSON text; a garbled call's as the model sent them (unparseable)."""
    if call.error is None:
        return json.dumps(call.arguments)
    return call.raw if call.raw is not None else unparseable(call.arguments)


# -- OpenAI Chat Completions ---------------------------------------------------------------

def openai_request(messages: tuple[Message, ...], tools: tuple[ToolSchema, ...],
                   memory: WireMemory | None = None) -> dict[str, Any]:
    """`messages` and `tools` arguments for `chat.completions.create`.

    Args:
        messages: The conversation.
        tools: The tools offered.
        memory: The adapter's memory: reasoning fields to echo on the turns that had them.
    """
    wire: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "assistant":
            # `content` may be null only beside tool calls; a turn that said nothing is "".
            item: dict[str, Any] = {"role": "assistant", "content": m.content if (
                m.content.strip() or not m.tool_calls) else None}
            if m.tool_calls:
                item["tool_calls"] = [{"id": c.id, "type": "function", "function": {
                    "name": c.name or UNNAMED, "arguments": json.dumps(c.arguments)}}
                    for c in m.tool_calls]
            if memory is not None and (echo := memory.echo(m)):
                item.update(echo)
            wire.append(item)
        elif m.role == "tool":
            wire.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content})
        else:
            wire.append({"role": m.role, "content": m.content})
    specs = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                               "parameters": t.parameters}} for t in tools]
    return {"messages": wire, "tools": specs} if specs else {"messages": wire}


def messages_from_openai(body: dict[str, Any]) -> tuple[Message, ...]:
    """A Chat Completions request body's messages, as chaos messages."""
    out = []
    for m in body.get("messages", []):
        calls = tuple(ToolCall(c["id"], c["function"]["name"], parse_arguments(
            c["function"]["name"], c["function"].get("arguments"))[0])
            for c in m.get("tool_calls") or [])
        role = "system" if m["role"] == "developer" else m["role"]  # o-series' system
        out.append(Message(role, content_text(m.get("content")), calls, m.get("tool_call_id")))
    return tuple(out)


def tools_from_openai(body: dict[str, Any]) -> tuple[ToolSchema, ...]:
    """A Chat Completions request body's tools."""
    return tuple(ToolSchema(t["function"]["name"], t["function"].get("description", ""),
                            t["function"].get("parameters", {}))
                 for t in body.get("tools") or [])


def openai_response(model: str, turn: ModelTurn, number: int) -> dict[str, Any]:
    """A Chat Completions response body for `turn`."""
    calls = [{"id": c.id, "type": "function",
              "function": {"name": c.name or UNNAMED, "arguments": wire_arguments(c)}}
             for c in turn.tool_calls]
    # `content` is null only beside tool calls, as the API sends it.
    message: dict[str, Any] = {"role": "assistant",
                               "content": turn.text if turn.text or not calls else None}
    if calls:
        message["tool_calls"] = calls
    return {"id": f"chatcmpl-{number}", "object": "chat.completion", "created": 1767225600,
            "model": model, "choices": [{"index": 0, "message": message,
                                         "finish_reason": openai_finish_reason(turn)}],
            "usage": {"prompt_tokens": turn.usage.input_tokens,
                      "completion_tokens": turn.usage.output_tokens,
                      "total_tokens": turn.usage.input_tokens + turn.usage.output_tokens}}


# -- Anthropic Messages ---------------------------------------------------------------------

def anthropic_request(messages: tuple[Message, ...], tools: tuple[ToolSchema, ...],
                      memory: WireMemory | None = None) -> dict[str, Any]:
    """`system`, `messages` and `tools` arguments for `messages.create`.

    An assistant turn that said nothing (no text, no call) is left out: the API takes no empty
    message, and the user turns around it become one, as the API itself would combine them.

    Args:
        messages: The conversation.
        tools: The tools offered.
        memory: The adapter's memory: the turns with signed thinking, to echo as received.
    """
    system = "\n".join(m.content for m in messages if m.role == "system")
    wire: list[dict[str, Any]] = []

    def add(role: str, blocks: list[dict[str, Any]]) -> None:
        if not blocks:
            return
        if wire and wire[-1]["role"] == role:
            wire[-1]["content"] += blocks
        else:
            wire.append({"role": role, "content": blocks})
        if role == "user":  # tool results first in their message, as the API requires
            wire[-1]["content"].sort(key=lambda b: b["type"] != "tool_result")

    for m in messages:
        if m.role == "assistant":
            blocks = [{"type": "text", "text": m.content}] if m.content.strip() else []
            blocks += [{"type": "tool_use", "id": c.id, "name": c.name or UNNAMED,
                        "input": c.arguments if isinstance(c.arguments, dict) else {}}
                       for c in m.tool_calls]
            if blocks and memory is not None and (echo := memory.echo(m)):
                blocks = [dict(b) for b in echo]  # a turn with signed thinking, as received
            add("assistant", blocks)
        elif m.role == "tool":
            result: dict[str, Any] = {"type": "tool_result", "tool_use_id": m.tool_call_id}
            if m.content.strip():
                result["content"] = m.content
            add("user", [result])
        elif m.role == "user" and m.content.strip():
            add("user", [{"type": "text", "text": m.content}])
    specs = [{"name": t.name, "description": t.description, "input_schema": t.parameters}
             for t in tools]
    request: dict[str, Any] = {"messages": wire, "tools": specs}
    if system.strip():
        request["system"] = system
    return request


def messages_from_anthropic(body: dict[str, Any]) -> tuple[Message, ...]:
    """A Messages request body as chaos messages (system first; a user turn's blocks apart)."""
    system = body.get("system")
    system = content_text(system) if isinstance(system, list) else system
    out = [Message("system", system)] if system else []
    for m in body.get("messages", []):
        content = m.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if m["role"] == "assistant":
            text = "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
            calls = tuple(ToolCall(b["id"], b["name"], b.get("input") or {})
                          for b in blocks if b.get("type") == "tool_use")
            out.append(Message("assistant", text, calls))
            continue
        for b in blocks:
            if b.get("type") == "tool_result":
                out.append(Message("tool", content_text(b.get("content")),
                                   tool_call_id=b["tool_use_id"]))
            elif b.get("type") == "text":
                out.append(Message("user", b.get("text", "")))
    return tuple(out)


def tools_from_anthropic(body: dict[str, Any]) -> tuple[ToolSchema, ...]:
    """A Messages request body's tools."""
    return tuple(ToolSchema(t["name"], t.get("description", ""), t.get("input_schema", {}))
                 for t in body.get("tools", []))


def anthropic_response(model: str, turn: ModelTurn, number: int) -> dict[str, Any]:
    """A Messages response body for `turn`."""
    blocks: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
    # A garbled call's input goes out as the text that does not parse (no real API sends
    # that, but a client must survive what a broken proxy or model server would).
    blocks += [{"type": "tool_use", "id": anthropic_id(c.id), "name": c.name or UNNAMED,
                "input": c.arguments if c.error is None else wire_arguments(c)}
               for c in turn.tool_calls]
    return {"id": f"msg_{number:08d}", "type": "message", "role": "assistant", "model": model,
            "content": blocks, "stop_reason": anthropic_stop_reason(turn),
            "stop_sequence": None,
            "usage": {"input_tokens": turn.usage.input_tokens,
                      "output_tokens": turn.usage.output_tokens}}
