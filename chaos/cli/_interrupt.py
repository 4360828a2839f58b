"""Ctrl-C: exit 130 (128 + SIGINT) in every command, with a line saying what was kept."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import click

__all__ = ["INTERRUPTED", "interrupted_run"]

#: The exit code of a command stopped by Ctrl-C, as shells report a process killed by SIGINT.
INTERRUPTED = 130


@contextlib.contextmanager
def interrupted_run(run_dir: Path, count: dict[str, int]) -> Iterator[None]:
    """`chaos run` stopped by Ctrl-C: say which episodes finished and what is on disk.

    Each finished episode's trace is already written whole. results.json and the reports are
    not written: rates over the episodes that happened to finish first would read as the
    run's own, and a gate could pass on them.

    Args:
        run_dir: The run directory.
        count: `finished` and `planned` episodes, kept up to date by the run.
    """
    try:
        yield
    except KeyboardInterrupt:
        kept = (f"their traces are kept in {run_dir / 'traces'}" if count["finished"]
                else "nothing was written")
        click.echo(f"interrupted: {count['finished']} of {count['planned']} episode(s) "
                   f"finished; {kept}; no results.json or report was written (a partial run "
                   "is not a result): run the same command again for the whole run", err=True)
        raise SystemExit(INTERRUPTED) from None
