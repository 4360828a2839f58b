"""`--budget-usd`: a round whose estimated cost would pass the budget is never started."""

import json

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.models.loopback import LoopbackServer
from tests.adaptive.conftest import gated_profile


@pytest.fixture(scope="module")
def loopback():
    with LoopbackServer() as server:
        yield server


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-adaptive-5e1f")


def run(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(main, ["run", *map(str, args), "--quiet"])


def test_a_round_the_budget_cannot_pay_for_is_not_started_and_the_cut_is_told(
        tmp_path, loopback):
    priced = (f"  - {{provider: openai, model: careful, base_url: '{loopback.openai_base_url}',"
              " price: {input_per_mtok: 0.4, output_per_mtok: 1.6}}\n")
    profile = gated_profile(tmp_path, models=priced)
    first = tmp_path / "first"
    assert run(profile, "--until-decided", "--episodes", 2, "--max-episodes", 2,
               "--out", first).exit_code == 0
    round_cost = json.loads((first / "results.json").read_text())["summary"]["adaptive"][
        "cost_usd"]["spent"]
    assert round_cost > 0
    # Round 2 (2 more seeds) costs about round 1 again: it fits in 2.5 x; round 3 (4 seeds,
    # about 2 x) would not.
    out = tmp_path / "run"
    result = run(profile, "--until-decided", "--episodes", 2, "--budget-usd",
                 f"{2.5 * round_cost:.8f}", "--out", out)
    assert result.exit_code == 0, result.output
    assert "round 2: seeds 2-3 for 1 model of sports-production (4 episodes, est. $" in (
        result.output)
    assert "round 3:" not in result.output.replace("round 3 (", "")
    assert "until-decided: stopped by --budget-usd" in result.output
    assert "round 3 (8 episodes, est. $" in result.output and "it was not started" in (
        result.output)
    assert "undecided: openai/careful" in result.output
    summary = json.loads((out / "results.json").read_text())["summary"]["adaptive"]
    assert summary["stopped"] == "budget"
    assert summary["cut"]["round"] == 3 and summary["cut"]["runs"][0]["seeds"] == "4-7"
    assert summary["cost_usd"]["spent"] <= 2.5 * round_cost
    assert summary["cost_usd"]["spent"] + summary["cut"]["estimated_cost_usd"] > 2.5 * round_cost
    assert len(summary["rounds"]) == 2
    assert "sk-canary-adaptive" not in (out / "results.json").read_text()


def test_a_budget_round_1_already_passes_is_said_so_and_round_1_cost_is_unknown(
        tmp_path, loopback):
    priced = (f"  - {{provider: openai, model: careful, base_url: '{loopback.openai_base_url}',"
              " price: {input_per_mtok: 0.4, output_per_mtok: 1.6}}\n")
    out = tmp_path / "run"
    result = run(gated_profile(tmp_path, models=priced), "--until-decided", "--episodes", 2,
                 "--budget-usd", 0, "--out", out)
    assert result.exit_code == 0, result.output
    # Nothing has run before round 1: its cost is not estimated as $0.
    assert ("round 1: seeds 0-1 for 1 model of sports-production (4 episodes, cost unknown "
            "until measured)") in result.output
    assert "est. $0.0000" not in result.output
    assert ("until-decided: the budget (--budget-usd 0) was already passed after round 1: the "
            "rounds spent $") in result.output
    assert "(round 1 always runs: it measures the cost per episode)" in result.output
    assert "saved" not in result.output.replace("nothing is saved", "")
    summary = json.loads((out / "results.json").read_text())["summary"]["adaptive"]
    assert summary["stopped"] == "budget" and summary["cost_usd"]["spent"] > 0


@pytest.mark.parametrize("budget", [float("nan"), float("inf"), -1.0])
def test_the_python_api_refuses_a_budget_that_is_no_number_of_dollars(budget):
    from chaos.adaptive import AdaptiveSettings

    with pytest.raises(ValueError, match="must be a finite number, at least 0"):
        AdaptiveSettings(budget_usd=budget)
