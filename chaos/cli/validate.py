"""`chaos validate PROFILE...`: every mistake in each profile at once, located, or ok."""

from __future__ import annotations

import click

from chaos.cli._main import main
from chaos.cli._text import printable
from chaos.errors import ProfileError


def _order(path: str, error: ProfileError) -> tuple[bool, str, int, int]:
    # The named file first, then the files it extends; within a file, top to bottom.
    return (error.path != path, error.path or "", error.line or 0, error.column or 0)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@main.command("validate")
@click.argument("profiles", nargs=-1, required=True, type=click.Path(dir_okay=True))
def validate_command(profiles: tuple[str, ...]) -> None:
    """Check PROFILES without running them: every error, each at file:line:column.

    Checks the YAML, unknown and duplicate keys, types, and cross-references: fault targets
    that match nothing in the world of the profile's seed, unknown agents, tools, tags, fault
    kinds and models. Exit codes: 0 every profile is valid, 2 a profile has errors.
    """
    from chaos.profile import check_profile

    failed = 0
    for path in profiles:
        check = check_profile(path)
        if check.loaded is not None:
            profile = check.loaded.profile
            counts = ", ".join(_count(len(items), noun) for items, noun in (
                (profile.chain.agents, "agent"), (profile.faults, "fault"),
                (profile.models, "model")))
            click.echo(printable(f"ok: {path}: {counts}"))
            continue
        failed += 1
        for error in sorted(check.errors, key=lambda e: _order(path, e)):
            click.echo(printable(error.located()))
        click.echo(printable(f"{path}: {_count(len(check.errors), 'error')}"))
    if failed:
        raise SystemExit(2)
