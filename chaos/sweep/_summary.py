"""The summary and gates of a sweep, computed in one streaming pass over the store.

`chaos.metrics.summarize` wants every episode in memory; a 100k-episode sweep must not. This
accumulates the same numbers seed by seed (episodes arrive grouped by profile and seed, so the
paired statistics - gap and model comparisons, both paired on the seed - need only the seed at
hand) and gives the same `summary`, field for field (tested against `summarize`). What it keeps
is per profile x model x arm x fault kind counters, plus the detection times (8 bytes each, for
the p90), never the episodes.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from chaos.gates import GateResult
from chaos.metrics import PASS_K_MAX, rate
from chaos.oracle import SCORED_OUTCOMES, FaultOutcome
from chaos.profile._schema import EPISODE_METRICS
from chaos.stats import mcnemar_exact, pass_hat_k, wilson_interval

if TYPE_CHECKING:
    from chaos.profile import LoadedProfile

__all__ = ["SummaryBuilder", "gates_from_summary"]

_HELD = (FaultOutcome.DETECTED.value, FaultOutcome.RECOVERED.value)
_SCORED = tuple(o.value for o in SCORED_OUTCOMES)
_PROPAGATED = FaultOutcome.PROPAGATED.value
_USAGE = ("model_calls", "input_tokens", "output_tokens")


def _p(value: float) -> float:
    return float(f"{value:.4g}")


def _ratio(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


class _Arm:
    def __init__(self) -> None:
        self.n = self.crashed = self.passed = self.handled = 0
        self.usage = dict.fromkeys(_USAGE, 0)
        self.cost = Fraction(0)  # exact, so the sum rounds as math.fsum does

    def add(self, episode: dict[str, Any]) -> None:
        self.n += 1
        self.crashed += episode["status"] == "crashed"
        self.passed += bool(episode["task"]["passed"])
        self.handled += bool(episode.get("handled"))
        usage = episode["usage"]
        for name in _USAGE:
            self.usage[name] += usage.get(name, 0)
        self.cost += Fraction(usage.get("cost_usd", 0.0))

    def json(self) -> dict[str, Any]:
        n = self.n
        cost = float(self.cost)
        per_episode: dict[str, Any] = {k: round(v / n, 1) if n else None
                                       for k, v in self.usage.items()}
        per_episode["cost_usd"] = round(cost / n, 6) if n else None
        return {
            "episodes": n,
            "crashed": self.crashed,
            "task_passed": self.passed,
            "task_success": rate(self.passed, n),
            "handled": self.handled,
            "handled_rate": rate(self.handled, n),
            "pass_k": {str(k): round(pass_hat_k([(n, self.passed)], k), 4)
                       for k in range(1, min(n, PASS_K_MAX) + 1)},
            "usage": {**self.usage, "cost_usd": round(cost, 6), "per_episode": per_episode},
        }


class _Faults:
    def __init__(self) -> None:
        self.counts = {o.value: 0 for o in FaultOutcome}
        self.hops: dict[str, dict[str, int]] = {"touched_by": {}, "detected_by": {}}
        self.ttd = array("q")

    def add(self, fault: dict[str, Any]) -> None:
        self.counts[fault["outcome"]] += 1
        for field, seen in self.hops.items():
            agent = fault.get(field)
            if agent:
                seen[agent] = seen.get(agent, 0) + 1
        if fault.get("time_to_detection_ms") is not None:
            self.ttd.append(fault["time_to_detection_ms"])

    def json(self) -> dict[str, Any]:
        scored = sum(self.counts[o] for o in _SCORED)
        rates = {o: rate(self.counts[o], scored) for o in _SCORED}
        rates["detected_or_recovered"] = rate(sum(self.counts[o] for o in _HELD), scored)
        known = sorted(self.ttd)
        ttd: dict[str, Any] = {"n": 0, "mean": None, "p90": None}
        if known:
            p90 = known[min(len(known) - 1, math.ceil(0.9 * len(known)) - 1)]
            ttd = {"n": len(known), "mean": round(sum(known) / len(known), 1), "p90": p90}
        return {
            "injected": sum(self.counts.values()),
            "scored": scored,
            "counts": dict(self.counts),
            "rates": rates,
            "hops": {k: dict(sorted(v.items())) for k, v in self.hops.items()},
            "time_to_detection_ms": ttd,
        }


class _Pair:
    """Paired successes on shared units, as `chaos.stats.paired_comparison` counts them."""

    def __init__(self) -> None:
        self.pairs = self.first = self.second = self.first_only = self.second_only = 0

    def add(self, first: bool, second: bool) -> None:
        self.pairs += 1
        self.first += first
        self.second += second
        self.first_only += first and not second
        self.second_only += second and not first

    def json(self, a: str, b: str) -> dict[str, Any]:
        n = self.pairs
        return {
            "pairs": n,
            f"{a}_rate": _ratio(self.first / n) if n else None,
            f"{b}_rate": _ratio(self.second / n) if n else None,
            "difference": _ratio((self.first - self.second) / n) if n else None,
            f"{a}_only": self.first_only,
            f"{b}_only": self.second_only,
            "p_value": _p(mcnemar_exact(self.first_only, self.second_only)),
        }


class _Model:
    def __init__(self) -> None:
        self.arms = {"clean": _Arm(), "chaos": _Arm()}
        self.kinds: dict[str, _Faults] = {}
        self.overall = _Faults()
        self.gap = _Pair()

    def json(self) -> dict[str, Any]:
        overall = self.overall.json()
        chaos = self.arms["chaos"]
        propagated, scored = overall["counts"][_PROPAGATED], overall["scored"]
        held = 1 - propagated / scored if scored else None
        cost = float(chaos.cost) / chaos.n if chaos.n else None
        success = chaos.passed / chaos.n if chaos.n else None
        per_usd = bool(cost)
        return {
            "clean": self.arms["clean"].json(),
            "chaos": chaos.json(),
            "faults": {kind: self.kinds[kind].json() for kind in sorted(self.kinds)},
            "overall": overall,
            "gap": self.gap.json("clean", "chaos"),
            "reliability": {
                "held_rate": _ratio(held),
                "cost_per_episode_usd": _ratio(cost, 6),
                "held_per_usd": _ratio(held / cost) if per_usd and held is not None else None,
                "task_success_per_usd": _ratio(success / cost)
                if per_usd and success is not None else None,
            },
        }


class _Comparison:
    def __init__(self) -> None:
        self.task = {"clean": _Pair(), "chaos": _Pair()}
        self.handled = _Pair()
        self.propagated: dict[str, _Pair] = {}


class SummaryBuilder:
    """Builds results.json's `summary` from episodes fed one seed at a time.

    Feed every (profile, seed) group once, each with all of that seed's stored episodes
    (any order); `summary()` then equals `chaos.metrics.summarize` over the same episodes.
    """

    def __init__(self) -> None:
        self._profiles: dict[str, dict[str, _Model]] = {}
        self._pairs: dict[str, dict[tuple[str, str], _Comparison]] = {}

    def add_seed(self, profile: str, episodes: Sequence[dict[str, Any]]) -> None:
        """Add one seed's episodes of one profile (EpisodeResult JSON data)."""
        models = self._profiles.setdefault(profile, {})
        passed: dict[str, dict[str, bool]] = {}
        handled: dict[str, bool] = {}
        scored: dict[str, dict[str, tuple[str, bool]]] = {}
        for e in episodes:
            model = models.setdefault(e["model"], _Model())
            model.arms[e["arm"]].add(e)
            passed.setdefault(e["model"], {})[e["arm"]] = bool(e["task"]["passed"])
            if e["arm"] == "chaos":
                handled[e["model"]] = bool(e.get("handled"))
            for fault in e["faults"]:
                model.kinds.setdefault(fault["kind"], _Faults()).add(fault)
                model.overall.add(fault)
                if e["arm"] == "chaos" and fault["outcome"] in _SCORED:
                    scored.setdefault(e["model"], {})[fault["id"]] = (
                        fault["kind"], fault["outcome"] == _PROPAGATED)
        for name, arms in passed.items():
            if "clean" in arms and "chaos" in arms:
                models[name].gap.add(arms["clean"], arms["chaos"])
        names = sorted(passed)
        pairs = self._pairs.setdefault(profile, {})
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                comparison = pairs.setdefault((a, b), _Comparison())
                for arm, pair in comparison.task.items():
                    if arm in passed[a] and arm in passed[b]:
                        pair.add(passed[a][arm], passed[b][arm])
                if a in handled and b in handled:
                    comparison.handled.add(handled[a], handled[b])
                first, second = scored.get(a, {}), scored.get(b, {})
                for fault_id in sorted(first.keys() & second.keys()):
                    kind, leaked = first[fault_id]
                    comparison.propagated.setdefault(kind, _Pair()).add(
                        leaked, second[fault_id][1])

    def summary(self) -> dict[str, Any]:
        """The `summary` (without gates), as `chaos.metrics.summarize` gives it."""
        out: dict[str, Any] = {}
        for profile in sorted(self._profiles):
            models = self._profiles[profile]
            names = sorted(models)
            comparisons = []
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    c = self._pairs.get(profile, {}).get((a, b), _Comparison())
                    kinds = sorted(set(models[a].kinds) | set(models[b].kinds))
                    comparisons.append({
                        "a": a, "b": b,
                        "task_success": {arm: c.task[arm].json("a", "b")
                                         for arm in ("clean", "chaos")},
                        "handled": c.handled.json("a", "b"),
                        "propagated": {k: c.propagated.get(k, _Pair()).json("a", "b")
                                       for k in kinds},
                    })
            out[profile] = {"models": {m: models[m].json() for m in names},
                            "comparisons": comparisons}
        return {"profiles": out}


def _gate_counts(stats: dict[str, Any], metric: str, gate: Any) -> tuple[str, int, int]:
    if metric in EPISODE_METRICS:
        arm = stats[gate.arm]
        counted = arm[{"episodes_crashed": "crashed", "handled": "handled"}.get(
            metric, "task_passed")]
        return gate.arm, counted, arm["episodes"]
    row = stats["overall"] if gate.fault is None else stats["faults"].get(gate.fault)
    if row is None:
        return "chaos", 0, 0
    wanted = _HELD if metric == "detected_or_recovered" else (metric,)
    return "chaos", sum(row["counts"][o] for o in wanted), row["scored"]


def gates_from_summary(summary: dict[str, Any],
                       profiles: Sequence[LoadedProfile]) -> list[GateResult]:
    """Judge the profiles' gates on the summary's counts.

    The same results, in the same order, as `chaos.gates.evaluate_gates` on the episodes.
    """
    out: list[GateResult] = []
    for loaded in profiles:
        profile = loaded.profile
        body = summary["profiles"].get(profile.name, {"models": {}})
        for model in sorted(body["models"]):
            gates = profile.gates.metric_gates()
            if model in profile.gates.per_model:
                gates += profile.gates.per_model[model].metric_gates()
            for metric, _, gate in gates:
                arm, successes, trials = _gate_counts(body["models"][model], metric, gate)
                op: Literal["min", "max"] = "max" if gate.max is not None else "min"
                threshold = gate.max if gate.max is not None else gate.min
                judged_on = ({"max": "upper", "min": "lower"}[op]
                             if gate.confidence == "strict" else gate.confidence)
                low, high = wilson_interval(successes, trials)
                out.append(GateResult(profile.name, model, metric,
                                      getattr(gate, "fault", None),
                                      arm, op, threshold, gate.confidence,  # type: ignore[arg-type]
                                      judged_on, successes, trials, low, high))
    return out
