"""`chaos run --until-decided` with scripted models: rounds, decisions, cut-offs, the saving."""

import json

import pytest
from click.testing import CliRunner

from chaos.cli import main
from tests.adaptive.conftest import gated_profile

TWO = "  - scripted/careful\n  - scripted/naive\n"


def run(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(main, ["run", *map(str, args), "--quiet"])


def adaptive(out):
    return json.loads((out / "results.json").read_text())["summary"]["adaptive"]


def test_a_clearly_bad_model_stops_in_round_1_and_a_good_one_runs_until_decided(tmp_path):
    profile = gated_profile(tmp_path, models=TWO)
    out = tmp_path / "run"
    result = run(profile, "--until-decided", "--episodes", 4, "--max-episodes", 40,
                 "--out", out)
    assert result.exit_code == 1, result.output  # naive's gate fails, as gate lines say
    lines = result.output.splitlines()
    assert "round 1: seeds 0-3 for 2 models of sports-production (16 episodes)" in lines
    # A fault-outcome gate is decided on episodes, not on pooled faults: 4 leaking episodes
    # are not yet enough at alpha 0.05, 8 are.
    assert "round 1 decided: nothing; 2 models undecided" in lines
    assert ("round 2 decided: scripted/naive fail (propagated (fs.decoy) max 0.3: 8/8 faults "
            "in 8 episodes); 1 model undecided") in lines
    assert "round 3: seeds 8-15 for 1 model of sports-production (16 episodes)" in lines
    assert "round 4: seeds 16-31 for 1 model of sports-production (32 episodes)" in lines
    assert any(line.startswith("round 4 decided: scripted/careful pass") for line in lines)
    assert ("saved 80 of 160 paid episodes against a fixed-n run (40 seeds for every model); "
            "ran 80, spent $0.0000") in result.output
    summary = adaptive(out)
    assert summary["alpha"] == 0.05 and summary["stopped"] == "decided"
    assert "probability at most 0.05" in summary["error_rate"]
    decided = {m["model"]: (m["decision"], m["round"], m["seeds"]) for m in summary["models"]}
    assert decided == {"scripted/careful": ("pass", 4, 32), "scripted/naive": ("fail", 2, 8)}
    naive = next(m for m in summary["models"] if m["model"] == "scripted/naive")
    # The bets showed the leak at its 7th episode; round 2's end is where it was looked at.
    assert naive["gates"][0] == {
        "metric": "propagated", "fault": "fs.decoy", "arm": "chaos", "op": "max",
        "threshold": 0.3, "successes": 8, "trials": 8, "test": "betting_on_episodes",
        "episodes": 8, "faults_per_episode_at_most": 1, "decided_at_episode": 7,
        "decision": "fail", "round": 2}
    assert [r["runs"][0]["seeds"] for r in summary["rounds"]] == ["0-3", "4-7", "8-15", "16-31"]
    assert [r["runs"][0]["models"] for r in summary["rounds"]][2:] == [["scripted/careful"]] * 2
    assert summary["episodes"] == {"run": 80, "fixed_n": 160, "saved": 80}
    data = json.loads((out / "results.json").read_text())
    seeds = {(e["model"], e["seed"]) for e in data["episodes"]}
    assert seeds == {("scripted/careful", s) for s in range(32)} | {
        ("scripted/naive", s) for s in range(8)}
    for episode in data["episodes"]:
        assert (out / episode["trace"]).is_file()
    # The usual gates, judged on every episode the run holds.
    gates = {g["model"]: (g["trials"], g["passed"]) for g in data["summary"]["gates"]}
    assert gates == {"scripted/careful": (32, True), "scripted/naive": (8, False)}


def test_the_max_stops_a_model_that_needs_more_seeds_and_says_it_is_undecided(tmp_path):
    profile = gated_profile(tmp_path, models="  - scripted/careful\n")
    out = tmp_path / "run"
    result = run(profile, "--until-decided", "--episodes", 4, "--max-episodes", 10,
                 "--out", out)
    assert result.exit_code == 0, result.output
    assert "round 3: seeds 8-9 for 1 model of sports-production (4 episodes)" in result.output
    assert "round 4" not in result.output
    assert "until-decided: stopped at --max-episodes 10 seeds per model" in result.output
    assert ("undecided: scripted/careful (propagated (fs.decoy) max 0.3: 0/10 faults in 10 "
            "episodes) after 10 seeds") in result.output
    summary = adaptive(out)
    assert summary["stopped"] == "max_episodes"
    assert summary["models"][0]["decision"] == "undecided"
    # Nothing was decided, so nothing is "saved": the line says what ran instead.
    assert summary["episodes"] == {"run": 20, "fixed_n": 20, "saved": None}
    assert ("ran 20 of the 20 episodes of a fixed-n run (10 seeds for every model), spent "
            "$0.0000 in all; 1 model left without a decision, so nothing is saved against it"
            ) in result.output
    assert "saved" not in result.output.replace("nothing is saved", "")
    # `chaos report` tells it again from results.json.
    again = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["report", str(out), "--format",
                                                            "terminal"])
    assert again.exit_code == 0, again.output
    assert "until-decided: stopped at --max-episodes 10 seeds per model" in again.output
    assert "ran 20 of the 20 episodes of a fixed-n run" in again.output


def test_the_same_inputs_take_the_same_rounds_and_write_the_same_bytes(tmp_path):
    profile = gated_profile(tmp_path, models=TWO)
    outputs = []
    for name in ("a", "b"):
        result = run(profile, "--until-decided", "--episodes", 4, "--max-episodes", 16,
                     "--out", tmp_path / name)
        assert result.exit_code == 1, result.output
        outputs.append([line for line in result.output.splitlines()
                        if line.startswith(("round", "saved", "ran ", "until-decided",
                                            "undecided"))])
    assert outputs[0] == outputs[1] and len(outputs[0]) == 9
    assert (tmp_path / "a" / "results.json").read_bytes() == (
        tmp_path / "b" / "results.json").read_bytes()


def test_profiles_without_gates_exit_2_saying_how_to_add_one(tmp_path):
    profile = gated_profile(tmp_path, gates=None, models=TWO)
    result = run(profile, "--until-decided", "--out", tmp_path / "run")
    assert result.exit_code == 2
    assert "profile 'sports-production' has no gates; add a `gates:` section" in result.output
    assert "propagated: {max: 0.05}" in result.output
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("option", [["--max-episodes", "5"], ["--budget-usd", "1"],
                                    ["--alpha", "0.01"]])
def test_its_options_without_until_decided_exit_2(tmp_path, option):
    result = run(gated_profile(tmp_path), *option, "--out", tmp_path / "run")
    assert result.exit_code == 2
    assert f"{option[0]} only works with --until-decided" in result.output


def test_alpha_is_stated_in_results_and_bounded(tmp_path):
    profile = gated_profile(tmp_path, models="  - scripted/naive\n")
    out = tmp_path / "run"
    result = run(profile, "--until-decided", "--episodes", 4, "--alpha", "0.01", "--out", out)
    assert "probability at most 0.01" in result.output
    assert adaptive(out)["alpha"] == 0.01
    refused = run(profile, "--until-decided", "--alpha", "0.5", "--out", tmp_path / "x")
    assert refused.exit_code == 2 and "0.5" in refused.output


def test_a_max_0_gate_is_said_to_be_unpassable_when_it_keeps_a_model_undecided(tmp_path):
    profile = gated_profile(tmp_path, gates="  propagated: {max: 0, fault: fs.decoy}\n",
                            models="  - scripted/careful\n")
    result = run(profile, "--until-decided", "--episodes", 2, "--max-episodes", 4,
                 "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert ("undecided: scripted/careful (propagated (fs.decoy) max 0: 0/4 faults in 4 "
            "episodes)") in result.output
    assert "a gate of max 0 (or min 1) can only be decided fail" in result.output


def test_ctrl_c_in_a_later_round_keeps_the_finished_rounds_traces_and_writes_no_results(
        tmp_path, monkeypatch):
    import chaos.runner

    real = chaos.runner.run_profiles
    calls = []

    def interrupted_in_round_2(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(chaos.runner, "run_profiles", interrupted_in_round_2)
    out = tmp_path / "run"
    result = run(gated_profile(tmp_path, models=TWO), "--until-decided", "--episodes", 4,
                 "--out", out)
    assert result.exit_code == 130
    assert "interrupted: 16 of 16 episode(s) finished" in result.output
    assert len(list(out.rglob("*.jsonl"))) == 16
    assert not (out / "results.json").exists()


def test_rounds_stop_at_the_largest_seed_and_say_so(tmp_path):
    from chaos._seeding import MAX_SEED

    out = tmp_path / "run"
    result = run(gated_profile(tmp_path, models="  - scripted/careful\n"), "--until-decided",
                 "--episodes", 4, "--seed", MAX_SEED - 5, "--out", out)
    assert result.exit_code == 0, result.output
    assert f"round 2: seeds {MAX_SEED - 1}-{MAX_SEED} for 1 model" in result.output
    assert f"until-decided: stopped at seed {MAX_SEED}, the largest there is" in result.output
    assert adaptive(out)["stopped"] == "last_seed"


def test_a_model_whose_every_episode_crashes_gets_no_more_rounds_and_exits_4(tmp_path):
    from chaos.models.scripted import policy

    @policy("test-adaptive-crashes")
    def crashes(brief, ctx):
        raise RuntimeError("endpoint said no")

    out = tmp_path / "run"
    result = run(gated_profile(tmp_path, models="  - scripted/test-adaptive-crashes\n"),
                 "--until-decided", "--episodes", 2, "--max-episodes", 64, "--out", out)
    assert result.exit_code == 4, result.output
    assert "round 2" not in result.output
    assert ("round 1 decided: scripted/test-adaptive-crashes nothing completed (every episode "
            "crashed: fix the model or endpoint, then run again)") in result.output
    assert adaptive(out)["models"][0]["decision"] == "nothing_completed"


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_help_states_the_rule_and_its_error_rate(command):
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, [command, "--help"])
    text = " ".join(result.output.split()).replace("- ", "-")  # words wrapped at hyphens
    assert "--until-decided" in text and "--max-episodes N" in text and "--budget-usd X" in text
    assert "anytime-valid confidence sequence" in text
    assert "decided by betting on the episodes (seeds are the independent units" in text
    assert ("each gate decision is wrong with probability at most --alpha, however many rounds "
            "look and however the faults of an episode are correlated") in text
    assert "(default 0.05, at most 0.2)" in text
