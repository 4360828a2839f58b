"""The defects a new user and a reviewer found in `chaos recommend` (issue 16, R1-R10),
each through the CLI as a user meets it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.models.loopback import LoopbackServer
from tests.conftest import REPO, SPORTS
from tests.recommend.conftest import ALIASES, priced_profile, recommend_cli, recommend_json

SWITCH_GATES = str(REPO / "profiles" / "gates" / "switch.yaml")
GATES = "\ngates:\n  handled: {min: 0.7}\n"


def _model(data: dict, profile: str, model: str) -> dict:
    return next(m for m in data["profiles"][profile]["models"] if m["model"] == model)


@pytest.fixture(scope="module")
def few(tmp_path_factory) -> dict[str, Path]:
    """The priced production profile: 3 seeds with both arms, and 3 seeds clean arm only."""
    folder = tmp_path_factory.mktemp("few")
    mp = pytest.MonkeyPatch()
    mp.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    mp.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-a-key")
    outputs = {}
    try:
        with LoopbackServer(aliases=ALIASES) as server:
            profile = folder / "sports-production.yaml"
            profile.write_text(priced_profile("sports-production", server), encoding="utf-8")
            # Profile gates at point confidence: the careless model fails them (exit 1).
            gated = folder / "gated.yaml"
            gated.write_text(profile.read_text(encoding="utf-8") + GATES, encoding="utf-8")
            for name, extra, path, exit_code in (
                    ("both", [], profile, 0), ("clean", ["--arm", "clean"], profile, 0),
                    ("gated", [], gated, 1)):
                result = CliRunner().invoke(main, ["run", str(path), "--episodes", "3",
                                                   "--concurrency", "8", "--out",
                                                   str(folder / name), *extra])
                assert result.exit_code == exit_code, result.output
                outputs[name] = result.output
    finally:
        mp.undo()
    return {"both": folder / "both", "clean": folder / "clean", "profile": profile,
            "output": outputs["both"], "gated_output": outputs["gated"],
            "gated": folder / "gated"}


@pytest.fixture(scope="module")
def scripted(tmp_path_factory) -> dict[str, Path]:
    """Two scripted profiles, one without the fs.decoy fault, 2 seeds."""
    folder = tmp_path_factory.mktemp("scripted-findings")
    production = folder / "sports-production.yaml"
    shutil.copy(SPORTS, production)
    text = SPORTS.read_text(encoding="utf-8")
    start = text.index("  - id: stock-decoy")
    end = text.index("  - id: logo-is-jpeg")
    no_decoy = folder / "no-decoy.yaml"
    no_decoy.write_text(text[:start].replace("name: sports-production", "name: no-decoy")
                        + text[end:], encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(production), str(no_decoy), "--episodes",
                                       "2", "--out", str(folder / "run"), "--quiet"])
    assert result.exit_code == 0, result.output
    return {"run": folder / "run", "folder": folder}


# R1: no gates never names a switch; few pairs say "could not tell".

def test_without_gates_no_switch_is_named_and_the_careless_model_is_still_refused(few):
    code, out = recommend_cli(str(few["both"]))
    assert code == 5, out
    assert "undecided openai/mini-careful" in out
    assert ("no gates: the baseline comparison alone can only refuse; pass --gates FILE "
            "(profiles/gates/switch.yaml) or add gates: to the profile") in out
    assert "answer: undecided: no gates to name a switch by" in out
    assert "switch to" not in out
    code, data = recommend_json(str(few["both"]))
    assert data["answer"] == "undecided" and data["switch"] is None
    assert "recommend: no gates to name a switch by" in few["output"]
    assert "--gates FILE" in few["output"]


def test_with_gates_a_comparison_too_small_to_refuse_says_it_could_not_tell(few):
    code, out = recommend_cli(str(few["both"]), "--gates", SWITCH_GATES)
    assert code == 5, out  # handled 3/3 [0.44, 1.00] straddles min 0.7
    assert ("3 pairs cannot show it worse at alpha 0.05 (the smallest exact p is 0.25; 6 "
            "needed): \"not worse\" there means \"could not tell\"") in out
    code, data = recommend_json(str(few["both"]), "--gates", SWITCH_GATES)
    careful = _model(data, "sports-production", "openai/mini-careful")
    assert any("could not tell" in n for n in careful["notes"])


# R2: a fault profile whose chaos arm did not run keeps its fault gates, undecided.

def test_a_fault_profile_run_clean_keeps_its_fault_gates_undecided(few):
    code, out = recommend_cli(str(few["clean"]), "--gates", SWITCH_GATES)
    assert code == 5, out
    assert "switch to" not in out
    assert ("propagated has no data (no chaos arm ran: run with --arm both); max 0.1 cannot "
            "be judged") in out
    assert ("sports-production injects faults but no chaos arm ran: its gates on propagated, "
            "handled (chaos arm) have no data (run with --arm both)") in out
    assert "answer: undecided: no cheaper model qualifies yet, and more seeds alone will not" in out
    code, data = recommend_json(str(few["clean"]), "--gates", SWITCH_GATES)
    careless = _model(data, "sports-production", "anthropic/mini-careless")
    assert careless["verdict"] == "undecided"
    assert [(g["metric"], g["decision"]) for g in careless["gates"]] == [
        ("propagated", "undecided"), ("handled", "undecided")]
    assert any("no chaos arm ran" in n for n in data["notes"])


def test_a_profile_file_gone_since_the_run_cannot_tell_and_says_so(few, tmp_path):
    run = tmp_path / "clean"
    shutil.copytree(few["clean"], run)
    results = json.loads((run / "results.json").read_text(encoding="utf-8"))
    results["profiles"][0]["sha256"] = "0" * 64
    (run / "results.json").write_text(json.dumps(results), encoding="utf-8")
    code, out = recommend_cli(str(run), "--gates", SWITCH_GATES)
    assert code == 5, out
    assert ("cannot tell whether sports-production injects faults (its profile file is gone "
            "or changed since the run, and no fault was injected): its gates on propagated are "
            "kept, with no data") in out


def test_a_clean_rubric_says_which_gates_were_not_applied(priced_run):
    code, out = recommend_cli(str(priced_run), "--gates", SWITCH_GATES)
    assert code == 0, out
    assert ("note: sports-rubric injects no fault (a clean rubric): the gates on propagated "
            "are not applied there; its episode gates count the clean arm") in out


# R3: a fault kind no profile injects is an input error; one some profiles lack is noted.

@pytest.mark.parametrize(("kind", "what", "hint"), [
    ("fs.decoi", "which is no fault kind of chaos", "did you mean 'fs.decoy'?"),
    ("fs.stale_versoin", "which is no fault kind of chaos",
     "did you mean 'fs.stale_version'?"),
    ("model.timeout", "which no fault of this run has",
     "kinds in this run: fs.ambiguous_name, fs.decoy, fs.missing"),
])
def test_a_gates_file_kind_no_profile_injects_is_refused(scripted, tmp_path, kind, what, hint):
    gates = tmp_path / "gates.yaml"
    gates.write_text(f"propagated: {{max: 0.1, fault: {kind}}}\n", encoding="utf-8")
    code, out = recommend_cli(str(scripted["run"]), "--gates", str(gates), "--baseline",
                              "scripted/careful")
    assert code == 2, out
    assert f"gate on fault kind '{kind}' (propagated), {what}" in out
    assert hint in out


def test_a_gates_file_kind_one_profile_lacks_is_not_applied_there(scripted, tmp_path):
    gates = tmp_path / "gates.yaml"
    gates.write_text("propagated: {max: 0.1, fault: fs.decoy}\n", encoding="utf-8")
    code, data = recommend_json(str(scripted["run"]), "--gates", str(gates), "--baseline",
                                "scripted/careful")
    assert ("no-decoy injects no fs.decoy fault: the gates on propagated fs.decoy are not "
            "applied there") in data["notes"]
    naive = _model(data, "sports-production", "scripted/naive")
    assert [g["fault"] for g in naive["gates"]] == ["fs.decoy"]
    assert _model(data, "no-decoy", "scripted/naive")["gates"] == []


def _profiles_changed_since(source, tmp_path):
    """A copy of the run whose profile files no longer match (their sha256 differs)."""
    run = tmp_path / "run"
    shutil.copytree(source, run)
    data = json.loads((run / "results.json").read_text(encoding="utf-8"))
    for ref in data["profiles"]:
        ref["sha256"] = "0" * 64
    (run / "results.json").write_text(json.dumps(data), encoding="utf-8")
    return run


def test_a_kind_not_seen_in_a_profile_whose_file_changed_is_kept_not_dropped(scripted,
                                                                             tmp_path):
    run = _profiles_changed_since(scripted["run"], tmp_path)
    gates = tmp_path / "gates.yaml"
    gates.write_text("propagated: {max: 0.1, fault: fs.decoy}\n", encoding="utf-8")
    code, data = recommend_json(str(run), "--gates", str(gates), "--baseline",
                                "scripted/careful")
    assert ("cannot tell whether no-decoy injects fs.decoy (none fired, and its profile file is "
            "gone or changed since the run): its gates on propagated fs.decoy are kept, with "
            "no data") in data["notes"]
    gate = _model(data, "no-decoy", "scripted/naive")["gates"][0]
    assert (gate["fault"], gate["decision"], gate["trials"]) == ("fs.decoy", "undecided", 0)


@pytest.mark.parametrize(("kind", "code"), [("fs.decoi", 2), ("model.timeout", 1)])
def test_without_the_profile_files_only_a_kind_chaos_does_not_know_is_refused(
        scripted, tmp_path, kind, code):
    # A real kind may be in a profile that cannot be read back and simply never fired.
    run = _profiles_changed_since(scripted["run"], tmp_path)
    gates = tmp_path / "gates.yaml"
    gates.write_text(f"propagated: {{max: 0.1, fault: {kind}}}\n", encoding="utf-8")
    got, out = recommend_cli(str(run), "--gates", str(gates), "--baseline", "scripted/careful")
    assert got == code, out
    if code == 2:
        assert "did you mean 'fs.decoy'?" in out
    else:
        assert f"cannot tell whether no-decoy injects {kind}" in out


# R4: malformed results are input errors naming the JSON path; JSON output stays JSON.

_MODEL = ("summary", "profiles", "sports-production", "models", "scripted/naive")


def _set(data: dict, path: tuple, value: object) -> None:
    for key in path[:-1]:
        data = data[key]
    if value is KeyError:
        del data[path[-1]]
    else:
        data[path[-1]] = value


_GATE = {"profile": "sports-production", "model": "scripted/naive", "metric": "propagated",
         "fault": None, "arm": "chaos", "op": "max", "threshold": 0.1, "confidence": "strict",
         "judged_on": "upper", "successes": 0, "trials": 3, "low": 0, "high": 0.5,
         "passed": True, "message": "m"}


@pytest.mark.parametrize(("path", "value", "where"), [
    (("summary", "profiles", "sports-production", "models", "scripted/naive", "chaos"),
     KeyError, "summary.profiles.sports-production.models.scripted/naive.chaos: Field required"),
    ((*_MODEL, "chaos", "usage", "per_episode", "cost_usd"), "cheap",
     "models.scripted/naive.chaos.usage.per_episode.cost_usd"),
    ((*_MODEL, "chaos", "usage", "per_episode", "cost_usd"), float("nan"),
     "chaos.usage.per_episode.cost_usd"),
    ((*_MODEL, "chaos", "usage", "per_episode", "cost_usd"), float("inf"),
     "chaos.usage.per_episode.cost_usd"),
    ((*_MODEL, "chaos", "usage", "per_episode", "cost_usd"), -1.0,
     "chaos.usage.per_episode.cost_usd"),
    ((*_MODEL, "chaos", "episodes"), -5, "chaos.episodes"),
    (("summary", "profiles", "sports-production", "comparisons", 0, "handled", "p_value"), "x",
     "summary.profiles.sports-production.comparisons[0].handled.p_value"),
    (("summary", "gates"), [{**_GATE, "successes": "a"}], "summary.gates[0].successes"),
    (("summary", "gates"), [{**_GATE, "successes": 9}], "successes (9) exceed trials (3)"),
    (("summary", "gates"), [{"profile": "sports-production"}], "summary.gates[0].model"),
    (("summary", "gates"), {"a": 1}, "summary.gates: Input should be a valid list"),
    (("summary", "gates"), [{**_GATE, "op": "between"}], "summary.gates[0].op"),
    (("summary", "gates"), [{**_GATE, "threshold": float("nan")}], "summary.gates[0].threshold"),
    (("summary", "profiles"), [], "summary.profiles is missing or not a mapping"),
    (("summary", "profiles"), KeyError, "summary.profiles is missing or not a mapping"),
])
def test_malformed_summary_content_is_an_input_error_naming_the_json_path(
        scripted, tmp_path, path, value, where):
    run = tmp_path / "run"
    shutil.copytree(scripted["run"], run)
    data = json.loads((run / "results.json").read_text(encoding="utf-8"))
    _set(data, path, value)
    (run / "results.json").write_text(json.dumps(data), encoding="utf-8")
    code, out = recommend_cli(str(run), "--baseline", "scripted/careful", "--json")
    assert code == 2, out
    assert where in out
    assert "results.json" in out and "Traceback" not in out


def test_a_run_never_compared_with_the_baseline_is_undecided_not_qualifying(scripted, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(scripted["run"], run)
    data = json.loads((run / "results.json").read_text(encoding="utf-8"))
    for body in data["summary"]["profiles"].values():
        body["comparisons"] = []
    (run / "results.json").write_text(json.dumps(data), encoding="utf-8")
    gates = tmp_path / "gates.yaml"
    gates.write_text("episodes_crashed: {max: 0.9}\n", encoding="utf-8")
    code, data = recommend_json(str(run), "--gates", str(gates), "--baseline",
                                "scripted/careful")
    naive = _model(data, "sports-production", "scripted/naive")
    assert naive["verdict"] == "undecided"
    assert naive["reasons"][0].startswith("not compared with the baseline")


def _empty_rows(comparison: dict) -> None:
    for paired in comparison["propagated"].values():
        paired.update(pairs=0, a_only=0, b_only=0)


def test_a_paired_row_with_no_pairs_is_named(scripted, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(scripted["run"], run)
    data = json.loads((run / "results.json").read_text(encoding="utf-8"))
    for comparison in data["summary"]["profiles"]["sports-production"]["comparisons"]:
        _empty_rows(comparison)
    (run / "results.json").write_text(json.dumps(data), encoding="utf-8")
    code, out = recommend_cli(str(run), "--baseline", "scripted/careful")
    assert "no pairs on propagated (fs.ambiguous_name), propagated (fs.decoy)" in out
    assert "not compared with the baseline there" in out


@pytest.mark.parametrize("command", [["recommend"], ["report"], ["shrink", "--episode", "x"]])
@pytest.mark.parametrize(("content", "message"), [
    (b'{"version": 1, "summary": {}, \xff\xfe}', "not UTF-8"),
    (None, "summary.profiles is missing or not a mapping"),
])
def test_unreadable_results_are_input_errors_for_every_reader(scripted, tmp_path, command,
                                                              content, message):
    run = tmp_path / "run"
    shutil.copytree(scripted["run"], run)
    if content is None:
        data = json.loads((run / "results.json").read_text(encoding="utf-8"))
        del data["summary"]["profiles"]
        content = json.dumps(data).encode()
    (run / "results.json").write_bytes(content)
    result = CliRunner().invoke(main, [command[0], str(run), *command[1:]])
    assert result.exit_code == 2, result.output
    assert f"{run / 'results.json'}" in result.output and message in result.output
    compared = CliRunner().invoke(main, ["compare", str(scripted["run"]), str(run)])
    assert compared.exit_code == 2, compared.output
    assert message in compared.output


# R5: control characters in model ids are shown as escapes.

def test_control_characters_in_model_ids_are_escaped(scripted, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(scripted["run"], run)
    results = run / "results.json"
    results.write_text(results.read_text(encoding="utf-8").replace(
        "scripted/naive", "scripted/na\\u001b[2Jive"), encoding="utf-8")
    code, out = recommend_cli(str(run), "--baseline", "scripted/careful")
    assert "\x1b" not in out
    assert "scripted/na\\x1b[2Jive" in out


def test_control_characters_in_errors_and_the_recommend_line_are_escaped(scripted, few,
                                                                        tmp_path):
    from chaos.recommend import run_recommend_line
    from chaos.report import load_results

    code, out = recommend_cli(str(scripted["run"]), "--baseline", "scripted/na\x1b[2Jive")
    assert code == 2 and "\x1b" not in out and "scripted/na\\x1b[2Jive" in out
    run = tmp_path / "run"
    shutil.copytree(few["gated"], run)  # its recommend: line names the models failing gates
    results = run / "results.json"
    results.write_text(results.read_text(encoding="utf-8").replace(
        "anthropic/mini-careless", "anthropic/mini-care\\u001b[2Jless"), encoding="utf-8")
    line = run_recommend_line(load_results(run), "runs/x")
    assert line is not None and "\x1b" not in line
    assert "anthropic/mini-care\\x1b[2Jless" in line


# R6: a priced model whose every episode crashed has an unknown cost, not "no price".

def test_a_model_that_completed_nothing_has_an_unknown_cost_not_no_price(few, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(few["both"], run)
    data = json.loads((run / "results.json").read_text(encoding="utf-8"))
    careless = data["summary"]["profiles"]["sports-production"]["models"][
        "anthropic/mini-careless"]
    for arm in ("clean", "chaos"):
        careless[arm]["crashed"] = careless[arm]["episodes"]
        careless[arm]["usage"]["per_episode"]["cost_usd"] = 0.0
    (run / "results.json").write_text(json.dumps(data), encoding="utf-8")
    code, out = recommend_cli(str(run), "--gates", SWITCH_GATES, "--baseline",
                              "openai/frontier-pro")
    line = next(x for x in out.splitlines() if "anthropic/mini-careless" in x)
    assert "cost unknown (no episode completed)" in line and "no price set" not in line
    assert "no completed episode (6 of 6 crashed)" in out
    # Without --baseline, a model of unknown cost may be the dearest, the one run today.
    code, out = recommend_cli(str(run), "--gates", SWITCH_GATES)
    assert code == 2
    assert "no baseline by cost: anthropic/mini-careless completed no episode" in out


# R8: a profile or a folder named where a run directory goes.

def test_a_profile_named_as_the_run_directory_says_to_run_it_first(scripted):
    profile = scripted["folder"] / "no-decoy.yaml"
    code, out = recommend_cli(str(profile))
    assert code == 2
    assert f"{profile} is a profile, not a run directory; run it first" in out


@pytest.mark.parametrize(("name", "message"), [
    ("results.json", "is the results file itself; name the run directory that holds it"),
    ("notes.txt", "is a file, not a run directory"),
])
def test_a_file_named_as_the_run_directory_says_what_to_name(tmp_path, name, message):
    (tmp_path / name).write_text("{}", encoding="utf-8")
    for command in (["recommend"], ["compare", str(tmp_path / name)]):
        result = CliRunner().invoke(main, [*command, str(tmp_path / name)])
        assert result.exit_code == 2, result.output
    code, out = recommend_cli(str(tmp_path / name))
    assert message in out


def test_a_results_json_that_is_a_folder_says_so(tmp_path):
    (tmp_path / "results.json").mkdir()
    code, out = recommend_cli(str(tmp_path))
    assert code == 2
    assert "is a folder, not a results file" in out


# R9, R10: the run's exit code and recommend's three-way decision read consistently.

def test_the_recommend_line_says_the_exit_code_comes_from_other_models_gates(few):
    printed = few["gated_output"]  # chaos run exited 1: the careless model failed its gates
    line = next(x for x in printed.splitlines() if x.startswith("recommend:"))
    assert ("the run's exit code 1 comes from its gate lines failing for "
            "anthropic/mini-careless, scripted/hallucinator, scripted/mime-careless, "
            "scripted/naive (pass/fail at each gate's confidence), not from this answer") in line
    # R10: mini-careful passes handled 3/3 at the profile's point confidence; recommend decides
    # strictly and says so.
    assert "openai/mini-careful" not in line.split(";")[-1]
    assert ("gates are undecided at strict confidence (recommend decides pass/fail/undecided; "
            "gate lines are pass/fail)") in line


def test_an_undecided_gate_explains_the_strict_three_way_decision(few):
    code, out = recommend_cli(str(few["both"]), "--gates", SWITCH_GATES)
    assert "recommend decides each gate strictly, in three ways" in out
    assert "chaos run's gate lines are pass/fail at each gate's confidence" in out
