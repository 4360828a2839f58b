"""The click group; errors become one located line and a documented exit code."""

from __future__ import annotations

import os
import sys
import traceback

import click

from chaos._redact import masked_output, redact
from chaos.errors import ChaosError

__all__ = ["main"]


class ChaosGroup(click.Group):
    """Turns errors into `error: ...` on stderr and an exit code, never a traceback.

    ChaosError carries its own code (2 bad input, 3 harness); anything else is a bug in chaos:
    exit 3, with the traceback only when CHAOS_DEBUG is set. Known API keys are masked in
    everything printed.
    """

    def invoke(self, ctx: click.Context) -> object:
        # Every line printed meanwhile (ours, a library's warning or log line, a traceback)
        # has the API keys chaos knows masked.
        with masked_output():
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ChaosError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            # click would say "Aborted!" and exit 1, the code of a failed gate.
            click.echo("interrupted (Ctrl-C): files are written whole or not at all", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("CHAOS_DEBUG"):
                # Printed here, not re-raised: chained exceptions included, keys masked.
                click.echo(redact("".join(traceback.format_exception(exc))).rstrip(), err=True)
            else:
                click.echo(redact(f"error: chaos failed: {type(exc).__name__}: {exc} (this is "
                                  "a bug in chaos; rerun with CHAOS_DEBUG=1 for the traceback)"),
                           err=True)
            sys.exit(3)


@click.group(cls=ChaosGroup)
@click.version_option(package_name="chaos-sim", prog_name="chaos")
def main() -> None:
    """chaos: inject production faults into LLM agent chains and see who catches them.

    Exit codes: 0 success, 1 a gate failed, 2 the input was wrong, 3 chaos itself
    failed, 4 a model completed no episode (run, sweep), 5 recommend: undecided, 130
    interrupted (Ctrl-C).
    """


def _register() -> None:
    from chaos.cli import (  # noqa: F401
        compare,
        explain,
        faults,
        history,
        mcp,
        models,
        new,
        recommend,
        report,
        run,
        schema,
        shrink,
        sweep,
        validate,
    )


_register()
