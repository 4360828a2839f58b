"""A gate that can never get data: refused up front, or the model stops after round 1."""

import json
import sqlite3

import pytest
from click.testing import CliRunner

from chaos.cli import main
from tests.adaptive.conftest import gated_profile

CAREFUL = "  - scripted/careful\n"


def run(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(main, ["run", *map(str, args), "--quiet"])


@pytest.mark.parametrize(("gates", "options", "said"), [
    ("  propagated: {max: 0.3, fault: fs.decoy}\n", ["--arm", "clean"],
     "gate propagated counts chaos-arm faults, and only the clean arm runs"),
    ("  handled: {min: 0.7, arm: chaos}\n", ["--arm", "clean"],
     "gate handled counts chaos-arm episodes, and only the clean arm runs"),
    ("  task_success: {min: 0.7, arm: clean}\n", ["--arm", "chaos"],
     "gate task_success counts clean-arm episodes, and only the chaos arm runs"),
    ("  propagated: {max: 0.3, fault: fs.decoy}\n", ["--only-fault", "missing-clip"],
     "gate propagated counts fs.decoy faults, and --only-fault missing-clip leaves none of "
     "them"),
])
def test_a_gate_the_episodes_asked_for_cannot_feed_is_refused_with_exit_2(
        tmp_path, gates, options, said):
    profile = gated_profile(tmp_path, gates=gates, models=CAREFUL)
    result = run(profile, "--until-decided", "--episodes", 2, *options, "--out",
                 tmp_path / "run")
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "would run every seed to --max-episodes without deciding it" in result.output
    assert not (tmp_path / "run").exists()


def test_a_sweep_with_clean_arm_only_and_a_chaos_gate_is_refused_before_storing(tmp_path):
    profile = gated_profile(tmp_path, models=CAREFUL)
    result = CliRunner().invoke(main, [
        "sweep", str(profile), "--seeds", "0-1", "--arm", "clean", "--until-decided",
        "--store", str(tmp_path / "h.db"), "--out", str(tmp_path / "night"), "--workers", "0"])
    assert result.exit_code == 2, result.output
    assert "only the clean arm runs" in result.output and "--arm both" in result.output
    if (tmp_path / "h.db").exists():
        with sqlite3.connect(tmp_path / "h.db") as db:
            assert db.execute("SELECT count(*) FROM sweeps").fetchone()[0] == 0


@pytest.mark.parametrize(("trigger", "why", "help_"), [
    # No agent of the chain ever calls write_file: the fault can never act (coverage names
    # the reason); the help points at the structure, not at more seeds.
    ("{when: tool_call, tool: write_file}", "the chain never touched its target",
     "target what the chain uses (`chaos explain PROFILE`) or drop the gate"),
])
def test_a_gate_with_nothing_to_count_after_round_1_ends_its_model_with_no_data(
        tmp_path, trigger, why, help_):
    profile = gated_profile(tmp_path, models=CAREFUL)
    text = profile.read_text()
    head, sep, tail = text.partition("kind: fs.decoy")
    assert sep
    profile.write_text(head + sep + f"\n    trigger: {trigger}" + tail)
    out = tmp_path / "run"
    result = run(profile, "--until-decided", "--episodes", 2, "--max-episodes", 64,
                 "--out", out)
    assert "round 2" not in result.output, result.output
    assert ("round 1 decided: scripted/careful no data (propagated (fs.decoy) max 0.3: no "
            f"fs.decoy fault fired in 2 seeds ({why}); {help_}") in result.output
    assert ("ran 4 of the 128 episodes of a fixed-n run (64 seeds for every model), spent "
            "$0.0000 in all; 1 model left without a decision, so nothing is saved") in (
        result.output)
    summary = json.loads((out / "results.json").read_text())["summary"]["adaptive"]
    assert summary["models"][0]["decision"] == "no_data"
    assert summary["episodes"]["saved"] is None
    assert result.exit_code == 1  # the gate as written has no data: it fails, as without


def test_a_gated_fault_with_probability_0_is_refused_up_front(tmp_path):
    profile = gated_profile(tmp_path, models=CAREFUL)
    head, sep, tail = profile.read_text().partition("kind: fs.decoy")
    profile.write_text(head + sep + "\n    trigger: {probability: 0}" + tail)
    result = run(profile, "--until-decided", "--out", tmp_path / "run")
    assert result.exit_code == 2, result.output
    assert ("gate propagated counts fs.decoy faults, and every one of them has trigger "
            "probability 0, so none can fire") in result.output


def test_a_gate_whose_rare_draw_skipped_it_keeps_its_model_running(tmp_path):
    # A draw that skipped the fault is chance: more seeds may bring data, so the model is not
    # given up after round 1; it runs on to --max-episodes, undecided.
    profile = gated_profile(tmp_path, models=CAREFUL)
    head, sep, tail = profile.read_text().partition("kind: fs.decoy")
    profile.write_text(head + sep + "\n    trigger: {probability: 0.0001}" + tail)
    out = tmp_path / "run"
    result = run(profile, "--until-decided", "--episodes", 2, "--max-episodes", 8,
                 "--out", out)
    assert "round 3: seeds 4-7" in result.output, result.output
    summary = json.loads((out / "results.json").read_text())["summary"]["adaptive"]
    assert summary["models"][0]["decision"] == "undecided"
    assert summary["stopped"] == "max_episodes"
