"""Provider faults through the gateway, as the official SDKs meet them from a real provider."""

from __future__ import annotations

import json
import logging

import anthropic
import openai
import pytest

from tests.agents._gateway_kit import (
    ANTHROPIC_MODES,
    OPENAI_MODES,
    ask_anthropic,
    ask_openai,
    openai_tools,
    profile_with,
    serve_gateway,
    session_backend,
)


def served(fault: str, times: int = 1, http: str = "auto", log_level: str | None = None,
           **params):
    shown = ", ".join([f"times: {times}", *(f"{k}: {v}" for k, v in params.items())])
    profile = profile_with(f"  - id: f\n    kind: model.{fault}\n    params: {{{shown}}}\n")
    return serve_gateway(session_backend(profile, "scripted/careful", arm="chaos"), http,
                         log_level)


def brief_request(session, provider="openai", agent=None):
    tools = session.tool_schemas(agent)
    if provider == "openai":
        return {"messages": [{"role": "user", "content": session.brief}],
                "tools": openai_tools(tools)}
    return {"messages": [{"role": "user", "content": session.brief}],
            "tools": [{"name": t.name, "description": t.description,
                       "input_schema": t.parameters} for t in tools]}


def failures(session):
    return [(e.agent, e.status) for e in session.runner.trace if e.type == "model_failed"]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_rate_limit_is_the_sdks_rate_limit_error_with_the_faults_retry_after(provider):
    with served("rate_limit", retry_after_s=30) as gateway:
        session = gateway.backend
        ask = ask_openai if provider == "openai" else ask_anthropic
        base = gateway.openai_base_url if provider == "openai" else gateway.anthropic_base_url
        sdk = openai if provider == "openai" else anthropic
        with pytest.raises(sdk.RateLimitError) as caught:
            ask(base, gateway.key, **brief_request(session, provider))
        headers = caught.value.response.headers
        assert (headers["retry-after"], headers["retry-after-ms"]) == ("30", "30000")
        assert caught.value.request_id.startswith("req_chaos_")
        body = caught.value.body
        error = body if provider == "openai" else body["error"]
        assert error["type"] == ("rate_limit_exceeded" if provider == "openai"
                                 else "rate_limit_error")
        assert error["message"] == "Rate limit reached for requests. Please try again in 30s."
        assert failures(session) == [(session.entry, 429)]
        # The fault is spent: the agent's next attempt is answered.
        assert ask(base, gateway.key, **brief_request(session, provider)).calls


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_with_its_default_retries_the_sdk_waits_the_retry_after_and_gets_its_answer(provider):
    with served("rate_limit", times=2, retry_after_s=0.05) as gateway:
        session = gateway.backend
        if provider == "openai":
            answer = ask_openai(gateway.openai_base_url, gateway.key, max_retries=2,
                                **brief_request(session))
        else:
            answer = ask_anthropic(gateway.anthropic_base_url, gateway.key, max_retries=2,
                                   **brief_request(session, provider))
        assert answer.calls
        assert failures(session) == [(session.entry, 429)] * 2
        called = [e for e in session.runner.trace if e.type == "model_called"]
        assert len(called) == 1


@pytest.mark.parametrize(("status", "openai_type", "anthropic_type"), [
    (503, "server_overloaded", "overloaded_error"), (500, "server_error", "api_error")])
def test_a_server_error_is_the_sdks_status_error_in_the_providers_format(
        status, openai_type, anthropic_type):
    with served("server_error", times=2, status=status) as gateway:
        session = gateway.backend
        with pytest.raises(openai.InternalServerError) as caught:
            ask_openai(gateway.agent_url("qa"), gateway.key, **brief_request(session, agent="qa"))
        assert (caught.value.status_code, caught.value.body["type"]) == (status, openai_type)
        with pytest.raises(anthropic.APIStatusError) as refused:
            ask_anthropic(gateway.agent_url("qa", "anthropic"), gateway.key,
                          **brief_request(session, "anthropic", "qa"))
        assert (refused.value.status_code, refused.value.body["error"]["type"]) == (
            status, anthropic_type)
        assert failures(session) == [("qa", status)] * 2


@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_a_timeout_is_a_connection_the_gateway_drops_for_every_way_of_asking(http, caplog):
    if http == "httptools":
        pytest.importorskip("httptools")  # uvicorn's other HTTP implementation, if installed
    modes = len(OPENAI_MODES) + len(ANTHROPIC_MODES)
    with served("timeout", times=modes, http=http, log_level="info") as gateway:
        session = gateway.backend
        for mode in OPENAI_MODES:
            with pytest.raises(openai.APIConnectionError):
                ask_openai(gateway.openai_base_url, gateway.key, mode, **brief_request(session))
        for mode in ANTHROPIC_MODES:
            with pytest.raises(anthropic.APIConnectionError):
                ask_anthropic(gateway.anthropic_base_url, gateway.key, mode,
                              **brief_request(session, "anthropic"))
        assert failures(session) == [(session.entry, None)] * modes
    # Dropped on purpose: the server does not log each one as an error.
    assert [r.message for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_malformed_tool_call_arrives_as_arguments_that_do_not_parse():
    modes = len(OPENAI_MODES) + len(ANTHROPIC_MODES)
    with served("malformed_tool_call", times=modes, mode="json") as gateway:
        session = gateway.backend
        answers = [ask_openai(gateway.openai_base_url, gateway.key, mode,
                              **brief_request(session)) for mode in OPENAI_MODES]
        answers += [ask_anthropic(gateway.anthropic_base_url, gateway.key, mode,
                                  **brief_request(session, "anthropic"))
                    for mode in ANTHROPIC_MODES if mode not in ("helper", "async helper")]
        for answer in answers:
            ((_id, name, arguments),) = answer.calls
            assert name in {t.name for t in session.tool_schemas(None)}
            assert isinstance(arguments, str)  # the text as sent: it did not parse
            with pytest.raises(json.JSONDecodeError):
                json.loads(arguments)
        # The Anthropic SDK's stream helper reads arguments as they come, and says so.
        with pytest.raises(ValueError, match="Unable to parse tool parameter JSON"):
            ask_anthropic(gateway.anthropic_base_url, gateway.key, "helper",
                          **brief_request(session, "anthropic"))


def test_an_unknown_tool_fault_sends_a_call_to_a_tool_that_does_not_exist():
    with served("malformed_tool_call", mode="unknown_tool") as gateway:
        session = gateway.backend
        answer = ask_openai(gateway.openai_base_url, gateway.key, "stream",
                            **brief_request(session))
        ((_id, name, arguments),) = answer.calls
        assert name.endswith("_v2") and isinstance(arguments, dict)


@pytest.mark.parametrize(("fault", "openai_finish", "anthropic_stop"), [
    ("truncated", "length", "max_tokens"), ("empty_response", "stop", "end_turn")])
def test_truncated_and_empty_answers_end_as_the_api_ends_them(fault, openai_finish,
                                                             anthropic_stop):
    modes = len(OPENAI_MODES) + len(ANTHROPIC_MODES)
    with served(fault, times=modes) as gateway:
        session = gateway.backend
        for mode in OPENAI_MODES:
            if fault == "truncated" and "helper" in mode:
                # The SDK's stream helper refuses a cut-off answer, as from the real API.
                with pytest.raises(openai.LengthFinishReasonError):
                    ask_openai(gateway.openai_base_url, gateway.key, mode,
                               **brief_request(session))
                continue
            answer = ask_openai(gateway.openai_base_url, gateway.key, mode,
                                **brief_request(session))
            assert (answer.calls, answer.finish) == ([], openai_finish)
            assert answer.text == ("The" if fault == "truncated" else "")
        for mode in ANTHROPIC_MODES:
            answer = ask_anthropic(gateway.anthropic_base_url, gateway.key, mode,
                                   **brief_request(session, "anthropic"))
            assert (answer.calls, answer.finish) == ([], anthropic_stop)
            assert answer.text == ("The" if fault == "truncated" else "")
