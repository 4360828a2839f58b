"""The summary of results.json as rows for the HTML tables.

Fields of the version-1 contract are read directly; fields added since (pass^k, the paired gap,
usage, pooled rows, comparisons, gates) are looked up by key and shown when present, and any
other field a newer summary holds is still shown, flattened, under "more statistics".
"""

from __future__ import annotations

from typing import Any

__all__ = ["comparison_rows", "extra_stats", "fault_tables", "flatten", "gates_view",
           "task_rows"]

#: Model fields the tables below show; the rest go to "more statistics".
_SHOWN_MODEL_FIELDS = ("clean", "chaos", "faults", "overall", "gap")
TABLE_OUTCOMES = ("propagated", "silent", "crashed", "detected", "recovered")


def _scalar(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _cell(value: Any) -> str:
    """One table cell for any JSON value."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in flatten(value))
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    return _scalar(value)


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Any JSON value as (dotted key, text) rows."""
    if isinstance(value, dict):
        rows = []
        for key, inner in value.items():
            rows += flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        rows = []
        for i, inner in enumerate(value):
            rows += flatten(inner, f"{prefix}[{i}]")
        return rows
    return [(prefix, _cell(value))]


def _rate(rate: dict[str, Any] | None) -> dict[str, str]:
    if not rate or rate.get("rate") is None:
        return {"text": "-", "interval": ""}
    return {"text": f"{rate['rate']:.0%}", "interval": f"[{rate['low']:.0%}, {rate['high']:.0%}]"}


def _fault_row(model: str, row: dict[str, Any]) -> dict[str, Any]:
    detected_by = row["hops"]["detected_by"]
    caught = max(detected_by.items(), key=lambda kv: (kv[1], kv[0])) if detected_by else None
    ttd = row["time_to_detection_ms"]
    return {
        "model": model, "scored": row["scored"], "injected": row["injected"],
        "not_fired": row["counts"].get("not_triggered", 0),
        "rates": {o: _rate(row["rates"].get(o)) for o in TABLE_OUTCOMES},
        "caught": f"{caught[0]} ({caught[1]})" if caught else "-",
        "ttd": "-" if ttd["mean"] is None else (f"{ttd['mean'] / 1000:.1f} s / "
                                                f"{ttd['p90'] / 1000:.1f} s"),
    }


def fault_tables(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Per fault kind, then every kind pooled (when the summary has it): a row per model."""
    models = body["models"]
    kinds = sorted({k for stats in models.values() for k in stats["faults"]})
    tables = [{"kind": kind, "rows": [_fault_row(m, s["faults"][kind])
                                      for m, s in models.items() if kind in s["faults"]]}
              for kind in kinds]
    pooled = [_fault_row(m, s["overall"]) for m, s in models.items()
              if isinstance(s.get("overall"), dict) and s["overall"].get("injected")]
    if pooled:
        tables.append({"kind": "all kinds, pooled", "rows": pooled})
    return tables


def _pass_k(arm: dict[str, Any]) -> str:
    values = arm.get("pass_k")
    if not isinstance(values, dict) or not values:
        return ""
    return " · ".join(f"{k}: {v:.0%}" for k, v in values.items() if isinstance(v, int | float))


def task_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Per model: task success per arm, handled (chaos), pass^k, cost, and the paired gap."""
    rows = []
    for model, stats in body["models"].items():
        row: dict[str, Any] = {"model": model}
        for name in ("clean", "chaos"):
            arm = stats[name]
            usage = arm.get("usage") if isinstance(arm.get("usage"), dict) else {}
            cost = (usage.get("per_episode") or {}).get("cost_usd")
            row[name] = {"done": f"{arm['task_passed']}/{arm['episodes']}" if arm["episodes"]
                         else "-", "rate": _rate(arm["task_success"]), "crashed": arm["crashed"],
                         "pass_k": _pass_k(arm),
                         "cost": "" if cost is None else f"${cost:.4f}"}
        chaos = stats["chaos"]
        # Absent from summaries written before chaos judged it.
        row["handled"] = ({"done": f"{chaos['handled']}/{chaos['episodes']}",
                           "rate": _rate(chaos.get("handled_rate"))}
                          if chaos["episodes"] and isinstance(chaos.get("handled"), int)
                          else None)
        gap = stats.get("gap") if isinstance(stats.get("gap"), dict) else {}
        row["gap"] = ("" if gap.get("difference") is None else
                      f"{gap['difference']:+.0%} (p = {_scalar(gap.get('p_value'))}, "
                      f"{gap.get('pairs', '?')} pairs)")
        rows.append(row)
    return rows


def extra_stats(body: dict[str, Any]) -> dict[str, Any] | None:
    """Model-level fields the tables do not show (reliability per dollar, newer ones)."""
    models = list(body["models"])
    per_model = {m: dict(flatten({k: v for k, v in body["models"][m].items()
                                  if k not in _SHOWN_MODEL_FIELDS})) for m in models}
    keys: list[str] = []
    for rows in per_model.values():
        keys += [k for k in rows if k not in keys]
    if not keys:
        return None
    return {"models": models,
            "rows": [(k, [per_model[m].get(k, "") for m in models]) for k in keys]}


def _paired(value: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    """The paired comparisons inside a value: dicts that hold a difference."""
    if isinstance(value, dict) and "difference" in value:
        return [(path, value)]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paired(v, f"{path} {k}".strip())]
    return []


def comparison_rows(body: dict[str, Any]) -> list[list[str]]:
    """Model vs model, paired on seeds: a row per pair and metric (when the summary has them)."""
    rows = []
    for comparison in body.get("comparisons") or []:
        if not isinstance(comparison, dict):
            continue
        a, b = _scalar(comparison.get("a")), _scalar(comparison.get("b"))
        for metric, paired in _paired({k: v for k, v in comparison.items()
                                       if k not in ("a", "b")}, ""):
            rows.append([a, b, metric.replace("_", " "), _scalar(paired.get("a_rate")),
                         _scalar(paired.get("b_rate")), f"{paired['difference']:+.0%}"
                         if isinstance(paired["difference"], int | float) else "-",
                         _scalar(paired.get("p_value")), _scalar(paired.get("pairs"))])
    return rows


def gates_view(gates: Any) -> dict[str, Any] | None:
    """Gate verdicts, if the summary holds them: a table when they are records, else rows."""
    if not gates:
        return None
    if isinstance(gates, list) and all(isinstance(g, dict) for g in gates):
        columns: list[str] = []
        for gate in gates:
            columns += [k for k in gate if k not in columns]
        rows = [{"cells": [_cell(g.get(c)) for c in columns], "passed": g.get("passed")}
                for g in gates]
        return {"columns": columns, "rows": rows, "flat": None}
    return {"columns": None, "rows": None, "flat": flatten(gates)}
