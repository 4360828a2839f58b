"""API keys never reach the terminal: debug tracebacks (chained ones included), warnings, log
lines and rich output of a chaos command have every key chaos knows masked."""

import os
import subprocess
import sys

import pytest

KEY = "sk-ant-fake-0123456789abcdefDEBUG"
#: A key under a name chaos would not guess: masked because a profile's api_key_env named it.
OTHER_KEY = "gw-not-a-pattern-7f3a9c1e5b"

DRIVER = '''
import logging
import os
import warnings

import click
from rich.console import Console

from chaos.cli import main
from chaos.models._remote import api_key
from chaos.profile import RemoteModelSpec

KEY = os.environ["ANTHROPIC_API_KEY"]


@main.command("boom")
def boom():
    other = api_key(RemoteModelSpec(provider="openai", model="m", api_key_env="LLM_GATEWAY_CREDS"))
    warnings.warn(f"retrying with key {KEY}")
    logging.getLogger("anthropic").warning("request headers: %s", {"x-api-key": KEY})
    Console(stderr=True).print(f"gateway credential {other}")
    print(f"url https://gw.example/v1?key={other}")
    click.echo(f"raw bytes {KEY}".encode())  # click writes bytes to the binary stream below
    try:
        raise ConnectionError(f"cannot reach https://api.example/v1?key={KEY}")
    except ConnectionError as exc:
        raise RuntimeError(f"SDK error {{'headers': {{'x-api-key': '{KEY}'}}}} {other}") from exc


main(["boom"])
'''


def run_driver(debug):
    env = {**os.environ, "ANTHROPIC_API_KEY": KEY, "LLM_GATEWAY_CREDS": OTHER_KEY,
           "CHAOS_NO_PLUGINS": "1"}
    env.pop("CHAOS_DEBUG", None)
    if debug:
        env["CHAOS_DEBUG"] = "1"
    return subprocess.run([sys.executable, "-c", DRIVER], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("debug", [True, False], ids=["CHAOS_DEBUG", "plain"])
def test_no_key_in_anything_a_crashing_command_prints(debug):
    done = run_driver(debug)
    output = done.stdout + done.stderr
    assert done.returncode == 3, output
    assert KEY not in output and OTHER_KEY not in output, output
    assert "retrying with key [redacted]" in done.stderr  # the warning, masked
    assert "'x-api-key': '[redacted]'" in done.stderr  # the log line
    assert "gateway credential [redacted]" in done.stderr  # rich
    assert "url https://gw.example/v1?key=[redacted]" in done.stdout
    assert "raw bytes [redacted]" in done.stdout
    if debug:
        assert "Traceback (most recent call last)" in done.stderr
        assert "ConnectionError: cannot reach https://api.example/v1?key=[redacted]" in (
            done.stderr)
        assert "The above exception was the direct cause" in done.stderr
        assert "RuntimeError: SDK error" in done.stderr
    else:
        assert "error: chaos failed: RuntimeError: SDK error" in done.stderr
        assert "Traceback" not in done.stderr


LEAKY_POLICY = '''
import logging
import os
import warnings

from chaos.models.scripted import policies, policy


@policy("leaky")
def leaky(brief, context):
    key = os.environ["ANTHROPIC_API_KEY"]
    warnings.warn(f"leaky key {key} in a worker")  # with --workers 1, only workers run it
    logging.getLogger("leaky").error("leaky log line %s", key)
    return policies.get("careful")(brief, context)
'''


@pytest.mark.parametrize("backend", ["local", "dask"])
def test_a_sweep_worker_process_prints_no_key(tmp_path, backend):
    if backend == "dask":
        pytest.importorskip("distributed")
    (tmp_path / "leaky_policy.py").write_text(LEAKY_POLICY)
    from tests.conftest import SPORTS

    env = {**os.environ, "ANTHROPIC_API_KEY": KEY, "CHAOS_NO_PLUGINS": "1",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "chaos.cli", "sweep", str(SPORTS), "--model",
                           "scripted/leaky", "--seeds", "0", "--arm", "clean", "--workers", "1",
                           "--backend", backend,
                           "--plugin", "leaky_policy", "--store", str(tmp_path / "h.db"),
                           "--out", str(tmp_path / "sweep"), "--quiet"],
                          env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode in (0, 1), output
    assert "leaky key [redacted] in a worker" in done.stderr
    assert "leaky log line [redacted]" in done.stderr
    assert KEY not in output
