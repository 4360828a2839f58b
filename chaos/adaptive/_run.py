"""`chaos run --until-decided`: rounds through `run_profiles`, one results.json over all."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from chaos._seeding import MAX_SEED
from chaos.adaptive._decide import ModelTrack
from chaos.adaptive._engine import AdaptiveRun, require_data, require_gates
from chaos.adaptive._rounds import AdaptiveSettings, RoundPlan

if TYPE_CHECKING:
    from chaos.profile import LoadedProfile
    from chaos.results import RunResults
    from chaos.runner import RunOptions
    from chaos.sim import EpisodePlan, EpisodeRun

__all__ = ["closing_lines", "decided_line", "round_line", "run_until_decided"]


def round_line(run: AdaptiveRun, plan: RoundPlan, stored: int = 0) -> str:
    """`round 2: seeds 20-39 for 2 models of sports-production (80 episodes, est. $0.12)`.

    Args:
        run: The adaptive run.
        plan: The round about to run.
        stored: Of its episodes, how many the store held before this call (a sweep).
    """
    from chaos.sweep._output import seed_text

    parts = [f"seeds {seed_text(r.seeds)} for {len(r.models)} model"
             f"{'s' if len(r.models) != 1 else ''} of {run.names[r.profile]}" for r in plan.runs]
    if stored >= plan.episodes:
        cost = ", stored before: nothing runs"
    elif plan.estimated_cost_usd is None:
        cost = ", cost unknown until measured" if run.settings.budget_usd is not None else ""
        cost += f", {stored} stored before" if stored else ""
    else:
        cost = ("" if not plan.estimated_cost_usd and run.settings.budget_usd is None
                else f", est. ${plan.estimated_cost_usd:.4f}")
        cost += f", {stored} stored before" if stored else ""
    return f"round {plan.number}: {'; '.join(parts)} ({plan.episodes} episodes{cost})"


def decided_line(plan: RoundPlan, decided: Sequence[ModelTrack], run: AdaptiveRun) -> str:
    """`round 1 decided: scripted/naive fail (propagated ...: 20/20 [0.78, 1.00]); 2 open`."""
    still = sum(t.open for t in run.tracks.values())
    shown = "; ".join(f"{t.model} {t.decision.replace('_', ' ')} ({t.reason()})"
                      + (f" [{t.profile}]" if len(run.names) > 1 else "") for t in decided)
    return (f"round {plan.number} decided: {shown or 'nothing'}; {still} model"
            f"{'s' if still != 1 else ''} undecided")


def closing_lines(summary: dict[str, Any]) -> list[str]:
    """Why the rounds stopped, what stayed undecided, and the episodes saved (when it is so).

    "saved" is said only when every model was decided pass or fail: then the fixed-n design
    would have run the episodes not run here for the same decisions. Otherwise the line says
    what ran against the fixed-n design and how many models were left without a decision.

    Args:
        summary: `summary.adaptive` of a run's results.
    """
    rounds = len(summary["rounds"])
    models = summary["models"]
    open_ = [m for m in models if m["decision"] == "undecided"]
    empty = [m for m in models if m["decision"] in ("no_data", "nothing_completed")]
    lines = []
    after = f"{rounds} round{'s' if rounds != 1 else ''}"
    if summary["stopped"] == "decided" and empty:
        lines.append(f"until-decided: no model left that more seeds could decide after {after}")
    elif summary["stopped"] == "decided":
        lines.append(f"until-decided: every model decided in {after} (each gate decision "
                     f"wrong with probability at most {summary['alpha']:g})")
    elif summary["stopped"] == "budget":
        cut = summary["cut"]
        budget = summary["budget_usd"]
        if cut["spent_usd"] > budget:
            why = (" (round 1 always runs: it measures the cost per episode)"
                   if cut["round"] == 2 else " (the rounds cost more than estimated)")
            lines.append(f"until-decided: the budget (--budget-usd {budget:g}) was already "
                         f"passed after round {cut['round'] - 1}: the rounds spent "
                         f"${cut['spent_usd']:.4f}{why}; round {cut['round']} "
                         f"({cut['episodes']} episodes, est. "
                         f"${cut['estimated_cost_usd']:.4f}) was not started")
        else:
            lines.append(f"until-decided: stopped by --budget-usd {budget:g}: round "
                         f"{cut['round']} ({cut['episodes']} episodes, est. "
                         f"${cut['estimated_cost_usd']:.4f}) would pass it "
                         f"(${cut['spent_usd']:.4f} spent); it was not started")
    elif summary["stopped"] == "last_seed":
        lines.append(f"until-decided: stopped at seed {MAX_SEED}, the largest there is; start "
                     "from a lower --seed")
    else:
        lines.append(f"until-decided: stopped at --max-episodes {summary['max_episodes']} "
                     "seeds per model")
    for model in open_:
        lines.append(f"undecided: {model['model']} ({model['reason']}) after {model['seeds']} "
                     f"seeds [{model['profile']}]")
        if any(_unpassable(g) for g in model["gates"] if g["decision"] == "undecided"):
            lines.append("  a gate of max 0 (or min 1) can only be decided fail: no number of "
                         "seeds shows a rate is exactly 0; write a small rate such as max: 0.01 "
                         "to let it pass")
    for model in empty:
        lines.append(f"{model['decision'].replace('_', ' ')}: {model['model']} "
                     f"({model['reason']}) [{model['profile']}]")
    episodes = summary["episodes"]
    design = (f"a fixed-n run ({summary['max_episodes']} seeds for every model)")
    spent = f"spent ${summary['cost_usd']['spent']:.4f} in all"
    if not open_ and not empty:
        lines.append(f"saved {episodes['saved']} of {episodes['fixed_n']} paid episodes against "
                     f"{design}; ran {episodes['run']}, {spent}")
    else:
        left = len(open_) + len(empty)
        lines.append(f"ran {episodes['run']} of the {episodes['fixed_n']} episodes of {design}, "
                     f"{spent}; {left} model{'s' if left != 1 else ''} left without a decision, "
                     "so nothing is saved against it")
    return lines


def _unpassable(gate: dict[str, Any]) -> bool:
    """Whether no count can decide this gate `pass` (a rate shown exactly 0 or exactly 1)."""
    return (gate["op"] == "max" and gate["threshold"] <= 0) or (
        gate["op"] == "min" and gate["threshold"] >= 1)


def run_until_decided(
    profiles: Sequence[LoadedProfile],
    options: RunOptions,
    settings: AdaptiveSettings,
    on_episode: Callable[[EpisodePlan, EpisodeRun], None] | None = None,
    on_planned: Callable[[int], None] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> RunResults:
    """Run seeds in rounds until every model is decided (or the max or budget stops it).

    Args:
        profiles: Loaded profiles, each with gates.
        options: As for `run_profiles`; `seed` and `episodes` set round 1 (default: each
            profile's), `models` the models.
        settings: alpha, max episodes per model, budget.
        on_episode: Called after each episode (streaming traces).
        on_planned: Called with the episodes planned so far, at the start of each round.
        on_line: Called with each round's lines (its seeds, then what it decided);
            `closing_lines` tells the end.

    Returns:
        The run over every round: episodes in plan order, the usual summary and gates, and
        `summary.adaptive`.

    Raises:
        InputError: A profile has no gates, or options are out of range.
    """
    from chaos.runner import judged_results, planned_arms, run_profiles

    require_gates(profiles)
    require_data(profiles, [options.arms] * len(profiles), options.only_faults)
    models = [tuple(options.models) or tuple(m.id for m in p.profile.models) for p in profiles]
    first = [_first_seeds(p, options) for p in profiles]
    arms = [len(planned_arms(p.profile, options)) for p in profiles]
    state = AdaptiveRun(profiles, models, first, arms, settings)
    say = on_line or (lambda _line: None)
    planned = 0
    while (plan := state.plan()) is not None:
        say(round_line(state, plan))
        episodes = []
        for part in plan.runs:
            part_options = dataclasses.replace(options, seed=part.seeds[0],
                                               episodes=len(part.seeds), models=part.models)

            def count(n: int) -> None:
                nonlocal planned
                planned += n
                if on_planned:
                    on_planned(planned)

            results = run_profiles([profiles[part.profile]], part_options, on_episode, count)
            episodes += results.episodes
        say(decided_line(plan, state.record(plan, episodes), state))
    run = judged_results(profiles, state.ordered_episodes())
    return run.model_copy(update={"summary": {**run.summary, "adaptive": state.summary()}})


def _first_seeds(loaded: LoadedProfile, options: RunOptions) -> tuple[int, ...]:
    profile = loaded.profile
    first = options.seed if options.seed is not None else profile.seed
    count = options.episodes or profile.episodes
    return tuple(range(first, first + count))
