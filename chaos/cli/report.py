"""`chaos report RUN_DIR`: the reports of a finished run, from its results.json and traces."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from chaos.cli._main import main
from chaos.errors import InputError

_FORMATS = "terminal, json, junit, html, otel"


@main.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "formats", multiple=True, metavar="FORMAT",
              help=f"Report to make ({_FORMATS}); repeat or separate with commas. "
                   "Default: all but otel (html only when plotly is installed).")
@click.option("--otel-content", is_flag=True,
              help="With otel: include tasks, answers, tool arguments and results (cut to 4096 "
                   "characters each, secrets masked).")
def report_command(run_dir: Path, formats: tuple[str, ...], otel_content: bool) -> None:
    """Write the reports of the run in RUN_DIR and print the terminal tables.

    json checks results.json against the results model (its JSON Schema ships as
    chaos/report/results.schema.json); junit writes junit.xml; html writes report.html, one
    offline page with charts and each failing episode's timeline; otel writes every trace as
    OpenTelemetry spans (OTLP/JSON lines, GenAI conventions) to otel/traces.jsonl.
    """
    from chaos.report import DEFAULT_FORMATS, html_available, load_results, parse_formats

    chosen = parse_formats(formats) if formats else list(DEFAULT_FORMATS)
    skipped_html = not formats and not html_available()
    if skipped_html:  # asked by default, not by name: write the rest, say how to get it
        chosen.remove("html")
    results = load_results(run_dir)
    with _summary_as_chaos_writes_it(run_dir):
        _report(run_dir, results, chosen, skipped_html, otel_content)


@contextlib.contextmanager
def _summary_as_chaos_writes_it(run_dir: Path) -> Iterator[None]:
    """A summary whose contents are not as chaos writes them is the input's fault: exit 2.

    `load_results` checks the episodes and the summary's outline; the summary's inner numbers
    are read as chaos writes them. A hand-edited or damaged file that breaks that reading
    is named with what broke, not reported as a bug in chaos (CHAOS_DEBUG=1 re-raises).
    """
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        if os.environ.get("CHAOS_DEBUG"):
            raise
        raise InputError(f"{run_dir / 'results.json'}: its summary is not as chaos writes it "
                         f"({type(exc).__name__}: {str(exc)[:200]}); restore the file chaos "
                         "wrote, or run the profile again") from None


def _report(run_dir: Path, results: Any, chosen: list[str], skipped_html: bool,
            otel_content: bool) -> None:
    from rich.console import Console

    from chaos.report import (
        REPORT_FILES,
        crash_lines,
        failure_lines,
        outcome_tables,
        profile_comparison,
        write_reports,
    )

    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=160)  # logs and files: the tables' natural width
    if "terminal" in chosen:
        for table in [*outcome_tables(results), profile_comparison(results)]:
            if table is not None:
                console.print(table)
        from chaos.coverage import coverage_lines

        for line in [*coverage_lines(results.summary), *crash_lines(results),
                     *failure_lines(results)]:
            console.print(line, soft_wrap=True, highlight=False, markup=False)
        if "adaptive" in results.summary:  # a --until-decided run: how it stopped, the saving
            from chaos.adaptive import closing_lines

            for line in closing_lines(results.summary["adaptive"]):
                console.print(line, soft_wrap=True, highlight=False, markup=False)
    names = {file: fmt for fmt, file in REPORT_FILES.items()}
    for path in write_reports(run_dir, results, chosen, otel_content=otel_content):
        fmt = names[path.relative_to(run_dir).as_posix()]
        what = "json (valid results)" if fmt == "json" else fmt
        console.print(f"{what}: {path}", soft_wrap=True, highlight=False, markup=False)
    if skipped_html:
        console.print("html: skipped; pip install 'chaos-sim[html]' for report.html",
                      highlight=False, markup=False)
