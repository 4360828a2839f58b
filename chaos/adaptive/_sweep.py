"""`chaos sweep --until-decided`: rounds under one sweep id, recomputed from the store.

The rounds are a function of the stored episodes: a sweep killed in round 3 and started again
with the same command reads rounds 1 and 2 back from the store (nothing runs for them), comes
to the same decisions, plans the same round 3, and runs only what the store lacks of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chaos.adaptive._engine import AdaptiveRun
from chaos.adaptive._rounds import AdaptiveSettings, RoundPlan
from chaos.adaptive._run import decided_line, round_line
from chaos.results import EpisodeResult

if TYPE_CHECKING:
    from chaos.sweep._matrix import SweepMatrix
    from chaos.sweep._store import SweepStore

__all__ = ["sweep_rounds"]


def _round_matrix(matrix: SweepMatrix, plan: RoundPlan) -> SweepMatrix:
    """The sweep's matrix cut to one round: its seeds and undecided models per profile."""
    from chaos.sweep._matrix import SweepMatrix

    models: list[tuple[str, ...]] = [() for _ in matrix.profiles]
    seeds: list[tuple[int, ...]] = [() for _ in matrix.profiles]
    for run in plan.runs:
        models[run.profile], seeds[run.profile] = run.models, run.seeds
    return SweepMatrix(matrix.sweep_id, matrix.profiles, tuple(models), tuple(seeds),
                       matrix.arms)


def _stored(store: SweepStore, matrix: SweepMatrix,
            round_matrix: SweepMatrix) -> list[EpisodeResult]:
    """The round's episodes as the store holds them."""
    episodes = []
    for index, loaded in enumerate(round_matrix.profiles):
        models, arms = set(round_matrix.models[index]), set(round_matrix.arms[index])
        if not models:
            continue
        for _seed, model, arm, text in store.results(matrix.sweep_id, loaded.profile.name,
                                                     round_matrix.seeds[index]):
            if model in models and arm in arms:
                episodes.append(EpisodeResult.model_validate_json(text))
    return episodes


def _this_call(state: AdaptiveRun, stored_before: set[str], old_rounds: list[int]) -> str:
    """What this call ran and spent, apart from what earlier calls stored."""
    from chaos.adaptive._rounds import model_cost

    new = [e for e in state.episodes if e.key not in stored_before]
    old = [e for e in state.episodes if e.key in stored_before]
    line = f"this call: ran {len(new)} episodes, spent ${model_cost(new):.4f}"
    if old:
        rounds = (f"rounds {old_rounds[0]}-{old_rounds[-1]}" if len(old_rounds) > 1
                  else f"round {old_rounds[0]}" if old_rounds else "part of the rounds")
        line += (f"; {rounds} ({len(old)} episodes, ${model_cost(old):.4f}) were stored "
                 "by an earlier call")
    return line


def sweep_rounds(matrix: SweepMatrix, settings: AdaptiveSettings, store: SweepStore,
                 stored_before: set[str], execute: Callable[[SweepMatrix], None],
                 planned: Callable[[int, int], None] | None,
                 say: Callable[[str], None]
                 ) -> tuple[SweepMatrix, dict[str, Any], int, list[dict[str, frozenset[int]]]]:
    """Run a sweep's rounds until every model is decided (or the max or budget stops it).

    Args:
        matrix: The sweep's matrix; its seeds are round 1 (later rounds take the next seeds).
        settings: alpha, max episodes, budget.
        store: The sweep's store.
        stored_before: Keys the store held when the sweep started.
        execute: Runs what the store lacks of a matrix.
        planned: Told (episodes planned so far, of them stored before) at each round.
        say: Told each round's lines.

    Returns:
        The matrix of every seed the rounds ran, `summary.adaptive`, the number of
        episodes in the sweep, and per profile the seeds each model ran: results.json holds
        exactly those episodes, not others the store may hold from earlier calls.

    The caller has checked that every profile has gates (`require_gates`) before the store
    recorded anything.
    """
    from chaos.sweep._matrix import SweepMatrix

    state = AdaptiveRun(matrix.profiles, matrix.models, matrix.seeds,
                        [len(a) for a in matrix.arms], settings)
    total = stored = 0
    old_rounds = []
    while (plan := state.plan()) is not None:
        round_matrix = _round_matrix(matrix, plan)
        keys = [p.key for p in round_matrix.plans()]
        total += len(keys)
        here = sum(key in stored_before for key in keys)
        stored += here
        if here == len(keys):
            old_rounds.append(plan.number)
        if planned:
            planned(total, stored)
        say(round_line(state, plan, here))
        execute(round_matrix)
        say(decided_line(plan, state.record(plan, _stored(store, matrix, round_matrix)),
                         state))
    say(_this_call(state, stored_before, old_rounds))
    ran = SweepMatrix(matrix.sweep_id, matrix.profiles, matrix.models,
                      tuple(tuple(seeds) for seeds in state.seeds_run), matrix.arms)
    return ran, state.summary(), len(state.episodes), state.model_seeds()
