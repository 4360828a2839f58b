"""The terminal table: per model and fault kind, each outcome's rate and where it was caught."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from chaos.oracle import FaultOutcome
from chaos.results import RunResults

__all__ = ["outcome_tables"]

#: (outcome, short header, style); crashed and not fired show only when they occur.
_COLUMNS = (
    (FaultOutcome.PROPAGATED, "prop.", "red"),
    (FaultOutcome.DETECTED, "det.", "cyan"),
    (FaultOutcome.RECOVERED, "rec.", "green"),
    (FaultOutcome.SILENT, "silent", "yellow"),
    (FaultOutcome.CRASHED, "crash", "magenta"),
)
_LEGEND = ("rates over the faults that fired · prop. propagated out of the organisation · "
           "det. detected · rec. recovered · caught at: the agent that reported it most often "
           "· task ok: clean arm / chaos arm")


def _success(arm: dict[str, Any]) -> str:
    return f"{arm['task_passed']}/{arm['episodes']}" if arm["episodes"] else "-"


def _caught(row: dict[str, Any] | None) -> str:
    """Where detections happened: the hop (agent) that caught the fault most often."""
    if not row or not row["hops"]["detected_by"]:
        return "-"
    agent, n = max(row["hops"]["detected_by"].items(), key=lambda kv: (kv[1], kv[0]))
    return f"{escape(agent)} {n}"


def outcome_tables(results: RunResults) -> list[Table]:
    """One rich table per profile: a row per model x fault kind, task success per arm beside.

    Rates are over the faults that fired; `not fired` (not_triggered) counts in no rate.
    """
    tables = []
    for profile, body in results.summary["profiles"].items():
        rows = [(model, kind, row) for model, stats in body["models"].items()
                for kind, row in (stats["faults"] or {"(no faults)": None}).items()]
        crashes = any(r and r["counts"]["crashed"] for _, _, r in rows)
        unfired = any(r and r["counts"]["not_triggered"] for _, _, r in rows)
        table = Table(title=f"{escape(profile)}: what each chain did with each fault",
                      caption=_LEGEND, header_style="bold")
        table.add_column("model", overflow="fold")
        table.add_column("fault", overflow="fold")
        table.add_column("fired", justify="right", min_width=3)
        shown = [c for c in _COLUMNS if c[0] != FaultOutcome.CRASHED or crashes]
        for _, header, style in shown:
            table.add_column(header, justify="right", style=style, min_width=4, no_wrap=True)
        if unfired:
            table.add_column("not fired", justify="right", style="dim", min_width=3)
        table.add_column("caught at", overflow="fold")
        table.add_column("task ok", justify="right", no_wrap=True)
        previous = None
        for i, (model, kind, row) in enumerate(rows):
            first = model != previous
            previous = model
            last = i == len(rows) - 1 or rows[i + 1][0] != model
            if row is None:
                cells = ["0"] + ["-"] * len(shown) + (["0"] if unfired else [])
            else:
                cells = [str(row["scored"])]
                for outcome, _, _ in shown:
                    rate = row["rates"][outcome.value]["rate"]
                    cells.append("-" if rate is None else f"{rate:.0%}")
                if unfired:
                    cells.append(str(row["counts"]["not_triggered"]))
            stats = body["models"][model]
            task = f"{_success(stats['clean'])} / {_success(stats['chaos'])}" if first else ""
            table.add_row(escape(model) if first else "", escape(kind), *cells, _caught(row),
                          task, end_section=last)
        tables.append(table)
    return tables
