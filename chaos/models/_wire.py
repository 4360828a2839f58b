"""The two wire formats chaos speaks: OpenAI Chat Completions and Anthropic Messages.

Pure translations between chaos's neutral messages and each API's JSON, used by the adapters
(to call the official SDKs) and by the loopback server (to answer them).
"""

from __future__ import annotations

import json
from typing import Any

from chaos.models._protocol import Message, ModelTurn, ToolCall, ToolSchema, Usage

__all__ = [
    "anthropic_request",
    "anthropic_response",
    "anthropic_turn",
    "messages_from_anthropic",
    "messages_from_openai",
    "openai_request",
    "openai_response",
    "openai_turn",
    "tools_from_anthropic",
    "tools_from_openai",
]


def _call_from_json(call_id: str, name: str, raw: str) -> ToolCall:
    try:
        arguments = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        return ToolCall(call_id, name, {}, f"the arguments of {name} are not valid JSON ({exc})")
    if not isinstance(arguments, dict):
        return ToolCall(call_id, name, {}, f"the arguments of {name} must be a JSON object")
    return ToolCall(call_id, name, arguments)


# -- OpenAI Chat Completions ---------------------------------------------------------------

def openai_request(messages: tuple[Message, ...], tools: tuple[ToolSchema, ...]) -> dict[str, Any]:
    """`messages` and `tools` arguments for `chat.completions.create`."""
    wire: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "assistant":
            item: dict[str, Any] = {"role": "assistant", "content": m.content or None}
            if m.tool_calls:
                item["tool_calls"] = [{"id": c.id, "type": "function", "function": {
                    "name": c.name, "arguments": json.dumps(c.arguments)}} for c in m.tool_calls]
            wire.append(item)
        elif m.role == "tool":
            wire.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content})
        else:
            wire.append({"role": m.role, "content": m.content})
    specs = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                               "parameters": t.parameters}} for t in tools]
    return {"messages": wire, "tools": specs}


def openai_turn(response: Any) -> ModelTurn:
    """A ChatCompletion (SDK object or dict) as a turn."""
    data = response if isinstance(response, dict) else response.model_dump()
    choice = (data.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    calls = tuple(_call_from_json(c.get("id", ""), c["function"]["name"],
                                  c["function"].get("arguments", ""))
                  for c in message.get("tool_calls") or [])
    usage = data.get("usage") or {}
    return ModelTurn(text=message.get("content") or "", tool_calls=calls,
                     usage=Usage(usage.get("prompt_tokens", 0) or 0,
                                 usage.get("completion_tokens", 0) or 0),
                     finish_reason=choice.get("finish_reason") or "stop")


def messages_from_openai(body: dict[str, Any]) -> tuple[Message, ...]:
    """A Chat Completions request body's messages, as chaos messages."""
    out = []
    for m in body.get("messages", []):
        content = m.get("content") or ""
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content)
        calls = tuple(ToolCall(c["id"], c["function"]["name"],
                               json.loads(c["function"].get("arguments") or "{}"))
                      for c in m.get("tool_calls") or [])
        out.append(Message(m["role"], content, calls, m.get("tool_call_id")))
    return tuple(out)


def tools_from_openai(body: dict[str, Any]) -> tuple[ToolSchema, ...]:
    """A Chat Completions request body's tools."""
    return tuple(ToolSchema(t["function"]["name"], t["function"].get("description", ""),
                            t["function"].get("parameters", {})) for t in body.get("tools", []))


def openai_response(model: str, turn: ModelTurn, number: int) -> dict[str, Any]:
    """A Chat Completions response body for `turn`."""
    calls = [{"id": c.id, "type": "function",
              "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
             for c in turn.tool_calls]
    message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
    if calls:
        message["tool_calls"] = calls
    return {"id": f"chatcmpl-{number}", "object": "chat.completion", "created": 1767225600,
            "model": model, "choices": [{"index": 0, "message": message,
                                         "finish_reason": turn.finish_reason}],
            "usage": {"prompt_tokens": turn.usage.input_tokens,
                      "completion_tokens": turn.usage.output_tokens,
                      "total_tokens": turn.usage.input_tokens + turn.usage.output_tokens}}


# -- Anthropic Messages ---------------------------------------------------------------------

def anthropic_request(messages: tuple[Message, ...],
                      tools: tuple[ToolSchema, ...]) -> dict[str, Any]:
    """`system`, `messages` and `tools` arguments for `messages.create`."""
    system = "\n".join(m.content for m in messages if m.role == "system")
    wire: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "assistant":
            blocks: list[dict[str, Any]] = [{"type": "text", "text": m.content}] if m.content \
                else []
            blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                       for c in m.tool_calls]
            wire.append({"role": "assistant", "content": blocks or [{"type": "text",
                                                                      "text": "..."}]})
        elif m.role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content}
            # Consecutive tool results travel in one user message, as the API requires.
            if wire and wire[-1]["role"] == "user" and isinstance(wire[-1]["content"], list):
                wire[-1]["content"].append(block)
            else:
                wire.append({"role": "user", "content": [block]})
        else:
            wire.append({"role": "user", "content": m.content})
    specs = [{"name": t.name, "description": t.description, "input_schema": t.parameters}
             for t in tools]
    return {"system": system, "messages": wire, "tools": specs}


def anthropic_turn(response: Any) -> ModelTurn:
    """A Message (SDK object or dict) as a turn."""
    data = response if isinstance(response, dict) else response.model_dump()
    text, calls = "", []
    for block in data.get("content") or []:
        if block.get("type") == "text":
            text += block.get("text", "")
        elif block.get("type") == "tool_use":
            arguments = block.get("input")
            calls.append(ToolCall(block["id"], block["name"], arguments)
                         if isinstance(arguments, dict) else
                         ToolCall(block["id"], block["name"], {},
                                  f"the input of {block['name']} must be a JSON object"))
    usage = data.get("usage") or {}
    return ModelTurn(text=text, tool_calls=tuple(calls),
                     usage=Usage(usage.get("input_tokens", 0) or 0,
                                 usage.get("output_tokens", 0) or 0),
                     finish_reason=data.get("stop_reason") or "end_turn")


def messages_from_anthropic(body: dict[str, Any]) -> tuple[Message, ...]:
    """A Messages request body as chaos messages (system first)."""
    out = [Message("system", body["system"])] if body.get("system") else []
    for m in body.get("messages", []):
        content = m.get("content")
        if isinstance(content, str):
            out.append(Message(m["role"], content))
            continue
        text = "".join(b.get("text", "") for b in content if b.get("type") == "text")
        calls = tuple(ToolCall(b["id"], b["name"], b.get("input") or {})
                      for b in content if b.get("type") == "tool_use")
        results = [b for b in content if b.get("type") == "tool_result"]
        if results:
            for b in results:
                body_text = b.get("content")
                if isinstance(body_text, list):
                    body_text = "".join(x.get("text", "") for x in body_text)
                out.append(Message("tool", body_text or "", tool_call_id=b["tool_use_id"]))
        else:
            out.append(Message(m["role"], text, calls))
    return tuple(out)


def tools_from_anthropic(body: dict[str, Any]) -> tuple[ToolSchema, ...]:
    """A Messages request body's tools."""
    return tuple(ToolSchema(t["name"], t.get("description", ""), t.get("input_schema", {}))
                 for t in body.get("tools", []))


def anthropic_response(model: str, turn: ModelTurn, number: int) -> dict[str, Any]:
    """A Messages response body for `turn`."""
    blocks: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
    blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
               for c in turn.tool_calls]
    return {"id": f"msg_{number:08d}", "type": "message", "role": "assistant", "model": model,
            "content": blocks, "stop_reason": "tool_use" if turn.tool_calls else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": turn.usage.input_tokens,
                      "output_tokens": turn.usage.output_tokens}}
