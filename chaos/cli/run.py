"""`chaos run PROFILE...`: run profiles and print per-fault verdicts."""

from __future__ import annotations

import time
from pathlib import Path

import click

from chaos.cli._main import main


@main.command("run")
@click.argument("profiles", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="ID",
    help="Model to run (repeatable); replaces the profile's models.",
)
@click.option("--episodes", type=click.IntRange(min=1), help="Seeds to run per model.")
@click.option("--seed", type=click.IntRange(min=0), help="Run only this seed.")
@click.option(
    "--arm",
    type=click.Choice(["both", "clean", "chaos"]),
    default="both",
    show_default=True,
    help="Run the clean arm, the chaos arm, or both.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run directory (default: runs/<profile>-<time>).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run_command(
    profiles: tuple[str, ...],
    models: tuple[str, ...],
    episodes: int | None,
    seed: int | None,
    arm: str,
    out: Path | None,
    quiet: bool,
) -> None:
    """Run PROFILES and print, per model and fault kind, how the chain fared."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from chaos.profile import load_profile
    from chaos.report import outcome_tables
    from chaos.runner import RunOptions, run_profiles, write_run, write_trace

    loaded = [load_profile(p) for p in profiles]
    arms = ("clean", "chaos") if arm == "both" else (arm,)
    options = RunOptions(models=models, seed=seed, episodes=episodes, arms=arms)  # type: ignore[arg-type]
    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"{'+'.join(p.profile.name for p in loaded)}-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    console = Console()
    err = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("episodes", total=None)

        def planned(total: int) -> None:
            progress.update(task, total=total)

        def finished(plan: object, run: object) -> None:
            write_trace(out, run)  # type: ignore[arg-type]
            progress.advance(task)

        results = run_profiles(loaded, options, on_episode=finished, on_planned=planned)
    path = write_run(out, results)
    for table in outcome_tables(results):
        console.print(table)
    console.print(f"results: {path}", soft_wrap=True, highlight=False)
