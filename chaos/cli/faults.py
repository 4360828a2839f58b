"""`chaos faults [KIND]`: the fault library, one line each, or one kind in full."""

from __future__ import annotations

import click

from chaos.cli._main import main
from chaos.errors import InputError

_TRIGGERS = ("when: start | time (at_ms) | tool_call (tool, agent, path) | model_call (agent) | "
             "delegation (agent, to); combine with nth, probability, window: [t1, t2)")


@main.command("faults")
@click.argument("kind", required=False)
def faults_command(kind: str | None) -> None:
    """List every fault kind, or show KIND in full (parameters, triggers, an example)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.syntax import Syntax
    from rich.table import Table

    from chaos.faults import fault_kinds
    from chaos.faults._catalog import describe_fault

    console = Console()
    if kind is None:
        table = Table(title="fault kinds (chaos faults KIND for one in full)")
        for column in ("kind", "what it does", "params"):
            table.add_column(column, overflow="fold")
        for name in fault_kinds.names():
            doc = describe_fault(name)
            table.add_row(name, escape(doc.summary), ", ".join(p.name for p in doc.params))
        console.print(table)
        console.print(f"triggers: {_TRIGGERS}", highlight=False)
        return
    if kind not in fault_kinds:
        raise InputError(fault_kinds.unknown_message(kind))
    doc = describe_fault(kind)
    console.print(f"[bold]{doc.kind}[/bold] ({doc.family}) — {escape(doc.summary)}")
    if doc.details and doc.details != doc.summary:
        console.print(escape(doc.details))
    console.print(f"\ndefault target: {escape(doc.default_target)}", highlight=False)
    if doc.params:
        table = Table(title="params")
        for column in ("name", "type", "default", "meaning"):
            table.add_column(column, overflow="fold")
        for p in doc.params:
            table.add_row(p.name, escape(p.type), escape(p.default), escape(p.description))
        console.print(table)
    else:
        console.print("params: none")
    console.print(f"triggers: {_TRIGGERS}", highlight=False)
    console.print("\nexample (under faults: in a profile):")
    console.print(Syntax(doc.example, "yaml", theme="ansi_dark", background_color="default"))
    for example in doc.examples:
        console.print(Syntax(example, "yaml", theme="ansi_dark", background_color="default"))
