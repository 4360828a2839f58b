"""`chaos schema`: the profile JSON Schema, for editors that complete and check YAML."""

from __future__ import annotations

import click

from chaos.cli._main import main


@main.command("schema")
@click.option("--partial", is_flag=True,
              help="The schema of a profile that extends another: nothing required, and null "
                   "(which removes an inherited key) allowed everywhere.")
def schema_command(partial: bool) -> None:
    r"""Print the profile JSON Schema (stable bytes).

    \b
    chaos schema > chaos-profile.schema.json
    then start a profile with the line
    # yaml-language-server: $schema=./chaos-profile.schema.json
    and an editor with the YAML language server completes keys and shows each field's help.
    Fault kinds from installed plugins are included.
    """
    from chaos.profile import profile_json_schema_text

    click.echo(profile_json_schema_text(partial), nl=False)
