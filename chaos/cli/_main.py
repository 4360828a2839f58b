"""The click group; errors become one located line and a documented exit code."""

from __future__ import annotations

import sys

import click

from chaos.errors import ChaosError

__all__ = ["main"]


class ChaosGroup(click.Group):
    """Turns ChaosError into `error: ...` on stderr and its exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ChaosError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=ChaosGroup)
@click.version_option(package_name="chaos-sim", prog_name="chaos")
def main() -> None:
    """chaos: inject production faults into LLM agent chains and see who catches them.

    Exit codes: 0 success, 1 a gate failed, 2 the input was wrong, 3 chaos itself failed.
    """


def _register() -> None:
    from chaos.cli import run  # noqa: F401


_register()
