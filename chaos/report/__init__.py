"""Reports of a run: terminal tables, results.json and its schema, JUnit XML, an HTML page.

`write_reports(run_dir, results, formats)` writes the files; `outcome_tables` and
`profile_comparison` are the terminal's rich tables; `load_results` reads a run directory back.
"""

from chaos.report._crashes import (
    EXIT_NOTHING_COMPLETED,
    crash_lines,
    nothing_completed,
    shown_reason,
)
from chaos.report._junit import junit_xml
from chaos.report._run_dir import load_results, read_trace
from chaos.report._schema import SCHEMA_PATH, results_schema
from chaos.report._terminal import failure_lines, outcome_tables, profile_comparison
from chaos.report._verdicts import FAILING_OUTCOMES, episode_failures, is_failing
from chaos.report._write import (
    DEFAULT_FORMATS,
    REPORT_FILES,
    REPORT_FORMATS,
    html_available,
    parse_formats,
    write_reports,
)

__all__ = [
    "DEFAULT_FORMATS",
    "EXIT_NOTHING_COMPLETED",
    "FAILING_OUTCOMES",
    "REPORT_FILES",
    "REPORT_FORMATS",
    "SCHEMA_PATH",
    "crash_lines",
    "episode_failures",
    "failure_lines",
    "html_available",
    "is_failing",
    "junit_xml",
    "load_results",
    "nothing_completed",
    "outcome_tables",
    "parse_formats",
    "profile_comparison",
    "read_trace",
    "results_schema",
    "shown_reason",
    "write_reports",
]
