"""`chaos new NAME`: a commented profile to start from, that validates and runs as it is."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from chaos.cli._main import main
from chaos.cli._text import printable


# The templates are named here, not imported: `chaos --help` must not load the profile schema.
@main.command("new")
@click.argument("name", metavar="NAME|PATH")
@click.option("--from", "template", default="blank", show_default=True,
              metavar="TEMPLATE", help="The profile to start from: blank (a pipeline of your "
              "own: your files, your chain, your expected end state), sports-production (the "
              "sports pack's four agents and six faults), sports-rubric (a clean benchmark) or "
              "minimal (two sports agents, one fault).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (default: NAME.yaml here); never overwritten.")
def new_command(name: str, template: str, out: Path | None) -> None:
    """Write a new commented profile called NAME (or at PATH), ready to validate and run.

    A PATH (`pipelines/mine.yaml`) names the file; missing folders are created.
    """
    from chaos.profile import write_new_profile

    if out is None and (name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name):
        # `chaos new pipelines/mine.yaml` (or `pipelines/mine`) means that file, named `mine`.
        out = Path(name) if Path(name).suffix in (".yaml", ".yml") else Path(name + ".yaml")
        name = out.stem
    path = write_new_profile(name, template, out)
    shown = printable(shlex.quote(str(path)))
    click.echo(f"wrote {shown} (from {template})")
    click.echo(f"next: chaos validate {shown}; chaos explain {shown}; chaos run {shown}")
    click.echo("editor completion: chaos schema > "
               f"{printable(shlex.quote(str(path.parent / 'chaos-profile.schema.json')))}")
