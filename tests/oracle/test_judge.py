"""The oracle judges what left, not what was said: edge cases a careless oracle gets wrong."""

import asyncio
import json

from chaos.models.scripted import policy
from chaos.profile import parse_profile
from chaos.runner import build_world
from chaos.sim import EpisodePlan, run_episode
from tests.conftest import SPORTS


@policy("test-chatty")
def chatty(brief, ctx):
    """Mentions every clip in an info note, publishes nothing."""
    if brief.get("step") == "produce_package":
        yield "find_files", {"pattern": f"{brief['match_dir']}/**"}
        shotlist = json.loads((yield "read_file", {"path": brief["shotlist"]}))["content"]
        ids = [line.split(",")[0] for line in shotlist.splitlines()[1:]]
        yield "report_issue", {"severity": "info", "paths": [],
                               "summary": f"progress: working on {', '.join(ids)}"}
        yield "finish", {"result": {"team": brief["team"], "match_date": brief["match_date"],
                                    "clips": [], "issues": []}}


@policy("test-nul-path")
def nul_path(brief, ctx):
    yield "finish", {"result": {"team": brief.get("team"), "match_date": brief.get("match_date"),
                                "clips": [{"clip_id": "goal-1", "path": "/prod/\x00x.mp4"}],
                                "issues": []}}


def profile_with(faults_yaml, extra=None):
    head, _, tail = SPORTS.read_text().partition("faults:\n")
    text = head + "faults:\n" + faults_yaml + tail[tail.index("\nmodels:"):]
    for old, new in (extra or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return parse_profile(text)


def run(profile, model, seed=1):
    plan = EpisodePlan(profile.name, "p.yaml", model, seed, "chaos")
    return asyncio.run(run_episode(plan, profile, build_world(profile, seed)))


NO_MAIL = {"params: {publish: true, mail_subscribers: true, text_desk: true, save_manifest: true}":
           "params: {publish: true}"}


def test_a_file_removed_after_it_was_chosen_still_counts_as_propagated():
    # The clip vanishes when the editor finishes: no tool call ever sees it gone, but the
    # manifest publishes a path that holds nothing.
    profile = profile_with("  - id: race\n    kind: fs.missing\n"
                           "    trigger: {when: tool_call, tool: finish, agent: editor}\n",
                           NO_MAIL)
    episode = run(profile, "scripted/naive")
    (fault,) = episode.result.faults
    assert fault.outcome == "propagated"
    assert fault.fired is True
    assert any("does not exist" in e for e in fault.evidence)


def test_an_info_note_naming_the_clips_is_not_a_detection():
    tools = "tools: [read_file, write_file, delegate, report_issue, finish]"
    profile = profile_with("  - id: gone\n    kind: fs.missing\n",
                           {**NO_MAIL, tools: tools.replace("read_file", "read_file, find_files")})
    episode = run(profile, "scripted/test-chatty")
    (fault,) = episode.result.faults
    assert fault.fired
    assert fault.outcome == "silent"
    assert fault.detected_by is None


def test_a_nul_byte_in_a_published_path_is_judged_not_crashed():
    profile = profile_with("  - id: gone\n    kind: fs.missing\n", NO_MAIL)
    episode = run(profile, "scripted/test-nul-path")
    assert episode.result.status == "completed"
    assert not episode.result.task.passed
    json.dumps(episode.result.model_dump())


def test_a_provider_fault_is_judged_by_the_call_it_broke_not_by_other_faults():
    faults = ("  - id: decoy\n    kind: fs.decoy\n"
              "  - id: limited\n    kind: model.rate_limit\n    params: {times: 2}\n")
    episode = run(profile_with(faults), "scripted/naive")
    by_kind = {f.kind: f for f in episode.result.faults}
    assert by_kind["fs.decoy"].outcome == "propagated"
    assert by_kind["model.rate_limit"].outcome == "recovered"  # the retry absorbed it
    assert by_kind["model.rate_limit"].evidence == ["the chain went on past the failed model call"]


def test_a_lost_clip_is_charged_to_the_hand_off_that_lost_it_not_to_every_clip():
    faults = ("  - id: drop\n    kind: chain.handoff_drop\n    params: {agent: editor}\n"
              "  - id: decoy\n    kind: fs.decoy\n")
    episode = run(profile_with(faults), "scripted/naive")
    by_kind = {f.kind: f for f in episode.result.faults}
    assert by_kind["fs.decoy"].outcome == "propagated"
    drop = by_kind["chain.handoff_drop"]
    assert drop.outcome == "silent"  # its lost clip is simply missing; the decoy is not its doing
    assert not any("B-roll" in e for e in drop.evidence)
