"""`chaos shrink RUN_DIR --episode KEY`: the fewest faults that still make an episode propagate."""

from __future__ import annotations

from pathlib import Path

import click

from chaos.cli._main import main
from chaos.cli._numbers import Finite


@main.command("shrink")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--episode", "key", required=True, metavar="KEY",
              help="The chaos episode's key, as in results.json: "
                   "sports-production/scripted-naive/seed-3/chaos.")
@click.option("--fault", metavar="ID",
              help="Keep this fault's propagation (default: any fault that propagated).")
@click.option("--profile", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The profile file, when the path recorded in the run does not reach it "
                   "from here (it must be the same file: its sha256 is checked).")
@click.option("--replay", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Answer every model from a recorded run's cassettes (needed for openai/ "
                   "and anthropic/ models).")
@click.option("--agent", metavar="CMD",
              help="The command the run's agent was (`chaos run --agent`), run again for each "
                   "subset; the episode's reproduce command names it.")
@click.option("--agent-function", "agent_function", metavar="MODULE:ATTR",
              help="Or the run's agent function (`chaos run --agent-function`).")
@click.option("--agent-timeout", "agent_timeout_s", type=Finite(min=0,
              min_open=True), default=None, metavar="SECONDS",
              help="Wall-clock seconds the agent may run per episode, as `chaos run "
                   "--agent-timeout` (the episode's reproduce command names it).")
@click.option("--quiet", is_flag=True, help="Print only the result, not each run.")
def shrink_command(run_dir: Path, key: str, fault: str | None, profile: Path | None,
                   replay: Path | None, agent: str | None, agent_function: str | None,
                   agent_timeout_s: float | None, quiet: bool) -> None:
    """Shrink a propagating chaos episode of RUN_DIR to a minimal set of its faults.

    Runs the episode again (same profile, seed and model) with subsets of its faults — delta
    debugging — until leaving out any one more fault stops the propagation, then prints the
    command that reproduces it with only those faults. Each kept fault hits the same files as
    in the full episode.
    """
    from chaos.agents._options import agent_command, agent_function_option
    from chaos.shrink import ShrinkStep, shrink_episode

    def progress(step: ShrinkStep) -> None:
        if quiet:
            return
        verdict = ("crashed (unresolved)" if step.crashed else
                   f"propagated {', '.join(step.propagated)}" if step.propagated else
                   "no propagation")
        click.echo(f"  [{', '.join(step.faults)}] -> {verdict}", err=True)

    result = shrink_episode(run_dir, key, profile=profile, replay=replay, fault=fault,
                            on_step=progress, agent=agent_command(agent),
                            agent_function=agent_function_option(agent, agent_function),
                            agent_timeout_s=agent_timeout_s)
    runs = len(result.steps)
    click.echo(f"{result.key}: {len(result.faults)} of {len(result.original)} faults still "
               f"propagate {', '.join(sorted(set(result.wanted) & set(result.propagated)))} "
               f"({runs} episode{'s' if runs != 1 else ''} run)")
    for fault_id in result.faults:
        click.echo(f"  {fault_id} ({result.kinds[fault_id]})")
    if result.unresolved:
        click.echo(f"note: {result.unresolved} run(s) crashed and counted as not propagating "
                   "(with --replay: the cassette lacked a request the smaller set of faults "
                   "led to); the set is minimal among the runs that completed", err=True)
    click.echo(f"reproduce: {result.reproduce}")
