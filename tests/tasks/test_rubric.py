"""The rubric: the clean benchmark every reference agent passes, judged from what happened."""

import asyncio
import copy
import json
import posixpath

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.models.loopback import LoopbackServer
from chaos.models.scripted import policies, policy
from chaos.packs.sports.rubric import RUBRIC_ITEMS, Rubric, rubric_score
from chaos.packs.sports.world import CLIP_IDS
from chaos.profile import LoadedProfile, load_profile, parse_profile
from chaos.runner import RunOptions, build_world, run_profiles
from chaos.sim import EpisodePlan, run_episode
from chaos.sinks import EpisodeSinks
from chaos.tasks import EndState
from chaos.world import materialize_world
from tests.conftest import REPO, SPORTS

RUBRIC = REPO / "profiles" / "sports-rubric.yaml"
POLICIES = ("careful", "naive", "hallucinator", "mime-careless")


def rubric_profile(**replace):
    text = RUBRIC.read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return parse_profile(text)


def run(profile, model, seed=0):
    plan = EpisodePlan(profile.name, "p.yaml", model, seed, "clean")
    return asyncio.run(run_episode(plan, profile, build_world(profile, seed)))


def failed_items(reasons):
    return {r.split(":", 1)[0] for r in reasons}


# -- chains that do the work through the tools, then get one thing wrong ----------------------
def _finish_of(step):
    """Drive a policy's calls through the tools until its finish; return the finish payload."""
    call = next(step)
    while call[0] != "finish":
        call = step.send((yield call))
    return call[1]["result"]


def _spoiled(spoil, do_delegated_work_itself=False):
    """A careful producer whose final report is passed through `spoil` before finish."""

    def run_policy(brief, ctx):
        careful = policies.get("careful")(brief, ctx)
        if brief.get("step") != "rubric":
            yield from careful  # the researcher works for real
            return
        call = next(careful)
        while call[0] != "finish":
            if call[0] == "delegate" and do_delegated_work_itself:
                sub = json.loads(call[1]["task"].split("Brief:", 1)[1])
                answer = yield from _finish_of(policies.get("careful")(sub, ctx))
                call = careful.send(json.dumps(answer))
            else:
                call = careful.send((yield call))
        yield "finish", {"result": spoil(call[1]["result"])}

    return run_policy


def invent_asset(report):
    folder = posixpath.dirname(report["video_assets"][0])
    return dict(report, video_assets=[*report["video_assets"], f"{folder}/goal-9_final.mp4"])


def omit_asset(report):
    return dict(report, video_assets=report["video_assets"][1:])


def guess_clip_paths(report):
    folder = posixpath.dirname(report["clips"][0]["path"])
    return dict(report, clips=[{"clip_id": c["clip_id"], "path": f"{folder}/{c['clip_id']}.mp4"}
                               for c in report["clips"]])


def extra_recipient(report):
    synthesis = dict(report["synthesis"],
                     recipients=[*report["synthesis"]["recipients"], "fan@example.org"])
    return dict(report, synthesis=synthesis)


policy("test-rubric-invents-asset")(_spoiled(invent_asset))
policy("test-rubric-omits-asset")(_spoiled(omit_asset))
policy("test-rubric-guesses-clips")(_spoiled(guess_clip_paths))
policy("test-rubric-extra-recipient")(_spoiled(extra_recipient))
policy("test-rubric-no-delegation")(_spoiled(lambda r: r, do_delegated_work_itself=True))


def test_every_reference_agent_passes_the_clean_rubric_by_doing_the_work():
    traces = {}
    results = run_profiles([load_profile(RUBRIC)], RunOptions(episodes=4),
                           on_episode=lambda plan, run: traces.update({plan.key: run.trace}))
    assert {e.model for e in results.episodes} == {f"scripted/{p}" for p in POLICIES}
    assert len(results.episodes) == 4 * 4
    for episode in results.episodes:
        assert episode.arm == "clean" and episode.faults == []
        assert episode.task.passed, (episode.key, episode.task.reasons)
        assert rubric_score(episode.task.reasons) == (5, 5)
        trace = traces[episode.key]
        tools = [(e.agent, e.tool) for e in trace if e.type == "tool_called"]
        assert ("producer", "read_file") in tools
        assert ("producer", "find_files") in tools
        assert ("producer", "delegate") in tools
        assert sum(agent == "researcher" for agent, _ in tools) >= 3


def test_the_rubric_runs_on_the_same_worlds_as_production():
    rubric, production = load_profile(RUBRIC).profile, load_profile(SPORTS).profile
    for seed in (0, 7):
        a, b = build_world(rubric, seed), build_world(production, seed)
        assert a.truth == b.truth
        assert {p: f.digest for p, f in a.files.items()} == \
            {p: f.digest for p, f in b.files.items()}


@pytest.mark.parametrize(("model", "item", "reason"), [
    ("test-rubric-invents-asset", "assets", "{folder}/goal-9_final.mp4 does not exist"),
    ("test-rubric-omits-asset", "assets", "{first_asset} is missing"),
    ("test-rubric-guesses-clips", "delegation",
     "{clip_id}: {folder}/{clip_id}.mp4 is not from a sub-agent's answer"),
    ("test-rubric-extra-recipient", "synthesis",
     "recipients holds fan@example.org: not opted-in subscribers of {team}"),
    ("test-rubric-no-delegation", "delegation",
     "nothing was handed to a sub-agent (no delegation in the trace)"),
])
def test_a_report_with_one_thing_wrong_fails_that_item_with_a_clear_reason(model, item, reason):
    profile = load_profile(RUBRIC).profile
    episode = run(profile, f"scripted/{model}", seed=2).result
    truth = build_world(profile, 2).truth
    assets = sorted(p for p in truth.team_clips[truth.team] if p.startswith(truth.match_dir))
    expected = item + ": " + reason.format(folder=f"{truth.match_dir}/clips", team=truth.team,
                                           first_asset=assets[0], clip_id=truth.clips[0].clip_id)
    assert episode.status == "completed"
    assert not episode.task.passed
    assert expected in episode.task.reasons, episode.task.reasons
    assert failed_items(episode.task.reasons) == {item}
    assert rubric_score(episode.task.reasons) == (4, 5)


def test_guessed_clip_paths_fail_even_where_a_guess_would_exist():
    # The guessed names do not exist; the sub-agent's real answer was there and went unused.
    episode = run(load_profile(RUBRIC).profile, "scripted/test-rubric-guesses-clips", 3).result
    reasons = [r for r in episode.task.reasons if r.startswith("delegation: ")]
    assert sum("does not exist" in r for r in reasons) == 5
    assert sum("is not from a sub-agent's answer" in r for r in reasons) == 5


# -- the same end state, edited: each rule of the oracle seen alone ----------------------------
@pytest.fixture(scope="module")
def careful_episode():
    profile = load_profile(RUBRIC).profile
    world = build_world(profile, 1)
    return world, run(profile, "scripted/careful", seed=1)


def end_state(world, trace, **changes):
    final = next(e.answer for e in trace if e.type == "agent_finished" and e.agent == "producer")
    report = copy.deepcopy(final) | changes
    return EndState(report, materialize_world(world), world, EpisodeSinks("k", lambda: 0), None,
                    list(trace))


def test_the_unedited_end_state_passes(careful_episode):
    world, episode = careful_episode
    assert Rubric().check(end_state(world, episode.trace)).passed


def test_a_summary_is_worth_nothing_if_nobody_read_the_file(careful_episode):
    world, episode = careful_episode
    shotlist = world.truth.shotlist_path
    reads = {(e.invocation, e.call_id) for e in episode.trace if e.type == "tool_called"
             and e.tool == "read_file" and e.arguments["path"] == shotlist}
    assert reads
    unread = [e for e in episode.trace if getattr(e, "call_id", None) is None
              or (e.invocation, e.call_id) not in reads]
    verdict = Rubric().check(end_state(world, unread))
    assert verdict.reasons == [f"summary: nobody in the chain read {shotlist} (no successful "
                               "read_file on it in the trace)"]


def test_a_summary_must_name_every_clip_and_invent_none(careful_episode):
    world, episode = careful_episode
    text = world.files[world.truth.shotlist_path].data.decode()
    on_list = [c.clip_id for c in world.truth.clips]
    invented = next(c for c in CLIP_IDS if c not in text)
    summary = f"Clips: {', '.join(on_list[1:])}, and {invented}."
    verdict = Rubric().check(end_state(world, episode.trace, shotlist_summary=summary))
    assert verdict.reasons == [
        f"summary: does not mention {on_list[0]}, which is on the shot list",
        f"summary: mentions {invented}, which is not on the shot list"]


def test_synthesis_fields_are_checked_against_the_files(careful_episode):
    world, episode = careful_episode
    truth = world.truth
    synthesis = {"opponent": truth.team, "total_duration_s": 1, "recipients": []}
    verdict = Rubric().check(end_state(world, episode.trace, synthesis=synthesis))
    assert failed_items(verdict.reasons) == {"synthesis"}
    assert f"synthesis: opponent is {truth.team!r}, expected {truth.opponent!r}" in verdict.reasons
    assert any(r.startswith("synthesis: total_duration_s is 1, the shot list sums to ")
               for r in verdict.reasons)
    assert f"synthesis: recipients lacks {', '.join(truth.recipients)}" in verdict.reasons


def test_the_report_names_the_right_team_and_date(careful_episode):
    world, episode = careful_episode
    verdict = Rubric().check(end_state(world, episode.trace, match_date="2026-12-01"))
    assert verdict.reasons == [
        f"report: match_date is '2026-12-01', expected {world.truth.match_date!r}"]


def test_a_shallow_hand_off_is_no_delegated_multi_step_task(careful_episode):
    world, episode = careful_episode
    calls = [e for e in episode.trace if e.type == "tool_called" and e.agent == "researcher"
             and e.tool != "finish"]
    assert len(calls) > 2
    shallow = [e for e in episode.trace if e not in calls[1:]]
    verdict = Rubric().check(end_state(world, shallow))
    assert verdict.reasons == ["delegation: researcher answered after 1 tool call(s) on the "
                               "files: that is no multi-step task"]


def test_no_final_report_fails_every_item_and_scores_zero(careful_episode):
    world, episode = careful_episode
    end = end_state(world, episode.trace)
    end.result = None
    verdict = Rubric().check(end)
    assert failed_items(verdict.reasons) == set(RUBRIC_ITEMS)
    assert rubric_score(verdict.reasons) == (0, 5)
    assert rubric_score(["episode crashed: step limit"]) == (0, 5)
    assert rubric_score([]) == (5, 5)


# -- the rubric does not pass by construction -------------------------------------------------
def test_under_a_decoy_the_rubric_tells_careful_from_naive():
    decoy = "faults:\n  - id: decoy\n    kind: fs.decoy\n    target: {tag: task_clip}\n\nmodels:"
    profile = rubric_profile(**{"models:": decoy})
    loaded = LoadedProfile(profile, "p.yaml", "0" * 64)
    results = run_profiles([loaded], RunOptions(episodes=3, arms=("chaos",)))
    for episode in results.episodes:
        careful = episode.model in ("scripted/careful", "scripted/mime-careless")
        assert episode.task.passed is careful, (episode.key, episode.task.reasons)
        (fault,) = episode.faults
        assert fault.outcome == ("recovered" if careful else "propagated")
        if not careful:
            assert any(r.startswith("assets: ") and "is not a clip of this match" in r
                       for r in episode.task.reasons)


# -- the runner: no faults, no chaos arm --------------------------------------------------------
def test_a_profile_without_faults_runs_only_its_clean_arm(tmp_path):
    out = tmp_path / "run"
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["run", str(RUBRIC), str(SPORTS), "--episodes", "1", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    episodes = json.loads((out / "results.json").read_text())["episodes"]
    arms = {(e["profile"], e["arm"]) for e in episodes}
    assert arms == {("sports-rubric", "clean"), ("sports-production", "clean"),
                    ("sports-production", "chaos")}
    rubric = [e for e in episodes if e["profile"] == "sports-rubric"]
    assert len(rubric) == 4 and all(e["task"]["passed"] for e in rubric)
    assert rubric[0]["reproduce"].endswith("--seed 0 --arm clean")


def test_only_a_chaos_arm_of_a_profile_without_faults_is_an_input_error(tmp_path):
    result = CliRunner().invoke(main, ["run", str(RUBRIC), "--arm", "chaos", "--quiet",
                                       "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "sports-rubric has no faults" in result.output and "--arm clean" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_the_rubric_gives_the_same_bytes_twice():
    a, b = (run_profiles([load_profile(RUBRIC)], RunOptions(episodes=2)) for _ in range(2))
    assert a.model_dump_json() == b.model_dump_json()


# -- the real model path -------------------------------------------------------------------------
def test_the_rubric_through_the_openai_sdk_gives_the_scripted_verdicts(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-rubric-0000")
    with LoopbackServer() as server:
        models = "models:\n" + "".join(
            f"  - {{provider: openai, model: {p}, base_url: '{server.openai_base_url}'}}\n"
            f"  - scripted/{p}\n" for p in POLICIES)
        text = RUBRIC.read_text()
        text = text[:text.index("models:\n")] + models + text[text.index("\nlimits:"):]
        loaded = LoadedProfile(parse_profile(text), "p.yaml", "0" * 64)
        results = run_profiles([loaded], RunOptions(episodes=2))
    by_key = {(e.model, e.seed): e for e in results.episodes}
    for p in POLICIES:
        for seed in (0, 1):
            remote, direct = by_key[(f"openai/{p}", seed)], by_key[(f"scripted/{p}", seed)]
            assert remote.task.passed and direct.task.passed, remote.task.reasons
            assert remote.usage.input_tokens > 0
            assert remote.sim_time_ms == direct.sim_time_ms
