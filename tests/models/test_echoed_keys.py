"""An endpoint that echoes the key it was sent: masked in everything chaos prints or writes."""

import copy
import json

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.models.loopback import LoopbackServer
from tests.conftest import SPORTS

OPENAI_KEY = "sk-canary-echoed-openai-5555"
ANTHROPIC_KEY = "sk-ant-canary-echoed-6666"
#: A key in a variable whose name does not say it holds one.
PLAIN_KEY = "plain-canary-0d9f8e7c6b5a"


class Echo:
    """Answers that carry the key back: in an error body, in text, in a call's arguments."""

    def __init__(self):
        self.mode = None
        self.key = None

    def __call__(self, provider, request, answer):
        key, answer = self.key, copy.deepcopy(answer)
        if self.mode == "401":
            message = f"Incorrect API key provided: {key}. You can find your API key at ..."
            return 401, ({"error": {"message": message, "type": "invalid_request_error",
                                    "code": "invalid_api_key"}} if provider == "openai" else
                         {"type": "error", "error": {"type": "authentication_error",
                                                     "message": message}})
        if self.mode == "401 long":  # the key just where a long error is shortened
            message = "x" * 475 + f" {key} and more"
            return 401, ({"error": {"message": message, "type": "invalid_request_error"}}
                         if provider == "openai" else
                         {"type": "error", "error": {"type": "authentication_error",
                                                     "message": message}})
        if self.mode == "200 error":  # OpenRouter: an upstream error inside a 200
            return {"error": {"message": f"upstream refused key {key}", "code": 502}}
        if self.mode == "answers":
            if provider == "openai":
                message = answer["choices"][0]["message"]
                message["content"] = f"Using key {key} as asked."
                for call in message.get("tool_calls") or []:
                    arguments = json.loads(call["function"]["arguments"])
                    call["function"]["arguments"] = json.dumps({**arguments, "key": key})
            else:
                for block in answer["content"]:
                    if block["type"] == "tool_use":
                        block["input"] = {**block["input"], "key": key}
                answer["content"].insert(0, {"type": "text", "text": f"Using key {key}."})
            return answer
        return None


@pytest.fixture(scope="module")
def echo():
    return Echo()


@pytest.fixture(scope="module")
def loopback(echo):
    with LoopbackServer(reshape=echo) as server:
        yield server


@pytest.fixture(autouse=True)
def keys(monkeypatch, echo):
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("LLM_CRED", PLAIN_KEY)
    yield
    echo.mode = None


def base(loopback, provider):
    return loopback.openai_base_url if provider == "openai" else loopback.anthropic_base_url


@pytest.mark.parametrize("variable", [None, "LLM_CRED"])
@pytest.mark.parametrize("mode", ["401", "401 long", "200 error", "answers"])
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_models_check_masks_a_key_the_endpoint_echoes(loopback, echo, provider, mode,
                                                      variable):
    key = PLAIN_KEY if variable else OPENAI_KEY if provider == "openai" else ANTHROPIC_KEY
    echo.mode, echo.key = mode, key
    args = ["models", "check", f"{provider}/careful", "--base-url", base(loopback, provider)]
    result = CliRunner().invoke(main, args + (["--api-key-env", variable] if variable else []))
    assert key not in result.output
    assert key[:8] not in result.output  # not even the part before a cut
    if mode == "401":
        assert result.exit_code == 1
        assert "AuthenticationError: 401 Incorrect API key provided: [redacted]." \
            in result.output
    elif mode == "200 error":
        assert result.exit_code == 1
        assert "the endpoint answered with an error: upstream refused key [redacted]" \
            in result.output


def test_models_check_reports_each_model_and_checks_the_rest(loopback, echo):
    echo.mode, echo.key = "401", OPENAI_KEY
    result = CliRunner().invoke(main, [
        "models", "check", "openai/careful", "nope/x", "scripted/careful", "scripted/carefull",
        "--base-url", loopback.openai_base_url])
    lines = result.output.splitlines()
    assert lines[0].startswith("openai/careful: the call failed: AuthenticationError: 401")
    assert lines[1].startswith("nope/x: unknown model provider 'nope'")
    assert lines[2].startswith("scripted/careful: tool calls yes (finish)")
    assert lines[3].startswith("scripted/carefull: unknown scripted policy")
    assert len(lines) == 4
    assert result.exit_code == 2  # a wrong model id outranks a failed call
    alone = CliRunner().invoke(main, ["models", "check", "openai/careful", "scripted/careful",
                                      "--base-url", loopback.openai_base_url])
    assert alone.exit_code == 1


def test_a_model_without_its_key_is_reported_and_the_others_checked(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    result = CliRunner().invoke(main, ["models", "check", "anthropic/claude-x",
                                       "scripted/careful"])
    assert result.exit_code == 2
    assert "anthropic/claude-x: model anthropic/claude-x needs an API key: set " \
           "ANTHROPIC_API_KEY" in result.output
    assert "scripted/careful: tool calls yes" in result.output


@pytest.mark.parametrize("mode", ["answers", "401"])
def test_a_recorded_run_holds_no_echoed_key(loopback, echo, tmp_path, mode):
    echo.mode, echo.key = mode, PLAIN_KEY
    text = SPORTS.read_text()
    head, _, tail = text.partition("models:\n")
    models = ("models:\n"
              f"  - {{provider: openai, model: careful, base_url: '{loopback.openai_base_url}',"
              " api_key_env: LLM_CRED}\n"
              f"  - {{provider: anthropic, model: careful, "
              f"base_url: '{loopback.anthropic_base_url}', api_key_env: LLM_CRED}}\n")
    path = tmp_path / "p.yaml"
    path.write_text(head + models + tail[tail.index("\nlimits:"):])
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(path), "--seed", "0", "--arm", "clean",
                                       "--record", "--quiet", "--out", str(out)])
    written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert (out / "cassettes").is_dir()
    assert PLAIN_KEY not in written and PLAIN_KEY not in result.output
    assert "[redacted]" in written
