"""`chaos sweep SWEEP.yaml | PROFILE...`: profiles x models x seeds x arms, stored as they end."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from chaos._output import output_errors
from chaos.cli._adaptive import adaptive_options
from chaos.cli._main import main
from chaos.cli._numbers import Finite
from chaos.errors import InputError

_OUTCOMES = ("propagated", "detected", "recovered", "silent", "crashed")


def _spec(sources: tuple[str, ...], overrides: dict[str, Any]) -> Any:
    """The sweep to run: a sweep file with the options given on top, or profiles and options."""
    from pydantic import ValidationError

    from chaos.sweep import SWEEP_ID, SweepSpec, is_sweep_file, load_sweep, parse_seeds

    if overrides.get("seeds") is not None:
        try:
            overrides["seeds"] = parse_seeds(overrides["seeds"])
        except ValueError as exc:
            given = str(overrides["seeds"])
            given = given if len(given) <= 40 else f"{given[:30]}..."
            raise InputError(f"--seeds {given}: {exc}") from None
    if overrides.get("id") is not None and not SWEEP_ID.match(overrides["id"]):
        raise InputError(f"--sweep-id {overrides['id']!r}: letters, digits and . _ : + - (it "
                         "names a folder), at most 128 characters")
    given = {k: v for k, v in overrides.items() if v not in (None, (), [])}
    sweep_files = [s for s in sources if is_sweep_file(s)]
    if sweep_files:
        if len(sources) > 1:
            raise InputError(f"{sweep_files[0]} is a sweep file: name it alone, or name "
                             "profiles (not both)")
        spec = load_sweep(sources[0])
        return spec.model_copy(update=given)
    stems = [Path(s).name.removesuffix(".yaml").removesuffix(".yml") for s in sources]
    given.setdefault("id", "+".join(stems)[:128] if SWEEP_ID.match("+".join(stems)[:128])
                     else "sweep")
    try:
        return SweepSpec.model_validate({"profiles": list(sources), **given})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


class _Counts:
    """Live outcome counts for the progress line."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(_OUTCOMES, 0)

    def add(self, result: dict[str, Any]) -> str:
        for fault in result["faults"]:
            if fault["outcome"] in self.counts:
                self.counts[fault["outcome"]] += 1
        if result["status"] == "crashed" and not result["faults"]:
            self.counts["crashed"] += 1
        return self.text()

    def text(self) -> str:
        from chaos.report._palette import OUTCOME_COLORS

        return "  ".join(f"[{OUTCOME_COLORS[o]}]{o} {n}[/]" for o, n in self.counts.items())


@main.command("sweep")
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--model", "models", multiple=True, metavar="ID",
              help="Model to run on every profile (repeatable); default: each profile's.")
@click.option("--seeds", metavar="SEEDS",
              help="Seeds: a range 0-99, a list 0,5,7, or both 0-9,20; default: each "
                   "profile's seed and episodes.")
@click.option("--arm", type=click.Choice(["both", "clean", "chaos"]), default=None,
              help="Arms to run (default: both).")
@click.option("--sweep-id", "sweep_id", metavar="ID",
              help="The sweep's id in the store; the same id resumes it (default: the sweep "
                   "file's name, or the profiles' names).")
@click.option("--store", metavar="PATH|URL",
              help="History store: a SQLite file or a SQLAlchemy URL "
                   "(postgresql+psycopg://...); default: sweeps/history.db.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Run directory (default: sweeps/<sweep id>).")
@click.option("--backend", type=click.Choice(["local", "dask"]), default=None,
              help="Where episodes run: local worker processes, or a Dask cluster.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Local worker processes (0: in this process), or LocalCluster workers "
                   "with --backend dask; default: one per CPU.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster).")
@click.option("--concurrency", type=click.IntRange(min=1), default=None,
              help="Episodes in flight per worker, for models that answer over the network.")
@click.option("--episode-timeout", "episode_timeout_s", type=Finite(min=0,
              min_open=True), default=None, metavar="SECONDS",
              help="Wall-clock seconds an episode may run before it is crashed (default: the "
                   "profile's limits.episode_timeout_s, 900).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Episodes per task handed to a worker (whole seeds; default 16, 64 on "
                   "Dask).")
@click.option("--plugin", "plugins", multiple=True, metavar="MODULE",
              help="Module to import first in every process (custom policies, faults).")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Run only what the store lacks; --no-resume drops the sweep's stored "
                   "episodes and starts over.")
@click.option("--traces", type=click.Choice(["all", "failing", "none"]), default="all",
              show_default=True, help="Trace files to keep in the run directory.")
@click.option("--history", "history", type=click.IntRange(min=0), default=10,
              show_default=True, help="Sweeps in the report's trend chart (0: none).")
@click.option("--report-limit", type=click.IntRange(min=1), default=10_000,
              show_default=True,
              help="Episodes junit.xml and report.html list at most (beyond: the failing ones "
                   "and a baseline each); results.json always holds all.")
@click.option("--otel", is_flag=True, help="Also write the traces as OpenTelemetry spans.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@adaptive_options
def sweep_command(sources: tuple[str, ...], models: tuple[str, ...], seeds: str | None,
                  arm: str | None, sweep_id: str | None, store: str | None, out: Path | None,
                  backend: str | None, workers: int | None, scheduler: str | None,
                  concurrency: int | None, episode_timeout_s: float | None,
                  batch_size: int | None, plugins: tuple[str, ...], resume: bool, traces: str,
                  history: int, report_limit: int, otel: bool, quiet: bool,
                  adaptive: Any = None) -> None:
    """Run a sweep: SWEEP.yaml, or PROFILES with --model and --seeds.

    Every finished episode is committed to the store as it arrives; run the same command
    again after a crash or Ctrl-C and only the missing episodes run. At the end the run
    directory holds results.json, junit.xml and report.html (with the trend of the last
    sweeps), as `chaos run` writes them.

    Exit codes: 0 every gate passed (or there are none), 1 a gate failed, 2 the input was
    wrong (an unwritable or full --out or store too), 3 chaos itself failed, 4 a model
    completed no episode of a profile (every one crashed; 4 wins over 1), 130 interrupted
    (the stored episodes are kept).

    With --until-decided the sweep's seeds are round 1; later rounds double the seeds for the
    models still undecided (README: Adaptive seeds), under the same sweep id and store. Run
    the same command again after a kill: the rounds are recomputed from the stored episodes
    and only what is missing runs.
    """
    from rich.console import Console

    from chaos.sweep import SweepOptions

    arms = None if arm is None else (["clean", "chaos"] if arm == "both" else [arm])
    spec = _spec(sources, {"models": list(models), "seeds": seeds, "arms": arms,
                           "id": sweep_id, "store": store, "backend": backend,
                           "workers": workers, "scheduler": scheduler,
                           "concurrency": concurrency, "episode_timeout_s": episode_timeout_s,
                           "batch_size": batch_size, "plugins": list(plugins)})
    formats = ("junit", "html", *(("otel",) if otel else ()))
    options = SweepOptions(resume=resume, out=out, traces=traces,  # type: ignore[arg-type]
                           history=history, report_limit=report_limit, formats=formats,
                           until_decided=adaptive)
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=160)  # logs and files: the tables' natural width
    stored = {"n": 0}
    try:
        with output_errors("--out", "the store keeps every finished episode: run the same "
                           "command again to resume"):
            outcome = _run(spec, options, quiet, stored, console)
    except KeyboardInterrupt:
        click.echo(f"interrupted: {stored['n']} episode(s) stored in this run are kept; run the "
                   "same command again to resume", err=True)
        raise SystemExit(130) from None
    _print(console, outcome)


def _run(spec: Any, options: Any, quiet: bool, stored: dict[str, int], console: Any) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    from chaos.sweep import SweepProgress, run_sweep

    class Rate(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:.1f} ep/s", style="progress.data.speed")

    counts = _Counts()
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  MofNCompleteColumn(), Rate(), TimeRemainingColumn(),
                  TextColumn("{task.fields[outcomes]}"), console=Console(stderr=True),
                  disable=quiet, transient=True) as progress:
        task = progress.add_task(f"sweep {spec.id}", total=None, outcomes="")

        told = {"resuming": False}

        def planned(total: int, done: int) -> None:
            progress.update(task, total=total, completed=done + stored["n"])
            if done and not quiet and not told["resuming"]:
                told["resuming"] = True  # --until-decided plans once per round: say it once
                progress.console.print(f"resuming sweep {spec.id}: {done} of {total} episodes "
                                       "stored already", markup=False, highlight=False)

        def episode(result: dict[str, Any]) -> None:
            stored["n"] += 1
            progress.update(task, advance=1, outcomes=counts.add(result))

        def note(text: str) -> None:
            progress.console.print(text, markup=False, highlight=False)

        def line(text: str) -> None:
            console.print(text, soft_wrap=True, highlight=False, markup=False)

        return run_sweep(spec, options, SweepProgress(planned, episode, note, line))


def _print(console: Any, outcome: Any) -> None:
    from rich.text import Text

    from chaos.gates import gates_failed
    from chaos.report import (
        EXIT_NOTHING_COMPLETED,
        crash_lines,
        failure_lines,
        html_available,
        nothing_completed,
        outcome_tables,
        profile_comparison,
    )

    def say(text: str) -> None:
        console.print(text, soft_wrap=True, highlight=False, markup=False)

    results = outcome.results
    for table in [*outcome_tables(results), profile_comparison(results)]:
        if table is not None:
            console.print(table)
    from chaos.coverage import coverage_lines

    for line in coverage_lines(results.summary):
        say(line)
    for line in crash_lines(results):
        say(line)
    if outcome.complete:
        for line in failure_lines(results):
            say(line)
    if "adaptive" in results.summary:
        from chaos.adaptive import closing_lines

        for line in closing_lines(results.summary["adaptive"]):
            say(line)
    else:
        say(f"reports list {len(results.episodes)} of {outcome.total} episodes (the failing "
            "ones first, and a passing baseline per model and arm); results.json has all")
    before = outcome.total - outcome.ran
    say(f"sweep {outcome.sweep_id}: {outcome.total} episodes ({outcome.ran} run now"
        + (f", {before} stored before" if before else "") + f"), store {outcome.store}")
    if before and not outcome.ran:
        say("every episode was stored already: --no-resume runs the sweep again, --sweep-id "
            "names a new one")
    say(f"results: {outcome.results_path}")
    for report in outcome.reports:
        say(f"report: {report}")
    if not html_available():
        say("report.html: pip install 'chaos-sim[html]' (plotly) for the HTML report, then: "
            f"chaos report {outcome.run_dir}")
    from chaos.recommend import run_recommend_line

    if (line := run_recommend_line(results, str(outcome.run_dir))) is not None:
        say(line)
    for gate in outcome.gates:
        console.print(Text(gate.message, style="green" if gate.passed else "bold red"),
                      soft_wrap=True, highlight=False)
    failed = gates_failed(outcome.gates)
    if outcome.gates:
        say(f"gates: {len(outcome.gates) - len(failed)} passed, {len(failed)} failed")
    if stranded := nothing_completed(results):
        click.echo(f"error: no episode completed for {', '.join(stranded)}: every one crashed "
                   "(reasons above and in results.json)", err=True)
        raise SystemExit(EXIT_NOTHING_COMPLETED)
    if failed:
        raise SystemExit(1)
