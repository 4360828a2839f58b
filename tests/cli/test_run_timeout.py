"""A model that never answers cannot hang `chaos run` or a sweep: its episode is crashed.

The model is a real TCP listener on 127.0.0.1 that takes the connection and never says a
word; the SDK's own timeout is set far beyond the test, so only the episode timeout ends it.
"""

from __future__ import annotations

import json
import socket

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.profile import load_profile
from tests.conftest import SPORTS
from tests.sweep.conftest import sweep


@pytest.fixture(scope="module")
def silent_model():
    """The base URL of a server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # the kernel completes each handshake; nobody ever reads or writes
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    listener.close()


@pytest.fixture
def profile_path(tmp_path):
    """The sports profile, as a file of this test's own."""
    path = tmp_path / "sports-production.yaml"
    path.write_text(SPORTS.read_text())
    return str(path)


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-timeout-0000")


def _profile(tmp_path, base_url: str, timeout_line: str = "") -> str:
    """The sports profile with a silent remote model beside scripted/careful."""
    text = SPORTS.read_text()
    head, _, tail = text.partition("models:\n")
    models = ("models:\n"
              f"  - {{provider: openai, model: careful, base_url: '{base_url}', "
              "timeout_s: 3600}\n"
              "  - scripted/careful\n")
    text = head + models + tail[tail.index("\nlimits:"):]
    if timeout_line:
        text = text.replace("\nlimits:\n", f"\nlimits:\n  {timeout_line}\n", 1)
    path = tmp_path / "silent.yaml"
    path.write_text(text)
    return str(path)


def _run(args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(main, ["run", *args, "--quiet"])


def _episodes(out):
    return json.loads((out / "results.json").read_text())["episodes"]


def test_a_model_that_never_answers_is_crashed_at_the_flag_timeout_and_the_others_go_on(
        tmp_path, silent_model):
    out = tmp_path / "run"
    result = _run([_profile(tmp_path, silent_model), "--episode-timeout", "0.5",
                   "--episodes", "1", "--concurrency", "4", "--out", str(out)])
    # The run ends with its report; exit 4: the silent model completed no episode.
    assert result.exit_code == 4, result.output
    episodes = _episodes(out)
    silent = [e for e in episodes if e["model"] == "openai/careful"]
    scripted = [e for e in episodes if e["model"] == "scripted/careful"]
    assert len(silent) == 2 and len(scripted) == 2
    for episode in silent:
        assert episode["status"] == "crashed"
        assert "timed out" in episode["error"] and "0.5 s" in episode["error"]
        assert "--episode-timeout" in episode["error"]
        assert "limits.episode_timeout_s" in episode["error"]
    assert all(e["status"] == "completed" for e in scripted)


def test_the_profile_key_sets_the_timeout_and_the_flag_wins_over_it(tmp_path, silent_model):
    profile = _profile(tmp_path, silent_model, "episode_timeout_s: 0.5")
    out = tmp_path / "profile"
    _run([profile, "--model", "openai/careful", "--seed", "0", "--arm", "clean",
          "--out", str(out)])
    assert "after 0.5 s" in _episodes(out)[0]["error"]
    out = tmp_path / "flag"
    _run([profile, "--model", "openai/careful", "--seed", "0", "--arm", "clean",
          "--episode-timeout", "0.75", "--out", str(out)])
    assert "after 0.75 s" in _episodes(out)[0]["error"]


def test_the_default_timeout_is_fifteen_minutes():
    assert load_profile(SPORTS).profile.limits.episode_timeout_s == 900


@pytest.mark.parametrize("flag", ["0", "-1", "soon"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(flag):
    result = _run([str(SPORTS), "--episode-timeout", flag])
    assert result.exit_code == 2
    assert "--episode-timeout" in result.output


def test_a_sweep_honours_the_profile_key(tmp_path, silent_model):
    profile = _profile(tmp_path, silent_model, "episode_timeout_s: 0.5")
    outcome = sweep(tmp_path, profile, "silent", seeds=[0], arms=["clean"],
                    models=["openai/careful"])
    (episode,) = json.loads(outcome.results_path.read_text())["episodes"]
    assert episode["status"] == "crashed" and "after 0.5 s" in episode["error"]


def test_a_policy_that_blocks_the_event_loop_is_crashed_and_the_run_goes_on(tmp_path,
                                                                           profile_path):
    """`flaky` sleeps for a minute on some matches, inside the loop: asyncio alone cannot
    stop it; the run's watchdog interrupts it past the timeout and its grace."""
    from tests.sweep.test_failures import _fates

    fates = _fates(profile_path, range(9, 19))
    assert "hang" in fates.values() and "ok" in fates.values()
    out = tmp_path / "run"
    result = _run([profile_path, "--model", "scripted/flaky", "--plugin",
                   "tests.sweep.policies", "--seed", "9", "--episodes", "10", "--arm",
                   "clean", "--episode-timeout", "0.5", "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    by_seed = {e["seed"]: e for e in _episodes(out)}
    for seed, what in fates.items():
        if what == "hang":
            assert by_seed[seed]["status"] == "crashed"
            assert "after 0.5 s" in by_seed[seed]["error"]
        elif what == "ok":
            assert by_seed[seed]["status"] == "completed"


def test_a_sweep_in_this_process_interrupts_a_blocking_policy_too(tmp_path, profile_path):
    """`--workers 0` has no worker to kill: the same watchdog as `chaos run` steps in."""
    from tests.sweep.test_failures import _fates

    fates = _fates(profile_path, range(9, 19))
    outcome = sweep(tmp_path, profile_path, "inproc", seeds=list(range(9, 19)), arms=["clean"],
                    models=["scripted/flaky"], plugins=["tests.sweep.policies"],
                    episode_timeout_s=0.5)
    by_seed = {e["seed"]: e for e in json.loads(outcome.results_path.read_text())["episodes"]}
    hung = [seed for seed, what in fates.items() if what == "hang"]
    assert hung
    for seed in hung:
        assert by_seed[seed]["status"] == "crashed"
        assert "after 0.5 s" in by_seed[seed]["error"]
