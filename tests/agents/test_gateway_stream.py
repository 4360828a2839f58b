"""The stream encoders against the SDKs' own accumulators: for any turn, what a client
assembles from the events is the turn the plain answer holds."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from chaos.agents._gateway_stream import anthropic_events, openai_chunks
from chaos.models import ModelTurn, ToolCall, Usage
from chaos.models._wire import anthropic_response, openai_response

_TEXT = st.text(st.characters(codec="utf-8"), max_size=80)
_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | _TEXT,
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=8)
_CALLS = st.lists(st.builds(
    ToolCall, st.from_regex(r"call_[a-z0-9]{1,8}", fullmatch=True),
    st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
    st.dictionaries(_TEXT, _VALUES, max_size=4)), max_size=3,
    unique_by=lambda c: c.id)
_TURNS = st.builds(ModelTurn, _TEXT, _CALLS.map(tuple),
                   st.builds(Usage, st.integers(0, 10**6), st.integers(0, 10**6)),
                   st.sampled_from(["stop", "length", "tool_calls", "end_turn"]))


def _data(events):
    for event in events:
        for line in event.decode().splitlines():
            if line.startswith("data: ") and line != "data: [DONE]":
                yield json.loads(line[6:])


@settings(max_examples=150, deadline=None)
@given(turn=_TURNS)
def test_the_openai_sdk_assembles_the_plain_answer_from_the_chunks(turn):
    from openai.lib.streaming.chat import ChatCompletionStreamState
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    state = ChatCompletionStreamState()
    for data in _data(openai_chunks("m", turn, 1, include_usage=True)):
        state.handle_chunk(ChatCompletionChunk.model_validate(data))
    streamed = state.current_completion_snapshot
    plain = ChatCompletion.model_validate(openai_response("m", turn, 1))
    got, want = streamed.choices[0], plain.choices[0]
    assert (got.message.content or "", got.finish_reason) == (want.message.content or "",
                                                              want.finish_reason)
    assert [(c.id, c.function.name, json.loads(c.function.arguments))
            for c in got.message.tool_calls or []] == [
        (c.id, c.name, c.arguments) for c in turn.tool_calls]
    assert streamed.usage == plain.usage


@settings(max_examples=150, deadline=None)
@given(turn=_TURNS)
def test_the_anthropic_sdk_assembles_the_plain_answer_from_the_events(turn):
    from anthropic.lib.streaming._messages import accumulate_event
    from anthropic.types import Message, RawMessageStreamEvent
    from pydantic import TypeAdapter

    events = TypeAdapter(RawMessageStreamEvent)
    snapshot, buffers = None, {}
    for data in _data(anthropic_events("m", turn, 1)):
        if data["type"] != "ping":
            snapshot = accumulate_event(event=events.validate_python(data),
                                        current_snapshot=snapshot, json_bufs=buffers)
    plain = Message.model_validate(anthropic_response("m", turn, 1))
    assert [b.model_dump() for b in snapshot.content] == [b.model_dump() for b in plain.content]
    assert (snapshot.stop_reason, snapshot.usage.input_tokens, snapshot.usage.output_tokens) \
        == (plain.stop_reason, plain.usage.input_tokens, plain.usage.output_tokens)
