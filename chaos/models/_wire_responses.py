"""The OpenAI Responses API's wire format, for the model gateway (requests in, answers out).

A request (checked first by `chaos.models._wire_responses_checks`) becomes chaos' neutral
messages: `instructions` a system message first, `input` text a user message, each item in
order — a `message` (system/developer as system), a `function_call` joined to the assistant
turn before it, a `function_call_output` a tool result; `reasoning` items are left out (the
model under test gets text). The answer is a `response` object: a `message` item with one
`output_text` part when the model said something, a `function_call` item per call, `usage`,
and `status` `incomplete` (with `incomplete_details`) for a turn cut off at its limit.
"""

from __future__ import annotations

from typing import Any

from chaos.models._protocol import Message, ModelTurn, ToolCall, ToolSchema
from chaos.models._turns import UNNAMED, content_text, parse_arguments
from chaos.models._wire import wire_arguments

__all__ = [
    "messages_from_responses",
    "options_from_responses",
    "response_body",
    "response_output",
    "response_status",
    "tools_from_responses",
]

#: What the model's finish reason makes of a response: its status and why it is incomplete.
_INCOMPLETE = {"length": "max_output_tokens", "max_tokens": "max_output_tokens",
               "content_filter": "content_filter", "refusal": "content_filter"}


def messages_from_responses(body: dict[str, Any]) -> tuple[Message, ...]:
    """A Responses request body's instructions and input, as chaos messages."""
    out: list[Message] = []
    if body.get("instructions"):
        out.append(Message("system", body["instructions"]))
    given = body.get("input")
    if isinstance(given, str):
        return (*out, Message("user", given))
    for item in given or []:
        kind = item.get("type", "message")
        if kind == "message":
            role = "system" if item["role"] == "developer" else item["role"]
            out.append(Message(role, content_text(item.get("content"))))
        elif kind == "function_call":
            arguments = parse_arguments(item["name"], item.get("arguments"))[0]
            call = ToolCall(item["call_id"], item["name"], arguments)
            last = out[-1] if out else None
            if last is not None and last.role == "assistant":
                # Calls after the assistant's words (or other calls) are that one turn.
                out[-1] = Message("assistant", last.content, (*last.tool_calls, call))
            else:
                out.append(Message("assistant", "", (call,)))
        elif kind == "function_call_output":
            out.append(Message("tool", content_text(item.get("output")),
                               tool_call_id=item["call_id"]))
    return tuple(out)


def tools_from_responses(body: dict[str, Any]) -> tuple[ToolSchema, ...]:
    """A Responses request body's function tools."""
    return tuple(ToolSchema(t["name"], t.get("description") or "",
                            t.get("parameters") or {"type": "object", "properties": {}})
                 for t in body.get("tools") or [])


def options_from_responses(body: dict[str, Any]) -> dict[str, Any]:
    """The options of a Responses request body, in `ModelRequest.options`' neutral shape.

    `max_output_tokens` is `max_tokens`; `tool_choice` (a function's name; `allowed_tools` as
    its mode), `parallel_tool_calls`, `temperature`, `top_p` as for Chat Completions;
    `text.format` becomes Chat Completions' `response_format`, `text.verbosity` its
    `verbosity`, `reasoning.effort` its `reasoning_effort` (OpenAI-compatible models only).
    """
    out: dict[str, Any] = {}
    for name in ("temperature", "top_p"):
        if isinstance(body.get(name), int | float) and not isinstance(body[name], bool):
            out[name] = body[name]
    if isinstance(body.get("max_output_tokens"), int):
        out["max_tokens"] = body["max_output_tokens"]
    choice = body.get("tool_choice")
    if choice in ("auto", "none", "required"):
        out["tool_choice"] = choice
    elif isinstance(choice, dict) and choice.get("type") == "function":
        out["tool_choice"] = {"name": str(choice.get("name"))}
    elif isinstance(choice, dict) and choice.get("mode") in ("auto", "required"):
        out["tool_choice"] = choice["mode"]
    if isinstance(body.get("parallel_tool_calls"), bool):
        out["parallel_tool_calls"] = body["parallel_tool_calls"]
    own: dict[str, Any] = {}
    text = body.get("text") if isinstance(body.get("text"), dict) else {}
    form = text.get("format")
    if isinstance(form, dict) and form.get("type") == "json_schema":
        own["response_format"] = {"type": "json_schema", "json_schema": {
            k: form[k] for k in ("name", "schema", "strict", "description") if k in form}}
    elif isinstance(form, dict) and form.get("type") == "json_object":
        own["response_format"] = {"type": "json_object"}
    if text.get("verbosity") is not None:
        own["verbosity"] = text["verbosity"]
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort") is not None:
        own["reasoning_effort"] = reasoning["effort"]
    if own:
        out["openai"] = own
    return out


def response_status(turn: ModelTurn) -> tuple[str, dict[str, str] | None]:
    """The response's `status` and `incomplete_details` for how the turn ended."""
    reason = _INCOMPLETE.get(turn.finish_reason)
    return ("incomplete", {"reason": reason}) if reason else ("completed", None)


def response_output(turn: ModelTurn, number: int) -> list[dict[str, Any]]:
    """The turn's `output` items: its words as a `message`, then a `function_call` per call."""
    status = response_status(turn)[0]
    items: list[dict[str, Any]] = []
    if turn.text:
        items.append({"id": f"msg_chaos{number:06d}", "type": "message", "role": "assistant",
                      "status": status, "content": [{"type": "output_text", "text": turn.text,
                                                     "annotations": [], "logprobs": []}]})
    for index, call in enumerate(turn.tool_calls):
        items.append({"id": f"fc_chaos{number:06d}_{index}", "type": "function_call",
                      "status": "completed", "call_id": call.id,
                      "name": call.name or UNNAMED, "arguments": wire_arguments(call)})
    return items


def response_body(body: dict[str, Any], turn: ModelTurn | None, number: int) -> dict[str, Any]:
    """The `response` object answering `body` (None for the turn: one still in progress).

    What the request set is echoed, as the API echoes it; `store` is false whatever was
    asked, since nothing is kept.
    """
    status, details = response_status(turn) if turn else ("in_progress", None)
    usage = turn.usage if turn else None
    return {
        "id": f"resp_chaos{number:06d}", "object": "response", "created_at": 1767225600,
        "status": status, "background": False, "error": None, "incomplete_details": details,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"), "model": body["model"],
        "output": response_output(turn, number) if turn else [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": None,
        "reasoning": {"effort": (body.get("reasoning") or {}).get("effort"), "summary": None},
        "service_tier": "default", "store": False,
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": [{"strict": True, "description": None, **t} for t in body.get("tools") or []],
        "top_logprobs": body.get("top_logprobs", 0), "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"), "user": body.get("user"),
        "metadata": body.get("metadata") or {},
        "usage": None if usage is None else {
            "input_tokens": usage.input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": usage.output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": usage.input_tokens + usage.output_tokens},
    }
