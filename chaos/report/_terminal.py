"""The terminal table: per model and fault kind, each outcome's count and rate."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from chaos.oracle import SCORED_OUTCOMES, FaultOutcome
from chaos.results import RunResults

__all__ = ["outcome_tables"]

_STYLE = {
    "propagated": "red",
    "silent": "yellow",
    "detected": "cyan",
    "recovered": "green",
    "crashed": "magenta",
    "not_triggered": "dim",
}


def _cell(count: int, scored: int) -> str:
    return f"{count} ({count / scored:.0%})" if scored else f"{count}"


def outcome_tables(results: RunResults) -> list[Table]:
    """One rich table per profile: rows model x fault kind, clean-arm task success beside."""
    tables = []
    for profile, body in results.summary["profiles"].items():
        table = Table(
            title=f"{escape(profile)}: what the chain did with each fault",
            caption="rates over fired faults; not_triggered counts in no rate",
        )
        table.add_column("model")
        table.add_column("fault kind")
        for outcome in FaultOutcome:
            table.add_column(
                outcome.value.replace("_", " "), justify="right", style=_STYLE[outcome.value]
            )
        table.add_column("clean task ok", justify="right")
        table.add_column("chaos task ok", justify="right")
        for model, stats in body["models"].items():
            clean, chaos = stats["clean"], stats["chaos"]

            def success(arm: dict) -> str:
                return f"{arm['task_passed']}/{arm['episodes']}" if arm["episodes"] else "-"

            kinds = stats["faults"] or {"(no faults)": None}
            for i, (kind, row) in enumerate(kinds.items()):
                cells = []
                for outcome in FaultOutcome:
                    if row is None:
                        cells.append("-")
                    elif outcome in SCORED_OUTCOMES:
                        cells.append(_cell(row["counts"][outcome.value], row["scored"]))
                    else:
                        cells.append(str(row["counts"][outcome.value]))
                table.add_row(
                    escape(model) if i == 0 else "",
                    escape(kind),
                    *cells,
                    success(clean) if i == 0 else "",
                    success(chaos) if i == 0 else "",
                )
            table.add_section()
        tables.append(table)
    return tables
