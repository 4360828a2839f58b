"""`chaos recommend RUN_DIR | --sweep ID`: can we switch to the cheaper model?"""

from __future__ import annotations

from pathlib import Path

import click

from chaos.cli._main import main
from chaos.cli._numbers import Finite
from chaos.errors import InputError

_STYLES = {"answer": "bold", "good": "green", "bad": "red", "unsure": "yellow", "plain": ""}


@main.command("recommend")
@click.argument("run_dir", required=False, type=click.Path(path_type=Path))
@click.option("--sweep", "sweep_id", metavar="ID",
              help="Judge a stored sweep (every stored episode) instead of a run directory.")
@click.option("--store", metavar="PATH|URL",
              help="History store holding the sweep (default: sweeps/history.db).")
@click.option("--baseline", metavar="MODEL",
              help="The model you run today, on every profile (default: each profile's most "
                   "expensive model by cost per episode).")
@click.option("--gates", "gates_file", metavar="FILE",
              help="Judge this gate set (a profile's gates: block, e.g. "
                   "profiles/gates/switch.yaml) on every profile, instead of the profiles' own.")
@click.option("--alpha", type=Finite(0, 1, min_open=True, max_open=True),
              default=0.05, show_default=True,
              help="Significance level of each paired comparison with the baseline.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (version 1).")
def recommend_command(run_dir: Path | None, sweep_id: str | None, store: str | None,
                      baseline: str | None, gates_file: str | None, alpha: float,
                      as_json: bool) -> None:
    """Which cheaper model can replace the baseline? Per profile, with the evidence.

    A model qualifies when every gate holds at strict confidence (the whole Wilson 95 %
    interval on the right side) and no paired comparison with the baseline (propagated per
    fault kind, handled, task success per arm; exact McNemar, each at --alpha) says it is
    worse. Qualifying models are ranked by cost per episode (chaos arm), with the saving. A
    gate whose interval straddles its threshold leaves the model undecided, with the seeds
    that would settle it. Without gates (the profiles' or --gates FILE) no model qualifies:
    the paired comparisons can refuse a model, never qualify one (undecided, exit 5).

    Exit codes: 0 a cheaper model qualifies on every profile (switch), 1 none does and every
    cheaper one is decided (stay), 5 none does yet but a cheaper one is undecided (its reasons
    say what would settle it: more seeds, gates, a chaos arm), 2 the input was wrong (also: no
    baseline by price, name one with --baseline; a gates file's unknown fault kind; a
    results.json field missing, mistyped or not finite), 3 chaos itself failed.
    """
    from rich.console import Console
    from rich.text import Text

    from chaos.recommend import (
        answer_lines,
        check_baseline,
        judge_gates,
        load_gates_file,
        recommend,
        recommendation_json,
        run_summary,
        safe_text,
        sweep_summary,
    )

    if (run_dir is None) == (sweep_id is None):
        raise InputError("name a run directory (chaos recommend RUN_DIR) or a stored sweep "
                         "(chaos recommend --sweep ID), not both")
    notes: list[str] = []
    if sweep_id is not None:
        from chaos.cli.history import open_existing_store

        opened = open_existing_store(store)
        try:
            summary, gates, note, loaded = sweep_summary(opened, sweep_id)
        finally:
            opened.close()
        notes += [note] if note and gates_file is None else []  # --gates replaces them
    else:
        assert run_dir is not None
        if store is not None:
            raise InputError("--store is for --sweep ID; a run directory holds its results")
        summary, loaded = run_summary(run_dir)
        gates = None
    spec = load_gates_file(gates_file) if gates_file is not None else None
    check_baseline(summary, baseline)
    if spec is not None:
        gates, gate_notes = judge_gates(summary, spec, loaded)
        notes += gate_notes
    result = recommend(summary, gates, baseline=baseline, alpha=alpha,
                       gates_from=gates_file or "run", notes=notes)
    if result.answer == "no_baseline":
        why = "; ".join(f"{p.profile}: {p.note}" for p in result.profiles
                        if p.status == "no_baseline")
        raise InputError(safe_text(f"{why} (for example --baseline {_any_model(result)})"))
    if as_json:
        click.echo(recommendation_json(result), nl=False)
        raise SystemExit(result.exit_code)
    console = Console()
    for style, line in answer_lines(result):
        # Model ids and fault kinds come from profiles: text, never markup.
        console.print(Text(line, style=_STYLES[style]), soft_wrap=True, highlight=False)
    raise SystemExit(result.exit_code)


def _any_model(result: object) -> str:
    for profile in getattr(result, "profiles", ()):
        if profile.models:
            return str(profile.models[0].model)
    return "MODEL"
