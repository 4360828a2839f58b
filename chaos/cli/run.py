"""`chaos run PROFILE...`: run profiles and print per-fault verdicts."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any

import click

from chaos._output import output_errors
from chaos._seeding import MAX_EPISODES, MAX_SEED
from chaos.cli._adaptive import adaptive_options
from chaos.cli._interrupt import interrupted_run
from chaos.cli._main import main
from chaos.cli._numbers import Finite
from chaos.errors import InputError


def _fresh_run_dir(names: list[str]) -> Path:
    """`runs/<profiles>-<time>`, with a suffix if a run already took that name."""
    base = Path("runs") / f"{'+'.join(names)}-{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


@main.command("run")
@click.argument("profiles", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--model", "models", multiple=True, metavar="ID",
              help="Model to run (repeatable); replaces the profile's models.")
@click.option("--episodes", type=click.IntRange(min=1, max=MAX_EPISODES),
              help="Seeds to run per model (from --seed, or from the profile's seed).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED),
              help="First seed; alone, runs just this seed.")
@click.option("--arm", type=click.Choice(["both", "clean", "chaos"]), default="both",
              show_default=True, help="Run the clean arm, the chaos arm, or both.")
@click.option("--only-fault", "only_faults", multiple=True, metavar="ID",
              help="Inject only the fault with this id (repeatable); each keeps the targets "
                   "it has in a run with every fault. `chaos shrink` prints these.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Run directory; must not hold a run already (default: runs/<profile>-<time>).")
@click.option("--concurrency", type=click.IntRange(min=1), default=1, show_default=True,
              help="Episodes in flight at once (for models that answer over the network).")
@click.option("--episode-timeout", "episode_timeout_s", type=Finite(min=0,
              min_open=True), default=None, metavar="SECONDS",
              help="Wall-clock seconds an episode may run before it is crashed (default: the "
                   "profile's limits.episode_timeout_s, 900).")
@click.option("--agent", "agent", metavar="CMD",
              help="Run this command as the agent of every episode (your own agent, over the "
                   "episode's MCP server and model gateway), in the current folder; replaces "
                   "the profiles' chain.command/function. README: Test your own agent.")
@click.option("--agent-function", "agent_function", metavar="MODULE:ATTR",
              help="Or await this async function as the agent: agent(task, tools, "
                   "model_base_url), imported from the current folder.")
@click.option("--agent-timeout", "agent_timeout_s", type=Finite(min=0,
              min_open=True), default=None, metavar="SECONDS",
              help="Wall-clock seconds the agent may run per episode before it is ended and "
                   "the episode crashed (default: chain.timeout_s, else the episode timeout).")
@click.option("--record", is_flag=True,
              help="Write every model exchange to cassettes in the run directory.")
@click.option("--replay", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Answer every model from a recorded run's cassettes (the run directory or "
                   "its cassettes/ folder); no network.")
@click.option("--otel", is_flag=True,
              help="Also write the traces as OpenTelemetry spans (OTLP/JSON lines) to "
                   "RUN_DIR/otel/traces.jsonl.")
@click.option("--otel-content", is_flag=True,
              help="With --otel: include tasks, answers, tool arguments and results (cut to "
                   "4096 characters each, secrets masked).")
@click.option("--plugin", "plugins", multiple=True, metavar="MODULE",
              help="Module to import first (a policy, fault or tool kept in your repository; "
                   "installed plugins load by themselves).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@adaptive_options
def run_command(profiles: tuple[str, ...], models: tuple[str, ...], episodes: int | None,
                seed: int | None, arm: str, only_faults: tuple[str, ...], out: Path | None,
                concurrency: int, episode_timeout_s: float | None, agent: str | None,
                agent_function: str | None, agent_timeout_s: float | None, record: bool,
                replay: Path | None, otel: bool, otel_content: bool, plugins: tuple[str, ...],
                quiet: bool, adaptive: Any = None) -> None:
    """Run PROFILES and print, per model and fault kind, how the chain fared.

    Exit codes: 0 every gate of the profiles passed (or there are none), 1 a gate failed,
    2 the input was wrong (an unwritable or full --out too), 3 chaos itself failed, 4 a model
    completed no episode of a profile (every one crashed: a wrong endpoint, a refused
    connection; 4 wins over 1), 130 interrupted (the traces of finished episodes are kept;
    no results.json).

    With --until-decided, seeds run in rounds until every gate of every model is decided
    (each decision wrong with probability at most --alpha, 0.05 by default), within
    --max-episodes seeds per model and --budget-usd; results.json gets summary.adaptive and
    the run prints each round and the episodes saved against a fixed-n run. The exit codes
    stay those above (the gates are judged on every episode, as written in the profile).
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
    from rich.text import Text

    from chaos.agents._options import agent_command, agent_function_option
    from chaos.plugins import import_modules
    from chaos.profile import load_profile
    from chaos.report import (
        EXIT_NOTHING_COMPLETED,
        crash_lines,
        failure_lines,
        html_available,
        nothing_completed,
        outcome_tables,
        profile_comparison,
        write_reports,
    )
    from chaos.runner import RunOptions, run_profiles, write_run, write_trace

    import_modules(plugins)
    loaded = [load_profile(p) for p in profiles]
    arms = ("clean", "chaos") if arm == "both" else (arm,)
    options = RunOptions(models=models, seed=seed, episodes=episodes, arms=arms,  # type: ignore[arg-type]
                         concurrency=concurrency, only_faults=only_faults or None,
                         episode_timeout_s=episode_timeout_s, agent=agent_command(agent),
                         agent_function=agent_function_option(agent, agent_function),
                         agent_timeout_s=agent_timeout_s)
    if out is not None and (out / "results.json").exists():
        raise InputError(f"--out {out} already holds a run; choose another directory or "
                         "remove it")
    run_dir = out or _fresh_run_dir([p.profile.name for p in loaded])
    if replay is not None and (replay / "cassettes").is_dir():
        replay = replay / "cassettes"  # the recorded run's directory was named
    options = dataclasses.replace(options, record=run_dir / "cassettes" if record else None,
                                  replay=replay)
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Logs and files are not wrapped at 80 columns; give the table its natural width.
        console = Console(width=160)
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), console=Console(stderr=True),
                  disable=quiet, transient=True) as progress:
        task = progress.add_task("episodes", total=None)
        count = {"finished": 0, "planned": 0}  # for the line an interrupted run prints

        def planned(total: int) -> None:
            # Only now, with the plan valid, does the run directory come into being.
            run_dir.mkdir(parents=True, exist_ok=True)
            count["planned"] = total
            progress.update(task, total=total)

        def finished(plan: object, run: object) -> None:
            write_trace(run_dir, run)  # type: ignore[arg-type]
            count["finished"] += 1
            progress.advance(task)

        with output_errors("--out", "traces of finished episodes are kept", run_dir), \
                interrupted_run(run_dir, count):
            if adaptive is None:
                results = run_profiles(loaded, options, on_episode=finished,
                                       on_planned=planned)
            else:
                from chaos.adaptive import run_until_decided

                results = run_until_decided(loaded, options, adaptive, finished, planned,
                                            lambda line: console.print(
                                                line, soft_wrap=True, highlight=False,
                                                markup=False))
    gates = results.summary["gates"]  # judged by run_profiles, as results.json holds them
    formats = ["junit", *(["html"] if html_available() else []),
               *(["otel"] if otel or otel_content else [])]
    with output_errors("--out"):
        path = write_run(run_dir, results)
        reports = write_reports(run_dir, results, formats, otel_content=otel_content)
    for table in [*outcome_tables(results), profile_comparison(results)]:
        if table is not None:
            console.print(table)
    from chaos.coverage import coverage_lines

    for line in coverage_lines(results.summary):  # names from profiles: text, not markup
        console.print(line, soft_wrap=True, highlight=False, markup=False)
    for line in [*crash_lines(results), *failure_lines(results)]:
        console.print(line, soft_wrap=True, highlight=False, markup=False)
    if adaptive is not None:
        from chaos.adaptive import closing_lines

        for line in closing_lines(results.summary["adaptive"]):
            console.print(line, soft_wrap=True, highlight=False, markup=False)
    console.print(f"results: {path}", soft_wrap=True, highlight=False, markup=False)
    for report in reports:
        console.print(f"report: {report}", soft_wrap=True, highlight=False, markup=False)
    if not html_available():
        console.print("report.html: pip install 'chaos-sim[html]' (plotly) to get the HTML "
                      f"report, then: chaos report {run_dir}", soft_wrap=True, highlight=False,
                      markup=False)
    from chaos.recommend import run_recommend_line

    if (line := run_recommend_line(results, str(run_dir))) is not None:
        console.print(line, soft_wrap=True, highlight=False, markup=False)
    failed = [gate for gate in gates if not gate["passed"]]
    for gate in gates:
        # Gate lines name models and fault kinds from the profile: printed as text, not markup.
        console.print(Text(gate["message"], style="green" if gate["passed"] else "bold red"),
                      soft_wrap=True, highlight=False)
    if gates:
        console.print(f"gates: {len(gates) - len(failed)} passed, {len(failed)} failed",
                      soft_wrap=True, highlight=False)
    if stranded := nothing_completed(results):
        click.echo(f"error: no episode completed for {', '.join(stranded)}: every one crashed "
                   "(reasons above and in results.json)", err=True)
        raise SystemExit(EXIT_NOTHING_COMPLETED)
    if failed:
        raise SystemExit(1)
