"""Rates with honest uncertainty, and the per-run summary of results.json.

`summarize(episodes)` builds `summary`; `chaos run` adds `gates` (see `chaos.gates`),
`coverage` (see `chaos.coverage`) and, with `--until-decided`, `adaptive`. Fields may be
added, never changed: results.json is a public contract. Every rate is a `{rate, low,
high}` triple: the point value (None with no trials) and its Wilson 95 % interval ((0, 1) with
no trials). Rates and ratios are rounded to 4 decimals, USD to 6, p-values to 4 significant
digits, means of counts to 1 decimal; keys keep the order shown.

```
summary
  profiles: {<profile>: ...}                      sorted by profile name
    models: {<model id>: ...}                     sorted by model id
      clean, chaos                                one per arm
        episodes, crashed, task_passed            counts of episodes
        task_success                              rate of passed tasks
        handled                                   count of handled episodes (below)
        handled_rate                              rate of handled episodes
        pass_k: {"1": .., .., "K"}                τ-bench pass^k, K = min(episodes, 8); see below
        usage                                     model_calls, input_tokens, output_tokens,
                                                  cost_usd (sums), per_episode {same: means}
      faults: {<fault kind>: row}                 sorted by kind; chaos-arm faults
        injected                                  faults of this kind in the episodes
        scored                                    those that fired (outcome not not_triggered)
        counts: {<outcome>: n}                    every outcome, not_triggered included
        rates: {<outcome>: rate}                  over `scored`: propagated, detected,
                                                  recovered, silent, crashed,
                                                  detected_or_recovered
        hops: {touched_by, detected_by}           {agent: n}: who met it, who reported it
        time_to_detection_ms: {n, mean, p90}      over the faults with a detection time
      overall: row                                the same, every fault kind pooled
      gap                                         benchmark vs production (see below)
        pairs, clean_rate, chaos_rate, difference, clean_only, chaos_only, p_value
      reliability
        held_rate                                 share of the faults that fired that did
                                                  not propagate (1 - overall propagated rate)
        cost_per_episode_usd                      mean chaos-arm episode cost
        held_per_usd, task_success_per_usd        held rate, chaos-arm task success rate,
                                                  each divided by cost_per_episode_usd;
                                                  None when that cost is 0 (scripted models)
    comparisons: [...]                            one per pair of models a < b (sorted)
      a, b                                        the model ids
      task_success: {clean, chaos}                paired on seeds, per arm
      handled                                     paired on seeds, chaos arm
      propagated: {<fault kind>: paired}          paired on (seed, fault id) where both
                                                  models' fault fired
        (paired: pairs, a_rate, b_rate, difference, a_only, b_only, p_value)
  gates: [...]                                    one per gate and model (chaos.gates);
                                                  [] when the profiles have no gates
    profile, model, metric, fault, arm            what was judged (fault: a kind or null)
    op, threshold, confidence, judged_on          the rule: min|max, the rate, as written,
                                                  and the value compared: point|lower|upper
    successes, trials, value, low, high           the count, the rate, its interval
    passed, message                               the verdict and its one-line explanation
  recommendation                                  chaos.recommend; only when a profile ran
                                                  >= 2 models: default baseline, the run's
                                                  gates decided strictly, alpha 0.05
    version, answer                               1; switch|stay|undecided|no_baseline|
                                                  nothing_to_compare
    switch, every_profile                         the model to switch to; every model that
                                                  qualifies, priced and cheaper, on every
                                                  profile compared (cheapest first)
    confidence, alpha, gates_from, gated          strict; the paired tests' level; run|file;
                                                  false: no gate, so no model qualifies
    notes                                         gates not applied to a profile, and why
    profiles: {<profile>: ...}                    sorted by profile name
      status, baseline, baseline_chosen, switch   switch|stay|undecided|no_baseline|one_model
      ranking, note                               qualifying models by cost; how judged
      models: [...]                               baseline, qualifying, undecided, rejected
        model, verdict, cost_per_episode_usd      baseline|qualifies|undecided|rejected;
                                                  chaos-arm mean (clean arm without one)
        priced, saving_usd, saving_pct            cost > 0; baseline cost - this one's
        more_seeds, reasons                       seeds that would settle it; the evidence
        notes, completed_episodes                 paired rows that could not tell; 0: cost
                                                  unknown (every episode crashed)
        gates: [...]                              metric, fault, arm, op, threshold,
                                                  successes, trials, low, high,
                                                  decision (pass|fail|undecided),
                                                  more_seeds, evidence
        worse: [...]                              paired rows significantly worse than the
                                                  baseline: metric, subject, worse_when,
                                                  candidate, baseline, pairs, p_value,
                                                  evidence
  coverage                                        fault coverage (chaos.coverage), chaos arm
    profiles: {<profile>: ...}                    profiles whose chaos arm ran, sorted
      faults: {<fault id>: ...}                   sorted by id; every model pooled
        kind, target                              the target selector as written, or null
        episodes, fired                           chaos episodes with it, and those it fired in
        never: {<code>: n}                        why it did not fire (codes below)
        reached: {agents, tools, tags, sinks}     names it reached in any episode
        models: {<model id>: {episodes, fired, never}}
      reached                                     over the fired faults, per episode
        agents, tools, tags, sinks: {<name>: n}   fired faults that reached each
        targets: {<selector>: n}                  fired faults whose target files (by the
                                                  fault's glob/tag) the chain reached
        files, files_capped                       distinct files the chain touched; capped:
                                                  at least that many (counted to 10,000)
      never_fired: [...]                          one per model a fault fired for none of
                                                  whose episodes: fault, kind, model,
                                                  episodes, reasons {<code>: n}, words
                                                  {<code>: words (its lowest seed's)}, why
                                                  (the words of its most frequent code)
      untouched: {agents, tools, sinks, tags}     the chain's parts (the world's tags, first
                                                  seed) no fired fault reached
  adaptive                                        only with --until-decided (chaos.adaptive)
    rule, alpha, error_rate                       the sequential rule, its error rate per
                                                  gate decision, in words
    growth, max_episodes, budget_usd              doubling; seeds per model at most; USD
    rounds: [...]                                 in order: round, runs [{profile, seeds,
                                                  models}], episodes, cost_usd
    models: [...]                                 per profile and model: decision (pass|fail|
                                                  undecided|no_gates|nothing_completed|
                                                  no_data), round, seeds, reason,
      gates: [...]                                metric, fault, arm, op, threshold,
                                                  successes, trials, test, then for
                                                  betting_on_episodes (fault gates): episodes,
                                                  faults_per_episode_at_most (K),
                                                  decided_at_episode; for confidence_sequence
                                                  (episode gates): low, high; decision, round
    stopped                                       decided | max_episodes | budget |
                                                  last_seed (no seed past 2**53 - 1)
    cut                                           the round the budget did not start, or null:
                                                  round, runs, episodes, estimated_cost_usd,
                                                  spent_usd
    episodes: {run, fixed_n, saved}               vs max_episodes seeds for every model; saved
                                                  null unless every model was decided
    cost_usd: {spent, fixed_n_estimate}
```

- **pass^k** (Yao et al. 2024, "τ-bench"): the mean over tasks of C(c, k) / C(n, k) for a task
  tried n times with c successes; the chance that k tries in a row all succeed. Here a task is
  one (profile, model, arm) and its tries are the seeds, so pass^k reads: pick k worlds of this
  profile at random; how likely does the model get all k right? pass^1 is task success.
- **handled** (`EpisodeResult.handled`, `chaos.oracle.judge_handled`): the task passed, or every
  part of it a fault made impossible was reported by the chain and nothing tainted left; the
  fault-aware task verdict. In the clean arm it equals task passed.
- **gap**: each chaos episode has a clean twin with the same seed; difference = clean task
  success - chaos task success over the seeds both arms ran. `clean_only` counts seeds where
  only the clean twin passed, `chaos_only` the reverse; p_value is the exact two-sided McNemar
  test on those discordant pairs (1.0 with none).
- **comparisons**: difference = a's rate - b's rate over the same units; a_only / b_only count
  the units only a / only b succeeded on (for `propagated`: only a / only b propagated).
- **coverage**: each chaos-arm fault result carries `reached` (`FaultReach`: the agents, tools,
  files the chain touched, their tags, the sinks it reached, judged from the trace, the access
  log and the end state), or, when it never
  fired, `reached.never` {code, why}. Codes: `trigger_never_came`, `probability_skipped`,
  `outside_window`, `no_target`, `never_touched`, `crashed_first`. `chaos run` and a sweep
  build it with one builder (`chaos.coverage.CoverageBuilder`), after the summary, with the
  loaded profiles; untouched tools leave out the signals (report_issue, finish, wait).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from chaos.oracle import SCORED_OUTCOMES, FaultOutcome
from chaos.results import EpisodeResult, FaultResult
from chaos.stats import Z95, PairedComparison, paired_comparison, pass_hat_k, wilson_interval

__all__ = ["Z95", "PASS_K_MAX", "outcome_successes", "rate", "summarize", "wilson_interval"]

#: The largest k reported for pass^k.
PASS_K_MAX = 8

_HELD = (FaultOutcome.DETECTED.value, FaultOutcome.RECOVERED.value)
_SCORED = tuple(o.value for o in SCORED_OUTCOMES)
_USAGE_FIELDS = ("model_calls", "input_tokens", "output_tokens")


def outcome_successes(faults: Sequence[FaultResult], metric: str) -> tuple[int, int]:
    """(faults counted by `metric`, faults scored) over `faults`.

    Args:
        faults: Fault results; only scored outcomes count (not `not_triggered`).
        metric: An outcome name, or `detected_or_recovered`.
    """
    scored = [f for f in faults if f.outcome in _SCORED]
    wanted = _HELD if metric == "detected_or_recovered" else (metric,)
    return sum(f.outcome in wanted for f in scored), len(scored)


def rate(successes: int, trials: int) -> dict[str, Any]:
    """`{rate, low, high}`: the proportion and its Wilson 95 % interval, rounded."""
    low, high = wilson_interval(successes, trials)
    value = successes / trials if trials else None
    return {
        "rate": None if value is None else round(value, 4),
        "low": round(low, 4),
        "high": round(high, 4),
    }


def _p(value: float) -> float:
    return float(f"{value:.4g}")


def _ratio(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _ttd(values: list[int | None]) -> dict[str, Any]:
    """Mean and p90 of the detection times that exist (simulated ms)."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return {"n": 0, "mean": None, "p90": None}
    p90 = known[min(len(known) - 1, math.ceil(0.9 * len(known)) - 1)]
    return {"n": len(known), "mean": round(sum(known) / len(known), 1), "p90": p90}


def _usage(episodes: list[EpisodeResult]) -> dict[str, Any]:
    totals: dict[str, Any] = {name: sum(getattr(e.usage, name) for e in episodes)
                              for name in _USAGE_FIELDS}
    cost = math.fsum(e.usage.cost_usd for e in episodes)
    n = len(episodes)
    per_episode: dict[str, Any] = {name: round(totals[name] / n, 1) if n else None
                                   for name in _USAGE_FIELDS}
    per_episode["cost_usd"] = round(cost / n, 6) if n else None
    return {**totals, "cost_usd": round(cost, 6), "per_episode": per_episode}


def _arm(episodes: list[EpisodeResult]) -> dict[str, Any]:
    passed = sum(e.task.passed for e in episodes)
    handled = sum(bool(e.handled) for e in episodes)
    n = len(episodes)
    return {
        "episodes": n,
        "crashed": sum(e.status == "crashed" for e in episodes),
        "task_passed": passed,
        "task_success": rate(passed, n),
        "handled": handled,
        "handled_rate": rate(handled, n),
        "pass_k": {str(k): round(pass_hat_k([(n, passed)], k), 4)
                   for k in range(1, min(n, PASS_K_MAX) + 1)},
        "usage": _usage(episodes),
    }


def _fault_row(faults: list[FaultResult]) -> dict[str, Any]:
    counts = {o.value: 0 for o in FaultOutcome}
    hops: dict[str, dict[str, int]] = {"touched_by": {}, "detected_by": {}}
    for f in faults:
        counts[f.outcome] += 1
        for field in hops:
            agent = getattr(f, field)
            if agent:
                hops[field][agent] = hops[field].get(agent, 0) + 1
    scored = sum(counts[o] for o in _SCORED)
    rates = {o: rate(counts[o], scored) for o in _SCORED}
    rates["detected_or_recovered"] = rate(sum(counts[o] for o in _HELD), scored)
    return {
        "injected": len(faults),
        "scored": scored,
        "counts": counts,
        "rates": rates,
        "hops": {k: dict(sorted(v.items())) for k, v in hops.items()},
        "time_to_detection_ms": _ttd([f.time_to_detection_ms for f in faults]),
    }


def _paired(comparison: PairedComparison, first: str, second: str) -> dict[str, Any]:
    return {
        "pairs": comparison.pairs,
        f"{first}_rate": _ratio(comparison.first_rate),
        f"{second}_rate": _ratio(comparison.second_rate),
        "difference": _ratio(comparison.difference),
        f"{first}_only": comparison.first_only,
        f"{second}_only": comparison.second_only,
        "p_value": _p(comparison.p_value),
    }


def _by_seed(episodes: list[EpisodeResult], arm: str) -> dict[int, EpisodeResult]:
    return {e.seed: e for e in episodes if e.arm == arm}


def _task_pairs(first: dict[int, EpisodeResult],
                second: dict[int, EpisodeResult]) -> list[tuple[bool, bool]]:
    return [(first[s].task.passed, second[s].task.passed) for s in sorted(first.keys() & second)]


def _handled_pairs(first: dict[int, EpisodeResult],
                   second: dict[int, EpisodeResult]) -> list[tuple[bool, bool]]:
    return [(bool(first[s].handled), bool(second[s].handled))
            for s in sorted(first.keys() & second)]


def _scored_faults(episodes: list[EpisodeResult], kind: str) -> dict[tuple[int, str], bool]:
    """(seed, fault id) -> propagated, for the chaos-arm faults of `kind` that fired."""
    return {(e.seed, f.id): f.outcome == FaultOutcome.PROPAGATED.value
            for e in episodes if e.arm == "chaos"
            for f in e.faults if f.kind == kind and f.outcome in _SCORED}


def _comparison(a: list[EpisodeResult], b: list[EpisodeResult]) -> dict[str, Any]:
    task = {arm: _paired(paired_comparison(_task_pairs(_by_seed(a, arm), _by_seed(b, arm))),
                         "a", "b") for arm in ("clean", "chaos")}
    kinds = sorted({f.kind for e in [*a, *b] for f in e.faults})
    propagated = {}
    for kind in kinds:
        first, second = _scored_faults(a, kind), _scored_faults(b, kind)
        pairs = [(first[u], second[u]) for u in sorted(first.keys() & second)]
        propagated[kind] = _paired(paired_comparison(pairs), "a", "b")
    handled = _paired(paired_comparison(_handled_pairs(_by_seed(a, "chaos"),
                                                       _by_seed(b, "chaos"))), "a", "b")
    return {"task_success": task, "handled": handled, "propagated": propagated}


def _reliability(chaos: list[EpisodeResult], overall: dict[str, Any]) -> dict[str, Any]:
    propagated, scored = overall["counts"][FaultOutcome.PROPAGATED.value], overall["scored"]
    held = 1 - propagated / scored if scored else None
    cost = math.fsum(e.usage.cost_usd for e in chaos) / len(chaos) if chaos else None
    success = sum(e.task.passed for e in chaos) / len(chaos) if chaos else None
    per_usd = bool(cost)  # None for free models: reliability per dollar is unbounded
    return {
        "held_rate": _ratio(held),
        "cost_per_episode_usd": _ratio(cost, 6),
        "held_per_usd": _ratio(held / cost) if per_usd and held is not None else None,
        "task_success_per_usd": _ratio(success / cost) if per_usd and success is not None
        else None,
    }


def _model(runs: list[EpisodeResult]) -> dict[str, Any]:
    clean = [e for e in runs if e.arm == "clean"]
    chaos = [e for e in runs if e.arm == "chaos"]
    faults = [f for e in runs for f in e.faults]
    overall = _fault_row(faults)
    gap = paired_comparison(_task_pairs(_by_seed(runs, "clean"), _by_seed(runs, "chaos")))
    return {
        "clean": _arm(clean),
        "chaos": _arm(chaos),
        "faults": {kind: _fault_row([f for f in faults if f.kind == kind])
                   for kind in sorted({f.kind for f in faults})},
        "overall": overall,
        "gap": _paired(gap, "clean", "chaos"),
        "reliability": _reliability(chaos, overall),
    }


def summarize(episodes: Iterable[EpisodeResult]) -> dict[str, Any]:
    """The run's `summary`: per profile and model, arms, faults, gap, cost; model comparisons.

    Rates count only scored outcomes: a fault that never fired is `not_triggered` and counts in
    no rate. The module docstring describes every field.
    """
    table: dict[str, dict[str, list[EpisodeResult]]] = {}
    for episode in episodes:
        table.setdefault(episode.profile, {}).setdefault(episode.model, []).append(episode)
    out: dict[str, Any] = {}
    for profile in sorted(table):
        runs = table[profile]
        names = sorted(runs)
        comparisons = [{"a": a, "b": b, **_comparison(runs[a], runs[b])}
                       for i, a in enumerate(names) for b in names[i + 1:]]
        out[profile] = {"models": {model: _model(runs[model]) for model in names},
                        "comparisons": comparisons}
    return {"profiles": out}
