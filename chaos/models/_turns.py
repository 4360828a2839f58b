"""Model answers read into turns: every shape the Chat Completions and Messages formats allow.

Providers and OpenAI-compatible servers (OpenRouter, vLLM, Ollama, llama.cpp, DeepSeek, LiteLLM)
answer in more shapes than the reference shows: content as null, a string or a list of parts,
reasoning beside the text, arguments as a JSON string or an object, calls without ids, usage
missing or partial. The readers here are total: any JSON body becomes a turn. A call that cannot
run as sent is a garbled call (its `error` goes back to the model, which must make it again), the
usage of every answer is counted, and what the provider needs echoed back (Anthropic's signed
thinking blocks, DeepSeek's `reasoning_content`) is kept in the adapter's `WireMemory`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chaos.models._protocol import Message, ModelTurn, ProviderError, ToolCall, Usage

__all__ = ["ANTHROPIC_ID", "UNNAMED", "WireMemory", "anthropic_turn", "content_text", "count",
           "openai_turn", "parse_arguments", "signed_thinking"]

#: Fields of an OpenAI-compatible assistant message that carry reasoning, echoed back as sent
#: (DeepSeek refuses a tool-call turn without its `reasoning_content`; OpenRouter keeps
#: `reasoning_details` across turns; LiteLLM needs Claude's signed `thinking_blocks` back).
REASONING_FIELDS = ("reasoning_content", "reasoning", "reasoning_details", "thinking_blocks")
#: The name a call that came without one goes back under (its error told the model so).
UNNAMED = "unnamed_tool"
#: The tool_use ids the Messages API takes.
ANTHROPIC_ID = r"[a-zA-Z0-9_-]+"
#: An inline reasoning block some servers leave at the head of the text (no reasoning parser);
#: one without its end was cut off (`finish_reason: length`): nothing visible was said.
_THINK = re.compile(r"^\s*<(think|thinking)>(?:.*?</\1>\s*|(?!.*</\1>).*)", re.DOTALL)


class WireMemory:
    """One adapter's memory of what it must send back beyond text and calls (one episode).

    Args:
        id_prefix: For the ids it makes up for calls that came without one (`call`, `toolu`).
        id_pattern: What an id must look like to be sent back (Anthropic's `^[a-zA-Z0-9_-]+$`);
            one that does not is replaced (chaos answers the call under the new id).
    """

    def __init__(self, id_prefix: str, id_pattern: str = r".+") -> None:
        self._prefix = id_prefix
        self._pattern = re.compile(id_pattern)
        self._ids: set[str] = set()
        self._made = 0
        self._echo: dict[Any, Any] = {}

    def call_id(self, raw: Any) -> str:
        """The provider's call id, or a new one when it sent none or one already used."""
        if isinstance(raw, str) and raw not in self._ids and len(raw) <= 256 \
                and self._pattern.fullmatch(raw):
            self._ids.add(raw)
            return raw
        while True:  # deterministic: the n-th made-up id of the episode
            self._made += 1
            made = f"{self._prefix}_chaos_{self._made}"
            if made not in self._ids:
                self._ids.add(made)
                return made

    def remember(self, turn: ModelTurn, echo: Any) -> None:
        """Keep `echo` for the assistant message that `turn` becomes."""
        if echo:
            self._echo[_key(turn.text, turn.tool_calls)] = echo

    def echo(self, message: Message) -> Any:
        """What was kept for this assistant message, or None."""
        return self._echo.get(_key(message.content, message.tool_calls)) if self._echo else None


def _key(text: str, calls: tuple[ToolCall, ...]) -> tuple[Any, ...]:
    return (text, tuple((c.id, c.name, json.dumps(c.arguments, sort_keys=True, default=str))
                        for c in calls))


def count(value: Any) -> int:
    """A token count as servers write it (int, float, numeric string); 0 for anything else."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float) and value == value and value not in (float("inf"), -float("inf")):
        return max(int(value), 0)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0


def _first(usage: dict[str, Any], *names: str) -> int | None:
    for name in names:
        if name in usage and usage[name] is not None:
            return count(usage[name])
    return None


def _usage(raw: Any, extra_input: tuple[str, ...] = ()) -> Usage:
    """Tokens in and out, from whichever of the usual names the server used."""
    if not isinstance(raw, dict):
        return Usage()
    tokens_in = _first(raw, "prompt_tokens", "input_tokens")
    tokens_out = _first(raw, "completion_tokens", "output_tokens")
    total = _first(raw, "total_tokens")
    if total is not None:  # a server that gave the total and one part gave the other too
        if tokens_out is None and tokens_in is not None:
            tokens_out = max(total - tokens_in, 0)
        elif tokens_in is None:
            tokens_in = max(total - (tokens_out or 0), 0)
    # Anthropic counts cached input apart from `input_tokens`; the call read it all the same.
    tokens_in = (tokens_in or 0) + sum(count(raw.get(name)) for name in extra_input)
    return Usage(tokens_in, tokens_out or 0)


def _is_reasoning(kind: Any) -> bool:
    return isinstance(kind, str) and ("think" in kind or "reason" in kind)


def content_text(content: Any) -> str:
    """The visible text of a message's content: a string, or a list of parts (reasoning apart)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else [content]
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, dict) and not _is_reasoning(part.get("type")):
            value = part.get("refusal") if part.get("type") == "refusal" else part.get("text")
            if isinstance(value, dict):  # {"text": {"value": ...}} (Assistants-style parts)
                value = value.get("value")
            if isinstance(value, str):
                out.append(value)
    return "".join(out)


def parse_arguments(name: str, raw: Any) -> tuple[dict[str, Any], str | None]:
    """Arguments as sent (JSON text, an object, empty), or why they cannot be used."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}, None
    value = raw
    for _ in range(2):  # a JSON string holding JSON text (double-encoded) is read through
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError) as exc:
            if value is raw:
                detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deep"
                return {}, f"the arguments of {name} are not valid JSON ({detail})"
            break
    if isinstance(value, dict):
        return value, None
    return {}, f"the arguments of {name} must be a JSON object, not {_kind(value)}"


def _kind(value: Any) -> str:
    return {str: "a string", list: "a list", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _call(call_id: str, name: Any, raw_arguments: Any) -> ToolCall:
    if not isinstance(name, str) or not name.strip():
        return ToolCall(call_id, "", {}, "a tool call without a tool name: call one of your "
                                          "tools by its name")
    arguments, error = parse_arguments(name, raw_arguments)
    if error is None:
        return ToolCall(call_id, name, arguments)
    raw = raw_arguments if isinstance(raw_arguments, str) else json.dumps(raw_arguments,
                                                                           default=str)
    return ToolCall(call_id, name, arguments, error, raw)


def _error_body(data: dict[str, Any], provider: str) -> ProviderError | None:
    """A 200 answer that holds an error instead of a completion (OpenRouter does this)."""
    error = data.get("error")
    if error in (None, {}, "") or (provider == "anthropic" and data.get("type") != "error"
                                   and "content" in data):
        return None
    message = error.get("message") if isinstance(error, dict) else error
    code = error.get("code") if isinstance(error, dict) else None
    status = code if isinstance(code, int) and 400 <= code <= 599 else None
    return ProviderError(f"the endpoint answered with an error: {str(message)[:500]}", status,
                         None, retryable=status is None or status in (408, 409, 429)
                         or status >= 500)


# -- OpenAI Chat Completions ---------------------------------------------------------------

def openai_turn(data: Any, memory: WireMemory | None = None) -> ModelTurn:
    """A Chat Completions answer (any JSON) as a turn.

    Raises:
        ProviderError: The answer is an error, or not a completion at all.
    """
    memory = memory or WireMemory("call")
    if not isinstance(data, dict):
        raise ProviderError(f"the endpoint answered with no chat completion: "
                            f"{str(data)[:200]!r}", None, None, retryable=True)
    if (failed := _error_body(data, "openai")) is not None and not data.get("choices"):
        raise failed
    choices = data.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else {}
    choice = choice if isinstance(choice, dict) else {}
    message = choice.get("message") or choice.get("delta") or {}
    message = message if isinstance(message, dict) else {}
    text = content_text(message.get("content")) or content_text(choice.get("text"))
    if not text.strip() and isinstance(message.get("refusal"), str):
        text = message["refusal"]
    text = _THINK.sub("", text, count=1)
    raw_calls = message.get("tool_calls")
    if isinstance(raw_calls, dict):
        raw_calls = [raw_calls]
    if not raw_calls and isinstance(message.get("function_call"), dict):
        raw_calls = [{"function": message["function_call"]}]  # the legacy single call
    calls = []
    for raw in raw_calls if isinstance(raw_calls, list) else []:
        raw = raw if isinstance(raw, dict) else {}
        function = raw.get("function") if isinstance(raw.get("function"), dict) else raw
        arguments = function.get("arguments", function.get("parameters"))
        calls.append(_call(memory.call_id(raw.get("id")), function.get("name"), arguments))
    reason = choice.get("finish_reason")
    turn = ModelTurn(text=text, tool_calls=tuple(calls), usage=_usage(data.get("usage")),
                     finish_reason=reason if isinstance(reason, str) and reason else "stop")
    memory.remember(turn, {k: message[k] for k in REASONING_FIELDS
                           if message.get(k) is not None})
    return turn


# -- Anthropic Messages ---------------------------------------------------------------------

def signed_thinking(block: dict[str, Any]) -> dict[str, Any] | None:
    """A thinking block as the API takes it back (signed), or None when it cannot go back."""
    if block.get("type") == "thinking" and isinstance(block.get("thinking"), str) \
            and isinstance(block.get("signature"), str) and block["signature"]:
        return {"type": "thinking", "thinking": block["thinking"],
                "signature": block["signature"]}
    if block.get("type") == "redacted_thinking" and isinstance(block.get("data"), str) \
            and block["data"]:
        return {"type": "redacted_thinking", "data": block["data"]}
    return None


def anthropic_turn(data: Any, memory: WireMemory | None = None) -> ModelTurn:
    """A Messages answer (any JSON) as a turn.

    Raises:
        ProviderError: The answer is an error, or not a message at all.
    """
    memory = memory or WireMemory("toolu", ANTHROPIC_ID)
    if not isinstance(data, dict):
        raise ProviderError(f"the endpoint answered with no message: {str(data)[:200]!r}",
                            None, None, retryable=True)
    if (failed := _error_body(data, "anthropic")) is not None:
        raise failed
    content = data.get("content")
    blocks = [content] if isinstance(content, str | dict) else content
    text, calls, thinking = "", [], []
    layout: list[Any] = []  # the turn as received, for an echo that must not be rebuilt
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") in ("text", None):
            block = block.get("text")
        if isinstance(block, str):
            text += block
            if block.strip():
                layout.append({"type": "text", "text": block})
        elif not isinstance(block, dict):
            continue
        elif block.get("type") == "tool_use":
            calls.append(_call(memory.call_id(block.get("id")), block.get("name"),
                               block.get("input")))
            layout.append(calls[-1])
        elif (kept := signed_thinking(block)) is not None:
            thinking.append(kept)
    reason = data.get("stop_reason")
    turn = ModelTurn(text=text, tool_calls=tuple(calls),
                     usage=_usage(data.get("usage"), ("cache_creation_input_tokens",
                                                      "cache_read_input_tokens")),
                     finish_reason=reason if isinstance(reason, str) and reason else "end_turn")
    if thinking:
        # Signed thinking goes back with its turn exactly as received (the API refuses a
        # rebuilt one), thinking first, blank text left out (the API refuses that too).
        memory.remember(turn, tuple(thinking) + tuple(
            b if isinstance(b, dict) else {"type": "tool_use", "id": b.id,
                                           "name": b.name or UNNAMED, "input": b.arguments}
            for b in layout))
    return turn
