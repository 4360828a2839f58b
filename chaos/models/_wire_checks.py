"""What strict servers refuse in a request, as the APIs document it (the loopback server's rules).

OpenAI Chat Completions: unknown parameters and message fields; `content: null` on an
assistant turn without tool calls; `content` null elsewhere; arguments that are not a JSON
string; tool messages that answer no call of the assistant turn just before, and calls left
unanswered. DeepSeek's thinking mode: a tool-call turn without the `reasoning_content` it came
with.

Anthropic Messages: unknown fields; empty messages and blank text blocks ("text content blocks
must contain non-whitespace text"); two messages of one role in a row (as Bedrock and the
API's earlier versions refuse); tool_use ids used twice; tool_use blocks whose results are not
the first blocks of the next message, results that answer no tool_use of the message before;
thinking blocks without their signature, changed, out of place, or left out of the turn whose
tool calls they came with.

A check returns the first problem as the API's error message would say it, or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chaos.models._turns import REASONING_FIELDS, signed_thinking

__all__ = ["Issued", "anthropic_problem", "openai_problem"]

_OPENAI_PARAMS = {
    "model", "messages", "tools", "tool_choice", "max_tokens", "max_completion_tokens",
    "temperature", "top_p", "seed", "stop", "n", "stream", "stream_options",
    "parallel_tool_calls", "response_format", "frequency_penalty", "presence_penalty",
    "logprobs", "top_logprobs", "user", "metadata", "store", "reasoning_effort",
    "service_tier", "logit_bias", "modalities", "prediction", "audio", "verbosity",
    "prompt_cache_key", "prompt_cache_retention", "prompt_cache_options", "safety_identifier",
    "web_search_options", "moderation", "functions", "function_call",
}
_OPENAI_FIELDS = {
    "system": {"role", "content", "name"}, "developer": {"role", "content", "name"},
    "user": {"role", "content", "name"}, "tool": {"role", "content", "tool_call_id"},
    "assistant": {"role", "content", "name", "tool_calls", "refusal", "audio",
                  "function_call"},
}
_ANTHROPIC_PARAMS = {
    "model", "messages", "max_tokens", "system", "tools", "tool_choice", "temperature",
    "top_p", "top_k", "stop_sequences", "stream", "metadata", "thinking", "service_tier",
    "cache_control", "container", "output_config", "inference_geo", "speed",
}
_BLOCK_FIELDS = {
    "text": {"type", "text", "cache_control", "citations"},
    "tool_use": {"type", "id", "name", "input", "cache_control"},
    "tool_result": {"type", "tool_use_id", "content", "is_error", "cache_control"},
    "thinking": {"type", "thinking", "signature"},
    "redacted_thinking": {"type", "data"},
    "image": {"type", "source", "cache_control"},
}
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_TOOL_USE_ID = re.compile(r"^[a-zA-Z0-9_-]+$")


@dataclass
class Issued:
    """What a server answered that must come back as it was sent.

    Attributes:
        reasoning: OpenAI-compatible reasoning fields by the tool-call id they came with.
        reasoning_fields: Every reasoning field name the server has sent (it takes them back).
        signatures: The thinking text (or redacted data) each signature was issued for.
        thinking: The thinking blocks by the tool_use id they came with.
    """

    reasoning: dict[str, dict[str, Any]] = field(default_factory=dict)
    reasoning_fields: set[str] = field(default_factory=set)
    signatures: dict[str, str] = field(default_factory=dict)
    thinking: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def record_openai(self, body: Any) -> None:
        """Remember the reasoning of an answer sent."""
        choices = body.get("choices") if isinstance(body, dict) else None
        for choice in choices if isinstance(choices, list) else []:
            message = choice.get("message") if isinstance(choice, dict) else None
            if not isinstance(message, dict):
                continue
            fields = {k: message[k] for k in REASONING_FIELDS if k in message}
            self.reasoning_fields |= set(fields)
            calls = message.get("tool_calls")
            for call in calls if isinstance(calls, list) else []:
                if isinstance(call, dict) and isinstance(call.get("id"), str):
                    # The latest answer with an id is the one its echo must match.
                    self.reasoning.pop(call["id"], None)
                    if fields:
                        self.reasoning[call["id"]] = fields

    def record_anthropic(self, body: Any) -> None:
        """Remember the signed thinking of an answer sent."""
        blocks = body.get("content") if isinstance(body, dict) else None
        if not isinstance(blocks, list):
            return
        kept = []
        for block in blocks:
            if not isinstance(block, dict):
                continue
            if (signed := signed_thinking(block)) is not None:
                self.signatures[signed.get("signature", signed.get("data"))] = \
                    signed.get("thinking", signed.get("data"))
                kept.append(signed)
            elif block.get("type") == "tool_use" and isinstance(block.get("id"), str):
                self.thinking.pop(block["id"], None)
                if kept:
                    self.thinking[block["id"]] = kept


def _kind(value: Any) -> str:
    return {str: "a string", dict: "an object", list: "an array", type(None): "null",
            bool: "a boolean"}.get(type(value), "a number")


# -- OpenAI Chat Completions ---------------------------------------------------------------

def _openai_content(where: str, content: Any, role: str) -> str | None:
    if isinstance(content, str):
        return None
    if isinstance(content, list) and content:
        for j, part in enumerate(content):
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                return f"Invalid type for '{where}.content[{j}]': expected an object."
            if part["type"] == "text" and not isinstance(part.get("text"), str):
                return f"Missing required parameter: '{where}.content[{j}].text'."
        return None
    if content is None and role == "assistant":
        return None  # checked with the tool calls
    return (f"Invalid type for '{where}.content': expected one of a string or array of "
            f"objects, but got {_kind(content)} instead.")


def _openai_calls(where: str, calls: Any) -> str | None:
    if not isinstance(calls, list) or not calls:
        return f"Invalid '{where}.tool_calls': empty array. Expected an array with minimum " \
               "length 1."
    ids = set()
    for j, call in enumerate(calls):
        at = f"{where}.tool_calls[{j}]"
        if not isinstance(call, dict) or set(call) - {"id", "type", "function"}:
            return f"Invalid '{at}': unexpected fields."
        if not isinstance(call.get("id"), str) or not call["id"]:
            return f"Missing required parameter: '{at}.id'."
        if call["id"] in ids:
            return f"Invalid '{at}.id': duplicate tool call id '{call['id']}'."
        ids.add(call["id"])
        if call.get("type") != "function":
            return f"Invalid value for '{at}.type': expected 'function'."
        function = call.get("function")
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) \
                or not function["name"]:
            return f"Missing required parameter: '{at}.function.name'."
        if not isinstance(function.get("arguments"), str):
            return (f"Invalid type for '{at}.function.arguments': expected a string, but got "
                    f"{_kind(function.get('arguments'))} instead.")
    return None


def _number(body: dict[str, Any], name: str, low: float, high: float,
            where: str | None = None) -> str | None:
    """A sampling parameter out of its type or range, in the OpenAI API's words."""
    value = body.get(name)
    if value is None:
        return None
    where = where or f"'{name}'"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"Invalid type for {where}: expected a number, but got {_kind(value)} instead."
    if value < low:
        return f"Invalid {where}: decimal below minimum value. Expected a value >= {low:g}, " \
               f"but got {value} instead."
    if value > high:
        return f"Invalid {where}: decimal above maximum value. Expected a value <= {high:g}, " \
               f"but got {value} instead."
    return None


def _tool_names(body: dict[str, Any], openai: bool) -> set[str]:
    tools = body.get("tools") or []
    if openai:
        return {str(t["function"].get("name")) for t in tools}
    return {str(t.get("name")) for t in tools}


def _openai_options(body: dict[str, Any]) -> str | None:
    """Sampling, stop and tool choice as Chat Completions takes them."""
    for name, low, high in (("temperature", 0, 2), ("top_p", 0, 1),
                            ("frequency_penalty", -2, 2), ("presence_penalty", -2, 2)):
        if problem := _number(body, name, low, high):
            return problem
    limit = body.get("max_completion_tokens")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)
                              or limit < 1):
        return f"Invalid 'max_completion_tokens': integer below minimum value. Got {limit}."
    stop = body.get("stop")
    if stop is not None and not isinstance(stop, str) and not (
            isinstance(stop, list) and all(isinstance(s, str) for s in stop)):
        return "Invalid type for 'stop': expected one of a string or array of strings."
    if isinstance(stop, list) and len(stop) > 4:
        return f"Invalid 'stop': array too long. Expected an array with maximum length 4, but " \
               f"got an array with length {len(stop)} instead."
    choice = body.get("tool_choice")
    if choice is None:
        return None
    if not body.get("tools"):
        return "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' " \
               "are specified."
    if isinstance(choice, str):
        return None if choice in ("auto", "none", "required") else (
            f"Invalid value for 'tool_choice': '{choice}'. Supported values are: 'none', "
            "'auto', and 'required'.")
    function = choice.get("function") if isinstance(choice, dict) else None
    if not isinstance(function, dict) or choice.get("type") != "function":
        return "Invalid 'tool_choice': expected 'none', 'auto', 'required' or an object " \
               "naming a function ({'type': 'function', 'function': {'name': ...}})."
    if function.get("name") not in _tool_names(body, True):
        return f"Invalid value for 'tool_choice': function '{function.get('name')}' not found " \
               "in 'tools'."
    return None


def _anthropic_options(body: dict[str, Any]) -> str | None:
    """Sampling, stop sequences and tool choice as Messages takes them."""
    for name, high in (("temperature", 1), ("top_p", 1)):
        if problem := _number(body, name, 0, high, name):
            return problem.replace("Invalid type for ", "").replace("Invalid ", "")
    top_k = body.get("top_k")
    if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool)
                              or top_k < 0):
        return "top_k: Input should be a valid integer greater than or equal to 0"
    stop = body.get("stop_sequences")
    if stop is not None and not (isinstance(stop, list)
                                 and all(isinstance(s, str) for s in stop)):
        return "stop_sequences: Input should be a valid list of strings"
    choice = body.get("tool_choice")
    if choice is None:
        return None
    kind = choice.get("type") if isinstance(choice, dict) else None
    if kind not in ("auto", "any", "tool", "none"):
        return "tool_choice: Input tag does not match any of the expected tags: 'auto', " \
               "'any', 'tool', 'none'"
    if kind == "tool" and choice.get("name") not in _tool_names(body, False):
        return f"tool_choice: tool '{choice.get('name')}' not found in tools"
    return None


def openai_problem(body: Any, issued: Issued | None = None) -> str | None:
    """The first thing a strict Chat Completions server refuses in `body`, or None."""
    issued = issued or Issued()
    if not isinstance(body, dict):
        return "We could not parse the JSON body of your request."
    if unknown := sorted(set(body) - _OPENAI_PARAMS):
        return f"Unrecognized request argument supplied: {unknown[0]}"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        return f"Invalid 'max_tokens': integer below minimum value. Got {max_tokens}."
    if body.get("tools") == []:
        return "Invalid 'tools': empty array. Expected an array with minimum length 1."
    if body.get("tools") is not None and not isinstance(body["tools"], list):
        return f"Invalid type for 'tools': expected an array, but got {_kind(body['tools'])} " \
               "instead."
    for i, tool in enumerate(body.get("tools") or []):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or tool.get("type") != "function" \
                or not _TOOL_NAME.match(str(function.get("name"))):
            return f"Invalid 'tools[{i}].function.name': string does not match pattern."
        if not isinstance(function.get("parameters", {}), dict):
            return f"Invalid type for 'tools[{i}].function.parameters': expected an object."
    if problem := _openai_options(body):
        return problem
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "Invalid 'messages': empty array. Expected an array with minimum length 1."
    pending: list[str] = []  # calls of the last assistant turn not answered yet
    answerable: set[str] = set()
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        role = m.get("role") if isinstance(m, dict) else None
        if role not in _OPENAI_FIELDS:
            return f"Invalid value for '{where}.role': {role!r}."
        allowed = _OPENAI_FIELDS[role] | (issued.reasoning_fields if role == "assistant"
                                          else set())
        if extra := sorted(set(m) - allowed):
            return f"Additional properties are not allowed ('{extra[0]}' was unexpected) - " \
                   f"'{where}'"
        if role != "tool" and pending:
            return ("An assistant message with 'tool_calls' must be followed by tool messages "
                    "responding to each 'tool_call_id'. The following tool_call_ids did not "
                    f"have response messages: {', '.join(pending)}")
        if "content" not in m and role != "assistant":
            return f"Missing required parameter: '{where}.content'."
        if problem := _openai_content(where, m.get("content"), role):
            return problem
        if role == "assistant":
            calls = m.get("tool_calls")
            if calls is not None and (problem := _openai_calls(where, calls)):
                return problem
            if m.get("content") is None and not calls and not m.get("function_call"):
                return (f"Invalid value for '{where}.content': expected a string, got null. "
                        "(content may be null only beside tool_calls)")
            ids = [c["id"] for c in calls or []]
            for call_id in ids:
                sent = issued.reasoning.get(call_id)
                if sent and any(m.get(k) != v for k, v in sent.items()):
                    return ("The `reasoning_content` in the thinking mode must be passed back "
                            "to the API.")
            pending, answerable = list(ids), set(ids)
        elif role == "tool":
            call_id = m.get("tool_call_id")
            if call_id not in answerable or call_id not in pending:
                return ("Invalid parameter: messages with role 'tool' must be a response to a "
                        "preceeding message with 'tool_calls'.")
            pending.remove(call_id)
    if pending:
        return ("An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(pending)}")
    return None


# -- Anthropic Messages ---------------------------------------------------------------------

def _blank(text: Any) -> bool:
    return not isinstance(text, str) or not text.strip()


def _anthropic_block(where: str, block: Any, role: str, issued: Issued) -> str | None:
    if not isinstance(block, dict) or block.get("type") not in _BLOCK_FIELDS:
        kind = block.get("type") if isinstance(block, dict) else None
        return f"{where}.type: Input tag '{kind}' found using 'type' does not match any of " \
               "the expected tags"
    kind = block["type"]
    if extra := sorted(set(block) - _BLOCK_FIELDS[kind]):
        return f"{where}.{kind}.{extra[0]}: Extra inputs are not permitted"
    if kind == "text" and _blank(block.get("text")):
        return "messages: text content blocks must contain non-whitespace text"
    if kind in ("tool_use", "thinking", "redacted_thinking") and role != "assistant":
        return f"{where}: `{kind}` blocks may only appear in assistant messages"
    if kind == "tool_result" and role != "user":
        return f"{where}: `tool_result` blocks may only appear in user messages"
    if kind == "tool_use":
        if not isinstance(block.get("id"), str) or not _TOOL_USE_ID.match(block["id"]):
            return f"{where}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'"
        if _blank(block.get("name")):
            return f"{where}.tool_use.name: Field required"
        if not isinstance(block.get("input"), dict):
            return f"{where}.tool_use.input: Input should be a valid dictionary"
    if kind == "tool_result":
        if not isinstance(block.get("tool_use_id"), str):
            return f"{where}.tool_result.tool_use_id: Field required"
        content = block.get("content")
        if isinstance(content, list):
            for j, part in enumerate(content):
                if problem := _anthropic_block(f"{where}.content.{j}", part, "user", issued):
                    return problem
        elif content is not None and not isinstance(content, str):
            return f"{where}.tool_result.content: Input should be a valid string or list"
    if kind == "thinking":
        if not isinstance(block.get("thinking"), str):
            return f"{where}.thinking.thinking: Field required"
        if not isinstance(block.get("signature"), str):
            return f"{where}.thinking.signature: Field required"
        if issued.signatures.get(block["signature"]) != block["thinking"]:
            return f"{where}: Invalid `signature` in `thinking` block"
    if kind == "redacted_thinking" and issued.signatures.get(str(block.get("data"))) \
            != block.get("data"):
        return f"{where}: Invalid `data` in `redacted_thinking` block"
    return None


def anthropic_problem(body: Any, issued: Issued | None = None) -> str | None:
    """The first thing a strict Messages server refuses in `body`, or None."""
    issued = issued or Issued()
    if not isinstance(body, dict):
        return "There was an issue with the request body: not a JSON object"
    if unknown := sorted(set(body) - _ANTHROPIC_PARAMS):
        return f"{unknown[0]}: Extra inputs are not permitted"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: Field required"
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        return "max_tokens: Field required (an integer of at least 1)"
    system = body.get("system")
    parts = [system] if isinstance(system, str) else system if isinstance(system, list) else []
    if system is not None and (not parts or any(
            _blank(b if isinstance(b, str) else b.get("text") if isinstance(b, dict) else None)
            for b in parts)):
        return "system: text content blocks must contain non-whitespace text"
    if body.get("tools") is not None and not isinstance(body["tools"], list):
        return "tools: Input should be a valid list"
    for i, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or not _TOOL_NAME.match(str(tool.get("name"))) \
                or not isinstance(tool.get("input_schema"), dict):
            return f"tools.{i}: name must match '^[a-zA-Z0-9_-]{{1,64}}$' with an input_schema"
    if problem := _anthropic_options(body):
        return problem
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    used: set[str] = set()
    previous: list[str] = []  # tool_use ids of the assistant message just before
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'"
        if extra := sorted(set(m) - {"role", "content"}):
            return f"messages.{i}.{extra[0]}: Extra inputs are not permitted"
        role, content = m["role"], m.get("content")
        if i == 0 and role != "user":
            return "messages: first message must use the \"user\" role"
        if i > 0 and messages[i - 1].get("role") == role:
            return "messages: roles must alternate between \"user\" and \"assistant\""
        final = i == len(messages) - 1 and role == "assistant"
        if content in ("", []) and not final:
            return (f"messages.{i}: all messages must have non-empty content except for the "
                    "optional final assistant message")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list):
            return f"messages.{i}.content: Input should be a valid string or list"
        for j, block in enumerate(blocks):
            if problem := _anthropic_block(f"messages.{i}.content.{j}", block, role, issued):
                return problem
        kinds = [b["type"] for b in blocks]
        if role == "assistant":
            ids = [b["id"] for b in blocks if b["type"] == "tool_use"]
            if dup := next((x for x in ids if x in used or ids.count(x) > 1), None):
                return f"messages.{i}: `tool_use` ids must be unique ({dup})"
            used |= set(ids)
            first_other = next((k for k, t in enumerate(kinds) if "thinking" not in t),
                               len(kinds))
            if any("thinking" in t for t in kinds[first_other:]):
                return f"messages.{i}.content.{first_other}: thinking blocks must come first"
            for x in ids:
                if (sent := issued.thinking.get(x)) and blocks[:len(sent)] != sent:
                    return (f"messages.{i}.content.0.type: Expected `thinking` or "
                            "`redacted_thinking`, but found `tool_use`. The thinking blocks "
                            "of a tool-use turn must come back unmodified with it")
            previous = ids
            continue
        results = [b.get("tool_use_id") for b in blocks if b["type"] == "tool_result"]
        if kinds[:len(results)] != ["tool_result"] * len(results):
            return f"messages.{i}: `tool_result` blocks must come first in the message content"
        if stray := [x for x in results if x not in previous]:
            return (f"messages.{i}.content.0: unexpected `tool_use_id` found in `tool_result` "
                    f"blocks: {stray[0]}. Each `tool_result` block must have a corresponding "
                    "`tool_use` block in the previous message.")
        if missing := [x for x in previous if x not in results]:
            return (f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(missing)}. Each `tool_use` block must have "
                    "a corresponding `tool_result` block in the next message.")
        previous = []
    if previous:
        return ("messages: `tool_use` ids were found without `tool_result` blocks immediately "
                f"after: {', '.join(previous)}")
    return None
