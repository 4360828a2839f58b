"""Issue 16's acceptance: on the sports profiles, `chaos recommend` names the right switch
(the cheap and careful model, with its saving) and refuses the wrong one (cheap and careless)
with its evidence, through the CLI as a user runs it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO
from tests.recommend.conftest import SEEDS, recommend_cli, recommend_json

SWITCH_GATES = str(REPO / "profiles" / "gates" / "switch.yaml")

pytestmark = pytest.mark.slow


def test_without_gates_it_refuses_the_careless_model_and_names_no_switch(priced_run):
    code, out = recommend_cli(str(priced_run))
    assert code == 5, out  # a bar is needed to name a switch: undecided
    assert "answer: undecided: no gates to name a switch by" in out
    assert "baseline openai/frontier-pro: the most expensive" in out
    assert "undecided openai/mini-careful" in out
    # Refused, with the paired evidence of production; the clean rubric alone let it through.
    assert "no        anthropic/mini-careless" in out
    assert (f"worse than baseline on propagated (fs.decoy): {SEEDS}/{SEEDS} vs 0/{SEEDS}, "
            "paired p=0.0039") in out
    code, data = recommend_json(str(priced_run))
    production = data["profiles"]["sports-production"]
    assert data["answer"] == "undecided" and data["switch"] is None
    assert data["every_profile"] == [] and data["gated"] is False
    careful = next(m for m in production["models"] if m["model"] == "openai/mini-careful")
    assert careful["verdict"] == "undecided" and careful["priced"]
    assert careful["saving_usd"] > 0 and 80 < careful["saving_pct"] < 100
    careless = next(m for m in production["models"] if m["model"] == "anthropic/mini-careless")
    assert careless["verdict"] == "rejected"
    assert {(w["metric"], w["subject"]) for w in careless["worse"]} >= {
        ("propagated", "fs.decoy"), ("handled", "chaos")}


def test_with_the_switch_gates_the_evidence_is_the_gates_interval(priced_run):
    code, out = recommend_cli(str(priced_run), "--gates", SWITCH_GATES)
    assert code == 0, out
    assert "answer: switch to openai/mini-careful: it qualifies on every profile" in out
    assert "no        anthropic/mini-careless" in out
    # Pooled over the 6 fault kinds: naive propagates 3 of the 6 on every seed.
    n = 6 * SEEDS
    assert f"propagated {n // 2}/{n} [0.37, 0.63] > max 0.1" in out
    assert f"handled (chaos arm) 0/{SEEDS} [0.00, 0.30] < min 0.7" in out
    code, data = recommend_json(str(priced_run), "--gates", SWITCH_GATES)
    careful = next(m for m in data["profiles"]["sports-production"]["models"]
                   if m["model"] == "openai/mini-careful")
    assert [g["decision"] for g in careful["gates"]] == ["pass", "pass"]
    assert data["answer"] == "switch" and data["switch"] == "openai/mini-careful"
    assert data["profiles"]["sports-rubric"]["switch"] == "anthropic/mini-careless"  # the trap
    # The rubric injects no fault: only its episode gate, on the clean arm it runs.
    rubric = next(m for m in data["profiles"]["sports-rubric"]["models"]
                  if m["model"] == "openai/mini-careful")
    assert [(g["metric"], g["arm"]) for g in rubric["gates"]] == [("handled", "clean")]


def test_a_baseline_named_by_hand_and_a_stricter_alpha(priced_run):
    code, data = recommend_json(str(priced_run), "--baseline", "openai/mini-careful")
    assert code == 1  # nothing priced is cheaper and good enough: stay
    assert data["answer"] == "stay"
    assert data["profiles"]["sports-production"]["baseline_chosen"] == "--baseline"
    code, data = recommend_json(str(priced_run), "--alpha", "0.001")
    careless = next(m for m in data["profiles"]["sports-production"]["models"]
                    if m["model"] == "anthropic/mini-careless")
    # 9 of 9 discordant seeds give p = 0.0039: not below 0.001, so no paired evidence left.
    assert careless["worse"] == []


def test_the_run_prints_the_recommend_line_and_writes_the_answer(priced_run):
    printed = (priced_run / "run-output.txt").read_text(encoding="utf-8")
    assert ("recommend: no gates to name a switch by (the baseline comparison alone can only "
            f"refuse); chaos recommend {priced_run} --gates FILE (profiles/gates/switch.yaml)"
            ) in printed
    summary = json.loads((priced_run / "results.json").read_text(encoding="utf-8"))["summary"]
    code, data = recommend_json(str(priced_run))
    assert summary["recommendation"] == data
