"""The adaptive loop's state: plan a round, record its episodes, decide, summarise.

`AdaptiveRun` knows nothing of how episodes run: `chaos run` feeds it the results of
`run_profiles`, a sweep the episodes its store holds. Both get the same rounds, the same
decisions and the same `summary.adaptive`, built here only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from chaos._seeding import MAX_SEED
from chaos.adaptive._decide import Evidence, ModelTrack
from chaos.adaptive._rounds import (
    AdaptiveSettings,
    Cut,
    RoundPlan,
    RoundRun,
    estimate,
    model_cost,
    next_seed_count,
    undecided,
)
from chaos.errors import InputError
from chaos.gates import GateResult, evaluate_gates
from chaos.metrics import outcome_successes
from chaos.profile import LoadedProfile
from chaos.profile._schema import EPISODE_METRICS
from chaos.results import EpisodeResult, ProfileRef, RunResults

__all__ = ["RULE", "AdaptiveRun", "require_data", "require_gates"]

#: The rule, as results name it.
RULE = ("fault-outcome gates: testing by betting on the episodes (seeds are the independent "
        "units; per episode Y = counted - t * scored; two nonnegative supermartingales with "
        "predictable aGRAPA bets, Waudby-Smith and Ramdas 2023; decided when one reaches "
        "2/alpha, Ville's inequality); episode gates: anytime-valid confidence sequence of "
        "the rate (Robbins' beta-binomial mixture, Jeffreys prior)")
_ARM_ORDER = {"clean": 0, "chaos": 1}


def require_gates(profiles: Sequence[LoadedProfile]) -> None:
    """Refuse profiles without gates: `--until-decided` stops on gate decisions.

    Raises:
        InputError: A profile has no gate (exit 2), with the way to add one.
    """
    for loaded in profiles:
        gates = loaded.profile.gates
        if not gates.metric_gates() and not gates.per_model:
            raise InputError(
                f"{loaded.path}: --until-decided runs seeds until every gate of every model is "
                f"decided, and profile '{loaded.profile.name}' has no gates; add a `gates:` "
                "section, e.g.\n  gates:\n    propagated: {max: 0.05}\n    handled: {min: 0.9, "
                "arm: chaos}\n(README: Gates), or run without --until-decided")


def require_data(profiles: Sequence[LoadedProfile], arms: Sequence[Sequence[str]],
                 only_faults: Sequence[str] | None = None) -> None:
    """Refuse a gate that can never get data from the episodes asked for.

    A chaos-arm gate with only the clean arm running (or no fault left to inject), a clean-arm
    gate with only the chaos arm, a fault-outcome gate whose kind `--only-fault` leaves out:
    `--until-decided` would pay every seed up to the max for a gate that stays empty.

    Args:
        profiles: The loaded profiles.
        arms: Per profile, the arms that run.
        only_faults: `--only-fault` ids (None: every fault).

    Raises:
        InputError: The first such gate (exit 2), with the fix.
    """
    from chaos.profile._schema import OutcomeGateSpec

    for loaded, profile_arms in zip(profiles, arms, strict=True):
        profile = loaded.profile
        faults = [f for f in profile.faults if only_faults is None or f.id in only_faults]
        running = set(profile_arms) if faults else set(profile_arms) & {"clean"}
        sets = [("", profile.gates)] + [(f" (per_model {m})", g)
                                        for m, g in profile.gates.per_model.items()]
        for where, gate_set in sets:
            for metric, _, gate in gate_set.metric_gates():
                outcome = isinstance(gate, OutcomeGateSpec)
                arm = "chaos" if outcome else gate.arm  # type: ignore[attr-defined]
                name = f"gate {metric}{where}"
                if arm not in running:
                    why = (f"only the {', '.join(sorted(running)) or 'no'} arm runs"
                           if faults or arm != "chaos" else
                           "--only-fault leaves no fault to inject" if profile.faults else
                           "the profile has no faults")
                    raise InputError(
                        f"{loaded.path}: {name} counts {arm}-arm "
                        f"{'faults' if outcome else 'episodes'}, and {why}: --until-decided "
                        "would run every seed to --max-episodes without deciding it; run "
                        f"the {arm} arm (--arm both), or drop the gate")
                kind = gate.fault if outcome else None  # type: ignore[attr-defined]
                if kind is not None and not any(f.kind == kind for f in profile.faults):
                    raise InputError(
                        f"{loaded.path}: {name} counts {kind} faults, and the profile has "
                        f"none: --until-decided would run every seed to --max-episodes "
                        f"without deciding it; add a {kind} fault, or fix the gate's fault "
                        "(kinds here: "
                        + (", ".join(sorted({f.kind for f in profile.faults})) or "none")
                        + ")")
                if kind is not None and not any(f.kind == kind for f in faults):
                    raise InputError(
                        f"{loaded.path}: {name} counts {kind} faults, and --only-fault "
                        f"{', '.join(only_faults or ())} leaves none of them: --until-decided "
                        f"would run every seed to --max-episodes without deciding it; add "
                        f"--only-fault with the id of a {kind} fault ("
                        + (", ".join(f.id for f in profile.faults if f.kind == kind)
                           or "the profile has none") + "), or drop the gate")
                if outcome and not any(_may_fire(f) for f in faults
                                       if kind is None or f.kind == kind):
                    raise InputError(
                        f"{loaded.path}: {name} counts "
                        f"{kind + ' ' if kind else ''}faults, and every one of them has "
                        "trigger probability 0, so none can fire: --until-decided would run "
                        "every seed to --max-episodes without deciding it; raise the "
                        "trigger's probability, or drop the gate")


def _may_fire(fault: object) -> bool:
    """Whether a fault's trigger can ever draw it (probability above 0)."""
    trigger = getattr(fault, "trigger", None)
    return trigger is None or getattr(trigger, "probability", 1.0) > 0


def _never_codes(gate: GateResult, episodes: Sequence[EpisodeResult]) -> list[str]:
    """Why the gate's faults never fired in these episodes: the codes seen, in first order."""
    codes: dict[str, None] = {}
    for episode in sorted(episodes, key=lambda e: e.seed):
        for fault in episode.faults:
            reach = fault.reached
            if (episode.arm == "chaos" and (gate.fault is None or fault.kind == gate.fault)
                    and reach is not None and reach.never is not None):
                codes.setdefault(reach.never.code)
    return list(codes)


class AdaptiveRun:
    """Rounds of seeds until every model of every profile is decided.

    Args:
        profiles: The loaded profiles, in the order given.
        models: Per profile, its models in order.
        first_seeds: Per profile, the seeds of round 1 (later rounds take the next seeds).
        arms: Per profile, how many arms each seed runs.
        settings: alpha, max episodes, budget.
    """

    def __init__(self, profiles: Sequence[LoadedProfile], models: Sequence[tuple[str, ...]],
                 first_seeds: Sequence[tuple[int, ...]], arms: Sequence[int],
                 settings: AdaptiveSettings) -> None:
        self.profiles, self.models, self.arms = list(profiles), list(models), list(arms)
        self.first_seeds = [s[:settings.max_episodes] for s in first_seeds]
        self.settings = settings
        self.names = [p.profile.name for p in profiles]
        self.tracks = {(name, m): ModelTrack(name, m)
                       for name, ms in zip(self.names, models, strict=True) for m in ms}
        self.episodes: list[EpisodeResult] = []
        self.by_model: dict[tuple[str, str], list[EpisodeResult]] = {}
        self.rounds: list[tuple[RoundPlan, float]] = []
        self.seeds_run: list[list[int]] = [[] for _ in profiles]
        self.cut: Cut | None = None
        self.out_of_seeds = False

    @property
    def spent(self) -> float:
        """USD spent so far."""
        return model_cost(self.episodes)

    def plan(self) -> RoundPlan | None:
        """The next round, or None when the run is over (decided, at the max, or cut)."""
        number = len(self.rounds) + 1
        runs = []
        for index, name in enumerate(self.names):
            models = undecided(self.tracks, name, self.models[index])
            done = self.seeds_run[index]
            first = self.first_seeds[index]
            target = next_seed_count(len(first), len(done), self.settings.max_episodes)
            if not models or target <= len(done):
                continue
            if not done:
                seeds = first
            else:
                # Seeds stop at the largest one a plan accepts: past it, the max is reached.
                after = max(done) + 1
                seeds = tuple(range(after, min(after + target - len(done), MAX_SEED + 1)))
            if seeds:
                runs.append(RoundRun(index, seeds, models))
            else:
                self.out_of_seeds = True
        if not runs:
            return None
        episodes = sum(len(r.seeds) * len(r.models) * self.arms[r.profile] for r in runs)
        cost = None if number == 1 else estimate(runs, self.arms, self.names, self.by_model)
        plan = RoundPlan(number, tuple(runs), episodes, cost)
        budget = self.settings.budget_usd
        if budget is not None and cost is not None and self.spent + cost > budget:
            self.cut = Cut(plan, self.spent)
            return None
        return plan

    def record(self, plan: RoundPlan, episodes: Sequence[EpisodeResult]) -> list[ModelTrack]:
        """Take a round's episodes, judge every open model; return the models it decided."""
        before = self.spent
        for episode in episodes:
            self.episodes.append(episode)
            self.by_model.setdefault((episode.profile, episode.model), []).append(episode)
        for run in plan.runs:
            self.seeds_run[run.profile] += run.seeds
            for model in run.models:
                self.tracks[(self.names[run.profile], model)].seeds += len(run.seeds)
        self.rounds.append((plan, self.spent - before))
        gates: dict[tuple[str, str], list[Any]] = {key: [] for key in self.tracks}
        for gate in evaluate_gates(self.results_without_summary(), self.profiles):
            gates[(gate.profile, gate.model)].append(gate)
        decided = []
        for run in plan.runs:
            for model in run.models:
                track = self.tracks[(self.names[run.profile], model)]
                mine = self.by_model.get((track.profile, model), [])
                completed = sum(e.status != "crashed" for e in mine)
                judged = gates[(track.profile, model)]
                evidence = [self.evidence(run.profile, gate, mine) for gate in judged]
                never = {i: _never_codes(gate, mine) for i, gate in enumerate(judged)
                         if gate.trials == 0}
                rare = any("probability_skipped" in codes for codes in never.values())
                track.update(judged, self.settings.alpha, plan.number, completed, evidence,
                             may_fire_later=rare)
                if track.decision == "no_data":
                    track.never = never
                if not track.open:
                    decided.append(track)
        return decided

    def evidence(self, profile: int, gate: GateResult,
                 episodes: Sequence[EpisodeResult]) -> Evidence | None:
        """A fault-outcome gate's episodes in seed order, (counted, scored) each, and K.

        None for an episode gate (its trials are the episodes themselves).
        """
        if gate.metric in EPISODE_METRICS:
            return None
        faults = self.profiles[profile].profile.faults
        bound = sum(gate.fault is None or f.kind == gate.fault for f in faults)
        counts = tuple(
            outcome_successes([f for f in e.faults if gate.fault is None or f.kind == gate.fault],
                              gate.metric)
            for e in sorted(episodes, key=lambda e: e.seed) if e.arm == "chaos")
        return counts, bound

    def model_seeds(self) -> list[dict[str, frozenset[int]]]:
        """Per profile, per model the seeds its rounds ran (a prefix of the profile's)."""
        return [{m: frozenset(self.seeds_run[i][:self.tracks[(name, m)].seeds])
                 for m in self.models[i]} for i, name in enumerate(self.names)]

    def ordered_episodes(self) -> list[EpisodeResult]:
        """Every episode, in `chaos run`'s plan order: profile, seed, model, arm."""
        rank = {name: i for i, name in enumerate(self.names)}
        model_rank = [{m: i for i, m in enumerate(ms)} for ms in self.models]

        def key(e: EpisodeResult) -> tuple[int, int, int, int]:
            index = rank[e.profile]
            return index, e.seed, model_rank[index][e.model], _ARM_ORDER[e.arm]

        return sorted(self.episodes, key=key)

    def refs(self) -> list[ProfileRef]:
        """The profiles as results.json names them."""
        return [ProfileRef(name=p.profile.name, path=p.path, sha256=p.sha256)
                for p in self.profiles]

    def results_without_summary(self) -> RunResults:
        """The episodes so far, for judging gates."""
        return RunResults(profiles=self.refs(), episodes=self.episodes, summary={})

    @property
    def stopped(self) -> Literal["decided", "max_episodes", "budget", "last_seed"]:
        """Why the run ended."""
        if self.cut is not None:
            return "budget"
        if all(not t.open for t in self.tracks.values()):
            return "decided"
        return "last_seed" if self.out_of_seeds else "max_episodes"

    @property
    def settled(self) -> bool:
        """Whether every model was decided pass or fail (or had no gate to decide)."""
        return all(t.decision in ("pass", "fail", "no_gates") for t in self.tracks.values())

    def fixed_n(self) -> int:
        """Episodes the fixed-n design runs: max_episodes seeds for every model."""
        return sum(self.settings.max_episodes * len(ms) * self.arms[i]
                   for i, ms in enumerate(self.models))

    def fixed_n_cost(self) -> float:
        """What the fixed-n design would cost, at each model's cost per episode here."""
        total = []
        for index, name in enumerate(self.names):
            for model in self.models[index]:
                done = self.by_model.get((name, model), [])
                if done:
                    total.append(model_cost(done) / len(done) * self.settings.max_episodes
                                 * self.arms[index])
        return math.fsum(total)

    def summary(self) -> dict[str, Any]:
        """`summary.adaptive`: rule, alpha, rounds, decisions, episodes and cost."""
        from chaos.sweep._output import seed_text

        def runs(plan: RoundPlan) -> list[dict[str, Any]]:
            return [{"profile": self.names[r.profile], "seeds": seed_text(r.seeds),
                     "models": list(r.models)} for r in plan.runs]

        run = len(self.episodes)
        fixed = self.fixed_n()
        cut = self.cut
        return {
            "rule": RULE,
            "alpha": self.settings.alpha,
            "error_rate": (f"each gate decision is wrong with probability at most "
                           f"{self.settings.alpha:g}, however many rounds were looked at"),
            "growth": "doubling",
            "max_episodes": self.settings.max_episodes,
            "budget_usd": self.settings.budget_usd,
            "rounds": [{"round": plan.number, "runs": runs(plan), "episodes": plan.episodes,
                        "cost_usd": round(cost, 6)} for plan, cost in self.rounds],
            "models": [t.to_json() for t in self.tracks.values()],
            "stopped": self.stopped,
            "cut": None if cut is None else {
                "round": cut.plan.number, "runs": runs(cut.plan), "episodes": cut.plan.episodes,
                "estimated_cost_usd": round(cut.plan.estimated_cost_usd or 0.0, 6),
                "spent_usd": round(cut.spent_usd, 6)},
            # "saved" only when every model was decided: else nothing was settled by it.
            "episodes": {"run": run, "fixed_n": fixed,
                         "saved": fixed - run if self.settled else None},
            "cost_usd": {"spent": round(self.spent, 6),
                         "fixed_n_estimate": round(self.fixed_n_cost(), 6)},
        }
