"""Any request body gets an answer in the provider's format: a completion or its 4xx, never a
500, a hang or a dropped connection."""

from __future__ import annotations

import httpx2 as httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.agents._gateway_kit import TEXT_TURN, TOOL_TURN, FakeBackend, serve_gateway

_SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-3, 3) | st.sampled_from(
    ["", " ", "x", "user", "assistant", "tool", "system", "developer", "function", "text",
     "tool_use", "tool_result", "auto", "any", "required", "write_file", "c1", "{}", "{'a"])
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["role", "content", "type", "text", "id", "name", "input", "arguments",
                     "function", "tool_calls", "tool_call_id", "tool_use_id", "parameters",
                     "input_schema"]), inner, max_size=4), max_leaves=12)
_FIELDS = st.fixed_dictionaries({"model": st.just("m") | _SCALARS}, optional={
    "messages": _JSON, "tools": _JSON, "tool_choice": _JSON, "max_tokens": _JSON,
    "temperature": _JSON, "stop": _JSON, "stop_sequences": _JSON, "stream": _JSON,
    "stream_options": _JSON, "system": _JSON, "top_p": _JSON, "n": _JSON})
_BODIES = _FIELDS | _JSON


@pytest.fixture(scope="module")
def gateway():
    with serve_gateway(lambda: FakeBackend([TOOL_TURN, TEXT_TURN])) as served:
        yield served


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages"])
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_BODIES)
def test_any_body_is_answered_in_the_providers_format(gateway, path, body):
    response = httpx.post(f"http://127.0.0.1:{gateway.port}{path}", json=body, timeout=30,
                          headers={"x-api-key": gateway.key})
    assert response.status_code in (200, 400), response.text
    if response.headers["content-type"].startswith("text/event-stream"):
        assert response.text.rstrip().endswith(("data: [DONE]", '{"type": "message_stop"}'))
        return
    answer = response.json()
    if response.status_code == 400:
        error = answer["error"]
        assert isinstance(error["message"], str) and error["message"]
        assert (answer.get("type") == "error") == (path == "/v1/messages")
    else:
        assert answer["object" if "chat" in path else "type"] in ("chat.completion", "message")


_ITEM_KEYS = st.sampled_from(["role", "content", "type", "text", "id", "name", "arguments",
                              "call_id", "output", "status", "parameters", "strict",
                              "format", "schema", "effort", "annotations"])
_ITEM_VALUES = _SCALARS | st.sampled_from(["message", "function_call", "function_call_output",
                                           "input_text", "output_text", "refusal", "function",
                                           "reasoning", "json_schema", "item_reference"])
_ITEMS = st.recursive(_ITEM_VALUES, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(_ITEM_KEYS, inner, max_size=4), max_leaves=12)
_RESPONSES = st.fixed_dictionaries({"model": st.just("m") | _SCALARS}, optional={
    name: _ITEMS for name in ("input", "instructions", "tools", "tool_choice", "stream",
                              "max_output_tokens", "temperature", "top_p", "text", "reasoning",
                              "include", "parallel_tool_calls", "store", "stream_options")})


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_RESPONSES | _ITEMS)
@example(body={"model": "m", "input": "hi", "stream": True})
@example(body={"model": "m", "input": [{"role": "user", "content": "hi"}], "store": False})
def test_any_responses_body_is_a_response_or_the_apis_400(gateway, body):
    response = httpx.post(f"http://127.0.0.1:{gateway.port}/v1/responses", json=body,
                          timeout=30, headers={"authorization": f"Bearer {gateway.key}"})
    assert response.status_code in (200, 400), response.text
    if response.headers["content-type"].startswith("text/event-stream"):
        assert '"type": "response.completed"' in response.text.rstrip().rsplit("\n", 1)[-1]
        return
    answer = response.json()
    if response.status_code == 400:
        assert isinstance(answer["error"]["message"], str) and answer["error"]["message"]
    else:
        assert answer["object"] == "response" and answer["status"] == "completed"
