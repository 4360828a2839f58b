"""Ctrl-C is exit 130 in every command, with a line saying what was kept.

A real SIGINT to a real `chaos` process, sent once it has finished some episodes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import click
import pytest
from click.testing import CliRunner

from chaos.cli import main
from tests.conftest import REPO, SPORTS

#: `slow` is careful taking 10 ms of wall-clock time per producer call: a run lasts long
#: enough to be interrupted in the middle.
PLUGIN = "tests.sweep.policies"


def _start(*args):
    return subprocess.Popen([sys.executable, "-m", "chaos.cli", *args, "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env={**os.environ, "COLUMNS": "200"})


def _interrupt_once(proc, ready):
    """SIGINT to `proc` as soon as `ready()` holds (polled; no assertion on time)."""
    while not ready():
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=120)


def test_ctrl_c_on_run_exits_130_and_keeps_the_finished_traces_whole(tmp_path):
    out = tmp_path / "run"
    proc = _start("run", str(SPORTS), "--model", "scripted/slow", "--plugin", PLUGIN,
                  "--episodes", "200", "--out", str(out))
    _, err = _interrupt_once(proc, lambda: len(list(out.rglob("*.jsonl"))) >= 2)
    assert proc.returncode == 130, err
    (line,) = [x for x in err.splitlines() if x.startswith("interrupted")]
    traces = sorted(out.rglob("*.jsonl"))
    assert f"interrupted: {len(traces)} of 400 episode(s) finished" in line
    assert str(out / "traces") in line and "no results.json" in line
    assert not (out / "results.json").exists()  # a partial run never reads as a whole one
    assert not list(out.rglob("*.partial"))
    for trace in traces:
        events = [json.loads(x) for x in trace.read_text().splitlines()]
        assert events[-1]["type"] == "episode_finished"


def test_ctrl_c_on_sweep_exits_130_and_the_store_keeps_what_finished(tmp_path):
    out, store = tmp_path / "sweep", tmp_path / "history.db"
    proc = _start("sweep", str(SPORTS), "--model", "scripted/slow", "--plugin", PLUGIN,
                  "--seeds", "0-199", "--workers", "1", "--store", str(store), "--out", str(out))
    _, err = _interrupt_once(proc, lambda: len(list(out.rglob("*.jsonl"))) >= 2)
    assert proc.returncode == 130, err
    assert "stored in this run are kept" in err


@pytest.mark.parametrize("command", sorted(main.commands))
def test_ctrl_c_in_any_command_exits_130_not_1(command, monkeypatch):
    """KeyboardInterrupt is what Python makes of SIGINT; click alone would exit 1."""

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    target, args = main.commands[command], [command]
    if isinstance(target, click.Group):  # `chaos models check`: the subcommand runs
        name = sorted(target.commands)[0]
        target, args = target.commands[name], [command, name]
    monkeypatch.setattr(target, "callback", interrupted)
    monkeypatch.setattr(target, "params", [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output


def test_ctrl_c_while_models_check_waits_on_a_silent_model_exits_130(tmp_path):
    """A real SIGINT while `chaos models check` waits on a model that never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "chaos.cli", "models", "check",
             "openai/x", "--base-url", f"http://127.0.0.1:{port}/v1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "OPENAI_API_KEY": "sk-test-interrupt-0000"})
        listener.settimeout(120)
        connection, _ = listener.accept()  # the check's request is on its way: interrupt it
        _, err = _interrupt_once(proc, lambda: True)
        connection.close()
    finally:
        listener.close()
    assert proc.returncode == 130, err
    assert "interrupted" in err
