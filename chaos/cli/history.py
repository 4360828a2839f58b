"""`chaos history`: per model and fault kind, how a rate moved over the last sweeps."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from chaos.cli._main import main
from chaos.errors import InputError

_METRICS = ("propagated", "detected_or_recovered", "detected", "recovered", "silent", "crashed",
            "task_success")


def open_existing_store(store: str | None) -> Any:
    """The store to read (it must exist: reading never creates an empty one)."""
    from chaos.sweep import DEFAULT_STORE, SweepStore

    target = store or DEFAULT_STORE
    if "://" not in target and not Path(target).is_file():
        raise InputError(f"no history store at {target}; run `chaos sweep` first, or name the "
                         "store with --store PATH|URL")
    return SweepStore(target)


def _cell(rate: dict[str, Any] | None) -> str:
    if rate is None:
        return "·"
    if rate["rate"] is None:
        return "-"
    return f"{rate['rate']:.0%}"


def _change(points: list[dict[str, Any] | None]) -> str:
    known = [p["rate"] for p in points if p is not None and p["rate"] is not None]
    if len(known) < 2:
        return ""
    delta = round((known[-1] - known[-2]) * 100)
    return "=" if delta == 0 else f"{delta:+d} pts"


def history_rows(history: Any, metric: str) -> dict[str, list[tuple[str, str, list[Any]]]]:
    """Per profile, (model, fault kind or arm, rate per sweep) rows for `metric`."""
    from chaos.metrics import rate

    rows: dict[str, list[tuple[str, str, list[Any]]]] = {}
    if metric == "task_success":
        for (profile, model, arm), cells in history.tasks.items():
            points = [None if c is None else {**rate(c[1], c[0]), "n": c[0]} for c in cells]
            rows.setdefault(profile, []).append((model, f"task ({arm} arm)", points))
    else:
        for (profile, model, kind), cells in history.faults.items():
            points = [history.fault_rate(c, metric) for c in cells]
            rows.setdefault(profile, []).append((model, kind, points))
    return rows


def _no_match(history: Any, metric: str, profile: str | None, model: str | None) -> None:
    """A filter that matches nothing is a wrong input: say what there is."""
    from chaos._registry import did_you_mean

    rows = history_rows(history, metric)
    profiles = sorted(rows)
    models = sorted({row[0] for table in rows.values() for row in table})
    if profile and profile not in profiles:
        raise InputError(f"--profile {profile}: no such profile in the last sweeps"
                         f"{did_you_mean(profile, profiles)} (profiles: {', '.join(profiles)})")
    if model and model not in models:
        raise InputError(f"--model {model}: no such model in the last sweeps"
                         f"{did_you_mean(model, models)} (models: {', '.join(models)})")


@main.command("history")
@click.option("--store", metavar="PATH|URL", help="History store (default: sweeps/history.db).")
@click.option("--last", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many of the latest sweeps to show.")
@click.option("--metric", type=click.Choice(_METRICS), default="propagated", show_default=True,
              help="The rate to follow (fault outcomes over faults that fired, or task success).")
@click.option("--profile", metavar="NAME", help="Only this profile.")
@click.option("--model", metavar="ID", help="Only this model.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def history_command(store: str | None, last: int, metric: str, profile: str | None,
                    model: str | None, as_json: bool) -> None:
    """Show how each model fared against each fault kind over the last sweeps of a store.

    One column per sweep, oldest first; `change` is the last sweep against the one before.
    `·` the sweep did not run that row; `-` nothing to count (no such fault fired).
    Exit codes: 0 shown, 2 the store or an option was wrong.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from chaos.sweep import History

    with open_existing_store(store) as opened:
        history = History.from_store(opened, last, profile=profile, model=model)
        if (profile or model) and history.sweeps and not history_rows(history, metric):
            _no_match(History.from_store(opened, last), metric, profile, model)
    if as_json:
        click.echo(json.dumps(history.to_json(), indent=2, ensure_ascii=False))
        return
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=200)
    if not history.sweeps:
        console.print("the store holds no sweep yet", markup=False)
        return
    for name, rows in history_rows(history, metric).items():
        table = Table(title=f"{escape(name)}: {metric} over the last {len(history.sweeps)} "
                            "sweeps", header_style="bold",
                      caption="· not run · - nothing to count · change: last vs the one "
                              "before, in rate points")
        table.add_column("model", overflow="fold")
        table.add_column("fault" if metric != "task_success" else "task", overflow="fold")
        for sweep in history.sweeps:
            table.add_column(escape(sweep.id), justify="right", overflow="fold")
        table.add_column("change", justify="right")
        for model_id, subject, points in rows:
            table.add_row(escape(model_id), escape(subject), *(_cell(p) for p in points),
                          _change(points))
        console.print(table)
    if not history_rows(history, metric):
        console.print("no rows: nothing matches --profile/--model in these sweeps",
                      markup=False)
