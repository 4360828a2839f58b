"""The model gateway as the official SDKs see it: answers, streaming, keys, paths, refusals."""

from __future__ import annotations

import json

import anthropic
import httpx2 as httpx
import openai
import pytest

from chaos.models import Message
from chaos.models.scripted import ScriptedModel
from tests.agents._gateway_kit import (
    ANTHROPIC_MODES,
    ANTHROPIC_TOOLS,
    OPENAI_MODES,
    OPENAI_TOOLS,
    TEXT_TURN,
    TOOL_TURN,
    FakeBackend,
    ask_anthropic,
    ask_openai,
    openai_tools,
    profile_with,
    serve_gateway,
    session_backend,
)

SYSTEM = "You produce highlight packages."


@pytest.fixture(scope="module")
def profile():
    return profile_with()


@pytest.fixture
def episode(profile):
    with serve_gateway(session_backend(profile, "scripted/careful")) as served:
        yield served


@pytest.fixture(scope="module")
def fake():
    with serve_gateway(lambda: FakeBackend([TOOL_TURN])) as served:
        yield served


def expected_first_call(session, agent):
    """What the scripted policy itself calls first for this brief and these tools."""
    who = agent or session.entry
    messages = (Message("system", SYSTEM), Message("user", session.brief))
    return ScriptedModel("careful").next_call(messages, session.tool_schemas(agent), who)


@pytest.mark.parametrize("mode", OPENAI_MODES)
def test_a_scripted_policys_tool_call_arrives_intact_through_the_openai_sdk(episode, mode):
    session = episode.backend
    answer = ask_openai(episode.openai_base_url, episode.key, mode, messages=[
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": session.brief}],
        tools=openai_tools(session.tool_schemas(None)))
    name, arguments = expected_first_call(session, None)
    assert [(c[1], c[2]) for c in answer.calls] == [(name, arguments)]
    assert answer.finish == "tool_calls"
    called = [e for e in session.runner.trace if e.type == "model_called"]
    assert [(e.agent, e.tool_calls) for e in called] == [(session.entry, [name])]


@pytest.mark.parametrize("mode", ANTHROPIC_MODES)
def test_a_scripted_policys_tool_call_arrives_intact_through_the_anthropic_sdk(episode, mode):
    session = episode.backend
    tools = [{"name": t.name, "description": t.description, "input_schema": t.parameters}
             for t in session.tool_schemas("qa")]
    answer = ask_anthropic(episode.agent_url("qa", "anthropic"), episode.key, mode,
                           system=SYSTEM, tools=tools,
                           messages=[{"role": "user", "content": session.brief}])
    name, arguments = expected_first_call(session, "qa")
    assert [(c[1], c[2]) for c in answer.calls] == [(name, arguments)]
    assert answer.finish == "tool_use"
    called = [e for e in session.runner.trace if e.type == "model_called"]
    assert [(e.agent, e.tool_calls) for e in called] == [("qa", [name])]


@pytest.mark.parametrize("turn", [TOOL_TURN, TEXT_TURN], ids=["tool call", "text"])
def test_streaming_assembles_the_same_turn_as_a_plain_answer(fake, turn):
    fake.backend.turns[:] = [turn]
    messages = [{"role": "user", "content": "go"}]
    openai_answers = {mode: ask_openai(fake.openai_base_url, fake.key, mode, messages=messages,
                                       tools=OPENAI_TOOLS) for mode in OPENAI_MODES}
    anthropic_answers = {mode: ask_anthropic(fake.anthropic_base_url, fake.key, mode,
                                             messages=messages, tools=ANTHROPIC_TOOLS)
                         for mode in ANTHROPIC_MODES}
    calls = [(c.id, c.name, c.arguments) for c in turn.tool_calls]
    for answers, finish in ((openai_answers, "tool_calls" if calls else "stop"),
                            (anthropic_answers, "tool_use" if calls else "end_turn")):
        for mode, answer in answers.items():
            assert (mode, answer.text, answer.calls, answer.finish, answer.usage) == (
                mode, turn.text, calls, finish,
                (turn.usage.input_tokens, turn.usage.output_tokens))


def test_the_request_reaches_the_backend_as_neutral_messages_tools_and_options(fake):
    fake.backend.turns[:] = [TEXT_TURN]
    fake.backend.calls.clear()
    ask_openai(fake.agent_url("helper"), fake.key, messages=[
        {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
         "function": {"name": "write_file", "arguments": '{"path": "/a"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "ok"}],
        tools=OPENAI_TOOLS, temperature=0.2, max_completion_tokens=50, stop="END",
        tool_choice="required", seed=7, user="someone")
    ask_anthropic(fake.anthropic_base_url, fake.key, system="Be brief.",
                  messages=[{"role": "user", "content": "go"}], tools=ANTHROPIC_TOOLS,
                  max_tokens=60, stop_sequences=["END"], extra_body={"top_k": 3},
                  tool_choice={"type": "tool", "name": "write_file"})
    first, second = fake.backend.calls
    assert first["agent"] == "helper" and second["agent"] is None
    assert [(m.role, m.content) for m in first["messages"]] == [
        ("system", "Be brief."), ("user", "go"), ("assistant", ""), ("tool", "ok")]
    assert first["messages"][2].tool_calls[0].arguments == {"path": "/a"}
    assert [t.name for t in first["tools"]] == ["write_file"]
    assert first["options"] == {"temperature": 0.2, "max_tokens": 50, "stop": ["END"],
                                "tool_choice": "required", "openai": {"seed": 7}}
    assert second["options"] == {"max_tokens": 60, "stop": ["END"],
                                 "tool_choice": {"name": "write_file"},
                                 "anthropic": {"top_k": 3}}
    assert [(m.role, m.content) for m in second["messages"]] == [("system", "Be brief."),
                                                                 ("user", "go")]


def test_a_wrong_key_is_the_sdks_authentication_error_and_is_not_echoed(fake):
    key = "sk-not-the-gateway-key-123456"
    with pytest.raises(openai.AuthenticationError) as caught:
        ask_openai(fake.openai_base_url, key, messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 401
    assert caught.value.body["code"] == "invalid_api_key"
    assert "gateway key (CHAOS_GATEWAY_KEY)" in caught.value.message
    with pytest.raises(anthropic.AuthenticationError) as refused:
        ask_anthropic(fake.anthropic_base_url, key, messages=[{"role": "user", "content": "a"}])
    assert refused.value.body == {"type": "error", "error": {
        "type": "authentication_error", "message": "invalid x-api-key"}}
    assert key[:10] not in caught.value.message + str(refused.value.body)


def test_a_missing_key_is_a_401_in_each_providers_words(fake):
    body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "a"}]}
    response = httpx.post(f"{fake.openai_base_url}/chat/completions", json=body)
    assert response.status_code == 401
    assert "didn't provide an API key" in response.json()["error"]["message"]
    response = httpx.post(f"{fake.anthropic_base_url}/v1/messages", json=body)
    assert (response.status_code, response.json()["error"]) == (401, {
        "type": "authentication_error", "message": "x-api-key header is required"})


def test_the_key_is_taken_from_either_header(fake):
    fake.backend.turns[:] = [TEXT_TURN]
    for header in ({"Authorization": f"Bearer {fake.key}"}, {"x-api-key": fake.key}):
        response = httpx.post(f"{fake.openai_base_url}/chat/completions", headers=header,
                              json={"model": "m", "messages": [{"role": "user", "content": "a"}]})
        assert response.status_code == 200, response.text


def test_an_unknown_agent_is_the_sdks_not_found_error(fake):
    with pytest.raises(openai.NotFoundError) as caught:
        ask_openai(fake.agent_url("nobody"), fake.key, messages=[
            {"role": "user", "content": "hi"}])
    assert "no agent 'nobody' (agents: boss, helper)" in caught.value.message
    with pytest.raises(anthropic.NotFoundError) as refused:
        ask_anthropic(fake.agent_url("nobody", "anthropic"), fake.key,
                      messages=[{"role": "user", "content": "hi"}])
    assert refused.value.body["error"]["type"] == "not_found_error"
    assert httpx.get(f"http://127.0.0.1:{fake.port}/v2/other",
                     headers={"x-api-key": fake.key}).status_code == 404


def test_a_request_the_real_api_refuses_is_a_400_with_its_message(fake):
    with pytest.raises(openai.BadRequestError) as caught:
        ask_openai(fake.openai_base_url, fake.key, messages=[
            {"role": "user", "content": "hi"},
            {"role": "tool", "tool_call_id": "nope", "content": "x"}])
    assert "messages with role 'tool' must be a response to a preceeding message with " \
           "'tool_calls'" in caught.value.message
    with pytest.raises(openai.BadRequestError, match="only allowed when 'stream' is enabled"):
        ask_openai(fake.openai_base_url, fake.key, messages=[{"role": "user", "content": "a"}],
                   stream_options={"include_usage": True})
    with pytest.raises(anthropic.BadRequestError) as refused:
        ask_anthropic(fake.anthropic_base_url, fake.key, messages=[
            {"role": "user", "content": "hi"}, {"role": "user", "content": "again"}])
    assert refused.value.body["error"] == {
        "type": "invalid_request_error",
        "message": 'messages: roles must alternate between "user" and "assistant"'}
    response = httpx.post(f"{fake.openai_base_url}/chat/completions", content=b"{not json",
                          headers={"Authorization": f"Bearer {fake.key}"})
    assert response.status_code == 400
    assert "could not parse the JSON body" in response.json()["error"]["message"]


def test_the_model_list_names_the_model_under_test_for_each_sdk(episode, profile):
    listed = openai.OpenAI(base_url=episode.agent_url("qa"), api_key=episode.key,
                           max_retries=0).models.list()
    assert [m.id for m in listed] == ["scripted/careful"]
    listed = anthropic.Anthropic(base_url=episode.anthropic_base_url, api_key=episode.key,
                                 max_retries=0).models.list()
    assert [m.id for m in listed] == ["scripted/careful"]
    assert openai.OpenAI(base_url=episode.openai_base_url, api_key=episode.key).models \
        .retrieve("scripted/careful").id == "scripted/careful"


def test_a_body_past_the_limit_is_refused_without_reading_it_all(fake, monkeypatch):
    from chaos.agents import _gateway

    monkeypatch.setattr(_gateway, "MAX_BODY", 1000)
    response = httpx.post(f"{fake.anthropic_base_url}/v1/messages",
                          headers={"x-api-key": fake.key},
                          content=json.dumps({"model": "m", "max_tokens": 5, "messages": [
                              {"role": "user", "content": "x" * 5000}]}))
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "request_too_large"


def test_what_the_gateway_does_not_serve_is_refused_with_the_way_out(fake):
    with pytest.raises(openai.BadRequestError, match="one choice per request"):
        ask_openai(fake.openai_base_url, fake.key, messages=[{"role": "user", "content": "a"}],
                   n=2)
    with pytest.raises(openai.BadRequestError, match="not the deprecated `functions`"):
        ask_openai(fake.openai_base_url, fake.key, messages=[{"role": "user", "content": "a"}],
                   functions=[{"name": "f", "parameters": {"type": "object"}}])


def test_the_streams_are_the_providers_event_sequences(fake):
    fake.backend.turns[:] = [TOOL_TURN]
    headers = {"Authorization": f"Bearer {fake.key}"}
    request = {"model": "m", "messages": [{"role": "user", "content": "a"}], "stream": True}
    with httpx.stream("POST", f"{fake.openai_base_url}/chat/completions", headers=headers,
                      json={**request, "stream_options": {"include_usage": True}}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 154
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]][-1] == "tool_calls"
    with httpx.stream("POST", f"{fake.anthropic_base_url}/v1/messages", headers=headers,
                      json={**request, "max_tokens": 10}) as response:
        events = [line[7:] for line in response.iter_lines() if line.startswith("event: ")]
    collapsed = [e for i, e in enumerate(events) if i == 0 or e != events[i - 1]]
    assert collapsed == ["message_start", "content_block_start", "ping", "content_block_delta",
                         "content_block_stop", "content_block_start", "content_block_delta",
                         "content_block_stop", "message_delta", "message_stop"]


def test_an_episode_that_is_over_tells_the_sdk_not_to_retry(fake):
    from chaos.models import ProviderError

    fake.backend.turns[:] = [ProviderError("the episode is over: deadline", 409)]
    fake.backend.calls.clear()
    with pytest.raises(openai.ConflictError, match="the episode is over: deadline"):
        ask_openai(fake.openai_base_url, fake.key, max_retries=2,
                   messages=[{"role": "user", "content": "a"}])
    assert len(fake.backend.calls) == 1  # x-should-retry: false, and the SDK obeyed


def test_the_legacy_completions_api_is_a_404_naming_the_apis_served(fake):
    with pytest.raises(openai.NotFoundError, match="Responses"):
        openai.OpenAI(base_url=fake.openai_base_url, api_key=fake.key, max_retries=0
                      ).completions.create(model="m", prompt="hi")


def test_anthropic_token_counts_are_answered_without_a_model_call(fake):
    fake.backend.calls.clear()
    counted = anthropic.Anthropic(base_url=fake.anthropic_base_url, api_key=fake.key,
                                  max_retries=0).messages.count_tokens(
        model="m", messages=[{"role": "user", "content": "hello " * 40}], tools=ANTHROPIC_TOOLS)
    assert counted.input_tokens > 60
    assert fake.backend.calls == []


def test_any_text_a_model_sends_reaches_the_agent(fake):
    from chaos.models import ModelTurn

    text = "naïve 🎬 \ud800 end"  # a lone surrogate, as a JSON escape from a model can hold
    fake.backend.turns[:] = [ModelTurn(text)]
    for mode in ("create", "stream"):
        assert ask_openai(fake.openai_base_url, fake.key, mode,
                          messages=[{"role": "user", "content": "a"}]).text == text
        assert ask_anthropic(fake.anthropic_base_url, fake.key, mode,
                             messages=[{"role": "user", "content": "a"}]).text == text


def test_a_request_with_half_a_surrogate_pair_is_refused_as_the_api_refuses_it(fake):
    fake.backend.calls.clear()
    for path, body in (("/v1/chat/completions", b'{"model": "m", "messages": [{"role": '
                        b'"user", "content": "a \\ud800 b"}]}'),
                       ("/v1/messages", b'{"model": "m", "max_tokens": 5, "messages": [{'
                        b'"role": "user", "content": "a \\ud800 b"}]}')):
        response = httpx.post(f"http://127.0.0.1:{fake.port}{path}", content=body,
                              headers={"x-api-key": fake.key})
        assert response.status_code == 400, response.text
    assert fake.backend.calls == []


def test_calls_made_at_once_are_each_answered_under_their_own_id(episode):
    import asyncio

    session = episode.backend
    request = {"model": "m", "messages": [{"role": "user", "content": session.brief}],
               "tools": openai_tools(session.tool_schemas(None))}

    async def at_once():
        async with openai.AsyncOpenAI(base_url=episode.openai_base_url, api_key=episode.key,
                                      max_retries=0) as client:
            return await asyncio.gather(*[client.chat.completions.create(**request)
                                          for _ in range(6)])

    answers = asyncio.run(at_once())
    assert len({a.id for a in answers}) == 6
    assert len({a.choices[0].message.tool_calls[0].function.arguments for a in answers}) == 1
    assert sum(e.type == "model_called" for e in session.runner.trace) == 6
