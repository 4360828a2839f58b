"""The gateway's OpenAI Responses API (`POST /v1/responses`): one request, one model call.

The OpenAI Agents SDK calls this API by default (`OpenAIResponsesModel`), streaming. The
request is checked as the API checks it (`responses_problem`), its input translated to chaos'
messages, the episode's model called once; the answer is a `response` object, or with
`"stream": true` the API's event sequence: `response.created`, `response.in_progress`, per
output item `response.output_item.added`, its text (`response.content_part.added`,
`response.output_text.delta` ... `.done`, `response.content_part.done`) or arguments
(`response.function_call_arguments.delta` ... `.done`), `response.output_item.done`, and
`response.completed` (`response.incomplete` for a turn cut off), each with its
`sequence_number`. Nothing is stored: `previous_response_id` is refused, saying to send the
whole input.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from chaos.agents._gateway_http import Refused, send_events, send_json
from chaos.models import ModelTurn
from chaos.models._wire_responses import (
    messages_from_responses,
    options_from_responses,
    response_body,
    response_output,
    tools_from_responses,
)
from chaos.models._wire_responses_checks import responses_problem

__all__ = ["answer_responses", "response_events"]

#: Characters per delta, as the other streams cut them.
PIECE = 24


async def answer_responses(backend: Any, agent: str | None, body: Any,
                           number: Callable[[], int], send: Any) -> None:
    """Answer one parsed Responses request through `backend` (a `ModelBackend`).

    `number()` numbers the answer (its ids), once the model answered.

    Raises:
        Refused: A request the API refuses (400).
        ProviderError: The model's error, for the gateway to send as the provider would.
    """
    if problem := responses_problem(body):
        raise Refused(400, problem)
    try:
        messages, tools = messages_from_responses(body), tools_from_responses(body)
    except (KeyError, TypeError, AttributeError) as exc:
        raise Refused(400, f"Invalid request: {exc}") from None
    turn = await backend.call_model(agent, messages, tools,
                                    options=options_from_responses(body))
    numbered = number()
    if body.get("stream") is True:
        await send_events(send, response_events(body, turn, numbered))
    else:
        await send_json(send, 200, response_body(body, turn, numbered))


def _pieces(text: str) -> list[str]:
    return [text[i:i + PIECE] for i in range(0, len(text), PIECE)]


def response_events(body: dict[str, Any], turn: ModelTurn, number: int) -> Iterator[bytes]:
    """The turn as the Responses API streams it (each item one server-sent event)."""
    sequence = 0

    def event(kind: str, **fields: Any) -> bytes:
        nonlocal sequence
        data = {"type": kind, "sequence_number": sequence, **fields}
        sequence += 1
        return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()  # ASCII: any text

    opening = response_body(body, None, number)
    yield event("response.created", response=opening)
    yield event("response.in_progress", response=opening)
    for index, item in enumerate(response_output(turn, number)):
        at = {"output_index": index}
        if item["type"] == "message":
            part = item["content"][0]
            yield event("response.output_item.added", item={
                **item, "status": "in_progress", "content": []}, **at)
            place = {"item_id": item["id"], **at, "content_index": 0}
            yield event("response.content_part.added", **place,
                        part={**part, "text": ""})
            for piece in _pieces(part["text"]):
                yield event("response.output_text.delta", **place, delta=piece, logprobs=[])
            yield event("response.output_text.done", **place, text=part["text"], logprobs=[])
            yield event("response.content_part.done", **place, part=part)
        else:
            yield event("response.output_item.added", item={
                **item, "status": "in_progress", "arguments": ""}, **at)
            for piece in _pieces(item["arguments"]):
                yield event("response.function_call_arguments.delta", item_id=item["id"],
                            **at, delta=piece)
            yield event("response.function_call_arguments.done", item_id=item["id"], **at,
                        name=item["name"], arguments=item["arguments"])
        yield event("response.output_item.done", item=item, **at)
    final = response_body(body, turn, number)
    yield event(f"response.{final['status']}", response=final)
