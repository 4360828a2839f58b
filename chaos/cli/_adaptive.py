"""`--until-decided` and its options, shared by `chaos run` and `chaos sweep`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from chaos._seeding import MAX_EPISODES
from chaos.cli._numbers import Finite
from chaos.errors import InputError

__all__ = ["adaptive_options"]

_DEFAULT_MAX = 200  # chaos.adaptive.DEFAULT_MAX_EPISODES (not imported: --help stays fast)

_OPTIONS = [
    click.option("--until-decided", is_flag=True,
                 help="Run seeds in rounds until every gate of every model is decided: round "
                      "1 runs the first seeds, each later round doubles the seeds, only for "
                      "the models still undecided. Fault-outcome gates (propagated, "
                      "detected...) are decided by betting on the episodes (seeds are the "
                      "independent units, a fault's episode-mates are not): per episode "
                      "Y = counted - t x scored, two nonnegative supermartingales with "
                      "predictable bets, decided when one reaches 2/alpha (Ville). Episode "
                      "gates (task_success, handled, episodes_crashed) are decided on an "
                      "anytime-valid confidence sequence of their rate. Either way each gate "
                      "decision is wrong with probability at most --alpha, however many "
                      "rounds look and however the faults of an episode are correlated. "
                      "Needs gates in the profile; a gate that can never get data is refused. "
                      "README: Adaptive seeds."),
    click.option("--max-episodes", type=click.IntRange(min=1, max=MAX_EPISODES), default=None,
                 metavar="N",
                 help=f"With --until-decided: seeds per model at most (default {_DEFAULT_MAX}; "
                      "the fixed-n run it is compared with runs N for every model)."),
    click.option("--budget-usd", type=Finite(min=0), default=None, metavar="X",
                 help="With --until-decided: never start a round whose estimated cost (cost "
                      "per episode so far) would take the spending past X dollars."),
    click.option("--alpha", type=Finite(min=0, max=0.2, min_open=True),
                 default=None,
                 help="With --until-decided: the error rate of each gate decision (default "
                      "0.05, at most 0.2)."),
]


def _settings(until_decided: bool, max_episodes: int | None, budget_usd: float | None,
              alpha: float | None) -> Any:
    given = [name for name, value in (("--max-episodes", max_episodes),
                                      ("--budget-usd", budget_usd), ("--alpha", alpha))
             if value is not None]
    if not until_decided:
        if given:
            raise InputError(f"{given[0]} only works with --until-decided; add "
                             "--until-decided, or drop it")
        return None
    from chaos.adaptive import AdaptiveSettings

    return AdaptiveSettings(alpha=0.05 if alpha is None else alpha,
                            max_episodes=max_episodes or _DEFAULT_MAX, budget_usd=budget_usd)


def adaptive_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the `--until-decided` options; the command gets `adaptive` (settings or None)."""

    @functools.wraps(command)
    def wrapper(*args: Any, until_decided: bool, max_episodes: int | None,
                budget_usd: float | None, alpha: float | None, **kwargs: Any) -> Any:
        return command(*args, adaptive=_settings(until_decided, max_episodes, budget_usd,
                                                 alpha), **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper
