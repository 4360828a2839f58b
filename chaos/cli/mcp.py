"""`chaos mcp PROFILE --seed N`: one episode's world as an MCP server, judged when it ends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from chaos._seeding import MAX_SEED
from chaos.cli._main import main
from chaos.errors import InputError

if TYPE_CHECKING:
    from chaos.profile import LoadedProfile
    from chaos.results import EpisodeResult
    from chaos.sim import EpisodeRun


@main.command("mcp")
@click.argument("profile", type=click.Path(dir_okay=False))
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED),
              help="The episode's seed (default: the profile's).")
@click.option("--arm", type=click.Choice(["chaos", "clean"]), default="chaos",
              show_default=True, help="With the profile's faults, or without.")
@click.option("--agent", metavar="NAME",
              help="Serve this chain agent's own tools, calls recorded under its name "
                   "(default: every tool of the chain, recorded as the entry agent).")
@click.option("--model", metavar="ID",
              help="The model under test, for the chain's `delegate` and the results "
                   "(default: the profile's first model).")
@click.option("--only-fault", "only_faults", multiple=True, metavar="ID",
              help="Inject only the fault with this id (repeatable).")
@click.option("--http", is_flag=True,
              help="Serve MCP streamable HTTP on 127.0.0.1 (the URL is stderr's first line) "
                   "instead of stdio; every endpoint: /mcp and /agents/<name>/mcp.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=0, show_default=True,
              help="With --http: the port (0: a free one).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Run directory; must not hold a run already (default: runs/<profile>-<time>).")
def mcp_command(profile: str, seed: int | None, arm: str, agent: str | None,
                model: str | None, only_faults: tuple[str, ...], http: bool, port: int,
                out: Path | None) -> None:
    """Serve one episode of PROFILE to an MCP client: the chain's tools, its world and faults.

    Over stdio (the default: for a client that starts the server) until the client closes
    it, or over streamable HTTP on 127.0.0.1 until the entry agent calls finish (or Ctrl-C).
    Then the oracle judges the episode, a run directory is written as `chaos run` writes one
    (results.json, traces/) and the verdict is printed on stderr. In stdio mode stdout carries
    the protocol only.

    Exit codes: 0 the episode was judged (whatever its verdict), 2 the input was wrong,
    3 chaos itself failed.
    """
    from chaos._output import output_errors
    from chaos.agents._mcp_episode import EpisodeChoice
    from chaos.agents._mcp_run import McpServeOptions, serve_mcp_episode
    from chaos.agents._options import SERVING_PACKAGES, check_installed
    from chaos.cli.run import _fresh_run_dir
    from chaos.profile import load_profile

    if port and not http:
        raise InputError(f"--port {port}: the port is for --http; add --http, or leave out "
                         "--port for stdio")
    check_installed("chaos mcp", SERVING_PACKAGES if http else SERVING_PACKAGES[:1])
    loaded = load_profile(profile)
    if out is not None and (out / "results.json").exists():
        raise InputError(f"--out {out} already holds a run; choose another directory or "
                         "remove it")
    run_dir = out or _fresh_run_dir([loaded.profile.name])
    choice = EpisodeChoice(seed=seed, arm=arm, model=model,  # type: ignore[arg-type]
                           only_faults=only_faults or None)
    options = McpServeOptions(choice=choice, agent=agent, http=http, port=port)
    written: list[Path] = []

    def judged(run: EpisodeRun) -> None:
        with output_errors("--out"):
            written.append(_write(run_dir, loaded, run))

    run = serve_mcp_episode(loaded, options, lambda line: click.echo(line, err=True), judged)
    click.echo(verdict_line(run.result), err=True)
    click.echo(f"results: {written[0]}", err=True)


def _write(run_dir: Path, loaded: LoadedProfile, run: EpisodeRun) -> Path:
    """Write the run directory as `chaos run` does: trace, results.json, junit.xml, report.html."""
    from chaos.report import html_available, write_reports
    from chaos.runner import judged_results, write_run, write_trace

    results = judged_results([loaded], [run.result])
    run_dir.mkdir(parents=True, exist_ok=True)
    write_trace(run_dir, run)
    path = write_run(run_dir, results)
    write_reports(run_dir, results, ["junit", *(["html"] if html_available() else [])])
    return path


def verdict_line(result: EpisodeResult) -> str:
    """One line: the episode, whether it completed, the task's verdict, each fault's outcome."""
    if result.status == "crashed":
        head = f"crashed: {result.error}"
    else:
        head = "task passed" if result.task.passed else \
            f"task failed ({'; '.join(result.task.reasons[:1]) or 'see results.json'})"
        if result.arm == "chaos":
            head += ", handled" if result.handled else ", not handled"
    faults = ", ".join(f"{f.id} {f.outcome}" for f in result.faults)
    return f"{result.key}: {head}" + (f"; faults: {faults}" if faults else "")
