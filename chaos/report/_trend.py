"""The trend of a sweep's run directory: how each model's rates moved over the last sweeps.

`chaos sweep` writes `history.json` (version 1) beside results.json: the counts of the last
sweeps of its store, up to this one. When a run directory holds it, the HTML report draws, per
profile, one chart per model (the propagated rate of each fault kind, sweep by sweep) and one
of chaos-arm task success per model. A missing or unreadable history.json leaves the trend out,
never the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chaos.report._charts import _percent_axis
from chaos.report._escape import plot_text

__all__ = ["HISTORY_FILE", "load_trend", "trend_figures"]

HISTORY_FILE = "history.json"
_SCORED = ("propagated", "detected", "recovered", "silent", "crashed")


def load_trend(run_dir: Path) -> dict[str, Any] | None:
    """The run directory's history.json when it holds a trend (2 sweeps or more)."""
    try:
        data = json.loads((run_dir / HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != 1:
        return None
    if not isinstance(data.get("sweeps"), list) or len(data["sweeps"]) < 2:
        return None
    return data


def _line(name: str, sweeps: list[str], rates: list[float | None],
          hover: list[str]) -> dict[str, Any]:
    return {"type": "scatter", "mode": "lines+markers", "name": plot_text(name, 60),
            "x": sweeps, "y": rates, "hovertext": hover, "hoverinfo": "text",
            "connectgaps": False}


def _layout(title: str) -> dict[str, Any]:
    return {"title": {"text": title}, "yaxis": _percent_axis("rate"),
            "xaxis": {"type": "category", "automargin": True, "title": {"text": "sweep"}},
            "height": 360}


def trend_figures(history: dict[str, Any]) -> list[dict[str, Any]]:
    """Plotly figures of the trend, per profile.

    One per model (the propagated rate of each fault kind) and one of chaos-arm task success
    per model. Names are escaped: they come from profiles.
    """
    sweeps = [plot_text(str(s.get("id")), 40) for s in history["sweeps"]]
    when = [plot_text(str(s.get("created_at", "")), 40) for s in history["sweeps"]]
    by_chart: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in history.get("faults", []):
        rates, hover = [], []
        for sweep, at, counts in zip(sweeps, when, row["counts"], strict=False):
            scored = sum(counts.get(o, 0) for o in _SCORED) if counts else 0
            leaked = counts.get("propagated", 0) if counts else 0
            rates.append(round(leaked / scored, 4) if scored else None)
            hover.append(f"<b>{plot_text(row['model'])}</b> · {plot_text(row['kind'])}<br>"
                         f"sweep {sweep} ({at})<br>" + (
                             f"propagated {leaked} of {scored} fired" if scored
                             else "not run, or never fired"))
        by_chart.setdefault((row["profile"], row["model"]), []).append(
            _line(row["kind"], sweeps, rates, hover))
    figures = []
    for (profile, model), lines in sorted(by_chart.items()):
        figures.append({"data": lines, "layout": _layout(
            f"{plot_text(profile)} · {plot_text(model)}: propagated rate per fault kind")})
    tasks: dict[str, list[dict[str, Any]]] = {}
    for row in history.get("tasks", []):
        if row["arm"] != "chaos":
            continue
        rates, hover = [], []
        for sweep, at, counts in zip(sweeps, when, row["counts"], strict=False):
            n, passed = (counts["episodes"], counts["passed"]) if counts else (0, 0)
            rates.append(round(passed / n, 4) if n else None)
            hover.append(f"<b>{plot_text(row['model'])}</b><br>sweep {sweep} ({at})<br>"
                         + (f"{passed} of {n} chaos-arm tasks done" if n else "not run"))
        tasks.setdefault(row["profile"], []).append(_line(row["model"], sweeps, rates, hover))
    for profile, lines in sorted(tasks.items()):
        figures.append({"data": lines, "layout": _layout(
            f"{plot_text(profile)}: chaos-arm task success per model")})
    return figures
