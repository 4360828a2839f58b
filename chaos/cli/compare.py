"""`chaos compare BASELINE CANDIDATE`: per model and fault kind, did a rate get worse?"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from chaos.cli._main import main
from chaos.cli._numbers import Finite


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _side_text(successes: int, units: int) -> str:
    return f"{_pct(successes / units if units else None)} ({successes}/{units})"


@main.command("compare")
@click.argument("baseline")
@click.argument("candidate")
@click.option("--store", metavar="PATH|URL",
              help="History store holding the sweep ids (default: sweeps/history.db).")
@click.option("--threshold", type=Finite(0, 1, max_open=True), default=0.05,
              show_default=True,
              help="Smallest change that counts, in rate points (0.05: 5 points).")
@click.option("--alpha", type=Finite(0, 1, min_open=True, max_open=True),
              default=0.05, show_default=True, help="Significance level of the test.")
@click.option("--all", "show_all", is_flag=True, help="Show unchanged rows too.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare_command(baseline: str, candidate: str, store: str | None, threshold: float,
                    alpha: float, show_all: bool, as_json: bool) -> None:
    """Compare CANDIDATE with BASELINE: two sweep ids in a store, or two run directories.

    Per profile, model and fault kind: the propagated rate (worse when it rises) and the
    detected-or-recovered rate (worse when it falls) over the faults that fired; per model
    and arm, task success. Paired exact McNemar test when both sides ran the same seeds,
    else a two-sided Fisher exact test. A row regressed when it got worse by more than
    --threshold with p < --alpha.

    Exit codes: 0 no significant regression, 1 at least one, 2 the input was wrong,
    3 chaos itself failed.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from chaos.cli.history import open_existing_store
    from chaos.sweep import compare, load_side

    needs_store = not (Path(baseline).is_dir() and Path(candidate).is_dir())
    opened = open_existing_store(store) if needs_store else None
    try:
        result = compare(load_side(baseline, opened), load_side(candidate, opened),
                         threshold, alpha)
    finally:
        if opened is not None:
            opened.close()
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        console = Console()
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console = Console(width=160)
        rows = [r for r in result.rows if show_all or r.verdict in ("regressed", "improved")]
        if rows:
            table = Table(title=f"{escape(result.candidate)} against {escape(result.baseline)}",
                          header_style="bold")
            for name in ("profile", "model", "fault / task", "rate", "baseline", "candidate",
                         "change", "test", "p", "verdict"):
                table.add_column(name, overflow="fold")
            for r in rows:
                style = {"regressed": "bold red", "improved": "green"}.get(r.verdict, "")
                change = "-" if r.change is None else f"{r.change * 100:+.0f} pts"
                table.add_row(escape(r.profile), escape(r.model), escape(r.subject), r.metric,
                              _side_text(*r.baseline), _side_text(*r.candidate), change,
                              r.test or "-", f"{r.p_value:.3g}",
                              f"[{style}]{r.verdict}[/]" if style else r.verdict)
            console.print(table)
        for what, pairs in (("baseline", result.only_baseline),
                            ("candidate", result.only_candidate)):
            for profile, model in pairs:
                console.print(f"only in the {what}: {profile} · {model} (not compared)",
                              markup=False, highlight=False)
        _verdict_line(console, result)
    if result.regressions:
        raise SystemExit(1)


def _verdict_line(console: Any, result: Any) -> None:
    n = len(result.regressions)
    improved = sum(r.verdict == "improved" for r in result.rows)
    rule = f"more than {result.threshold * 100:g} points, p < {result.alpha:g}"
    text = (f"{n} significant regression(s) ({rule}); {improved} improvement(s); "
            f"{len(result.rows)} rates compared")
    console.print(text, style="bold red" if n else "green", markup=False, highlight=False)
