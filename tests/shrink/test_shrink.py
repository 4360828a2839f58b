import json
import shlex

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.errors import HarnessError, InputError
from chaos.profile import load_profile, parse_profile
from chaos.runner import RunOptions, build_world, run_profiles, write_run
from chaos.shrink import ddmin, shrink_episode
from chaos.sim import plan_faults
from tests.conftest import SPORTS

SOURCE = SPORTS.read_text()
HEAD = SOURCE[: SOURCE.index("faults:\n")].replace("name: sports-production", "name: NAME")
MODELS = SOURCE[SOURCE.index("models:\n"):]

#: For scripted/naive only the decoy propagates: it leaves the missing clip out (silent), gives
#: up on SMTP errors (silent), never opens a thumbnail, and the chain retries the 429.
ONE_CULPRIT = """faults:
  - id: missing-clip
    kind: fs.missing
    target: {tag: task_clip, pick: 1}
  - id: stock-decoy
    kind: fs.decoy
    target: {tag: task_clip, pick: 1}
  - id: first-mail-451
    kind: smtp.transient
    params: {nth: [1]}
  - id: second-mail-drops
    kind: smtp.disconnect
    params: {nth: [2]}
  - id: thumbnail-rot
    kind: fs.corrupt
    target: {tag: thumbnail}
  - id: one-429
    kind: model.rate_limit
    params: {times: 1}
"""

#: For scripted/careful a wrong answer from the editor propagates only when QA is down too:
#: with QA up, QA rejects the stock clip.
TWO_CULPRITS = """faults:
  - id: missing-clip
    kind: fs.missing
    target: {tag: task_clip, pick: 1}
  - id: editor-answers-stock
    kind: chain.subagent_wrong
    params: {agent: editor, decoy: {tag: stock_clip}}
  - id: first-mail-451
    kind: smtp.transient
    params: {nth: [1]}
  - id: near-duplicates
    kind: fs.ambiguous_name
    target: {tag: task_clip, pick: 1}
  - id: qa-down
    kind: chain.subagent_error
    params: {agent: qa, times: 2}
  - id: thumbnail-rot
    kind: fs.corrupt
    target: {tag: thumbnail}
"""


def recorded_run(tmp_path, name, faults, model, seed=0):
    """A run directory with one chaos episode of a profile written to tmp_path."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(HEAD.replace("NAME", name) + faults + "\n" + MODELS)
    results = run_profiles([load_profile(path)],
                           RunOptions(models=(model,), seed=seed, arms=("chaos",)))
    run_dir = tmp_path / f"{name}-run"
    write_run(run_dir, results)
    (episode,) = results.episodes
    return run_dir, episode


# -- ddmin -------------------------------------------------------------------------------------

def test_ddmin_finds_the_one_item_that_fails_and_tests_each_subset_once():
    tested = []

    def fails(subset):
        tested.append(subset)
        return "d" in subset

    assert ddmin("abcdef", fails) == ("d",)
    assert len(tested) == len(set(tested))
    assert tuple("abcdef") not in tested


def test_ddmin_finds_an_interaction_of_two_items_in_their_order():
    assert ddmin("abcdefgh", lambda s: "g" in s and "b" in s) == ("b", "g")


def test_ddmin_result_is_one_minimal():
    def fails(s):  # fails with {a, c} or with {e}
        return {"a", "c"} <= set(s) or "e" in s

    found = ddmin("abcdef", fails)
    assert fails(found)
    assert all(not fails(tuple(x for x in found if x != left_out)) for left_out in found)


# -- planning a subset -------------------------------------------------------------------------

def test_a_kept_fault_hits_the_targets_it_has_among_all_faults(sports_profile):
    # Planning makes faults avoid each other's targets, so on its own the decoy would sometimes
    # pick the clip the missing-clip fault took; --only-fault must not move it.
    profile = sports_profile.profile
    alone = parse_profile(SOURCE.replace(SOURCE[SOURCE.index("faults:\n"):SOURCE.index(
        "models:\n")], "faults:\n  - id: stock-decoy\n    kind: fs.decoy\n"
                                           "    target: {tag: task_clip, pick: 1}\n\n"))
    moved = 0
    for seed in range(8):
        world = build_world(profile, seed)
        full = {a.spec.id: [t.path for t in a.targets] for a in plan_faults(profile, world, seed)}
        (kept,) = plan_faults(profile, world, seed, only={"stock-decoy"})
        assert [t.path for t in kept.targets] == full["stock-decoy"]
        (single,) = plan_faults(alone, world, seed)
        moved += [t.path for t in single.targets] != full["stock-decoy"]
    assert moved > 0, "no seed where planning alone differs: the test shows nothing"


# -- shrinking episodes ------------------------------------------------------------------------

def test_shrink_finds_the_one_fault_of_six_that_propagates(tmp_path):
    run_dir, episode = recorded_run(tmp_path, "one-culprit", ONE_CULPRIT, "scripted/naive")
    assert len(episode.faults) == 6
    assert [f.id for f in episode.faults if f.outcome == "propagated"] == ["stock-decoy"]
    result = CliRunner().invoke(main, ["shrink", str(run_dir), "--episode", episode.key,
                                       "--quiet"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{episode.key}: 1 of 6 faults still propagate stock-decoy (")
    assert lines[1] == "  stock-decoy (fs.decoy)"
    reproduce = lines[-1].removeprefix("reproduce: ")
    assert reproduce.endswith("--model scripted/naive --seed 0 --arm chaos --only-fault "
                              "stock-decoy")
    again = tmp_path / "again"
    rerun = CliRunner().invoke(main, [*shlex.split(reproduce)[1:], "--quiet", "--out",
                                      str(again)])
    assert rerun.exit_code == 0, rerun.output
    (replayed,) = json.loads((again / "results.json").read_text())["episodes"]
    assert [(f["id"], f["outcome"]) for f in replayed["faults"]] == [("stock-decoy",
                                                                      "propagated")]
    assert replayed["reproduce"] == reproduce


def test_shrink_keeps_two_faults_that_propagate_only_together(tmp_path):
    run_dir, episode = recorded_run(tmp_path, "two-culprits", TWO_CULPRITS, "scripted/careful")
    assert [f.id for f in episode.faults if f.outcome == "propagated"] == [
        "editor-answers-stock"]
    result = shrink_episode(run_dir, episode.key)
    assert result.faults == ("editor-answers-stock", "qa-down")
    assert result.propagated == ("editor-answers-stock",)
    ran = {step.faults: step.propagated for step in result.steps}
    assert ran[("editor-answers-stock",)] == ()  # alone, QA catches it
    assert ran[("qa-down",)] == ()
    assert result.reproduce.endswith("--only-fault editor-answers-stock --only-fault qa-down")
    assert result.unresolved == 0


def test_shrink_refuses_what_it_cannot_shrink(tmp_path):
    run_dir, episode = recorded_run(tmp_path, "one-culprit", ONE_CULPRIT, "scripted/naive")
    with pytest.raises(InputError, match="did you mean 'one-culprit/scripted-naive/seed-0/"):
        shrink_episode(run_dir, episode.key.replace("naive", "naiv"))
    with pytest.raises(InputError, match="--fault missing-clip: that fault did not propagate"):
        shrink_episode(run_dir, episode.key, fault="missing-clip")
    careful_dir, careful = recorded_run(tmp_path, "held", ONE_CULPRIT, "scripted/careful")
    with pytest.raises(InputError, match="propagated no fault .*stock-decoy recovered"):
        shrink_episode(careful_dir, careful.key)


def test_shrink_needs_replayed_answers_for_a_remote_model(tmp_path):
    run_dir, episode = recorded_run(tmp_path, "one-culprit", ONE_CULPRIT, "scripted/naive")
    results = json.loads((run_dir / "results.json").read_text())
    remote_key = episode.key.replace("scripted-naive", "openai-gpt-4.1-mini")
    results["episodes"][0].update(key=remote_key, model="openai/gpt-4.1-mini")
    (run_dir / "results.json").write_text(json.dumps(results))
    result = CliRunner().invoke(main, ["shrink", str(run_dir), "--episode", remote_key])
    assert result.exit_code == 2
    assert "uses openai/gpt-4.1-mini, whose answers differ from run to run" in result.stderr
    assert "--record" in result.stderr and "--replay" in result.stderr


def test_shrink_refuses_a_profile_that_changed_since_the_run(tmp_path):
    run_dir, episode = recorded_run(tmp_path, "one-culprit", ONE_CULPRIT, "scripted/naive")
    profile = tmp_path / "one-culprit.yaml"
    profile.write_text(profile.read_text().replace("pick: 1}", "pick: 1}  # edited", 1))
    with pytest.raises(InputError, match="changed since the run"):
        shrink_episode(run_dir, episode.key)


def test_shrink_says_so_when_the_episode_does_not_propagate_again(tmp_path):
    run_dir, episode = recorded_run(tmp_path, "one-culprit", ONE_CULPRIT, "scripted/naive")
    results = json.loads((run_dir / "results.json").read_text())
    faults = results["episodes"][0]["faults"]
    next(f for f in faults if f["id"] == "missing-clip")["outcome"] = "propagated"
    next(f for f in faults if f["id"] == "stock-decoy")["outcome"] = "recovered"
    (run_dir / "results.json").write_text(json.dumps(results))
    with pytest.raises(HarnessError, match="did not propagate missing-clip when run again "
                                           r"\(propagated now: stock-decoy\)"):
        shrink_episode(run_dir, episode.key)
