"""A whole model turn as each provider streams it (server-sent events).

OpenAI Chat Completions: `chat.completion.chunk` objects, the role first, the text in pieces,
each tool call opened with its id and name and its arguments in pieces, the finish reason in a
last chunk, the usage in one more (only with `stream_options.include_usage`), then `[DONE]`.
Anthropic Messages: `message_start`, per block `content_block_start`, `content_block_delta`
(`text_delta`, `input_json_delta`) and `content_block_stop`, `message_delta` with the stop
reason and output tokens, `message_stop`.

The turn is whole before the first event leaves (the model under test answered it in one
call); it is cut in pieces all the same, so a client's accumulation of deltas is exercised as
against the real APIs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from chaos.models import ModelTurn
from chaos.models._turns import UNNAMED
from chaos.models._wire import (
    anthropic_id,
    anthropic_stop_reason,
    openai_finish_reason,
    wire_arguments,
)

__all__ = ["anthropic_events", "openai_chunks", "pieces"]

#: Characters per delta: small enough that a sentence or an argument object spans several.
PIECE = 24


def pieces(text: str, size: int = PIECE) -> list[str]:
    """`text` cut in pieces of `size` characters (none for empty text)."""
    return [text[i:i + size] for i in range(0, len(text), size)]


def _sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()  # ASCII: any text survives


def openai_chunks(model: str, turn: ModelTurn, number: int,
                  include_usage: bool) -> Iterator[bytes]:
    """The turn as a Chat Completions stream (each item one event, `[DONE]` last)."""
    base = {"id": f"chatcmpl-{number}", "object": "chat.completion.chunk",
            "created": 1767225600, "model": model, "system_fingerprint": None}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        out = {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                    "finish_reason": finish}]}
        if include_usage:
            out["usage"] = None  # every chunk but the last, as the API sends them
        return _sse(out)

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in pieces(turn.text):
        yield chunk({"content": piece})
    for index, call in enumerate(turn.tool_calls):
        yield chunk({"tool_calls": [{"index": index, "id": call.id, "type": "function",
                                     "function": {"name": call.name or UNNAMED,
                                                  "arguments": ""}}]})
        for piece in pieces(wire_arguments(call)):
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, openai_finish_reason(turn))
    if include_usage:
        usage = turn.usage
        yield _sse({**base, "choices": [], "usage": {
            "prompt_tokens": usage.input_tokens, "completion_tokens": usage.output_tokens,
            "total_tokens": usage.input_tokens + usage.output_tokens}})
    yield b"data: [DONE]\n\n"


def anthropic_events(model: str, turn: ModelTurn, number: int) -> Iterator[bytes]:
    """The turn as a Messages stream (each item one event)."""
    yield _sse({"type": "message_start", "message": {
        "id": f"msg_{number:08d}", "type": "message", "role": "assistant", "model": model,
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": turn.usage.input_tokens, "output_tokens": 1}}},
        "message_start")
    index = 0
    if turn.text:
        yield _sse({"type": "content_block_start", "index": index,
                    "content_block": {"type": "text", "text": ""}}, "content_block_start")
        yield _sse({"type": "ping"}, "ping")
        for piece in pieces(turn.text):
            yield _sse({"type": "content_block_delta", "index": index,
                        "delta": {"type": "text_delta", "text": piece}}, "content_block_delta")
        yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop")
        index += 1
    for call in turn.tool_calls:
        yield _sse({"type": "content_block_start", "index": index, "content_block": {
            "type": "tool_use", "id": anthropic_id(call.id), "name": call.name or UNNAMED,
            "input": {}}},
            "content_block_start")
        for piece in pieces(wire_arguments(call)):
            yield _sse({"type": "content_block_delta", "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece}},
                       "content_block_delta")
        yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop")
        index += 1
    yield _sse({"type": "message_delta",
                "delta": {"stop_reason": anthropic_stop_reason(turn), "stop_sequence": None},
                "usage": {"output_tokens": turn.usage.output_tokens}}, "message_delta")
    yield _sse({"type": "message_stop"}, "message_stop")
