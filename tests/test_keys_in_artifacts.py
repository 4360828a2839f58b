"""No API key in any artifact or output of a run, sweep, report or shrink, even when the model
endpoint echoes the key back: in the text of its answers and in the body of its errors.

The keys look like nothing a pattern knows (no `sk-` prefix), and one sits in a variable named
by `api_key_env` that does not look like a secret: only chaos knowing its keys masks them.
"""

import json
import os

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.models import loopback as loopback_module
from chaos.models.loopback import LoopbackServer
from tests.conftest import SPORTS

GATEWAY_KEY = "gw-canary-5e1d7b0c93a2"  # under LLM_GATEWAY_CREDS, a name chaos cannot guess
ANTHROPIC_KEY = "anthropic-canary-8c4f2a6d1b"
KEYS = (GATEWAY_KEY, ANTHROPIC_KEY)


class _EchoingHandler(loopback_module._Handler):
    """The loopback server, careless with keys: it repeats the caller's key in every answer."""

    def _send(self, status, body):
        key = self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix(
            "Bearer ")
        if status == 200 and "choices" in body:
            message = body["choices"][0]["message"]
            message["content"] = f"Working with key {key}. {message.get('content') or ''}"
        elif status == 200:
            body["content"].insert(0, {"type": "text", "text": f"Working with key {key}."})
        else:
            # First: a long error (the loopback lists every registered policy) is shortened.
            body["error"]["message"] = f"(your key: {key}) {body['error']['message']}"
        super()._send(status, body)


@pytest.fixture(scope="module")
def echoing():
    server = LoopbackServer()
    server._server.RequestHandlerClass = _EchoingHandler
    with server:
        yield server


@pytest.fixture
def profile(echoing, tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_GATEWAY_CREDS", GATEWAY_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    text = SPORTS.read_text()
    head, _, tail = text.partition("models:\n")
    models = (
        "models:\n"
        f"  - {{provider: openai, model: naive, base_url: '{echoing.openai_base_url}',"
        " api_key_env: LLM_GATEWAY_CREDS}\n"
        f"  - {{provider: anthropic, model: naive, base_url: '{echoing.anthropic_base_url}'}}\n"
        f"  - {{provider: openai, model: no-such-model, base_url: '{echoing.openai_base_url}',"
        " api_key_env: LLM_GATEWAY_CREDS}\n")
    path = tmp_path / "echo.yaml"
    path.write_text(head + models + tail[tail.index("\nlimits:"):])
    return path


def profile_base_url(path):
    return path.read_text().split("base_url: '")[1].split("'")[0]


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_no_key_in_any_artifact_or_output(profile, tmp_path):
    outputs = []
    run_dir = tmp_path / "run"
    result, output = invoke("run", profile, "--seed", "0", "--record", "--otel",
                            "--otel-content", "--quiet", "--out", run_dir)
    outputs.append(output)
    assert result.exit_code == 4, output  # no-such-model completed no episode
    results = json.loads((run_dir / "results.json").read_text())
    episodes = results["episodes"]
    crashed = [e for e in episodes if e["model"] == "openai/no-such-model"]
    assert crashed and all(e["status"] == "crashed" for e in crashed)
    assert all("(your key: [redacted])" in e["error"] for e in crashed), crashed[0]["error"]

    result, output = invoke("report", run_dir, "--format", "terminal,json,junit,html,otel",
                            "--otel-content")
    outputs.append(output)
    assert result.exit_code in (0, 1, 4), output

    propagated = next(e for e in episodes if e["arm"] == "chaos" and e["model"] == "openai/naive"
                      and any(f["outcome"] == "propagated" for f in e["faults"]))
    key = (f"{propagated['profile']}/{propagated['model'].replace('/', '-')}/"
           f"seed-{propagated['seed']}/chaos")
    # Whatever shrink concludes (see the replay test below), it prints no key.
    result, output = invoke("shrink", run_dir, "--episode", key, "--replay", run_dir,
                            "--profile", profile)
    outputs.append(output)
    assert "sports-production/openai-naive/seed-0/chaos" in output, output

    result, output = invoke("sweep", profile, "--seeds", "0", "--workers", "0", "--quiet",
                            "--store", tmp_path / "history.db", "--out", tmp_path / "sweep")
    outputs.append(output)
    assert result.exit_code in (0, 1, 4), output

    result, output = invoke("models", "check", "openai/no-such-model", "--base-url",
                            profile_base_url(profile), "--api-key-env", "LLM_GATEWAY_CREDS")
    outputs.append(output)
    assert "(your key: [redacted])" in output, output

    written = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    kinds = {path.suffix for path in written}
    assert {".json", ".jsonl", ".xml", ".html", ".db", ".yaml"} <= kinds, kinds
    assert any(b"Working with key [redacted]" in data for data in written.values())
    for secret in KEYS:
        for path, data in written.items():
            assert secret.encode() not in data, f"{secret} in {os.path.relpath(path, tmp_path)}"
        for output in outputs:
            assert secret not in output


def test_a_recorded_run_whose_model_echoed_its_key_replays(profile, tmp_path):
    invoke("run", profile, "--seed", "0", "--model", "openai/naive", "--record", "--quiet",
           "--out", tmp_path / "recorded")
    result, output = invoke("run", profile, "--seed", "0", "--model", "openai/naive",
                            "--replay", tmp_path / "recorded", "--quiet", "--out",
                            tmp_path / "replayed")
    episodes = json.loads((tmp_path / "replayed" / "results.json").read_text())["episodes"]
    assert [e["status"] for e in episodes] == ["completed", "completed"], [
        e.get("error") for e in episodes]
    recorded = json.loads((tmp_path / "recorded" / "results.json").read_text())["episodes"]
    assert [(e["task"], e["faults"]) for e in episodes] == [
        (e["task"], e["faults"]) for e in recorded]
