"""`write_reports`: the report files of a run, written into its run directory."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import Path

from chaos._output import write_atomic
from chaos.errors import InputError
from chaos.results import RunResults

__all__ = [
    "DEFAULT_FORMATS",
    "FILE_FORMATS",
    "REPORT_FILES",
    "REPORT_FORMATS",
    "html_available",
    "parse_formats",
    "write_reports",
]

#: Formats that write a file; `terminal` prints instead.
FILE_FORMATS = ("json", "junit", "html", "otel")
REPORT_FORMATS = ("terminal", *FILE_FORMATS)
#: What `chaos report` makes without --format: the OpenTelemetry export is opt-in.
DEFAULT_FORMATS = ("terminal", "json", "junit", "html")
#: The file each format writes in the run directory (JSON is results.json itself).
REPORT_FILES = {"json": "results.json", "junit": "junit.xml", "html": "report.html",
                "otel": "otel/traces.jsonl"}


def html_available() -> bool:
    """Whether the HTML report can be written (plotly, the `[html]` extra, is installed)."""
    return importlib.util.find_spec("plotly") is not None


def parse_formats(values: Iterable[str]) -> list[str]:
    """Formats from repeatable or comma-separated values, in canonical order, deduplicated.

    Raises:
        InputError: A name is not a report format.
    """
    wanted = {part.strip().lower() for value in values for part in value.split(",")
              if part.strip()}
    unknown = sorted(wanted - set(REPORT_FORMATS))
    if unknown:
        raise InputError(f"--format {', '.join(unknown)}: not a report format; choose from "
                         f"{', '.join(REPORT_FORMATS)} (repeat --format or separate with commas)")
    return [f for f in REPORT_FORMATS if f in wanted]


def write_reports(run_dir: Path, results: RunResults, formats: Iterable[str], *,
                  otel_content: bool = False) -> list[Path]:
    """Write the report files of `results` into `run_dir`; return their paths.

    `json` is results.json itself (written if the directory lacks it); `junit` writes
    junit.xml; `html` writes report.html, drawing timelines from the traces under `run_dir`;
    `otel` writes the traces as OpenTelemetry spans (with prompts and results only when
    `otel_content`).
    `terminal` writes nothing (print `outcome_tables`, `profile_comparison`, `failure_lines`).
    The same results give the same bytes.

    Raises:
        InputError: An unknown format, plotly missing for `html`, or a damaged trace.
    """
    chosen = parse_formats(formats)
    written = []
    for fmt in (f for f in chosen if f != "terminal"):
        path = run_dir / REPORT_FILES[fmt]
        try:
            _write(fmt, path, run_dir, results, otel_content)
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}; make the run "
                             "directory writable or copy it somewhere that is") from None
        written.append(path)
    return written


def _write(fmt: str, path: Path, run_dir: Path, results: RunResults,
           otel_content: bool) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        if not path.exists():
            from chaos.runner import write_run

            write_run(run_dir, results)
    elif fmt == "junit":
        from chaos.report._junit import junit_xml

        write_atomic(path, junit_xml(results))
    elif fmt == "otel":
        from chaos.report.otel import write_otlp

        write_otlp(run_dir, results, include_content=otel_content)
    else:
        from chaos.report._html import html_report

        write_atomic(path, html_report(run_dir, results))
