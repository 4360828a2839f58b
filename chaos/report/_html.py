"""`report.html`: one self-contained offline page (Jinja2 template, plotly.js inlined once).

Why plotly: the timelines need hover (what each tool call carried, what each issue said) and
zoom over hundreds of events; plotly.js gives both in one inlined script, with no network and no
server, and its figures are plain JSON built here. matplotlib's SVG would be static, and larger
per chart once every event carries its text.

Which timelines: every failing episode (crashed, task failed, a fault propagated, silent or
crashed), up to `MAX_FAILING_TIMELINES`, plus, as a baseline, the first passing episode of each
profile x model x arm. Every failing episode is listed with its reproduce command, drawn or not.
Timelines are drawn when opened, so the page stays quick; hover texts are cut to ~240 characters
so 160 episodes stay a few MB beside plotly.js (~4.8 MB).
"""

from __future__ import annotations

import base64
import hashlib
from importlib.resources import files
from pathlib import Path
from typing import Any

from chaos.errors import InputError
from chaos.report._charts import outcome_bars, reliability_cost, task_gap
from chaos.report._escape import json_for_script
from chaos.report._palette import OUTCOME_COLORS
from chaos.report._run_dir import read_trace
from chaos.report._timeline import timeline_figure
from chaos.report._trend import load_trend, trend_figures
from chaos.report._verdicts import episode_failures, is_failing
from chaos.report._views import (
    TABLE_OUTCOMES,
    comparison_rows,
    extra_stats,
    fault_tables,
    flatten,
    gates_view,
    task_rows,
)
from chaos.results import EpisodeResult, RunResults

__all__ = ["MAX_FAILING_TIMELINES", "html_report"]

#: Failing episodes drawn as timelines; the rest are listed with their reproduce commands.
MAX_FAILING_TIMELINES = 200


def _plotly_js() -> str:
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise InputError("the HTML report needs plotly: pip install 'chaos-sim[html]' (or "
                         "choose other formats: --format terminal,json,junit)") from None
    return get_plotlyjs()


def _script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def _episode_view(index: int, episode: EpisodeResult, chosen: bool,
                  drawn: bool) -> dict[str, Any]:
    return {
        "anchor": f"ep-{index}", "timeline": f"tl-{index}" if drawn else None,
        "chosen": chosen, "episode": episode, "failures": episode_failures(episode),
        "failing": is_failing(episode),
    }


def _choose(results: RunResults) -> tuple[list[EpisodeResult], list[EpisodeResult]]:
    """The failing episodes to draw, and a baseline: the first passing one per model and arm."""
    failing = [e for e in results.episodes if is_failing(e)]
    seen: set[tuple[str, str, str]] = set()
    baseline = []
    for e in results.episodes:
        group = (e.profile, e.model, e.arm)
        if not is_failing(e) and group not in seen:
            seen.add(group)
            baseline.append(e)
    return failing[:MAX_FAILING_TIMELINES], baseline


def _profile_views(results: RunResults) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per profile: its tables and chart ids; and every run-level chart's figure."""
    charts: list[dict[str, Any]] = []
    profiles = []
    for ref in results.profiles:
        body = results.summary["profiles"].get(ref.name, {"models": {}})
        view = {"ref": ref, "fault_tables": fault_tables(body), "tasks": task_rows(body),
                "extra": extra_stats(body), "comparisons": comparison_rows(body),
                "charts": [],
                "more": flatten({k: v for k, v in body.items()
                                 if k not in ("models", "comparisons")})}
        figures = []
        if any(stats["faults"] for stats in body["models"].values()):
            figures.append(outcome_bars(ref.name, body))
        if body["models"]:
            figures.append(task_gap(ref.name, body))
        for figure in figures:
            view["charts"].append(f"chart-{len(charts)}")
            charts.append({"id": view["charts"][-1], "figure": figure})
        profiles.append(view)
    return profiles, charts


def _episode_views(run_dir: Path,
                   results: RunResults) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every failing or chosen episode's view, and the timelines drawn from their traces."""
    failing, baseline = _choose(results)
    chosen = {id(e) for e in failing + baseline}
    timelines: dict[str, Any] = {}
    views = []
    for index, episode in enumerate(results.episodes):
        if id(episode) not in chosen:
            if is_failing(episode):
                views.append(_episode_view(index, episode, chosen=False, drawn=False))
            continue
        events = read_trace(run_dir, episode)
        view = _episode_view(index, episode, chosen=True, drawn=events is not None)
        if events is not None:
            timelines[view["timeline"]] = timeline_figure(episode, events)
        views.append(view)
    return views, timelines


def html_report(run_dir: Path, results: RunResults) -> str:
    """The HTML report of the run in `run_dir` (its traces are read from there).

    Raises:
        InputError: plotly is not installed, or a trace is damaged.
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined

    plotly_js = _plotly_js().replace("</script", "<\\/script")
    app_js = files("chaos.report").joinpath("templates/report.js").read_text(encoding="utf-8")
    profiles, charts = _profile_views(results)
    cost = reliability_cost(results)
    cost_id = None
    if cost["data"]:
        cost_id = f"chart-{len(charts)}"
        charts.append({"id": cost_id, "figure": cost})
    trend = load_trend(run_dir)  # a sweep's history.json: the trend of its last sweeps
    trend_charts = []
    for figure in trend_figures(trend) if trend else []:
        trend_charts.append(f"chart-{len(charts)}")
        charts.append({"id": trend_charts[-1], "figure": figure})
    episodes, timelines = _episode_views(run_dir, results)
    from chaos.coverage import REASON_WORDS

    env = Environment(loader=PackageLoader("chaos.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    return env.get_template("report.html.j2").render(
        results=results, profiles=profiles, cost_chart=cost_id, episodes=episodes,
        failing_count=sum(v["failing"] for v in episodes),
        drawn_failing=sum(1 for v in episodes if v["failing"] and v["timeline"]),
        max_timelines=MAX_FAILING_TIMELINES,
        models=sorted({e.model for e in results.episodes}),
        gates=gates_view(results.summary.get("gates")),
        run_extra=flatten({k: v for k, v in results.summary.items()
                           if k not in ("profiles", "gates", "recommendation", "coverage")}),
        trend_charts=trend_charts, trend_sweeps=len(trend["sweeps"]) if trend else 0,
        colors=OUTCOME_COLORS, table_outcomes=TABLE_OUTCOMES, reason_words=REASON_WORDS,
        plotly_js=plotly_js, app_js=app_js,
        data_json=json_for_script({"charts": charts, "timelines": timelines}),
        script_hashes=" ".join(_script_hash(s) for s in (plotly_js, app_js)),
    )
