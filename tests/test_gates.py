import json

import pytest
import yaml
from click.testing import CliRunner

from chaos.cli import main
from chaos.errors import ProfileError
from chaos.gates import evaluate_gates, gates_failed, with_gates
from chaos.profile import LoadedProfile, load_profile, parse_profile
from chaos.results import ProfileRef, RunResults
from chaos.stats import wilson_interval
from tests.conftest import REPO, SPORTS
from tests.test_metrics import episode

GOOD = SPORTS.read_text()


def gated(gates: str, name: str = "p") -> str:
    """The sports profile under another name, with a `gates:` section."""
    text = GOOD.replace("name: sports-production", f"name: {name}", 1)
    return text.rstrip("\n") + "\n\ngates:\n" + gates


def loaded(gates: str) -> LoadedProfile:
    return LoadedProfile(parse_profile(gated(gates)), "p.yaml", "0" * 64)


def results(episodes) -> RunResults:
    return RunResults(profiles=[ProfileRef(name="p", path="p.yaml", sha256="0" * 64)],
                      episodes=episodes, summary={})


def decoys(model, outcomes):
    """Chaos episodes of `model`, one per outcome of its fs.decoy fault."""
    return [episode(model, s, "chaos", False, [("fs.decoy", "stock-decoy", o)])
            for s, o in enumerate(outcomes)]


# --- the gates section of a profile ---------------------------------------------------------


def located_error(tmp_path, gates):
    path = tmp_path / "p.yaml"
    path.write_text(gated(gates))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    return path, str(info.value)


def line_of(path, needle):
    return next(i for i, row in enumerate(path.read_text().splitlines(), 1) if needle in row)


@pytest.mark.parametrize(("gates", "needle", "expect"), [
    ("  propagatd: {max: 0.05}\n", "propagatd",
     "unknown key 'propagatd' in gates; did you mean 'propagated'?"),
    ("  per_model:\n    scripted/careful: {detected_or_recoverd: {min: 0.9}}\n",
     "detected_or_recoverd", "did you mean 'detected_or_recovered'?"),
    ("  per_model:\n    scripted/carefull: {propagated: {max: 0}}\n", "scripted/carefull",
     "gates for model 'scripted/carefull', which is not in this profile's models; did you "
     "mean 'scripted/careful'?"),
    ("  propagated: {max: 0.05, fault: fs.decoi}\n", "fs.decoi",
     "gate on fault kind 'fs.decoi', which no fault of this profile has; did you mean "
     "'fs.decoy'?"),
    ("  propagated: {max: 5}\n", "max: 5", "thresholds are rates in [0, 1]; write 0.05 for 5 %"),
    ("  propagated: {max: 0.1, min: 0.0}\n", "max: 0.1", "exactly one of 'min' or 'max'"),
    ("  task_success: {min: 0.9, fault: fs.decoy}\n", "task_success",
     "unknown key 'fault' in gates.task_success[0] (valid: arm, confidence, max, min)"),
    ("  propagated: {max: 0.05, arm: clean}\n", "propagated",
     "unknown key 'arm' in gates.propagated[0] (valid: confidence, fault, max, min)"),
    ("  silent: {max: 0.05, confidence: sure}\n", "silent",
     "Input should be 'point', 'strict', 'lower' or 'upper'"),
    ("  propagated: 0.05\n", "propagated", "a gate is a mapping such as {max: 0.05}"),
])
def test_bad_gates_are_located_errors_that_say_the_fix(tmp_path, gates, needle, expect):
    path, message = located_error(tmp_path, gates)
    assert message.startswith(f"{path}:{line_of(path, needle)}:")
    assert expect in message


def test_outcome_gates_need_faults_to_judge(tmp_path):
    data = yaml.safe_load(GOOD)
    data["faults"] = []
    data["gates"] = {"task_success": {"min": 1.0, "arm": "clean"}, "silent": {"max": 0.1}}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ProfileError, match="injects no faults; gate on task_success instead"):
        load_profile(path)


def test_a_gate_takes_one_rule_or_a_list_of_rules():
    profile = loaded("  propagated:\n    - {max: 0.05}\n    - {max: 0, fault: fs.decoy}\n"
                     "  task_success: {min: 0.9, arm: clean}\n").profile
    assert [(m, g.max, getattr(g, "fault", None)) for m, _, g in profile.gates.metric_gates()] \
        == [("propagated", 0.05, None), ("propagated", 0.0, "fs.decoy"), ("task_success", None,
                                                                          None)]


# --- judging gates --------------------------------------------------------------------------


def test_a_point_gate_passes_on_the_rate_and_names_what_it_judged():
    # 1 of 20 decoys propagated: 0.05 <= max 0.05 on the point value.
    (gate,) = evaluate_gates(results(decoys("m", ["propagated"] + ["recovered"] * 19)),
                             [loaded("  propagated: {max: 0.05}\n")])
    low, high = wilson_interval(1, 20)
    assert (gate.profile, gate.model, gate.metric, gate.arm) == ("p", "m", "propagated", "chaos")
    assert (gate.value, gate.low, gate.high, gate.judged_on) == (0.05, low, high, "point")
    assert gate.passed
    assert gate.message == (f"gate passed: m propagated 1/20 = 0.05 [{low:.2f}, {high:.2f}] "
                            "<= max 0.05 (profile p)")


def test_strict_confidence_judges_the_pessimistic_bound_so_luck_cannot_pass():
    # 0 of 3 propagated: the point value (0) passes max 0.05, the upper bound (0.56) does not;
    # 20 of 20 detected or recovered: the lower bound (0.84) misses min 0.9.
    episodes = decoys("m", ["recovered"] * 3)
    point, strict = evaluate_gates(results(episodes), [loaded(
        "  propagated: [{max: 0.05}, {max: 0.05, confidence: strict}]\n")])
    assert point.passed and not strict.passed
    assert strict.judged_on == "upper" and strict.judged == wilson_interval(0, 3)[1]
    assert strict.message == ("gate failed: m propagated 0/3 = 0.00 [0.00, 0.56], upper bound "
                              "0.56 > max 0.05 (profile p)")
    (held,) = evaluate_gates(results(decoys("m", ["recovered"] * 20)), [loaded(
        "  detected_or_recovered: {min: 0.9, confidence: strict}\n")])
    assert held.judged_on == "lower" and not held.passed
    assert "lower bound 0.84 < min 0.9" in held.message


def test_upper_confidence_on_a_min_gate_fails_only_when_even_the_optimist_misses():
    # 15/20 detected or recovered: point 0.75 < 0.8, but the upper bound (0.89) reaches it.
    episodes = decoys("m", ["recovered"] * 15 + ["propagated"] * 5)
    point, upper = evaluate_gates(results(episodes), [loaded(
        "  detected_or_recovered: [{min: 0.8}, {min: 0.8, confidence: upper}]\n")])
    assert not point.passed and upper.passed
    assert upper.judged == wilson_interval(15, 20)[1]


def test_fault_gates_count_one_kind_and_only_faults_that_fired():
    episodes = [episode("m", s, "chaos", False, [("fs.decoy", "d", "propagated"),
                                                 ("fs.missing", "x", "detected")])
                for s in range(3)]
    episodes.append(episode("m", 3, "chaos", False, [("fs.decoy", "d", "not_triggered"),
                                                     ("fs.missing", "x", "detected")]))
    pooled, decoy, missing = evaluate_gates(results(episodes), [loaded(
        "  propagated: [{max: 0.5}, {max: 0.5, fault: fs.decoy}, {max: 0, fault: fs.missing}]\n"
    )])
    assert (pooled.successes, pooled.trials, pooled.passed) == (3, 7, True)
    assert (decoy.successes, decoy.trials, decoy.passed) == (3, 3, False)
    assert "m propagated (fs.decoy) 3/3 = 1.00" in decoy.message
    assert (missing.successes, missing.trials, missing.passed) == (0, 4, True)


def test_task_success_gates_count_the_arm_they_name():
    episodes = [episode("m", s, "clean", True) for s in range(4)]
    episodes += [episode("m", s, "chaos", s == 0) for s in range(4)]
    clean, chaos = evaluate_gates(results(episodes), [loaded(
        "  task_success: [{min: 1.0, arm: clean}, {min: 0.5}]\n")])
    assert (clean.arm, clean.value, clean.passed) == ("clean", 1.0, True)
    assert (chaos.arm, chaos.value, chaos.passed) == ("chaos", 0.25, False)
    assert chaos.message.startswith("gate failed: m task_success (chaos arm) 1/4 = 0.25 [")
    assert "< min 0.5 (profile p)" in chaos.message


def test_a_gate_with_nothing_to_count_fails_and_says_why():
    (gate,) = evaluate_gates(results([episode("m", 0, "clean", True)]), [loaded(
        "  task_success: {min: 0.5}\n")])
    assert not gate.passed and gate.value is None
    assert gate.message == ("gate failed: m task_success (chaos arm) has no data (no chaos-arm "
                            "episode ran); min 0.5 cannot be judged (profile p)")


def test_top_level_gates_judge_every_model_and_per_model_gates_only_theirs():
    episodes = decoys("scripted/naive", ["propagated"] * 2) + decoys("scripted/careful",
                                                                     ["recovered"] * 2)
    gates = evaluate_gates(results(episodes), [loaded(
        "  detected_or_recovered: {min: 0.9}\n"
        "  per_model:\n    scripted/careful: {propagated: {max: 0}}\n"
        "    scripted/hallucinator: {propagated: {max: 0}}\n")])
    assert [(g.model, g.metric, g.passed) for g in gates] == [
        ("scripted/careful", "detected_or_recovered", True),
        ("scripted/careful", "propagated", True),
        ("scripted/naive", "detected_or_recovered", False),
    ]
    assert gates_failed(gates) == [gates[2]]


def test_a_value_just_over_the_threshold_never_prints_equal_to_it():
    # 3 of 59 = 0.0508...: at 2 decimals it would read "0.05 > max 0.05".
    (gate,) = evaluate_gates(results(decoys("m", ["propagated"] * 3 + ["recovered"] * 56)),
                             [loaded("  propagated: {max: 0.05}\n")])
    assert not gate.passed
    assert "3/59 = 0.051 [" in gate.message and "> max 0.05" in gate.message


def test_gate_results_go_into_the_summary():
    run = results(decoys("m", ["propagated"]))
    gates = evaluate_gates(run, [loaded("  propagated: {max: 0.05}\n")])
    summary = with_gates(run, gates).summary
    assert run.summary == {}
    (record,) = summary["gates"]
    assert record == {
        "profile": "p", "model": "m", "metric": "propagated", "fault": None, "arm": "chaos",
        "op": "max", "threshold": 0.05, "confidence": "point", "judged_on": "point",
        "successes": 1, "trials": 1, "value": 1.0, "low": round(wilson_interval(1, 1)[0], 4),
        "high": 1.0, "passed": False, "message": gates[0].message}


# --- chaos run: exit codes ------------------------------------------------------------------


def run_cli(tmp_path, gates, *args):
    profile = tmp_path / "gated.yaml"
    profile.write_text(gated(gates, name="gated"))
    out = tmp_path / "run"
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["run", str(profile), "--episodes", "2", "--quiet", "--out", str(out), *args])
    return result, out


def test_a_failing_gate_exits_1_and_names_model_metric_value_interval_threshold(tmp_path):
    result, out = run_cli(tmp_path, "  propagated: {max: 0.05}\n", "--model", "scripted/naive",
                          "--model", "scripted/careful")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    # naive lets the decoy, the near-duplicate and the mislabelled logo out: 6 of 12 faults.
    low, high = wilson_interval(6, 12)
    assert (f"gate failed: scripted/naive propagated 6/12 = 0.50 [{low:.2f}, {high:.2f}] > max "
            "0.05 (profile gated)") in result.output
    assert "gate passed: scripted/careful propagated 0/12 = 0.00" in result.output
    assert "gates: 1 passed, 1 failed" in result.output
    gates = json.loads((out / "results.json").read_text())["summary"]["gates"]
    assert [(g["model"], g["passed"]) for g in gates] == [("scripted/careful", True),
                                                          ("scripted/naive", False)]


def test_passing_gates_exit_0(tmp_path):
    result, out = run_cli(tmp_path, "  propagated: {max: 0.05}\n  task_success: {min: 1.0, "
                          "arm: clean}\n", "--model", "scripted/careful")
    assert result.exit_code == 0, result.output
    assert "gates: 2 passed, 0 failed" in result.output


def test_a_handled_gate_passes_the_chain_that_reports_what_it_cannot_do(tmp_path):
    # Under the faults neither chain gets the task done; careful reports the missing clip and
    # ships nothing wrong, naive ships the decoy.
    result, out = run_cli(tmp_path, "  handled: {min: 0.8}\n  task_success: {max: 0.0}\n",
                          "--model", "scripted/naive", "--model", "scripted/careful",
                          "--arm", "chaos")
    assert result.exit_code == 1, result.output
    assert "gate passed: scripted/careful handled (chaos arm) 2/2 = 1.00" in result.output
    assert "gate failed: scripted/naive handled (chaos arm) 0/2 = 0.00" in result.output
    gates = json.loads((out / "results.json").read_text())["summary"]["gates"]
    assert [(g["model"], g["metric"], g["passed"]) for g in gates] == [
        ("scripted/careful", "task_success", True), ("scripted/careful", "handled", True),
        ("scripted/naive", "task_success", True), ("scripted/naive", "handled", False)]


def test_a_handled_gate_is_a_located_error_when_misspelt():
    with pytest.raises(ProfileError, match="did you mean 'handled'"):
        parse_profile(gated("  handeld: {min: 0.8}\n"))


def test_a_profile_without_gates_exits_0_and_records_no_gates(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(SPORTS), "--episodes", "1", "--quiet",
                                       "--model", "scripted/naive", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "gate passed" not in result.output and "gates:" not in result.output
    assert json.loads((out / "results.json").read_text())["summary"]["gates"] == []


def test_a_bad_gate_exits_2_before_anything_runs(tmp_path):
    result, out = run_cli(tmp_path, "  propagatd: {max: 0.05}\n")
    assert result.exit_code == 2
    assert "did you mean 'propagated'?" in result.output
    assert not out.exists()


EXAMPLE = REPO / "examples" / "gates.yaml"


@pytest.mark.slow
def test_the_gated_example_passes_the_careful_model_over_its_twenty_seeds(tmp_path):
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["run", str(EXAMPLE), "--model", "scripted/careful", "--quiet",
               "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "upper bound 0.03 <= max 0.05" in result.output
    assert "gate passed: scripted/careful handled (chaos arm) 20/20 = 1.00 [0.84, 1.00], " \
           "lower bound 0.84 >= min 0.8" in result.output
    assert "gates: 6 passed, 0 failed" in result.output


def test_the_gated_example_fails_a_small_sample_even_of_the_careful_model(tmp_path):
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["run", str(EXAMPLE), "--model", "scripted/careful", "--episodes", "2", "--quiet",
               "--out", str(tmp_path / "run")])
    assert result.exit_code == 1, result.output
    assert "gate failed: scripted/careful propagated 0/12 = 0.00 [0.00, 0.24], upper bound " \
           "0.24 > max 0.05" in result.output


def test_the_example_is_the_sports_profile_plus_gates():
    example = yaml.safe_load(EXAMPLE.read_text())
    sports = yaml.safe_load(GOOD)
    assert {k: v for k, v in example.items() if k not in ("name", "gates")} == {
        k: v for k, v in sports.items() if k != "name"}
    assert set(example["gates"]) == {"propagated", "detected_or_recovered", "task_success",
                                     "handled", "per_model"}
