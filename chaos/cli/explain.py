"""`chaos explain PROFILE`: the dry-run plan of one seed, with no model calls."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import click

from chaos._seeding import MAX_SEED
from chaos.cli._main import main
from chaos.cli._text import printable

if TYPE_CHECKING:
    from rich.console import Console

    from chaos.explain import ProfileExplanation


@main.command("explain")
@click.argument("profile", type=click.Path(dir_okay=False))
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED),
              help="The seed to plan (default: the profile's first seed).")
@click.option("--model", metavar="ID",
              help="The model under test (default: the profile's first model).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (version 1).")
def explain_command(profile: str, seed: int | None, model: str | None, as_json: bool) -> None:
    """Show what a run of PROFILE would do for one seed, without calling any model.

    The world (files by kind and tag, the task's assignment), each fault's resolved targets
    and trigger with the seed's own draw, the chain (agents, tools, hand-offs, pinned models),
    the task and its brief, the models, limits and gates. Targets and draws come from the code
    a run uses: an episode of this seed meets exactly these.
    """
    from chaos.explain import explain_profile
    from chaos.profile import load_profile

    plan = explain_profile(load_profile(profile), seed, model)
    if as_json:
        click.echo(json.dumps(plan.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    from rich.console import Console

    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=160)  # logs and files get the tables' natural width
    _render(console, plan)


def _text(value: Any, style: str = "") -> Any:
    """Profile, world and model text as inert rich Text: no markup, no control characters."""
    from rich.text import Text

    return Text(printable(str(value), keep_newlines=True), style=style)


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KB" if n < 1024**2 else \
        f"{n / 1024**2:.1f} MB"


def _effect(fault: Any) -> str:
    """One verdict for a fault on this seed: never both "takes effect" and "can never"."""
    if fault.takes_effect == "never":
        return "can never fire"
    if fault.draw is None and fault.takes_effect == "no":
        return "skipped (outside its window)"
    verdict = "skipped" if fault.takes_effect == "no" else "takes effect"
    if fault.trigger["when"] == "start":
        effect = verdict
    elif fault.condition:
        # The run draws (and the fault acts) only once this comes: no bare draw claim.
        effect = f"{verdict} {fault.condition}"
    else:
        effect = verdict
    if fault.draw is not None and fault.probability < 1:
        sign = "<" if fault.draw < fault.probability else ">="
        effect += f" (draw {fault.draw:.3f} {sign} p {fault.probability})"
    return effect


def _render(console: Console, plan: ProfileExplanation) -> None:
    from rich.table import Table

    def line(*parts: Any) -> None:
        from rich.text import Text

        console.print(Text.assemble(*parts), soft_wrap=True, highlight=False)

    line(("profile ", "bold"), _text(plan.profile), " (", _text(plan.path), ")  seed ",
         str(plan.seed), "  model under test ", _text(plan.model_under_test))
    world = plan.world
    console.print()
    line(("world ", "bold"), _text(world.generator or "(the profile's files only)"),
         _text(" " + json.dumps(world.params) if world.params else ""),
         f": {world.files} files, {_size(world.bytes)}")
    kinds = Table(title="files by kind", title_justify="left")
    for column in ("kind", "files", "size"):
        kinds.add_column(column, justify="right" if column != "kind" else "left")
    for group in world.kinds:
        kinds.add_row(_text(group.name), str(group.files), _size(group.bytes))
    console.print(kinds)
    line("tags: ", _text(", ".join(f"{g.name} ({g.files})" for g in world.tags)))
    for key, value in world.assignment.items():
        line(f"  {key}: ", _text(value))
    if world.explicit:
        line("files from the profile: ", _text(", ".join(world.explicit)))

    console.print()
    chain = Table(title="chain (entry first, then by hand-off)", title_justify="left")
    for column in ("agent", "model", "tools", "delegates to"):
        chain.add_column(column, overflow="fold")
    for agent in plan.chain:
        name = agent.name + (" (entry)" if agent.entry else "") + (
            "" if agent.reachable else " (never reached)")
        model = agent.model + (" (pinned)" if agent.pinned else " (under test)")
        chain.add_row(_text(name, "" if agent.reachable else "yellow"), _text(model),
                      _text(", ".join(agent.tools)), _text(", ".join(agent.delegates_to)))
    console.print(chain)

    console.print()
    line(("task ", "bold"), _text(plan.task["kind"]), " ",
         _text(json.dumps(plan.task["params"])))
    line("brief: ", _text(plan.task["brief"]))
    if plan.expectations:
        expected = Table(title="expectations (the right end state)", title_justify="left")
        for column in ("expectation", "items", "depends on", "threatened by"):
            expected.add_column(column, overflow="fold")
        for e in plan.expectations:
            needs = ", ".join(e.needs[:3]) + (f" (+{len(e.needs) - 3} more)"
                                              if len(e.needs) > 3 else "")
            expected.add_row(_text(f"{e.id} ({e.part})"), str(e.rows), _text(needs or "-"),
                             _text(", ".join(e.threatened_by) or "no fault",
                                   "" if e.threatened_by else "dim"))
        console.print(expected)
    if plan.unreachable_files:
        shown = plan.unreachable_files[:5]
        more = len(plan.unreachable_files) - len(shown)
        line(("files no agent can reach: ", "yellow"),
             _text(", ".join(shown) + (f" (+{more} more)" if more else "")))

    console.print()
    faults = Table(title=f"faults (chaos arm, seed {plan.seed})", title_justify="left")
    for column in ("fault", "targets", "trigger", "this seed"):
        faults.add_column(column, overflow="fold")
    for fault in plan.faults:
        targets = "\n".join(fault.targets) if fault.targets else (
            "(no file target: acts on messages, calls or hand-offs)" if fault.selector is None
            else "(nothing matches)")
        if fault.selector is not None:
            targets = f"{fault.selector}: {len(fault.targets)} of {fault.candidates}\n{targets}"
        if fault.copies:
            n = len(fault.copies)
            targets += f"\n+ {n} identical cop{'y' if n == 1 else 'ies'} (hit too)"
        status_style = "dim" if fault.takes_effect in ("no", "never") else "green"
        effect = _effect(fault)
        cell = _text(f"{fault.id}\n{fault.kind}")
        if fault.params:
            cell.append(_text("\n" + json.dumps(fault.params), "dim"))
        status = _text(effect, status_style)
        for threat in fault.threatens:
            status.append(_text("\nthreatens " + threat, "dim"))
        for warning in fault.warnings:
            status.append(_text("\n" + warning, "yellow"))
        faults.add_row(cell, _text(targets), _text(fault.when), status)
    console.print(faults if plan.faults else "faults: none (a run has only the clean arm)")
    if plan.faults and plan.coverage is not None:
        from chaos.coverage import prediction_lines

        line(("coverage ", "bold"), f"(seed {plan.seed}, before a run)")
        for text in prediction_lines(plan.coverage.model_dump(mode="json")):
            line(_text(text))

    console.print()
    line(("models ", "bold"), _text(", ".join(m["id"] for m in plan.models)))
    for model in plan.models:
        details = {k: v for k, v in model.items() if k not in ("id", "provider")}
        if details and set(details) != {"policy"}:
            line("  ", _text(model["id"]), ": ", _text(json.dumps(details)))
    limits = plan.limits
    line(("limits ", "bold"), f"{limits['steps_per_agent']} steps per agent, deadline "
         f"{limits['deadline_ms']} ms; model latency ", _text(json.dumps(limits["model_latency"])),
         "; tool latency ", _text(json.dumps(limits["tool_latency"])), "; retry ",
         _text(json.dumps(limits["retry"])))
    line(("gates ", "bold"), _text("; ".join(plan.gates) if plan.gates else "none"))
    run = plan.run
    total = run["episodes"] * len(run["models"]) * len(run["arms"])
    line(("run ", "bold"), f"{run['episodes']} seeds ({run['seeds'][0]}-{run['seeds'][1]}) x "
         f"{len(run['models'])} models x {len(run['arms'])} arm(s) = {total} episodes; this "
         "seed alone: ", _text(run["reproduce"]))
