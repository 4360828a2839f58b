"""The official SDKs, over real HTTP, against a loopback server speaking each wire format."""

import json
import time

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.models.loopback import LoopbackServer
from chaos.profile import LoadedProfile, parse_profile
from chaos.runner import RunOptions, run_profiles
from tests.conftest import SPORTS

CANARY_OPENAI = "sk-canary-openai-7f3a9c1e"
CANARY_ANTHROPIC = "sk-ant-canary-4b2d8e6f"
POLICIES = ("careful", "naive", "hallucinator", "mime-careless")


@pytest.fixture(scope="module")
def loopback():
    with LoopbackServer() as server:
        yield server
    # Every request the adapters sent is one the real APIs accept (faults, retries included).
    assert server.refusals == []


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_OPENAI)
    monkeypatch.setenv("ANTHROPIC_API_KEY", CANARY_ANTHROPIC)


def profile_text(loopback, faults=None, retry=""):
    text = SPORTS.read_text()
    head, _, tail = text.partition("models:\n")
    models = "models:\n" + "".join(
        f"  - {{provider: openai, model: {p}, base_url: '{loopback.openai_base_url}',"
        f" price: {{input_per_mtok: 0.4, output_per_mtok: 1.6}}}}\n"
        f"  - {{provider: anthropic, model: {p}, base_url: '{loopback.anthropic_base_url}'}}\n"
        f"  - scripted/{p}\n" for p in POLICIES)
    text = head + models + tail[tail.index("\nlimits:"):] + retry
    if faults is not None:
        head, _, tail = text.partition("faults:\n")
        text = head + "faults:\n" + faults + tail[tail.index("\nmodels:"):]
    return text


def run(text, **options):
    return run_profiles([LoadedProfile(parse_profile(text), "p.yaml", "0" * 64)],
                        RunOptions(**options))


def verdicts(episode):
    return (episode.status, episode.task.passed, tuple(episode.task.reasons),
            tuple((f.kind, f.outcome, f.detected_by) for f in episode.faults))


@pytest.mark.slow
def test_the_sports_profile_through_each_sdk_gives_the_scripted_verdicts(loopback):
    results = run(profile_text(loopback), episodes=2)
    by_key = {(e.model, e.seed, e.arm): e for e in results.episodes}
    for policy in POLICIES:
        for seed in (0, 1):
            for arm in ("clean", "chaos"):
                direct = verdicts(by_key[(f"scripted/{policy}", seed, arm)])
                for provider in ("openai", "anthropic"):
                    remote = by_key[(f"{provider}/{policy}", seed, arm)]
                    assert verdicts(remote) == direct, (provider, policy, seed, arm)
                    assert remote.usage.input_tokens > 0
    openai = by_key[("openai/careful", 0, "chaos")].usage
    assert openai.cost_usd == pytest.approx(
        (openai.input_tokens * 0.4 + openai.output_tokens * 1.6) / 1e6, abs=1e-6)


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_both_http_transports_give_the_same_verdicts_over_concurrent_episodes(
        loopback, monkeypatch, transport):
    """With the SDKs' aiohttp extra, episodes share one aiohttp transport; without it, each
    episode in flight leases an httpx one. Either way: the scripted verdicts, all connections
    closed at the end."""
    from chaos.models import _remote

    if transport == "aiohttp":
        pytest.importorskip("aiohttp")
    else:
        monkeypatch.setattr(_remote, "_aiohttp_transport", lambda: None)
    text = profile_text(loopback)
    results = run(text, models=("openai/careful", "scripted/careful"), episodes=3,
                  concurrency=4)
    by_key = {(e.model, e.seed, e.arm): verdicts(e) for e in results.episodes}
    for seed in range(3):
        for arm in ("clean", "chaos"):
            assert by_key[("openai/careful", seed, arm)] == by_key[("scripted/careful", seed, arm)]
    assert _remote._TRANSPORTS == {}  # the run closed what it opened


def test_a_429_is_the_sdks_rate_limit_error_and_the_retry_policy_recovers_in_sim_time(
        loopback, tmp_path):
    faults = ("  - id: limited\n    kind: model.rate_limit\n"
              "    params: {times: 2, retry_after_s: 30}\n")
    import asyncio

    from chaos.runner import build_world
    from chaos.sim import EpisodePlan, run_episode

    profile = parse_profile(profile_text(loopback, faults))
    plan = EpisodePlan(profile.name, "p.yaml", "openai/careful", 0, "chaos")
    start = time.perf_counter()
    episode = asyncio.run(run_episode(plan, profile, build_world(profile, 0)))
    wall = time.perf_counter() - start
    failed = [e for e in episode.trace if e.type == "model_failed"]
    assert [f.status for f in failed] == [429, 429]
    assert failed[0].error.startswith("RateLimitError: 429 Rate limit reached")
    assert [f.retry_in_ms for f in failed] == [30_000, 30_000]  # Retry-After beats backoff
    (fault,) = episode.result.faults
    assert fault.outcome == "recovered" and fault.touched_by == "producer"
    assert episode.result.sim_time_ms > 60_000
    assert wall < 20  # simulated waits cost no wall-clock time


def test_out_of_retries_is_a_crashed_episode_with_the_providers_error(loopback):
    faults = "  - id: down\n    kind: model.server_error\n    params: {times: 5, status: 503}\n"
    results = run(profile_text(loopback, faults), models=("anthropic/careful",), seed=0,
                  arms=("chaos",))
    (episode,) = results.episodes
    assert episode.status == "crashed"
    assert "InternalServerError: 503" in episode.error or "503" in episode.error
    assert episode.faults[0].outcome == "crashed"


def test_garbled_json_arguments_reach_the_agent_as_error_text(loopback):
    faults = "  - id: garbled\n    kind: model.malformed_tool_call\n    params: {mode: json}\n"
    import asyncio

    from chaos.runner import build_world
    from chaos.sim import EpisodePlan, run_episode

    profile = parse_profile(profile_text(loopback, faults))
    plan = EpisodePlan(profile.name, "p.yaml", "openai/careful", 0, "chaos")
    episode = asyncio.run(run_episode(plan, profile, build_world(profile, 0)))
    first = next(e for e in episode.trace if e.type == "tool_returned")
    assert first.result.startswith("error: the arguments of delegate are not valid JSON")
    assert episode.result.faults[0].outcome == "recovered"


def test_an_unknown_model_is_a_crash_with_the_providers_404(loopback):
    text = profile_text(loopback).replace("model: careful,", "model: carefull,", 1)
    results = run(text, models=("openai/carefull",), seed=0, arms=("clean",))
    (episode,) = results.episodes
    assert episode.status == "crashed"
    assert "NotFoundError: 404" in episode.error


def test_a_hosted_model_without_its_key_is_an_input_error(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY")
    result = CliRunner().invoke(main, ["run", str(SPORTS), "--model", "openai/gpt-4.1-mini",
                                       "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "needs an API key: set OPENAI_API_KEY" in result.output
    assert not (tmp_path / "x").exists()


def test_api_keys_land_in_no_artifact(loopback, tmp_path):
    path = tmp_path / "p.yaml"
    faults = ("  - id: limited\n    kind: model.rate_limit\n"
              "  - id: gone\n    kind: model.server_error\n    params: {times: 9}\n")
    path.write_text(profile_text(loopback, faults))
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(path), "--model", "openai/careful",
                                       "--model", "anthropic/careful", "--seed", "0",
                                       "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert "RateLimitError" in written and "crashed" in written
    for canary in (CANARY_OPENAI, CANARY_ANTHROPIC):
        assert canary not in written
        assert canary not in result.output
    json.loads((out / "results.json").read_text())


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_models_check_says_an_endpoint_can_run_chaos(loopback, provider):
    base = loopback.openai_base_url if provider == "openai" else loopback.anthropic_base_url
    result = CliRunner().invoke(main, ["models", "check", f"{provider}/careful",
                                       "--base-url", base])
    assert result.exit_code == 0, result.output
    assert "tool calls yes (finish); usage yes" in result.output


def test_models_check_reports_a_failing_endpoint(loopback):
    result = CliRunner().invoke(main, ["models", "check", "openai/no-such-model",
                                       "--base-url", loopback.openai_base_url])
    assert result.exit_code == 1
    assert "NotFoundError: 404" in result.output


def test_models_check_says_when_nothing_listens_at_the_endpoint():
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = CliRunner().invoke(main, ["models", "check", "openai/careful",
                                       "--base-url", f"http://127.0.0.1:{port}/v1"])
    assert result.exit_code == 1
    assert f"cannot connect to http://127.0.0.1:{port}/v1 (connection refused)" in result.output


def test_a_recorded_run_replays_byte_identically_with_no_server(tmp_path):
    with LoopbackServer() as server:
        path = tmp_path / "p.yaml"
        path.write_text(profile_text(server))
        recorded = tmp_path / "recorded"
        args = ["run", str(path), "--model", "openai/careful", "--model", "anthropic/naive",
                "--episodes", "2", "--quiet"]
        result = CliRunner().invoke(main, [*args, "--record", "--out", str(recorded)])
        assert result.exit_code == 0, result.output
    # The server is gone: a replay that reached for the network would crash its episodes.
    replayed = tmp_path / "replayed"
    result = CliRunner().invoke(main, [*args, "--replay", str(recorded),  # the run dir
                                       "--out", str(replayed)])
    assert result.exit_code == 0, result.output
    assert (recorded / "results.json").read_bytes() == (replayed / "results.json").read_bytes()
    cassettes = "".join(p.read_text() for p in (recorded / "cassettes").iterdir())
    assert CANARY_OPENAI not in cassettes and CANARY_ANTHROPIC not in cassettes
    assert '"chaos_cassette": 1' in cassettes
    # The cassette as a model of its own answers the same questions (mail sent included).
    cassette = recorded / "cassettes" / "openai-careful.jsonl"
    result = CliRunner().invoke(main, ["run", str(path), "--model", f"replay/{cassette}",
                                       "--episodes", "2", "--quiet",
                                       "--out", str(tmp_path / "as-model")])
    assert result.exit_code == 0, result.output
    as_model = json.loads((tmp_path / "as-model" / "results.json").read_text())["episodes"]
    original = {(e["seed"], e["arm"]): e for e in json.loads(
        (recorded / "results.json").read_text())["episodes"] if e["model"] == "openai/careful"}
    for episode in as_model:
        assert episode["status"] == "completed", episode["error"]
        twin = original[(episode["seed"], episode["arm"])]
        assert episode["faults"] == twin["faults"] and episode["task"] == twin["task"]


def test_a_request_the_cassette_lacks_is_a_clear_crash(tmp_path):
    with LoopbackServer() as server:
        path = tmp_path / "p.yaml"
        path.write_text(profile_text(server))
        recorded = tmp_path / "recorded"
        CliRunner().invoke(main, ["run", str(path), "--model", "openai/careful", "--seed", "0",
                                  "--arm", "clean", "--quiet", "--record", "--out",
                                  str(recorded)])
    result = run(path.read_text(), models=("openai/careful",), seed=5, arms=("clean",),
                 replay=recorded / "cassettes")
    (episode,) = result.episodes
    assert episode.status == "crashed"
    assert "has no answer for this request" in episode.error


def test_calls_to_one_provider_stay_under_its_bound(tmp_path):
    import threading

    peak, now, lock = [0], [0], threading.Lock()
    with LoopbackServer(delay_s=0.02) as server:
        handler = server._server.RequestHandlerClass
        original = handler.do_POST

        def counting(self):
            with lock:
                now[0] += 1
                peak[0] = max(peak[0], now[0])
            try:
                original(self)
            finally:
                with lock:
                    now[0] -= 1

        handler.do_POST = counting
        try:
            text = profile_text(server).replace(
                f"base_url: '{server.openai_base_url}',",
                f"base_url: '{server.openai_base_url}', max_in_flight: 2,")
            results = run(text, models=("openai/careful",), episodes=4, arms=("clean",),
                          concurrency=4)
        finally:
            handler.do_POST = original
    assert all(e.status == "completed" for e in results.episodes)
    assert peak[0] == 2
