"""The gateway in front of a remote model (the loopback server, over the official SDKs):
usage and cost counted, options passed on, record and replay, no key in any artifact."""

from __future__ import annotations

import json

import pytest

from chaos._redact import redact
from chaos.models.loopback import LoopbackServer
from tests.agents._gateway_kit import (
    ask_anthropic,
    ask_openai,
    ask_responses,
    openai_tools,
    profile_with,
    responses_tools,
    serve_gateway,
    session_backend,
)

PROVIDER_KEY = "sk-provider-secret-0123456789abcdef"


class Seen:
    """The request bodies the loopback server got."""

    def __init__(self):
        self.bodies = []

    def __call__(self, provider, request, answer):
        self.bodies.append((provider, request))


@pytest.fixture(scope="module")
def seen():
    return Seen()


@pytest.fixture(scope="module")
def loopback(seen):
    with LoopbackServer(reshape=seen) as server:
        yield server


@pytest.fixture(autouse=True)
def provider_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PROVIDER_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", PROVIDER_KEY)


def remote(loopback, provider, faults="", **kwargs):
    base = loopback.openai_base_url if provider == "openai" else loopback.anthropic_base_url
    model = (f"{{provider: {provider}, model: careful, base_url: '{base}', "
             "price: {input_per_mtok: 2.5, output_per_mtok: 10}}")
    return serve_gateway(session_backend(profile_with(faults, model=model),
                                         f"{provider}/careful",
                                         arm="chaos" if faults else "clean", **kwargs))


def ask_both(gateway, key=None):
    """One call through each SDK on the brief; their answers."""
    session = gateway.backend
    key = key or gateway.key
    tools = session.tool_schemas(None)
    first = ask_openai(gateway.openai_base_url, key, "stream", messages=[
        {"role": "user", "content": session.brief}], tools=openai_tools(tools),
        temperature=0.5, max_completion_tokens=300, stop=["END"], tool_choice="required",
        parallel_tool_calls=False, seed=3)
    second = ask_anthropic(gateway.anthropic_base_url, key, "create", messages=[
        {"role": "user", "content": session.brief}], system="You are careful.",
        tools=[{"name": t.name, "description": t.description, "input_schema": t.parameters}
               for t in tools], max_tokens=200, stop_sequences=["END"],
        tool_choice={"type": "any"})
    return [first, second]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_usage_and_cost_of_gateway_calls_land_in_the_episode_result(loopback, provider):
    with remote(loopback, provider) as gateway:
        answers = ask_both(gateway)
        run = gateway.run(gateway.backend.close())
    usage = run.result.usage
    assert usage.model_calls == 2
    assert usage.input_tokens == sum(a.usage[0] for a in answers) > 0
    assert usage.output_tokens == sum(a.usage[1] for a in answers) > 0
    assert usage.cost_usd == round((usage.input_tokens * 2.5 + usage.output_tokens * 10) / 1e6,
                                   6)
    assert [e.agent for e in run.trace if e.type == "model_called"] == ["producer"] * 2


def test_the_agents_options_reach_a_remote_model_of_either_family(loopback, seen):
    seen.bodies.clear()
    with remote(loopback, "openai") as gateway:
        ask_both(gateway)
    with remote(loopback, "anthropic") as gateway:
        ask_both(gateway)
    assert loopback.refusals == []  # every request held only what the real API takes
    options = [{k: v for k, v in body.items() if k not in ("messages", "tools", "system")}
               for _provider, body in seen.bodies]
    assert options == [
        # OpenAI-compatible model: its own family's options as asked, seed too...
        {"model": "careful", "max_tokens": 300, "temperature": 0.5, "stop": ["END"],
         "tool_choice": "required", "parallel_tool_calls": False, "seed": 3},
        # ...and an Anthropic request's translated.
        {"model": "careful", "max_tokens": 200, "stop": ["END"], "tool_choice": "required"},
        # Anthropic model: an OpenAI request's translated (seed has no Messages twin)...
        {"model": "careful", "max_tokens": 300, "temperature": 0.5, "stop_sequences": ["END"],
         "tool_choice": {"type": "any", "disable_parallel_tool_use": True}},
        {"model": "careful", "max_tokens": 200, "stop_sequences": ["END"],
         "tool_choice": {"type": "any"}},
    ]


def ask_responses_api(gateway):
    """One Responses call on the brief, with the options the Agents SDK may set."""
    session = gateway.backend
    return ask_responses(gateway.openai_base_url, gateway.key, "stream",
                         instructions="You are careful.", input=session.brief,
                         tools=responses_tools(session.tool_schemas(None)),
                         max_output_tokens=300, temperature=1.5, tool_choice="required",
                         parallel_tool_calls=False, reasoning={"effort": "low"},
                         include=["reasoning.encrypted_content"], store=False)


def test_a_responses_calls_options_reach_a_remote_model_of_either_family(loopback, seen):
    seen.bodies.clear()
    for provider in ("openai", "anthropic"):
        with remote(loopback, provider) as gateway:
            answer = ask_responses_api(gateway)
            assert answer.calls and answer.finish == "completed"
            run = gateway.run(gateway.backend.close())
            assert run.result.usage.input_tokens == answer.usage[0] > 0
    assert loopback.refusals == []
    options = [{k: v for k, v in body.items() if k not in ("messages", "tools", "system")}
               for _provider, body in seen.bodies]
    assert options == [
        {"model": "careful", "max_tokens": 300, "temperature": 1.5,
         "tool_choice": "required", "parallel_tool_calls": False, "reasoning_effort": "low"},
        {"model": "careful", "max_tokens": 300, "temperature": 1.0,
         "tool_choice": {"type": "any", "disable_parallel_tool_use": True}},
    ]


def test_a_responses_call_recorded_is_replayed_with_the_same_answer(loopback, tmp_path):
    cassettes = tmp_path / "cassettes"
    with remote(loopback, "openai", record=cassettes) as gateway:
        recorded = ask_responses_api(gateway)
        gateway.run(gateway.backend.close())
    requests = loopback.requests
    with remote(loopback, "openai", replay=cassettes) as gateway:
        assert ask_responses_api(gateway) == recorded
    assert loopback.requests == requests


def test_recorded_through_the_gateway_replayed_through_it_the_same_answers(loopback, tmp_path):
    cassettes = tmp_path / "cassettes"
    with remote(loopback, "openai", record=cassettes) as gateway:
        recorded = ask_both(gateway)
        gateway.run(gateway.backend.close())
    requests = loopback.requests
    with remote(loopback, "openai", replay=cassettes) as gateway:
        replayed = ask_both(gateway)
        run = gateway.run(gateway.backend.close())
    assert replayed == recorded
    assert loopback.requests == requests  # answered from the cassette, not the model
    assert run.result.usage.input_tokens == sum(a.usage[0] for a in recorded)


def test_no_key_lands_in_the_trace_results_or_cassette(loopback, tmp_path):
    cassettes = tmp_path / "cassettes"
    with remote(loopback, "openai", record=cassettes) as gateway:
        session = gateway.backend
        ask_both(gateway)
        # An agent that writes its gateway key into the conversation.
        ask_openai(gateway.openai_base_url, gateway.key, messages=[
            {"role": "user", "content": f"{session.brief}\nkey: {gateway.key}"}])
        run = gateway.run(session.close())
        key = gateway.key
    written = run.result.model_dump_json() + json.dumps(
        [e.model_dump(mode="json") for e in run.trace]) + "".join(
        p.read_text() for p in cassettes.iterdir())
    assert "model_called" in written
    assert key not in written and key[9:] not in written
    assert redact(f"key={key}") == "key=[redacted]"  # shaped so chaos masks it anywhere
    assert PROVIDER_KEY not in written


def test_a_request_without_options_keeps_the_cassette_key_it_had_before_options():
    import hashlib

    from chaos.models import Message, ModelRequest, ToolSchema
    from chaos.models._cassette import request_key

    messages = (Message("user", "go"),)
    tools = (ToolSchema("t", "", {"type": "object"}),)
    before = hashlib.sha256(json.dumps(
        ["openai/m", [["user", "go", False, []]], [["t", {"type": "object"}]]],
        sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert request_key("openai/m", ModelRequest("a#1", "a", messages, tools)) == before
    asked = ModelRequest("a#1", "a", messages, tools, {"temperature": 0.1})
    assert request_key("openai/m", asked) != before


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_remote_models_garbled_call_reaches_the_agent_as_arguments_that_do_not_parse(
        loopback, provider):
    fault = "  - id: f\n    kind: model.malformed_tool_call\n    params: {times: 2}\n"
    with remote(loopback, provider, fault) as gateway:
        session = gateway.backend
        answers = [ask(base, gateway.key, "stream", messages=[
            {"role": "user", "content": session.brief}], tools=tools)
            for ask, base, tools in (
                (ask_openai, gateway.openai_base_url, openai_tools(session.tool_schemas())),
                (ask_anthropic, gateway.anthropic_base_url, [
                    {"name": t.name, "description": t.description, "input_schema": t.parameters}
                    for t in session.tool_schemas()]))]
    for answer in answers:
        ((_id, _name, arguments),) = answer.calls
        assert isinstance(arguments, str)
        with pytest.raises(ValueError):
            json.loads(arguments)
