"""The terminal tables: outcomes per model and fault kind, profiles side by side, failures.

`outcome_tables` is one table per profile; `profile_comparison` puts each profile's clean-arm
task success beside the chaos verdicts when a run holds several profiles (a rubric's score beside
production's verdicts); `failure_lines` names the failing episodes and how to reproduce them.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from chaos.oracle import SCORED_OUTCOMES, FaultOutcome
from chaos.report._verdicts import is_failing
from chaos.results import EpisodeResult, RunResults

__all__ = ["failure_lines", "outcome_tables", "profile_comparison"]

#: (outcome, short header, style); crashed and not fired show only when they occur.
_COLUMNS = (
    (FaultOutcome.PROPAGATED, "prop.", "red"),
    (FaultOutcome.DETECTED, "det.", "cyan"),
    (FaultOutcome.RECOVERED, "rec.", "green"),
    (FaultOutcome.SILENT, "silent", "yellow"),
    (FaultOutcome.CRASHED, "crash", "magenta"),
)
_LEGEND = ("rates over the faults that fired · prop. propagated out of the organisation · "
           "det. detected · rec. recovered · caught at: the agent that reported it most often "
           "· task ok: clean arm / chaos arm · handled (chaos arm): task ok, or what a fault made "
           "impossible was reported and nothing tainted left · crashed: episodes that could not "
           "finish, clean arm / chaos arm")


def _success(arm: dict[str, Any]) -> str:
    return f"{arm['task_passed']}/{arm['episodes']}" if arm["episodes"] else "-"


def _handled(arm: dict[str, Any]) -> str:
    """Handled episodes of an arm; `-` when it did not run or predates the verdict."""
    if not arm["episodes"] or "handled" not in arm:
        return "-"
    return f"{arm['handled']}/{arm['episodes']}"


def _crashed(arm: dict[str, Any]) -> str:
    if not arm["episodes"]:
        return "-"
    return f"[bold magenta]{arm['crashed']}[/]" if arm["crashed"] else "0"


def _caught(row: dict[str, Any] | None) -> str:
    """Where detections happened: the hop (agent) that caught the fault most often."""
    if not row or not row["hops"]["detected_by"]:
        return "-"
    agent, n = max(row["hops"]["detected_by"].items(), key=lambda kv: (kv[1], kv[0]))
    return f"{escape(agent)} {n}"


def outcome_tables(results: RunResults) -> list[Table]:
    """One rich table per profile: a row per model x fault kind, task success per arm beside.

    Rates are over the faults that fired; `not fired` (not_triggered) counts in no rate.
    """
    tables = []
    for profile, body in results.summary["profiles"].items():
        rows = [(model, kind, row) for model, stats in body["models"].items()
                for kind, row in (stats["faults"] or {"(no faults)": None}).items()]
        crashes = any(r and r["counts"]["crashed"] for _, _, r in rows)
        unfired = any(r and r["counts"]["not_triggered"] for _, _, r in rows)
        table = Table(title=f"{escape(profile)}: what each chain did with each fault",
                      caption=_LEGEND, header_style="bold")
        table.add_column("model", overflow="fold")
        table.add_column("fault", overflow="fold")
        table.add_column("fired", justify="right", min_width=3)
        shown = [c for c in _COLUMNS if c[0] != FaultOutcome.CRASHED or crashes]
        for _, header, style in shown:
            table.add_column(header, justify="right", style=style, min_width=4, no_wrap=True)
        if unfired:
            table.add_column("not fired", justify="right", style="dim", min_width=3)
        table.add_column("caught at", overflow="fold")
        table.add_column("task ok", justify="right", no_wrap=True)
        table.add_column("handled", justify="right", no_wrap=True)
        # Always shown: a run whose episodes all crashed must not read as a quiet one.
        table.add_column("crashed", justify="right", no_wrap=True)
        previous = None
        for i, (model, kind, row) in enumerate(rows):
            first = model != previous
            previous = model
            last = i == len(rows) - 1 or rows[i + 1][0] != model
            if row is None:
                cells = ["0"] + ["-"] * len(shown) + (["0"] if unfired else [])
            else:
                cells = [str(row["scored"])]
                for outcome, _, _ in shown:
                    rate = row["rates"][outcome.value]["rate"]
                    cells.append("-" if rate is None else f"{rate:.0%}")
                if unfired:
                    cells.append(str(row["counts"]["not_triggered"]))
            stats = body["models"][model]
            task = f"{_success(stats['clean'])} / {_success(stats['chaos'])}" if first else ""
            handled = _handled(stats["chaos"]) if first else ""
            crashed = f"{_crashed(stats['clean'])} / {_crashed(stats['chaos'])}" if first else ""
            table.add_row(escape(model) if first else "", escape(kind), *cells, _caught(row),
                          task, handled, crashed, end_section=last)
        tables.append(table)
    return tables


def _share(n: int, total: int) -> str:
    return f"{n / total:.0%}" if total else "-"


def _task_cell(arm: dict[str, Any] | None) -> str:
    if not arm or not arm["episodes"]:
        return "-"
    return f"{arm['task_passed']}/{arm['episodes']} ({arm['task_passed'] / arm['episodes']:.0%})"


def _verdicts(stats: dict[str, Any]) -> str:
    """`task 3/20 · handled 15/20 · prop. 40% · caught 50% · silent 10%` (faults that fired)."""
    counts = [row["counts"] for row in stats["faults"].values()]
    fired = sum(c[o.value] for c in counts for o in SCORED_OUTCOMES)
    chaos = stats["chaos"]
    parts = [f"task {chaos['task_passed']}/{chaos['episodes']}" if chaos["episodes"] else "task -"]
    if chaos["episodes"] and "handled" in chaos:
        parts.append(f"handled {chaos['handled']}/{chaos['episodes']}")
    if fired:
        parts += [f"prop. {_share(sum(c['propagated'] for c in counts), fired)}",
                  f"caught {_share(sum(c['detected'] + c['recovered'] for c in counts), fired)}",
                  f"silent {_share(sum(c['silent'] for c in counts), fired)}"]
        crashed = sum(c["crashed"] for c in counts)
        if crashed:
            parts.append(f"crash {_share(crashed, fired)}")
    else:
        parts.append("no fault fired")
    return " · ".join(parts)


def profile_comparison(results: RunResults) -> Table | None:
    """Per model, each profile's clean-arm task success beside the chaos verdicts.

    None when the run holds fewer than two profiles (the outcome table says it all). Profiles
    come in the run's order; those with faults get a verdicts column (all kinds together).
    """
    summary = results.summary["profiles"]
    names = [ref.name for ref in results.profiles if ref.name in summary]
    names += [name for name in summary if name not in names]
    if len(names) < 2:
        return None
    models = sorted({m for name in names for m in summary[name]["models"]})
    table = Table(title="each model across the profiles", header_style="bold",
                  caption="clean task ok: the task with no faults (the benchmark) · chaos: the "
                          "same task with the faults; prop. propagated, caught detected or "
                          "recovered, over the faults that fired")
    table.add_column("model", overflow="fold", min_width=12)
    with_faults = [name for name in names
                   if any(stats["faults"] for stats in summary[name]["models"].values())]
    for name in names:
        table.add_column(f"{escape(name)}\nclean task ok", justify="right", no_wrap=True)
        if name in with_faults:
            table.add_column(f"{escape(name)}\nchaos", overflow="fold", min_width=24)
    for model in models:
        cells = [escape(model)]
        for name in names:
            stats = summary[name]["models"].get(model)
            cells.append(_task_cell(stats and stats["clean"]))
            if name in with_faults:
                cells.append(_verdicts(stats) if stats else "-")
        table.add_row(*cells)
    return table


def _seeds(episodes: list[EpisodeResult]) -> str:
    """Seeds as ranges: `0-4, 7, 9-10`."""
    seeds = sorted({e.seed for e in episodes})
    spans: list[list[int]] = []
    for seed in seeds:
        if spans and seed == spans[-1][1] + 1:
            spans[-1][1] = seed
        else:
            spans.append([seed, seed])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def failure_lines(results: RunResults) -> list[str]:
    """Plain lines (no markup) naming, per profile, model and arm, the failing episodes.

    Each line holds the first failing episode's exact reproduce command, unbroken so it can be
    copied; junit.xml and report.html carry every episode's. Empty when nothing failed.
    """
    groups: dict[tuple[str, str, str], list[EpisodeResult]] = {}
    totals: dict[tuple[str, str, str], int] = {}
    for e in results.episodes:
        key = (e.profile, e.model, e.arm)
        totals[key] = totals.get(key, 0) + 1
        if is_failing(e):
            groups.setdefault(key, []).append(e)
    if not groups:
        return []
    lines = ["failing episodes (crashed, task not done, or a fault propagated, went silent or "
             "crashed); every one's command is in junit.xml and report.html:"]
    for (profile, model, arm), failed in groups.items():
        # A chaos episode that failed its task but handled its faults is told apart.
        handled = sum(e.handled is True for e in failed) if arm == "chaos" else 0
        also = f"; {handled} of them handled" if handled else ""
        lines.append(f"  {profile} · {model} · {arm}: {len(failed)} of "
                     f"{totals[(profile, model, arm)]} (seeds {_seeds(failed)}{also}); first: "
                     f"{failed[0].reproduce}")
    return lines
