"""`recommend`: which cheaper model can replace the baseline, from a run's summary alone.

Everything is read from results.json's `summary` (so a sweep whose results.json lists only
some episodes is judged on all of them) and from gates judged on it. Per profile:

1. **Baseline**: `--baseline`, else the most expensive model by cost per episode. Cost per
   episode is the mean over the model's chaos-arm episodes (production conditions: faults
   bring retries and detours that cost tokens), or its clean-arm episodes when no chaos arm
   ran. A tie at the top, or every model at 0 USD (no `price:` set), picks none.
2. **Candidates** are every other model. One is **rejected** when it completed no episode,
   a gate fails strictly (`chaos.recommend.gate_decision`), or it is significantly worse than
   the baseline on a paired row (`chaos.recommend.worse_rows`); **undecided** when a gate's
   interval straddles its threshold or has no data, when no gate is judged on it (the paired
   tests can refuse, never qualify: a bar is needed to name a switch), or when the summary
   never paired it with the baseline; else it **qualifies**.
3. **Switch**: the cheapest qualifying model that costs less than the baseline and more than
   0 USD (a model at 0 USD has no price in the profile, as scripted reference agents: it is
   listed as qualifying but not named; set `price:` to rank it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chaos.gates import GateResult
from chaos.profile._schema import EPISODE_METRICS
from chaos.recommend._decide import gate_decision, seeds_to_settle
from chaos.recommend._models import GateVerdict, ModelAnswer, ProfileAnswer, Recommendation
from chaos.recommend._paired import comparison_of, paired_notes, worse_rows

__all__ = ["DEFAULT_ALPHA", "NO_GATES", "NOT_COMPARED", "cost_per_episode", "recommend"]

#: The significance level of each paired comparison.
DEFAULT_ALPHA = 0.05
#: Why a candidate with no gate is undecided: "not significantly worse" is no evidence of
#: "good enough" (with few seeds the exact test cannot even reach alpha).
NO_GATES = ("no gates: the baseline comparison alone can only refuse; pass --gates FILE "
            "(profiles/gates/switch.yaml) or add gates: to the profile")
#: Why a candidate the summary never paired with the baseline is undecided.
NOT_COMPARED = ("not compared with the baseline (the summary holds no paired comparison of "
                "the two): cannot tell whether it is worse; run both on the same seeds")
_ORDER = {"baseline": 0, "qualifies": 1, "undecided": 2, "rejected": 3}


def cost_per_episode(stats: dict[str, Any]) -> float | None:
    """A model's mean cost per episode: chaos arm, or clean arm when no chaos arm ran."""
    for arm in ("chaos", "clean"):
        if stats[arm]["episodes"]:
            return stats[arm]["usage"]["per_episode"]["cost_usd"]
    return None


def _completed(stats: dict[str, Any]) -> tuple[int, int]:
    """(episodes that finished, episodes) over both arms."""
    ran = stats["clean"]["episodes"] + stats["chaos"]["episodes"]
    return ran - stats["clean"]["crashed"] - stats["chaos"]["crashed"], ran


def _gate_verdicts(gates: Sequence[GateResult], stats: dict[str, Any]) -> list[GateVerdict]:
    out = []
    for gate in gates:
        decision = gate_decision(gate)
        more = None
        no_data = None
        if not gate.trials and not stats[gate.arm]["episodes"]:
            no_data = f"no {gate.arm} arm ran: run with --arm both"
        if decision == "undecided":
            seeds = stats["chaos"]["episodes"] if gate.arm == "chaos" else stats["clean"][
                "episodes"]
            per_seed = 1.0 if gate.metric in EPISODE_METRICS else (
                gate.trials / seeds if seeds else 0.0)
            more = seeds_to_settle(gate, per_seed)
        out.append(GateVerdict(gate, decision, more, no_data))
    return out


def _undecided_reason(verdict: GateVerdict) -> str:
    if verdict.gate.trials == 0:
        return f"undecided: {verdict.evidence}"
    if verdict.more_seeds is None:
        return f"undecided, cannot settle at this rate: {verdict.evidence}"
    n = verdict.more_seeds
    return f"undecided, {n} more seed{'s' if n != 1 else ''} would settle it: {verdict.evidence}"


def _judge_model(model: str, stats: dict[str, Any], gates: Sequence[GateResult],
                 baseline: str | None, baseline_cost: float | None,
                 body: dict[str, Any], alpha: float) -> ModelAnswer:
    cost = cost_per_episode(stats)
    done, ran = _completed(stats)
    verdicts = _gate_verdicts(gates, stats)
    is_baseline = model == baseline
    saving = pct = None
    if not is_baseline and baseline_cost is not None and cost is not None:
        saving = baseline_cost - cost
        pct = 100 * saving / baseline_cost if baseline_cost else None
    reasons: list[str] = []
    if not done:
        reasons.append(f"no completed episode ({ran} of {ran} crashed)" if ran
                       else "no episode ran")
    reasons += [v.evidence for v in verdicts if v.decision == "fail"]
    worse: list[Any] = []
    notes: list[str] = []
    open_questions: list[str] = []
    if not is_baseline and baseline is not None:
        comparison = comparison_of(body, baseline, model)
        if comparison is None:
            open_questions.append(NOT_COMPARED)
        else:
            worse = worse_rows(body, baseline, model, alpha)
            chaos_ran = bool(stats["chaos"]["episodes"] and body["models"][baseline]["chaos"][
                "episodes"])
            notes = paired_notes(comparison, alpha, chaos_ran)
        if not verdicts:
            open_questions.append(NO_GATES)
    reasons += [w.evidence for w in worse]
    undecided = [v for v in verdicts if v.decision == "undecided"]
    if is_baseline:
        verdict = "baseline"
        reasons += [_undecided_reason(v) for v in undecided]
    elif reasons:
        verdict = "rejected"
    elif undecided or open_questions:
        verdict = "undecided"
        reasons += open_questions + [_undecided_reason(v) for v in undecided]
    else:
        verdict = "qualifies"
    estimates = [v.more_seeds for v in undecided]
    more = None if not estimates or None in estimates else max(estimates)  # type: ignore[type-var]
    if open_questions:
        more = None  # no number of seeds answers them
    return ModelAnswer(model, verdict, cost, saving, pct, tuple(reasons),  # type: ignore[arg-type]
                       tuple(verdicts), tuple(worse), more, tuple(notes), done)


def _pick_baseline(models: dict[str, Any], wanted: str | None) -> tuple[str | None, str]:
    """(baseline, note): the one asked for, else the most expensive, else None and why."""
    if wanted is not None:
        return wanted, f"baseline {wanted} (--baseline)"
    unknown = sorted(m for m, s in models.items() if not _completed(s)[0])
    if unknown:  # its cost is unknown: it may well be the dearest, the one run today
        return None, (f"no baseline by cost: {', '.join(unknown)} completed no episode, so its "
                      "cost is unknown; name the model you run today with --baseline MODEL")
    costs = {m: cost_per_episode(s) or 0.0 for m, s in models.items()}
    top = max(costs.values(), default=0.0)
    if not top:
        return None, ("no baseline: every model costs 0 USD per episode (no price: in the "
                      "profile); name the model you run today with --baseline MODEL")
    tied = sorted(m for m, c in costs.items() if c == top)
    if len(tied) > 1:
        return None, (f"no baseline: {', '.join(tied)} cost the most, the same {top:.6f} USD "
                      "per episode; name the model you run today with --baseline MODEL")
    return tied[0], f"baseline {tied[0]}: the most expensive ({top:.6f} USD per episode)"


def _profile(name: str, body: dict[str, Any], gates: Sequence[GateResult],
             wanted: str | None, alpha: float, gated: bool) -> ProfileAnswer:
    models = body["models"]
    if len(models) < 2:
        only = ", ".join(models) or "none"
        return ProfileAnswer(name, "one_model", None, None, None, (),
                             f"one model ran ({only}): nothing to compare")
    baseline, note = _pick_baseline(models, wanted)
    if baseline is not None and baseline not in models:
        baseline, note = None, (f"no baseline: {baseline} did not run in this profile; name one "
                                f"of {', '.join(sorted(models))} with --baseline MODEL")
    elif baseline is not None and not _completed(models[baseline])[0]:
        baseline, note = None, (f"no baseline: {baseline} completed no episode (every one "
                                "crashed), so nothing can be compared with it; name another "
                                "with --baseline MODEL")
    if not gated and baseline is not None:
        note += ("; no gates: the baseline comparison can refuse a model but never qualify "
                 "one (pass --gates FILE)")
    chosen = None if baseline is None else ("--baseline" if wanted else "most expensive")
    base_cost = None if baseline is None else cost_per_episode(models[baseline])
    answers = [_judge_model(m, models[m], [g for g in gates if g.model == m], baseline,
                            base_cost, body, alpha) for m in sorted(models)]
    answers.sort(key=lambda a: (_ORDER[a.verdict], a.cost_per_episode_usd or 0.0, a.model))
    if baseline is None:
        return ProfileAnswer(name, "no_baseline", None, None, None, tuple(answers), note)
    partial = ProfileAnswer(name, "stay", baseline, chosen, None, tuple(answers), note)
    switchable = partial.switchable
    if switchable:
        return ProfileAnswer(name, "switch", baseline, chosen, switchable[0].model,
                             tuple(answers), note)
    maybe = any(a.verdict == "undecided" and a.priced and (a.saving_usd or 0) > 0
                for a in answers)
    return ProfileAnswer(name, "undecided" if maybe else "stay", baseline, chosen, None,
                         tuple(answers), note)


def _possible(answer: ModelAnswer | None) -> bool:
    """Qualifying or undecided, priced and cheaper than the baseline."""
    return (answer is not None and answer.verdict in ("qualifies", "undecided")
            and answer.priced and (answer.saving_usd or 0) > 0)


def recommend(summary: dict[str, Any], gates: Sequence[GateResult] | None = None, *,
              baseline: str | None = None, alpha: float = DEFAULT_ALPHA,
              gates_from: str = "run", notes: Sequence[str] = ()) -> Recommendation:
    """The answer to "can we switch to the cheaper model?" for every profile of a run.

    Args:
        summary: results.json's `summary` (its `comparisons` give the paired tests).
        gates: The gates to decide strictly; by default the run's own (`summary.gates`).
        baseline: The model to compare against on every profile; by default each profile's
            most expensive model.
        alpha: The significance level of each paired comparison (exact McNemar).
        gates_from: Where the gates came from, for the JSON (`run` or a file).
        notes: What the reader must know about the gates (from `judge_gates`).

    Returns:
        The recommendation; a profile where `baseline` did not run has no baseline
        (`chaos.recommend.check_baseline` refuses such a name up front).
    """
    if gates is None:
        from chaos.recommend._decide import gate_from_json

        gates = [gate_from_json(g) for g in summary.get("gates") or []]
    profiles = summary["profiles"]
    gated = bool(gates)
    answers = tuple(_profile(name, profiles[name], [g for g in gates if g.profile == name],
                             baseline, alpha, gated) for name in sorted(profiles))
    compared = [p for p in answers if p.status in ("switch", "stay", "undecided")]
    names = sorted({m.model for p in compared for m in p.models})
    every = [m for m in names if compared and all(
        any(s.model == m for s in p.switchable) for p in compared)]

    def total(model: str) -> float:
        return sum(p.model(model).cost_per_episode_usd or 0.0 for p in compared)  # type: ignore[union-attr]

    every.sort(key=lambda m: (total(m), m))
    if any(p.status == "no_baseline" for p in answers):
        answer = "no_baseline"  # a profile cannot be judged: no answer for every profile
        every = []
    elif every:
        answer = "switch"
    elif any(all(_possible(p.model(m)) for p in compared) for m in names) and compared:
        answer = "undecided"
    elif compared:
        answer = "stay"
    else:
        answer = "nothing_to_compare"
    return Recommendation(answer, every[0] if every else None, tuple(every), answers,  # type: ignore[arg-type]
                          alpha, gates_from, gated, tuple(notes))
