"""The run-level charts of the HTML report, as plain plotly figures (data and layout as JSON).

Built as dicts rather than with plotly.graph_objects: the report needs plotly only for its
JavaScript, and dicts keep building 100 figures fast and their JSON stable.
"""

from __future__ import annotations

from typing import Any

from chaos.metrics import wilson_interval
from chaos.report._escape import plot_text
from chaos.report._palette import OUTCOME_COLORS
from chaos.results import RunResults

__all__ = ["STACKED_OUTCOMES", "outcome_bars", "reliability_cost", "task_gap"]

#: The outcomes that stack in the verdict bars, worst first.
STACKED_OUTCOMES = ("propagated", "silent", "crashed", "detected", "recovered")


def _percent_axis(title: str) -> dict[str, Any]:
    # A little room past 0 and 100 % for error bars and labels.
    return {"title": {"text": title}, "range": [-0.02, 1.08], "tickformat": ".0%",
            "automargin": True}


def outcome_bars(profile: str, body: dict[str, Any]) -> dict[str, Any]:
    """Per model, the share of fired faults in each outcome, stacked (all fault kinds)."""
    models = list(body["models"])
    totals = {m: {o: sum(row["counts"].get(o, 0) for row in body["models"][m]["faults"].values())
                  for o in STACKED_OUTCOMES} for m in models}
    data = []
    for outcome in STACKED_OUTCOMES:
        shares, hover = [], []
        for model in models:
            scored = sum(totals[model].values())
            n = totals[model][outcome]
            shares.append(round(n / scored, 4) if scored else 0)
            hover.append(f"<b>{plot_text(model)}</b><br>{outcome}: {n} of {scored} fired faults")
        data.append({"type": "bar", "orientation": "h", "name": outcome, "x": shares,
                     "y": [plot_text(m, 60) for m in models], "hovertext": hover,
                     "hoverinfo": "text", "marker": {"color": OUTCOME_COLORS[outcome]}})
    layout = {"barmode": "stack", "title": {"text": f"{plot_text(profile)}: what became of "
                                                     "each fault that fired"},
              "xaxis": _percent_axis("share of fired faults"),
              "yaxis": {"automargin": True, "autorange": "reversed"},
              "height": 160 + 40 * len(models), "legend": {"traceorder": "normal"}}
    return {"data": data, "layout": layout}


def _p_value(stats: dict[str, Any]) -> str:
    """The paired test's p-value, if the summary holds one (field names vary by version)."""
    gap = stats.get("gap")
    if isinstance(gap, dict):
        for key in ("p_value", "p", "mcnemar_p"):
            if isinstance(gap.get(key), int | float):
                return f"<br>paired test p = {gap[key]:.3g}"
    return ""


def task_gap(profile: str, body: dict[str, Any]) -> dict[str, Any]:
    """Clean (the benchmark) vs chaos (production) task success per model, Wilson 95 %.

    Beside them, when the summary has it, the chaos arm's handled rate: the task done, or what a
    fault made impossible reported with nothing tainted shipped.
    """
    models = list(body["models"])
    bars = [("clean", "task_success", "task_passed", "tasks done", "#56B4E9",
             "clean arm (benchmark)"),
            ("chaos", "task_success", "task_passed", "tasks done", "#D55E00",
             "chaos arm (production)")]
    if all(isinstance(body["models"][m]["chaos"].get("handled_rate"), dict) for m in models):
        bars.append(("chaos", "handled_rate", "handled", "handled", "#009E73",
                     "chaos arm, handled"))
    data = []
    for arm, key, count, what, color, label in bars:
        rates, up, down, hover = [], [], [], []
        for model in models:
            stats = body["models"][model]
            success = stats[arm][key]
            rate = success["rate"]
            rates.append(rate)
            up.append(None if rate is None else round(success["high"] - rate, 4))
            down.append(None if rate is None else round(rate - success["low"], 4))
            hover.append(f"<b>{plot_text(model)}</b> {arm}: {stats[arm][count]}/"
                         f"{stats[arm]['episodes']} {what} "
                         f"[{success['low']:.0%}, {success['high']:.0%}]"
                         + (_p_value(stats) if key == "task_success" else ""))
        data.append({"type": "bar", "name": label, "x": [plot_text(m, 60) for m in models],
                     "y": rates, "hovertext": hover, "hoverinfo": "text",
                     "marker": {"color": color},
                     "error_y": {"type": "data", "symmetric": False, "array": up,
                                 "arrayminus": down, "color": "#333"}})
    layout = {"barmode": "group", "title": {"text": f"{plot_text(profile)}: task success, "
                                                     "clean vs chaos (95 % Wilson)"},
              "yaxis": _percent_axis("task success"), "xaxis": {"automargin": True},
              "height": 380}
    return {"data": data, "layout": layout}


def reliability_cost(results: RunResults) -> dict[str, Any]:
    """Per profile and model: the share of fired faults caught or recovered, against cost.

    Reliability = (detected + recovered) / fired, with a Wilson 95 % interval; cost = mean
    USD per chaos episode (scripted models cost 0).
    """
    data = []
    for profile, body in results.summary["profiles"].items():
        xs, ys, up, down, labels, hover = [], [], [], [], [], []
        for model, stats in body["models"].items():
            counts = [row["counts"] for row in stats["faults"].values()]
            held = sum(c.get("detected", 0) + c.get("recovered", 0) for c in counts)
            fired = sum(c.get(o, 0) for c in counts for o in STACKED_OUTCOMES)
            if not fired:
                continue
            episodes = [e for e in results.episodes
                        if e.profile == profile and e.model == model and e.arm == "chaos"]
            cost = sum(e.usage.cost_usd for e in episodes) / max(len(episodes), 1)
            tokens = sum(e.usage.input_tokens + e.usage.output_tokens for e in episodes)
            low, high = wilson_interval(held, fired)
            rate = held / fired
            xs.append(round(cost, 6))
            ys.append(round(rate, 4))
            up.append(round(high - rate, 4))
            down.append(round(rate - low, 4))
            labels.append(plot_text(model, 40))
            hover.append(f"<b>{plot_text(model)}</b><br>held {held} of {fired} fired faults "
                         f"({rate:.0%}, [{low:.0%}, {high:.0%}])<br>${cost:.4f} per chaos "
                         f"episode, {tokens} tokens in {len(episodes)} episodes")
        if xs:
            # Models on the same spot (often: scripted ones, all free) share one label.
            spots: dict[tuple[float, float], int] = {}
            for i, spot in enumerate(zip(xs, ys, strict=True)):
                if spot in spots:
                    labels[spots[spot]] += ", " + labels[i]
                    labels[i] = ""
                else:
                    spots[spot] = i
            data.append({"type": "scatter", "mode": "markers+text", "name": plot_text(profile),
                         "x": xs, "y": ys, "text": labels, "textposition": "top center",
                         "hovertext": hover, "hoverinfo": "text", "marker": {"size": 12},
                         "error_y": {"type": "data", "symmetric": False, "array": up,
                                     "arrayminus": down}})
    costs = [x for trace in data for x in trace["x"]]
    xaxis: dict[str, Any] = {"title": {"text": "mean cost per chaos episode (USD)"},
                             "rangemode": "tozero", "zeroline": True}
    if costs and max(costs) == 0:
        xaxis["range"] = [-1, 1]  # every model is free: centre them, not pin them to the edge
    layout = {"title": {"text": "reliability against cost"}, "xaxis": xaxis,
              "yaxis": _percent_axis("held: detected or recovered"), "height": 440}
    return {"data": data, "layout": layout}
