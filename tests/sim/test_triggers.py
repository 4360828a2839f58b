import asyncio
import math

import pytest

from chaos._seeding import derive_rng
from chaos.profile import TriggerSpec, parse_profile
from chaos.runner import build_world
from chaos.sim import EpisodePlan, run_episode
from chaos.sim._triggers import Event, TriggerState
from tests.conftest import SPORTS


@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.9])
def test_probability_triggers_fire_at_their_rate_over_10k_seeded_episodes(p):
    spec = TriggerSpec(when="start", probability=p)
    n = 10_000
    fired = sum(TriggerState(spec, derive_rng("rate", seed, "trigger", "f")).at_start()
                for seed in range(n))
    half = 2.5758 * math.sqrt(n * p * (1 - p))  # the 99 % normal interval of a binomial
    assert abs(fired - n * p) <= half, (fired, n * p, half)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.7])
def test_event_triggers_happen_in_their_share_of_episodes_however_often_the_event_comes(p):
    spec = TriggerSpec(when="tool_call", tool="read_file", nth=2, probability=p)
    event = Event("tool_call", "editor", tool="read_file", arguments={})
    n = 10_000
    fired = 0
    for seed in range(n):
        state = TriggerState(spec, derive_rng("episode-rate", seed, "trigger", "f"))
        hits = [state.on_event(event, 0, None) for _ in range(25)]  # 25 reads per episode
        assert sum(hits) <= 1 and not hits[0]  # once at most, never before the nth
        fired += any(hits)
    half = 2.5758 * math.sqrt(n * p * (1 - p))
    assert abs(fired - n * p) <= half, (fired, n * p, half)


def test_nth_window_agent_and_path_combine():
    spec = TriggerSpec(when="tool_call", tool="find_files", agent="editor", path="/prod/**",
                       nth=2, window=(1000, 5000))
    state = TriggerState(spec, derive_rng("x"))

    def matches(glob, arguments):
        return arguments.get("path", "").startswith("/prod/")

    call = Event("tool_call", "editor", tool="find_files", arguments={"path": "/prod/x"})
    assert not state.on_event(call, 500, matches)       # before the window: not counted
    assert not state.on_event(Event("tool_call", "qa", tool="find_files",
                                    arguments={"path": "/prod/x"}), 1500, matches)
    assert not state.on_event(Event("tool_call", "editor", tool="find_files",
                                    arguments={"path": "/tmp/x"}), 1500, matches)
    assert not state.on_event(call, 1500, matches)      # first matching: nth is 2
    assert state.on_event(call, 2000, matches)          # second matching
    late = TriggerState(spec, derive_rng("x"))
    late.on_event(call, 1500, matches)
    assert not late.on_event(call, 5000, matches)       # the window is half-open


def test_trigger_fields_must_fit_the_event():
    with pytest.raises(ValueError, match="at_ms"):
        TriggerSpec(when="time")
    with pytest.raises(ValueError, match="nth"):
        TriggerSpec(when="start", nth=2)
    with pytest.raises(ValueError, match="tool"):
        TriggerSpec(when="model_call", tool="read_file")
    with pytest.raises(ValueError, match="window"):
        TriggerSpec(when="start", window=(5, 5))


def episode_with(trigger, kind="fs.missing", seed=2):
    head, _, tail = SPORTS.read_text().partition("faults:\n")
    body = f"faults:\n  - id: t\n    kind: {kind}\n    trigger: {trigger}\n"
    profile = parse_profile(head + body + tail[tail.index("\nmodels:"):])
    plan = EpisodePlan(profile.name, "p.yaml", "scripted/careful", seed, "chaos")
    return asyncio.run(run_episode(plan, profile, build_world(profile, seed)))


def test_a_time_trigger_takes_effect_at_its_simulated_moment():
    episode = episode_with("{when: time, at_ms: 7000}")
    (injected,) = [e for e in episode.trace if e.type == "fault_injected"]
    assert injected.t_ms == 7000


def test_a_model_call_trigger_counts_model_calls():
    episode = episode_with("{when: model_call, agent: editor, nth: 3}")
    (injected,) = [e for e in episode.trace if e.type == "fault_injected"]
    editor_calls = [e for e in episode.trace if e.type == "model_called" and e.agent == "editor"
                    and e.seq < injected.seq]
    assert len(editor_calls) == 2  # injected just before the third


def test_a_delegation_trigger_waits_for_the_hand_off():
    episode = episode_with("{when: delegation, to: qa}", kind="fs.decoy")
    (injected,) = [e for e in episode.trace if e.type == "fault_injected"]
    qa_started = next(e for e in episode.trace if e.type == "agent_started" and e.agent == "qa")
    assert injected.seq < qa_started.seq
    assert all(e.agent != "qa" for e in episode.trace[:injected.seq] if hasattr(e, "agent"))


def test_a_trigger_that_never_comes_is_not_triggered():
    episode = episode_with("{when: time, at_ms: 999999999}")
    assert not [e for e in episode.trace if e.type == "fault_injected"]
    assert episode.result.faults[0].outcome == "not_triggered"


def test_a_tool_call_path_trigger_matches_the_folder_a_search_walks():
    inside = episode_with("{when: tool_call, tool: find_files, path: '/prod/teams/**'}")
    assert [e for e in inside.trace if e.type == "fault_injected"]
    outside = episode_with("{when: tool_call, tool: find_files, path: '/prod/stock/**'}")
    assert not [e for e in outside.trace if e.type == "fault_injected"]


def test_time_to_detection_is_from_first_touch_to_the_first_naming_report():
    episode = episode_with("{when: start}")
    (fault,) = episode.result.faults
    touched = next(e for e in episode.trace if e.type == "fault_touched")
    report = next(e for e in episode.trace if e.type == "issue_reported" and e.seq > touched.seq
                  and e.severity != "info")
    assert fault.time_to_detection_ms == report.t_ms - touched.t_ms > 0


def test_the_clock_waits_for_a_call_in_flight_before_a_later_timed_fault():
    """A call takes no simulated time while it is awaited: a fault due at 7 s must find the
    chain already at work, not fire before the first answer comes back."""
    episode = episode_with("{when: time, at_ms: 7000}")
    (injected,) = [e for e in episode.trace if e.type == "fault_injected"]
    before = [e for e in episode.trace if e.seq < injected.seq]
    assert any(e.type == "model_called" for e in before)
    assert all(e.t_ms <= 7000 for e in before)
    assert episode.result.status == "completed"


def test_a_timed_fault_past_the_end_leaves_the_episode_completed():
    episode = episode_with("{when: time, at_ms: 999999999}")
    assert episode.result.status == "completed"
