import json

from chaos.metrics import summarize
from chaos.results import EpisodeResult, FaultResult, TaskResult, UsageResult


def episode(model, seed, arm, passed, faults=(), cost=0.0, calls=10, tokens=(0, 0)):
    """A constructed episode; faults are (kind, id, outcome)."""
    return EpisodeResult(
        key=f"p/{model}/seed-{seed}/{arm}", profile="p", model=model, seed=seed, arm=arm,
        status="crashed" if any(o == "crashed" for _, _, o in faults) else "completed",
        task=TaskResult(passed=passed, reasons=[]),
        faults=[FaultResult(id=fid, kind=kind, fired=outcome != "not_triggered",
                            outcome=outcome, detected_by=None, time_to_detection_ms=None,
                            evidence=[]) for kind, fid, outcome in faults],
        sim_time_ms=1000,
        usage=UsageResult(model_calls=calls, input_tokens=tokens[0], output_tokens=tokens[1],
                          cost_usd=cost),
        trace="t.jsonl", reproduce="chaos run p.yaml",
    )


def model_summary(episodes, model):
    return summarize(episodes)["profiles"]["p"]["models"][model]


def test_gap_is_clean_minus_chaos_paired_on_seeds_with_mcnemar():
    # Clean passes on all 5 seeds, chaos on seeds 0 and 1: 3 seeds only clean passed.
    runs = [episode("m", s, "clean", True) for s in range(5)]
    runs += [episode("m", s, "chaos", s < 2) for s in range(5)]
    gap = model_summary(runs, "m")["gap"]
    assert gap == {"pairs": 5, "clean_rate": 1.0, "chaos_rate": 0.4, "difference": 0.6,
                   "clean_only": 3, "chaos_only": 0, "p_value": 0.25}  # 2 * (1/2)^3


def test_gap_pairs_only_seeds_both_arms_ran():
    runs = [episode("m", s, "clean", True) for s in range(4)]
    runs += [episode("m", s, "chaos", False) for s in (2, 3, 4)]
    gap = model_summary(runs, "m")["gap"]
    assert (gap["pairs"], gap["clean_only"]) == (2, 2)


def test_pass_k_per_arm_up_to_eight():
    # 5 seeds, 3 passed (by hand: 3/5, 3/10, 1/10, 0, 0); 10 seeds, 9 passed: C(9,k)/C(10,k)
    # = (10-k)/10, reported up to k = 8.
    runs = [episode("m", s, "chaos", s in (0, 2, 4)) for s in range(5)]
    runs += [episode("m", s, "clean", s != 7) for s in range(10)]
    stats = model_summary(runs, "m")
    assert stats["chaos"]["pass_k"] == {"1": 0.6, "2": 0.3, "3": 0.1, "4": 0.0, "5": 0.0}
    assert stats["clean"]["pass_k"] == {str(k): round((10 - k) / 10, 4) for k in range(1, 9)}


def test_overall_pools_fault_kinds_and_counts_only_faults_that_fired():
    runs = [episode("m", 0, "chaos", False, [("fs.decoy", "d", "propagated"),
                                             ("fs.missing", "x", "detected")]),
            episode("m", 1, "chaos", False, [("fs.decoy", "d", "recovered"),
                                             ("fs.missing", "x", "not_triggered")])]
    overall = model_summary(runs, "m")["overall"]
    assert (overall["injected"], overall["scored"]) == (4, 3)
    assert overall["counts"]["not_triggered"] == 1
    assert overall["rates"]["propagated"]["rate"] == round(1 / 3, 4)
    assert overall["rates"]["detected_or_recovered"]["rate"] == round(2 / 3, 4)
    decoy = model_summary(runs, "m")["faults"]["fs.decoy"]
    assert decoy["rates"]["detected_or_recovered"]["rate"] == 0.5


def test_usage_cost_and_reliability_per_dollar():
    # Chaos arm: 2 episodes at $0.02 and $0.04 (mean $0.03); 1 of 4 faults propagated -> held
    # 0.75 -> 25 per dollar; 1 of 2 tasks passed -> 0.5 / 0.03 per dollar.
    faults = [("fs.decoy", "d", "propagated"), ("fs.missing", "x", "detected")]
    runs = [episode("m", 0, "chaos", True, faults, cost=0.02, calls=10, tokens=(1000, 100)),
            episode("m", 1, "chaos", False, [("fs.decoy", "d", "recovered"),
                                             ("fs.missing", "x", "detected")],
                    cost=0.04, calls=20, tokens=(3000, 300)),
            episode("m", 0, "clean", True, cost=0.01)]
    stats = model_summary(runs, "m")
    assert stats["chaos"]["usage"] == {
        "model_calls": 30, "input_tokens": 4000, "output_tokens": 400, "cost_usd": 0.06,
        "per_episode": {"model_calls": 15.0, "input_tokens": 2000.0, "output_tokens": 200.0,
                        "cost_usd": 0.03}}
    assert stats["reliability"] == {"held_rate": 0.75, "cost_per_episode_usd": 0.03,
                                    "held_per_usd": 25.0,
                                    "task_success_per_usd": round(0.5 / 0.03, 4)}


def test_free_models_have_no_reliability_per_dollar():
    runs = [episode("scripted/careful", 0, "chaos", True, [("fs.decoy", "d", "recovered")])]
    reliability = model_summary(runs, "scripted/careful")["reliability"]
    assert reliability["held_rate"] == 1.0
    assert reliability["held_per_usd"] is None and reliability["task_success_per_usd"] is None


def test_models_are_compared_on_the_same_seeds_and_faults():
    # a propagates the decoy on seeds 0-3, b only on seed 0; on seed 4 b's decoy never fired,
    # so that seed is not a pair. Task success in the clean arm: a passes 0-4, b passes 0-1.
    runs = []
    for s in range(5):
        runs.append(episode("a", s, "chaos", False, [("fs.decoy", "d", "propagated" if s < 4
                                                      else "recovered")]))
        b_outcome = "propagated" if s == 0 else ("not_triggered" if s == 4 else "detected")
        runs.append(episode("b", s, "chaos", False, [("fs.decoy", "d", b_outcome)]))
        runs.append(episode("a", s, "clean", True))
        runs.append(episode("b", s, "clean", s < 2))
    (comparison,) = summarize(runs)["profiles"]["p"]["comparisons"]
    assert (comparison["a"], comparison["b"]) == ("a", "b")
    assert comparison["propagated"]["fs.decoy"] == {
        "pairs": 4, "a_rate": 1.0, "b_rate": 0.25, "difference": 0.75, "a_only": 3,
        "b_only": 0, "p_value": 0.25}
    assert comparison["task_success"]["clean"] == {
        "pairs": 5, "a_rate": 1.0, "b_rate": 0.4, "difference": 0.6, "a_only": 3,
        "b_only": 0, "p_value": 0.25}
    assert comparison["task_success"]["chaos"]["pairs"] == 5


def test_p_values_keep_four_significant_digits():
    # 20 seeds only the clean twin passed: 2 / 2^20 = 1.9073486328125e-06.
    runs = [episode("m", s, "clean", True) for s in range(20)]
    runs += [episode("m", s, "chaos", False) for s in range(20)]
    assert model_summary(runs, "m")["gap"]["p_value"] == 1.907e-06


def test_summary_is_the_same_bytes_whatever_the_episode_order():
    runs = [episode(m, s, arm, (s + len(m)) % 3 != 0, [("fs.decoy", "d", "propagated")]
                    if arm == "chaos" else (), cost=0.001 * (s + 1))
            for m in ("x", "y") for s in range(6) for arm in ("clean", "chaos")]
    first = json.dumps(summarize(runs))
    assert json.dumps(summarize(list(reversed(runs)))) == first


def test_an_arm_that_did_not_run_has_no_rates():
    runs = [episode("m", s, "chaos", True) for s in range(2)]
    clean = model_summary(runs, "m")["clean"]
    assert clean["episodes"] == 0 and clean["pass_k"] == {}
    assert clean["task_success"] == {"rate": None, "low": 0.0, "high": 1.0}
    assert clean["usage"]["per_episode"]["cost_usd"] is None


def test_handled_gets_a_rate_per_arm_and_a_paired_comparison_between_models():
    runs = [episode("a", s, "chaos", False).model_copy(update={"handled": s < 8})
            for s in range(10)]
    runs += [episode("b", s, "chaos", False).model_copy(update={"handled": s < 1})
             for s in range(10)]
    summary = summarize(runs)["profiles"]["p"]
    a = summary["models"]["a"]["chaos"]
    assert (a["task_passed"], a["handled"]) == (0, 8)
    assert a["handled_rate"]["rate"] == 0.8 and a["handled_rate"]["low"] < 0.8
    (comparison,) = summary["comparisons"]
    assert comparison["handled"]["difference"] == 0.7
    assert (comparison["handled"]["a_only"], comparison["handled"]["b_only"]) == (7, 0)
