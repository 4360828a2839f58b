"""`recommend` on summaries: baseline choice, the comparisons' direction, verdicts, answers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaos.recommend import recommend, recommendation_json
from chaos.stats import mcnemar_exact


def arm(episodes: int, cost: float, crashed: int = 0, passed: int | None = None) -> dict:
    passed = episodes - crashed if passed is None else passed
    return {"episodes": episodes, "crashed": crashed, "task_passed": passed,
            "handled": passed, "usage": {"per_episode": {"cost_usd": cost}}}


def model(cost: float, episodes: int = 10, crashed: int = 0, faults: int = 0,
          propagated: int = 0, handled: int | None = None) -> dict:
    chaos = arm(episodes, cost, crashed)
    if handled is not None:
        chaos["handled"] = handled
    counts = {"propagated": propagated, "detected": faults - propagated, "recovered": 0,
              "silent": 0, "crashed": 0, "not_triggered": 0}
    row = {"injected": faults, "scored": faults, "counts": counts}
    return {"clean": arm(episodes, cost, crashed), "chaos": chaos,
            "faults": {"fs.decoy": row} if faults else {}, "overall": row}


def paired(pairs: int, a: int, b: int, a_only: int, b_only: int) -> dict:
    return {"pairs": pairs, "a_rate": a / pairs, "b_rate": b / pairs,
            "difference": (a - b) / pairs, "a_only": a_only, "b_only": b_only,
            "p_value": float(f"{mcnemar_exact(a_only, b_only):.4g}")}


def comparison(a: str, b: str, decoy: dict | None = None, handled: dict | None = None) -> dict:
    same = paired(10, 10, 10, 0, 0)
    return {"a": a, "b": b, "task_success": {"clean": same, "chaos": same},
            "handled": handled or same,
            "propagated": {"fs.decoy": decoy or paired(10, 0, 0, 0, 0)}}


def passing(*models: str, profile: str = "p") -> list[dict]:
    """A handled gate every named model passes strictly (10/10 [0.72, 1.00] >= min 0.5)."""
    return [{"profile": profile, "model": m, "metric": "handled", "fault": None, "arm": "chaos",
             "op": "min", "threshold": 0.5, "confidence": "strict", "judged_on": "lower",
             "successes": 10, "trials": 10} for m in models]


def summary(models: dict, comparisons: list | None = None, gates: list | None = None,
            name: str = "p") -> dict:
    return {"profiles": {name: {"models": models, "comparisons": comparisons or []}},
            "gates": gates or []}


@pytest.mark.parametrize("baseline", ["a-pricey", "z-pricey"])
def test_worse_means_the_candidate_propagates_more_whichever_name_sorts_first(baseline):
    # Comparisons list models as a < b: the candidate is `a` with one baseline, `b` with
    # the other. Both ways the candidate that propagates the decoy on 8 seeds is refused.
    candidate = "m-cheap"
    first, second = sorted([baseline, candidate])
    leaks_a = first == candidate
    decoy = paired(10, 8 if leaks_a else 0, 0 if leaks_a else 8, 8 if leaks_a else 0,
                   0 if leaks_a else 8)
    s = summary({baseline: model(1.0, faults=10), candidate: model(0.1, faults=10,
                                                                    propagated=8)},
                [comparison(first, second, decoy)])
    rec = recommend(s)
    answer = rec.profile("p").model(candidate)
    assert answer.verdict == "rejected"
    assert answer.reasons == (
        "worse than baseline on propagated (fs.decoy): 8/10 vs 0/10, paired p=0.0078",)
    assert rec.answer == "stay" and rec.exit_code == 1


@pytest.mark.parametrize("baseline", ["a-pricey", "z-pricey"])
def test_a_candidate_that_propagates_less_or_handles_more_is_not_worse(baseline):
    candidate = "m-cheap"
    first, second = sorted([baseline, candidate])
    cand_a = first == candidate
    # The baseline propagates and handles less: the candidate is better, never "worse".
    decoy = paired(10, 0 if cand_a else 8, 8 if cand_a else 0, 0 if cand_a else 8,
                   8 if cand_a else 0)
    handled = paired(10, 10 if cand_a else 2, 2 if cand_a else 10, 8 if cand_a else 0,
                     0 if cand_a else 8)
    s = summary({baseline: model(1.0, faults=10, propagated=8), candidate: model(0.1)},
                [comparison(first, second, decoy, handled)], passing(candidate))
    rec = recommend(s)
    assert rec.profile("p").model(candidate).verdict == "qualifies"
    assert rec.answer == "switch" and rec.switch == candidate and rec.exit_code == 0
    saving = rec.profile("p").model(candidate)
    assert saving.saving_usd == pytest.approx(0.9) and saving.saving_pct == pytest.approx(90)


def test_handled_lower_is_worse_with_its_evidence():
    handled = paired(10, 10, 2, 8, 0)  # a = the baseline handled 10, b = the candidate 2
    s = summary({"a-base": model(1.0), "b-cand": model(0.1)},
                [comparison("a-base", "b-cand", handled=handled)])
    answer = recommend(s).profile("p").model("b-cand")
    assert answer.reasons == (
        "worse than baseline on handled (chaos arm): 2/10 vs 10/10, paired p=0.0078",)


def test_not_significant_at_alpha_is_not_worse_and_alpha_is_per_comparison():
    decoy = paired(10, 0, 5, 0, 5)  # 5 discordant pairs: p = 0.0625
    s = summary({"a-base": model(1.0, faults=10), "b-cand": model(0.1, faults=10,
                                                                   propagated=5)},
                [comparison("a-base", "b-cand", decoy)], passing("b-cand"))
    assert recommend(s).profile("p").model("b-cand").verdict == "qualifies"
    assert recommend(s, alpha=0.1).profile("p").model("b-cand").verdict == "rejected"


def test_the_default_baseline_is_the_most_expensive_and_a_tie_or_zero_picks_none():
    s = summary({"a": model(0.5), "b": model(2.0), "c": model(1.0)})
    assert recommend(s).profile("p").baseline == "b"
    tie = recommend(summary({"a": model(2.0), "b": model(2.0), "c": model(1.0)}))
    assert tie.answer == "no_baseline" and tie.exit_code == 2
    assert "a, b cost the most, the same 2.000000 USD per episode" in tie.profiles[0].note
    assert "--baseline MODEL" in tie.profiles[0].note
    free = recommend(summary({"scripted/a": model(0.0), "scripted/b": model(0.0)}))
    assert free.answer == "no_baseline"
    assert "every model costs 0 USD per episode" in free.profiles[0].note
    named = recommend(summary({"a": model(2.0), "b": model(2.0)}), baseline="a")
    assert named.profile("p").baseline_chosen == "--baseline"


def test_a_model_with_no_completed_episode_is_rejected_with_that_evidence():
    s = summary({"base": model(1.0), "broken": model(0.0, episodes=4, crashed=4)})
    answer = recommend(s).profile("p").model("broken")
    assert answer.verdict == "rejected"
    assert answer.reasons == ("no completed episode (8 of 8 crashed)",)


def test_unpriced_models_qualify_but_are_not_named_the_switch():
    s = summary({"openai/pro": model(1.0), "scripted/careful": model(0.0),
                 "openai/mini": model(0.2)},
                [comparison("openai/mini", "openai/pro"),
                 comparison("openai/pro", "scripted/careful")],
                passing("openai/mini", "scripted/careful"))
    rec = recommend(s)
    assert rec.switch == "openai/mini"
    assert rec.profile("p").model("scripted/careful").verdict == "qualifies"
    assert not rec.profile("p").model("scripted/careful").priced
    assert [m.model for m in rec.profile("p").models][:3] == [
        "openai/pro", "scripted/careful", "openai/mini"]


def gate_json(model_id: str, successes: int, trials: int, op: str = "min",
              threshold: float = 0.7, metric: str = "handled", profile: str = "p") -> dict:
    return {"profile": profile, "model": model_id, "metric": metric, "fault": None,
            "arm": "chaos", "op": op, "threshold": threshold, "confidence": "strict",
            "judged_on": "lower", "successes": successes, "trials": trials}


def test_an_undecided_cheaper_model_makes_the_answer_undecided_with_its_estimate():
    gates = [gate_json("pro", 6, 6), gate_json("mini", 6, 6)]
    s = summary({"pro": model(1.0, episodes=6), "mini": model(0.2, episodes=6)},
                [comparison("mini", "pro")], gates=gates)
    rec = recommend(s)
    mini = rec.profile("p").model("mini")
    assert mini.verdict == "undecided" and mini.more_seeds == 3
    assert mini.reasons == ("undecided, 3 more seeds would settle it: handled (chaos arm) 6/6 "
                            "[0.61, 1.00] straddles min 0.7",)
    assert rec.answer == "undecided" and rec.exit_code == 5
    assert "no gates" not in rec.profiles[0].note


def test_a_failed_gate_rejects_with_its_interval():
    gates = [gate_json("pro", 10, 10), gate_json("mini", 3, 20, threshold=0.8)]
    s = summary({"pro": model(1.0), "mini": model(0.2)}, gates=gates)
    mini = recommend(s).profile("p").model("mini")
    assert mini.reasons == ("handled (chaos arm) 3/20 [0.05, 0.36] < min 0.8",)


def test_without_gates_no_candidate_qualifies_the_comparison_can_only_refuse():
    rec = recommend(summary({"pro": model(1.0), "mini": model(0.2)},
                            [comparison("mini", "pro")]))
    assert "no gates: the baseline comparison can refuse a model but never qualify one" in (
        rec.profiles[0].note)
    mini = rec.profile("p").model("mini")
    assert mini.verdict == "undecided" and mini.more_seeds is None
    assert mini.reasons == ("no gates: the baseline comparison alone can only refuse; pass "
                            "--gates FILE (profiles/gates/switch.yaml) or add gates: to the "
                            "profile",)
    assert rec.answer == "undecided" and rec.exit_code == 5 and rec.switch is None
    assert rec.to_json()["gated"] is False


def test_multi_profile_the_switch_must_qualify_on_every_profile():
    decoy = paired(10, 0, 8, 0, 8)  # a = pro clean, b = z-cheap leaks
    s = {"profiles": {
        "production": {"models": {"pro": model(1.0, faults=10), "mini": model(0.3, faults=10),
                                  "z-cheap": model(0.1, faults=10, propagated=8)},
                       "comparisons": [comparison("mini", "pro"),
                                       comparison("mini", "z-cheap"),
                                       comparison("pro", "z-cheap", decoy)]},
        "rubric": {"models": {"pro": model(0.5), "mini": model(0.2), "z-cheap": model(0.05)},
                   "comparisons": [comparison("mini", "pro"), comparison("pro", "z-cheap")]}},
        "gates": [*passing("mini", "z-cheap", profile="production"),
                  *passing("mini", "z-cheap", profile="rubric")]}
    rec = recommend(s)
    assert rec.profile("rubric").switch == "z-cheap"
    assert rec.profile("production").switch == "mini"
    assert rec.every_profile == ("mini",) and rec.switch == "mini" and rec.answer == "switch"


def test_one_model_profiles_have_nothing_to_compare():
    rec = recommend(summary({"only": model(1.0)}))
    assert rec.answer == "nothing_to_compare" and rec.exit_code == 2
    assert rec.profiles[0].status == "one_model"


def test_the_json_is_versioned_and_byte_stable():
    s = summary({"pro": model(1.0), "mini": model(0.2), "cheap": model(0.1)},
                gates=[gate_json("mini", 9, 9)])
    first = recommendation_json(recommend(s))
    # The same summary with its keys in another order gives the same bytes.
    shuffled = json.loads(json.dumps(s))
    shuffled["profiles"]["p"]["models"] = dict(reversed(list(
        shuffled["profiles"]["p"]["models"].items())))
    assert recommendation_json(recommend(shuffled)) == first
    data = json.loads(first)
    assert data["version"] == 1
    assert list(data) == ["version", "answer", "switch", "every_profile", "confidence",
                          "alpha", "gates_from", "gated", "notes", "profiles"]
    assert first.endswith("}\n")


def test_a_gate_no_seed_count_can_settle_says_so_instead_of_an_estimate():
    # episodes_crashed {max: 0}: 0 of 6 crashed sits on the threshold for ever.
    gates = [gate_json(m, 0, 6, op="max", threshold=0.0, metric="episodes_crashed")
             for m in ("pro", "mini")]
    s = summary({"pro": model(1.0, episodes=6), "mini": model(0.2, episodes=6)},
                [comparison("mini", "pro")], gates=gates)
    mini = recommend(s).profile("p").model("mini")
    assert mini.verdict == "undecided" and mini.more_seeds is None
    assert mini.reasons == ("undecided, cannot settle at this rate: episodes_crashed (chaos "
                            "arm) 0/6 [0.00, 0.39] straddles max 0",)


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30),
                          st.sampled_from(["min", "max"]),
                          st.sampled_from([0.0, 0.05, 0.5, 0.7, 1.0]),
                          st.sampled_from(["handled", "episodes_crashed", "propagated"])),
                min_size=1, max_size=6),
       st.lists(st.floats(0, 2, allow_nan=False), min_size=2, max_size=4),
       st.integers(0, 10), st.integers(0, 10))
def test_any_counts_give_an_answer_never_an_error(gates, costs, a_only, b_only):
    names = [f"m{i}" for i in range(len(costs))]
    models = {n: model(c, episodes=5) for n, c in zip(names, costs, strict=True)}
    decoy = paired(max(1, a_only + b_only), a_only, b_only, a_only, b_only)
    comparisons = [comparison(a, b, decoy) for i, a in enumerate(names) for b in names[i + 1:]]
    judged = [gate_json(names[i % len(names)], min(s, t), t, op, threshold, metric)
              for i, (s, t, op, threshold, metric) in enumerate(gates)]
    rec = recommend(summary(models, comparisons, judged))
    assert rec.exit_code in (0, 1, 2, 5)
    for profile in rec.profiles:
        for m in profile.models:
            assert m.verdict != "undecided" or m.reasons
            assert m.more_seeds is None or m.more_seeds >= 1
    json.loads(recommendation_json(rec))


def test_a_baseline_that_completed_nothing_is_no_baseline():
    s = summary({"pro": model(0.0, episodes=3, crashed=3), "mini": model(0.2)})
    rec = recommend(s, baseline="pro")
    assert rec.answer == "no_baseline"
    assert "pro completed no episode (every one crashed)" in rec.profiles[0].note


def test_a_baseline_that_did_not_run_in_a_profile_is_no_baseline_there():
    rec = recommend(summary({"pro": model(1.0), "mini": model(0.2)}), baseline="other")
    assert rec.answer == "no_baseline"
    assert "other did not run in this profile; name one of mini, pro" in rec.profiles[0].note
