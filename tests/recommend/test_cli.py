"""`chaos recommend` as a user runs it: a run directory, a stored sweep, bad input, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from chaos.cli import main
from tests.conftest import SPORTS
from tests.recommend.conftest import recommend_cli, recommend_json

SEEDS = "0-5"  # six seeds: 6 of 6 discordant pairs give p = 0.031 < 0.05


@pytest.fixture(scope="module")
def scripted(tmp_path_factory) -> dict[str, Path]:
    """The sports profile (scripted models, no price) as a run and as a stored sweep."""
    folder = tmp_path_factory.mktemp("scripted")
    profile = folder / "sports-production.yaml"
    shutil.copy(SPORTS, profile)
    runner = CliRunner()
    run = runner.invoke(main, ["run", str(profile), "--episodes", "6", "--out",
                               str(folder / "run"), "--quiet"])
    assert run.exit_code == 0, run.output
    sweep = runner.invoke(main, ["sweep", str(profile), "--seeds", SEEDS, "--workers", "0",
                                 "--store", str(folder / "h.db"), "--out",
                                 str(folder / "sweep"), "--sweep-id", "nightly",
                                 "--report-limit", "3", "--quiet"])
    assert sweep.exit_code == 0, sweep.output
    return {"run": folder / "run", "sweep": folder / "sweep", "store": folder / "h.db",
            "profile": profile, "outputs": run.output + sweep.output}


def test_run_and_sweep_print_one_recommend_line(scripted):
    line = ("recommend: no baseline by cost (no model has a price:, or two tie as the dearest); "
            "name the model you run today: chaos recommend ")
    assert scripted["outputs"].count(line) == 2
    assert f"{line}{scripted['run']} --baseline MODEL --gates" in scripted["outputs"]


def test_model_names_are_printed_as_text_not_markup(scripted, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(scripted["run"], run)
    results = run / "results.json"
    results.write_text(results.read_text().replace("scripted/naive", "scripted/[bold]n[/bold]"))
    code, out = recommend_cli(str(run), "--baseline", "scripted/careful")
    assert code == 1, out
    assert "no        scripted/[bold]n[/bold]" in out


def test_unpriced_models_have_no_baseline_by_price_and_the_error_says_what_to_name(scripted):
    code, out = recommend_cli(str(scripted["run"]))
    assert code == 2
    assert "every model costs 0 USD per episode (no price: in the profile)" in out
    assert "--baseline MODEL" in out and "--baseline scripted/" in out


def test_with_a_baseline_the_careless_models_are_refused_with_evidence(scripted):
    code, out = recommend_cli(str(scripted["run"]), "--baseline", "scripted/careful")
    assert code == 1, out  # nothing is cheaper than a free baseline: stay
    assert "no        scripted/naive" in out
    assert "worse than baseline on propagated (fs.decoy): 6/6 vs 0/6, paired p=0.031" in out
    assert "answer: stay" in out


def test_a_sweep_is_judged_on_every_stored_episode_the_same_as_a_run(scripted):
    # The sweep's results.json lists 3 episodes plus baselines; the summary covers all 48.
    listed = json.loads((scripted["sweep"] / "results.json").read_text())
    from_run = recommend_json(str(scripted["run"]), "--baseline", "scripted/careful")
    from_dir = recommend_json(str(scripted["sweep"]), "--baseline", "scripted/careful")
    from_store = recommend_json("--sweep", "nightly", "--store", str(scripted["store"]),
                                "--baseline", "scripted/careful")
    assert len(listed["episodes"]) == 48
    assert from_run == from_dir == from_store
    assert from_run[0] == 1


def test_summary_recommendation_is_the_same_from_run_and_sweep(scripted):
    run = json.loads((scripted["run"] / "results.json").read_text())["summary"]
    sweep = json.loads((scripted["sweep"] / "results.json").read_text())["summary"]
    assert run["recommendation"] == sweep["recommendation"]
    assert run["recommendation"]["answer"] == "no_baseline"


def test_the_json_bytes_are_stable(scripted):
    runner = CliRunner()
    args = ["recommend", str(scripted["run"]), "--baseline", "scripted/careful", "--json"]
    first, second = runner.invoke(main, args), runner.invoke(main, args)
    assert first.output == second.output
    assert json.loads(first.output)["version"] == 1


def test_a_sweep_whose_profile_changed_says_its_gates_are_not_judged(scripted, tmp_path):
    store = tmp_path / "h.db"
    shutil.copy(scripted["store"], store)
    profile = scripted["profile"]
    original = profile.read_text()
    try:
        profile.write_text(original + "\n# edited\n")
        code, out = recommend_cli("--sweep", "nightly", "--store", str(store), "--baseline",
                                  "scripted/careful")
    finally:
        profile.write_text(original)
    assert code == 1, out
    assert "the gates of sports-production are not judged: the profile file is gone or " \
           "changed since the sweep; pass --gates FILE" in out


@pytest.mark.parametrize(("args", "message"), [
    (["{run}", "--baseline", "scripted/nave"],
     "--baseline scripted/nave: profile sports-production did not run it; did you mean "
     "'scripted/naive'?"),
    (["{tmp}/nowhere"], "no results.json here"),
    ([], "name a run directory (chaos recommend RUN_DIR) or a stored sweep"),
    (["{run}", "--sweep", "x"], "not both"),
    (["--sweep", "nope", "--store", "{store}"],
     "--sweep nope: no such sweep in the store"),
    (["--sweep", "x", "--store", "{tmp}/none.db"], "no history store at"),
    (["{run}", "--store", "{store}"], "--store is for --sweep ID"),
    (["{run}", "--gates", "{tmp}/missing.yaml"], "--gates: not found; name a gates file"),
    (["{run}", "--alpha", "1.5"], "Invalid value for '--alpha'"),
    (["{run}", "--alpha", "nan"], "'nan' is not a finite number"),
])
def test_bad_input_names_the_place_and_the_fix(scripted, tmp_path, args, message):
    filled = [a.format(run=scripted["run"], store=scripted["store"], tmp=tmp_path)
              for a in args]
    code, out = recommend_cli(*filled)
    assert code == 2, out
    assert message in out


@pytest.mark.parametrize(("text", "message"), [
    ("propagated: {max: 5}\n", "2:"),  # the line of the bad threshold
    ("propagatd: {max: 0.05}\n", "unknown key 'propagatd'"),
    ("handled: {min: 0.7, arm: sideways}\n", "sideways"),
    ("propagated: [max: 0.05\n", "YAML syntax error"),
    ("", "empty"),
])
def test_a_bad_gates_file_is_located(scripted, tmp_path, text, message):
    gates = tmp_path / "gates.yaml"
    gates.write_text("# gates\n" + text if text else "")
    code, out = recommend_cli(str(scripted["run"]), "--gates", str(gates), "--baseline",
                              "scripted/careful")
    assert code == 2, out
    assert str(gates) in out and message in out


def test_a_gates_file_naming_a_model_that_did_not_run_is_refused(scripted, tmp_path):
    gates = tmp_path / "gates.yaml"
    gates.write_text("per_model:\n  scripted/carefull: {handled: {min: 0.9}}\n")
    code, out = recommend_cli(str(scripted["run"]), "--gates", str(gates), "--baseline",
                              "scripted/careful")
    assert code == 2
    assert ("--gates: per_model names scripted/carefull, which this run did not run; did "
            "you mean 'scripted/careful'?") in out


def test_a_gates_file_may_hold_the_whole_gates_block(scripted, tmp_path):
    gates = tmp_path / "gates.yaml"
    gates.write_text("gates:\n  handled: {min: 0.7, confidence: strict}\n")
    code, data = recommend_json(str(scripted["run"]), "--gates", str(gates), "--baseline",
                                "scripted/careful")
    naive = next(m for m in data["profiles"]["sports-production"]["models"]
                 if m["model"] == "scripted/naive")
    assert naive["gates"][0]["evidence"] == "handled (chaos arm) 0/6 [0.00, 0.39] < min 0.7"
    assert data["gates_from"] == str(gates)


def test_help_documents_the_exit_codes():
    out = " ".join(CliRunner().invoke(main, ["recommend", "--help"]).output.split())
    assert "0 a cheaper model qualifies on every profile" in out
    assert "5 none does yet but a cheaper one is undecided" in out


def test_the_readme_example_profiles_price_the_three_models():
    from chaos.profile import load_profile
    from tests.conftest import REPO

    for name in ("production", "rubric"):
        loaded = load_profile(REPO / "examples" / "switch" / f"{name}.yaml")
        prices = {m.id: m.price.input_per_mtok for m in loaded.profile.models}
        assert prices == {"openai/frontier-pro": 5.0, "openai/mini-careful": 0.4,
                          "anthropic/mini-careless": 0.25}


def test_a_gates_file_judged_on_the_summary_equals_gates_judged_on_the_episodes(scripted):
    # --gates judges the summary's counts (so a sweep listing some episodes is judged on all);
    # it must give what `chaos run` gives for the same gates on the episodes.
    import dataclasses

    from chaos.gates import evaluate_gates
    from chaos.profile import load_profile
    from chaos.recommend import judge_gates, load_gates_file
    from chaos.report import load_results
    from tests.conftest import REPO

    gates = load_gates_file(str(REPO / "profiles" / "gates" / "switch.yaml"))
    gates = gates.model_copy(update={"per_model": {"scripted/naive": gates}})
    loaded = load_profile(scripted["profile"])
    profile = loaded.profile.model_copy(update={"gates": gates})
    results = load_results(scripted["run"])
    by_episodes = evaluate_gates(results, [dataclasses.replace(loaded, profile=profile)])
    assert judge_gates(results.summary, gates)[0] == by_episodes
    assert len(by_episodes) == 10


def test_the_recommend_line_names_exit_4_when_a_model_completed_nothing():
    from chaos.recommend import recommend, recommend_line

    summary = {"profiles": {}, "gates": []}
    line = recommend_line(recommend(summary), "runs/x", ["anthropic/nano"],
                          ["anthropic/nano (profile p)"])
    assert "exit code 4 comes from anthropic/nano (profile p) completing no episode" in line
    assert "exit code 1" not in line
