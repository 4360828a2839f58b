import asyncio
import json

from chaos.models.scripted import policy
from chaos.profile import LoadedProfile, parse_profile
from chaos.runner import RunOptions, build_world, run_profiles
from chaos.sim import EpisodePlan, run_episode
from tests.conftest import SPORTS


@policy("test-loops-forever")
def loops_forever(brief, ctx):
    while True:
        yield "list_dir", {"path": "/prod"}


@policy("test-raises")
def raises(brief, ctx):
    yield "list_dir", {"path": "/prod"}
    raise ConnectionError("provider went away (api key sk-test-123 must never show)")


def profile_from(text=None, **replace):
    text = text or SPORTS.read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return parse_profile(text)


def run(profile, model, seed=0, arm="chaos"):
    plan = EpisodePlan(profile.name, "p.yaml", model, seed, arm)
    return asyncio.run(run_episode(plan, profile, build_world(profile, seed)))


def test_trace_is_typed_ordered_and_in_integer_simulated_time(sports_profile):
    episode = run(sports_profile.profile, "scripted/careful")
    events = episode.trace
    assert [e.seq for e in events] == list(range(len(events)))
    assert all(isinstance(e.t_ms, int) for e in events)
    assert [e.t_ms for e in events] == sorted(e.t_ms for e in events)
    types = {e.type for e in events}
    assert {
        "episode_started",
        "agent_started",
        "model_called",
        "tool_called",
        "tool_returned",
        "fault_injected",
        "fault_touched",
        "issue_reported",
        "agent_finished",
        "episode_finished",
    } <= types
    agents = {e.agent for e in events if e.type == "agent_started"}
    assert agents == {"producer", "editor", "qa", "distributor"}
    assert episode.result.sim_time_ms == events[-1].t_ms > 0


def test_an_agent_that_never_finishes_crashes_the_episode_not_the_run(sports_profile):
    profile = profile_from(**{"steps_per_agent: 60": "steps_per_agent: 5"})
    episode = run(profile, "scripted/test-loops-forever")
    assert episode.result.status == "crashed"
    assert "step limit of 5 model calls" in episode.result.error
    assert {f.outcome for f in episode.result.faults} <= {"crashed", "not_triggered"}
    assert not episode.result.task.passed


def test_the_simulated_deadline_crashes_the_episode():
    profile = profile_from(**{"deadline_ms: 1800000": "deadline_ms: 3000"})
    episode = run(profile, "scripted/careful")
    assert episode.result.status == "crashed"
    assert episode.result.error == "simulated deadline of 3000 ms exceeded"
    assert episode.result.sim_time_ms <= 3000


def test_a_provider_failure_is_crashed_with_its_reason_and_others_run(sports_profile):
    loaded = LoadedProfile(sports_profile.profile, "p.yaml", "0" * 64)
    results = run_profiles(
        [loaded], RunOptions(models=("scripted/test-raises", "scripted/careful"), episodes=2)
    )
    crashed = [e for e in results.episodes if e.model == "scripted/test-raises"]
    fine = [e for e in results.episodes if e.model == "scripted/careful"]
    assert all(e.status == "crashed" for e in crashed)
    assert crashed[0].error.startswith("ConnectionError: provider went away")
    assert all(e.status == "completed" for e in fine)


def test_a_careful_qa_catches_a_naive_editor_mid_chain():
    editor_tools = (
        "      tools: [list_dir, find_files, read_file, file_info, report_issue, finish]\n"
    )
    profile = profile_from(**{editor_tools: editor_tools + "      model: scripted/naive\n"})
    episode = run(profile, "scripted/careful", seed=3).result
    by_kind = {f.kind: f for f in episode.faults}
    for kind in ("fs.decoy", "fs.ambiguous_name"):
        assert by_kind[kind].outcome == "detected", by_kind[kind]
        assert by_kind[kind].detected_by == "qa"
    # The naive editor drops the missing clip silently; the careful producer's cross-check of
    # the shot list catches the gap.
    assert by_kind["fs.missing"].outcome == "detected"
    assert by_kind["fs.missing"].detected_by == "producer"


def test_a_fault_nobody_touches_is_not_triggered_and_counts_in_no_rate():
    text = SPORTS.read_text().replace(
        "  - id: missing-clip\n    kind: fs.missing\n    target: {tag: task_clip, pick: 1}\n",
        "  - id: missing-logo\n    kind: fs.missing\n    target: {glob: /prod/brand/**/*.png}\n",
    )
    profile = parse_profile(text)
    loaded = LoadedProfile(profile, "p.yaml", "0" * 64)
    results = run_profiles(
        [loaded], RunOptions(models=("scripted/careful",), episodes=3, arms=("chaos",))
    )
    for episode in results.episodes:
        logo = next(f for f in episode.faults if f.id == "missing-logo")
        assert logo.fired is False and logo.outcome == "not_triggered"
    row = results.summary["profiles"]["sports-production"]["models"]["scripted/careful"]["faults"][
        "fs.missing"
    ]
    assert row["counts"]["not_triggered"] == 3
    assert row["scored"] == 0
    assert all(r["rate"] is None for r in row["rates"].values())


def test_tool_call_trigger_injects_just_before_the_matching_call():
    text = SPORTS.read_text().replace(
        "  - id: missing-clip\n    kind: fs.missing\n    target: {tag: task_clip, pick: 1}\n",
        "  - id: missing-clip\n    kind: fs.missing\n    target: {tag: task_clip, pick: 1}\n"
        "    trigger: {when: tool_call, tool: find_files, agent: editor}\n",
    )
    episode = run(parse_profile(text), "scripted/careful")
    events = episode.trace
    injected = next(
        e for e in events if e.type == "fault_injected" and e.fault_id == "missing-clip"
    )
    first_find = next(e for e in events if e.type == "tool_called" and e.tool == "find_files")
    assert injected.seq == first_find.seq + 1
    assert injected.t_ms > 0


def test_errors_reach_the_agent_as_text(sports_profile):
    episode = run(sports_profile.profile, "scripted/careful")
    returned = [e for e in episode.trace if e.type == "tool_returned"]
    assert all(e.ok or e.result.startswith(("error:", "[Errno")) for e in returned)
    trace_text = "\n".join(e.model_dump_json() for e in episode.trace)
    json.loads(episode.trace[0].model_dump_json())
    assert "sk-" not in trace_text


def test_an_api_key_in_a_provider_error_lands_in_no_artifact(sports_profile, tmp_path):
    from click.testing import CliRunner

    from chaos.cli import main

    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(SPORTS), "--model", "scripted/test-raises",
                                       "--seed", "0", "--quiet", "--out", str(out)])
    assert result.exit_code == 4, result.output  # its every episode crashed
    written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert "ConnectionError: provider went away" in written
    assert "sk-test-123" not in written
    assert "sk-test-123" not in result.output


def test_seed_with_episodes_runs_consecutive_seeds(sports_profile):
    results = run_profiles([sports_profile], RunOptions(models=("scripted/naive",), seed=5,
                                                        episodes=3, arms=("clean",)))
    assert [e.seed for e in results.episodes] == [5, 6, 7]
