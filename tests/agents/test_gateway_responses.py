"""The gateway's Responses API as the official openai SDK and the OpenAI Agents SDK see it."""

from __future__ import annotations

import json

import httpx2 as httpx
import openai
import pytest
from hypothesis import given, settings

from chaos.models import Message, ModelTurn, ToolCall, Usage
from chaos.models.scripted import ScriptedModel
from tests.agents._gateway_kit import (
    OPENAI_MODES,
    RESPONSES_TOOLS,
    TEXT_TURN,
    TOOL_TURN,
    FakeBackend,
    ask_responses,
    profile_with,
    responses_tools,
    serve_gateway,
    session_backend,
)
from tests.agents.test_gateway_stream import _TURNS, _data

SYSTEM = "You produce highlight packages."


@pytest.fixture(scope="module")
def fake():
    with serve_gateway(lambda: FakeBackend([TOOL_TURN])) as served:
        yield served


@pytest.fixture
def episode():
    with serve_gateway(session_backend(profile_with(), "scripted/careful")) as served:
        yield served


@pytest.mark.parametrize("mode", OPENAI_MODES)
def test_a_scripted_policys_tool_call_arrives_intact_through_responses(episode, mode):
    session = episode.backend
    answer = ask_responses(episode.agent_url("qa"), episode.key, mode, instructions=SYSTEM,
                           input=session.brief, tools=responses_tools(session.tool_schemas("qa")))
    messages = (Message("system", SYSTEM), Message("user", session.brief))
    name, arguments = ScriptedModel("careful").next_call(messages, session.tool_schemas("qa"),
                                                         "qa")
    assert [(c[1], c[2]) for c in answer.calls] == [(name, arguments)]
    assert answer.finish == "completed"
    called = [e for e in session.runner.trace if e.type == "model_called"]
    assert [(e.agent, e.tool_calls) for e in called] == [("qa", [name])]


@pytest.mark.parametrize("turn", [TOOL_TURN, TEXT_TURN], ids=["tool call", "text"])
def test_every_way_of_asking_gets_the_same_turn(fake, turn):
    fake.backend.turns[:] = [turn]
    calls = [(c.id, c.name, c.arguments) for c in turn.tool_calls]
    for mode in OPENAI_MODES:
        answer = ask_responses(fake.openai_base_url, fake.key, mode, input="go",
                               tools=RESPONSES_TOOLS)
        assert (mode, answer.text, answer.calls, answer.finish, answer.usage) == (
            mode, turn.text, calls, "completed",
            (turn.usage.input_tokens, turn.usage.output_tokens))


@settings(max_examples=60, deadline=None)
@given(turn=_TURNS)
def test_the_sdks_stream_state_assembles_the_plain_response_from_the_events(turn):
    from openai import omit
    from openai.lib.streaming.responses._responses import ResponseStreamState
    from openai.types.responses import Response, ResponseStreamEvent
    from pydantic import TypeAdapter

    from chaos.agents._gateway_responses import response_events
    from chaos.models._wire_responses import response_body

    body = {"model": "m", "input": "go"}
    state, events, final = ResponseStreamState(input_tools=omit, text_format=omit), \
        TypeAdapter(ResponseStreamEvent), None
    for data in _data(response_events(body, turn, 1)):
        for event in state.handle_event(events.validate_python(data)):
            if event.type in ("response.completed", "response.incomplete"):
                final = event.response
    plain = Response.model_validate(response_body(body, turn, 1))
    assert [_shown(i) for i in final.output] == [_shown(i) for i in plain.output]
    assert (final.status, final.usage) == (plain.status, plain.usage)


def _shown(item):
    """An output item's fields, without what the SDK's parsing adds (`parsed...`)."""
    data = item.model_dump()
    data.pop("parsed_arguments", None)
    for part in data.get("content") or []:
        part.pop("parsed", None)
    return data


def test_a_conversation_of_items_reaches_the_model_as_its_messages_tools_and_options(fake):
    fake.backend.turns[:] = [TEXT_TURN]
    fake.backend.calls.clear()
    ask_responses(fake.agent_url("helper"), fake.key, instructions="Be brief.", input=[
        {"role": "developer", "content": "Mind the clock."},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]},
        {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed",
         "content": [{"type": "output_text", "text": "On it.", "annotations": []}]},
        {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "write_file",
         "arguments": '{"path": "/a"}', "status": "completed"},
        {"type": "function_call", "call_id": "c2", "name": "write_file", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "ok"},
        {"type": "function_call_output", "call_id": "c2",
         "output": [{"type": "input_text", "text": "done"}]}],
        tools=RESPONSES_TOOLS, temperature=0.2, max_output_tokens=50, tool_choice="required",
        parallel_tool_calls=False, store=True, include=["reasoning.encrypted_content"],
        reasoning={"effort": "low"}, truncation="auto",
        text={"format": {"type": "json_schema", "name": "out", "strict": True,
                         "schema": {"type": "object"}}})
    (call,) = fake.backend.calls
    assert call["agent"] == "helper"
    assert [(m.role, m.content, [(c.id, c.arguments) for c in m.tool_calls], m.tool_call_id)
            for m in call["messages"]] == [
        ("system", "Be brief.", [], None), ("system", "Mind the clock.", [], None),
        ("user", "go", [], None), ("assistant", "On it.", [("c1", {"path": "/a"}), ("c2", {})],
                                   None),
        ("tool", "ok", [], "c1"), ("tool", "done", [], "c2")]
    assert [t.name for t in call["tools"]] == ["write_file"]
    assert call["options"] == {
        "temperature": 0.2, "max_tokens": 50, "tool_choice": "required",
        "parallel_tool_calls": False, "openai": {
            "reasoning_effort": "low", "response_format": {"type": "json_schema", "json_schema": {
                "name": "out", "schema": {"type": "object"}, "strict": True}}}}


STRICT_TOOL = {"type": "function", "name": "f", "parameters": {
    "type": "object", "properties": {"a": {"type": "string"}}}}


@pytest.mark.parametrize(("request_", "message"), [
    ({"input": "hi", "previous_response_id": "resp_1"},
     "keeps no state between requests (nothing is stored): send the whole conversation"),
    ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "send the whole conversation"),
    ({"input": [{"type": "function_call_output", "call_id": "c9", "output": "x"}]},
     "No tool call found for function call output with call_id c9."),
    ({"input": [{"role": "user", "content": "go"}, {"type": "function_call", "call_id": "c1",
                                                     "name": "f", "arguments": "{}"}]},
     "No tool output found for function call c1."),
    ({"input": [{"type": "telepathy"}]}, "Invalid value: 'telepathy'."),
    ({"input": [{"role": "assistant", "content": [{"type": "input_text", "text": "x"}]}]},
     "Supported values are: 'output_text' and 'refusal'."),
    ({"input": [{"role": "user", "content": [{"type": "output_text", "text": "x"}]}]},
     "Supported values are: 'input_text', 'input_image' and 'input_file'."),
    ({"input": [{"role": "robot", "content": "x"}]}, "Invalid value: 'robot'."),
    ({"input": [{"role": "user", "content": "x", "name": "bob"}]},
     "Unknown parameter: 'input[0].name'."),
    ({"input": [{"role": "user", "content": [{"type": "input_text", "text": "x", "y": 1}]}]},
     "Unknown parameter: 'input[0].content[0].y'."),
    ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]},
     "input_image parts are not served"),
    ({"input": []}, "Invalid 'input': empty array."),
    ({"input": "hi", "tools": [{"type": "web_search"}]}, "serves function tools only"),
    ({"input": "hi", "tools": [STRICT_TOOL]},
     "Invalid schema for function 'f': In context=(), 'additionalProperties' is required"),
    ({"input": "hi", "tools": [{**STRICT_TOOL, "name": "a b", "strict": False}]},
     "Invalid 'tools[0].name': string does not match pattern."),
    ({"input": "hi", "tools": [{**STRICT_TOOL, "strict": False}],
      "tool_choice": {"type": "function", "name": "g"}}, "name 'g' not found in 'tools'"),
    ({"input": "hi", "max_output_tokens": 5}, "Expected a value >= 16, but got 5"),
    ({"input": "hi", "tool_choice": "required"},
     "Tool choice 'required' must be specified with 'tools' parameter."),
    ({"input": "hi", "truncation": "middle"}, "Invalid value: 'middle'."),
    ({"input": "hi", "top_logprobs": 50}, "Invalid 'top_logprobs'"),
    ({"input": "hi", "temperature": 3}, "Invalid 'temperature': decimal above maximum"),
    ({"input": "hi", "include": ["everything"]}, "Invalid value: 'everything'."),
    ({"input": "hi", "text": {"format": {"type": "yaml"}}}, "'text.format.type': 'yaml'"),
    ({"input": "hi", "extra_body": {"frequency_penalty": 1}},
     "Unknown parameter: 'frequency_penalty'."),
])
def test_what_the_api_refuses_is_a_400_with_its_message_and_no_model_call(fake, request_,
                                                                           message):
    fake.backend.calls.clear()
    client = openai.OpenAI(base_url=fake.openai_base_url, api_key=fake.key, max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="m", **request_)
    assert message in refused.value.body["message"]
    assert refused.value.body["type"] == "invalid_request_error"
    assert fake.backend.calls == []


def test_a_request_without_the_key_or_for_an_unknown_agent_is_refused(fake):
    with pytest.raises(openai.AuthenticationError):
        ask_responses(fake.openai_base_url, "sk-wrong", input="hi")
    with pytest.raises(openai.NotFoundError, match="the chain has no agent 'nobody'"):
        ask_responses(fake.agent_url("nobody"), fake.key, input="hi")
    response = httpx.get(f"{fake.openai_base_url}/responses/resp_chaos000001",
                         headers={"authorization": f"Bearer {fake.key}"})
    assert response.status_code == 404
    assert "keeps no responses to get" in response.json()["error"]["message"]


def test_a_turn_cut_off_at_its_limit_is_an_incomplete_response(fake):
    fake.backend.turns[:] = [ModelTurn("The", (), Usage(10, 1), "length")]
    for mode in OPENAI_MODES:
        if "helper" in mode:
            # The SDK's stream helper wants a completed response, as from the real API.
            with pytest.raises(RuntimeError, match="response.completed"):
                ask_responses(fake.openai_base_url, fake.key, mode, input="go")
            continue
        answer = ask_responses(fake.openai_base_url, fake.key, mode, input="go")
        assert (mode, answer.text, answer.finish) == (mode, "The", "incomplete")
    response = openai.OpenAI(base_url=fake.openai_base_url, api_key=fake.key,
                             max_retries=0).responses.create(model="m", input="go")
    assert response.incomplete_details.reason == "max_output_tokens"


def test_any_text_and_arguments_a_model_sends_reach_the_agent(fake):
    text = "naïve 🎬 \ud800 end"
    call = ToolCall("call_é", "write_file", {"content": text})
    fake.backend.turns[:] = [ModelTurn(text, (call,), Usage(1, 1), "tool_calls")]
    for mode in OPENAI_MODES:
        answer = ask_responses(fake.openai_base_url, fake.key, mode, input="go",
                               tools=RESPONSES_TOOLS)
        assert (answer.text, answer.calls) == (text, [("call_é", "write_file",
                                                       {"content": text})])


def test_the_raw_stream_is_the_apis_event_sequence(fake):
    fake.backend.turns[:] = [TOOL_TURN]
    response = httpx.post(f"{fake.openai_base_url}/responses", json={
        "model": "m", "input": "go", "stream": True, "tools": RESPONSES_TOOLS},
        headers={"authorization": f"Bearer {fake.key}"})
    kinds = [d["type"] for d in _data([response.content])]
    text = ["response.output_text.delta"] * 1
    args = ["response.function_call_arguments.delta"] * (len(kinds) - 12)
    assert len(args) > 1  # the arguments in pieces
    assert kinds == ["response.created", "response.in_progress",
                     "response.output_item.added", "response.content_part.added", *text,
                     "response.output_text.done", "response.content_part.done",
                     "response.output_item.done", "response.output_item.added", *args,
                     "response.function_call_arguments.done", "response.output_item.done",
                     "response.completed"]
    assert [json.loads(line[6:])["sequence_number"] for line in response.text.splitlines()
            if line.startswith("data: ")] == list(range(len(kinds)))


def _faulted(fault: str, times: int = 1, **params):
    shown = ", ".join([f"times: {times}", *(f"{k}: {v}" for k, v in params.items())])
    profile = profile_with(f"  - id: f\n    kind: model.{fault}\n    params: {{{shown}}}\n")
    return serve_gateway(session_backend(profile, "scripted/careful", arm="chaos"))


def _brief(session):
    return {"input": session.brief, "tools": responses_tools(session.tool_schemas(None))}


def _failures(session):
    return [(e.agent, e.status) for e in session.runner.trace if e.type == "model_failed"]


def test_a_rate_limit_is_a_429_with_retry_after_and_the_sdk_retries_after_it():
    with _faulted("rate_limit", times=2, retry_after_s=0.05) as gateway:
        session = gateway.backend
        with pytest.raises(openai.RateLimitError) as caught:
            ask_responses(gateway.openai_base_url, gateway.key, **_brief(session))
        headers = caught.value.response.headers
        assert (headers["retry-after"], headers["retry-after-ms"]) == ("0.05", "50")
        assert caught.value.body["type"] == "rate_limit_exceeded"
        # With retries (the SDK's default), it waits and gets its answer.
        answer = ask_responses(gateway.openai_base_url, gateway.key, "stream", max_retries=2,
                               **_brief(session))
        assert answer.calls
        assert _failures(session) == [(session.entry, 429)] * 2


def test_a_server_error_is_its_status_and_a_timeout_a_dropped_connection():
    with _faulted("server_error", status=503) as gateway:
        with pytest.raises(openai.InternalServerError) as caught:
            ask_responses(gateway.agent_url("qa"), gateway.key, "stream",
                          **_brief(gateway.backend))
        assert (caught.value.status_code, caught.value.body["type"]) == (503,
                                                                         "server_overloaded")
        assert _failures(gateway.backend) == [("qa", 503)]
    with _faulted("timeout", times=len(OPENAI_MODES)) as gateway:
        for mode in OPENAI_MODES:
            with pytest.raises(openai.APIConnectionError):
                ask_responses(gateway.openai_base_url, gateway.key, mode,
                              **_brief(gateway.backend))
        assert _failures(gateway.backend) == [(gateway.backend.entry, None)] * len(OPENAI_MODES)


def test_a_malformed_tool_call_arrives_as_arguments_that_do_not_parse():
    with _faulted("malformed_tool_call", times=len(OPENAI_MODES), mode="json") as gateway:
        session = gateway.backend
        for mode in OPENAI_MODES:
            ((_id, name, arguments),) = ask_responses(gateway.openai_base_url, gateway.key,
                                                      mode, **_brief(session)).calls
            assert name in {t.name for t in session.tool_schemas(None)}
            assert isinstance(arguments, str)  # the text as sent: it did not parse
            with pytest.raises(json.JSONDecodeError):
                json.loads(arguments)


@pytest.mark.parametrize("function", ["agents_sdk", "agents_sdk_plain"])
def test_the_openai_agents_sdks_default_model_gets_the_built_in_chains_verdicts(function):
    """An Agents SDK agent as its docs write it (the Responses API, streamed or not)."""
    pytest.importorskip("agents")
    from chaos.profile import load_profile
    from chaos.runner import RunOptions, run_profiles
    from tests.conftest import SPORTS

    profile = load_profile(SPORTS)
    models = ("scripted/careful", "scripted/naive") if function == "agents_sdk" else (
        "scripted/careful",)

    def verdicts(**options):
        results = run_profiles([profile], RunOptions(seed=0, models=models, **options))
        # Who touched a fault and when differ: one outside agent does what the built-in
        # chain's sub-agents do (fewer calls, its own simulated times); the verdicts do not.
        return [(e.key, e.status, e.error, e.task, e.handled,
                 [(f.id, f.fired, f.outcome) for f in e.faults]) for e in results.episodes]

    own = verdicts(agent_function=f"tests.agents.responses_agents:{function}")
    assert own == verdicts()
    assert {(key.split("/")[1], passed.passed) for key, _, _, passed, _, _ in own} >= {
        ("scripted-careful", True)}


def test_an_agents_sdk_command_on_its_defaults_gets_the_built_in_chains_verdicts():
    """The user's case: the SDK's default model and client, tools over MCP, run by --agent."""
    import sys
    from pathlib import Path

    from chaos.profile import load_profile
    from chaos.runner import RunOptions, run_profiles
    from tests.conftest import SPORTS

    pytest.importorskip("agents")
    profile = load_profile(SPORTS)
    script = Path(__file__).with_name("responses_command.py")

    def verdicts(**options):
        results = run_profiles([profile], RunOptions(
            seed=0, models=("scripted/careful", "scripted/naive"), **options))
        return [(e.key, e.status, e.error, e.task, e.handled,
                 [(f.id, f.fired, f.outcome) for f in e.faults]) for e in results.episodes]

    own = verdicts(agent=(sys.executable, str(script)))
    assert own == verdicts()
    assert [status for _, status, *_ in own] == ["completed"] * 4


def test_an_agents_sdk_run_chaining_responses_is_told_to_send_the_whole_input():
    """`auto_previous_response_id=True` (not the default) needs state the gateway keeps not."""
    pytest.importorskip("agents")
    import asyncio

    from agents import Agent, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled
    from openai import AsyncOpenAI

    set_tracing_disabled(True)

    @function_tool
    def write_file(path: str, content: str) -> str:
        """Write a file."""
        return "ok"

    async def runs(base_url, key):
        async with AsyncOpenAI(base_url=base_url, api_key=key, max_retries=0) as client:
            agent = Agent(name="a", tools=[write_file],
                          model=OpenAIResponsesModel(model="m", openai_client=client))
            with pytest.raises(openai.BadRequestError, match="send the whole conversation"):
                await Runner.run(agent, "go", auto_previous_response_id=True)
            return (await Runner.run(agent, "go")).final_output

    with serve_gateway(lambda: FakeBackend([TOOL_TURN, TEXT_TURN])) as gateway:
        final = asyncio.run(runs(gateway.openai_base_url, gateway.key))
        # Refused at its second call; the same agent on the SDK's default (the whole input
        # each time) runs to its answer.
        assert len(gateway.backend.calls) == 2
        assert final == TEXT_TURN.text
