"""Coverage in a few terminal lines, after a run and before one (`chaos explain`).

What the faults reached, what never fired, what no fault touched. Names come from profiles:
control characters are shown as escapes, and callers print the lines as text, never markup.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REASON_WORDS", "coverage_lines", "prediction_lines"]

#: Each never-fired code in words, for tables and lines.
REASON_WORDS = {
    "trigger_never_came": "trigger never came",
    "probability_skipped": "its seeded draw skipped it",
    "outside_window": "outside its window",
    "no_target": "nothing matched its target",
    "never_touched": "its target was never touched",
    "crashed_first": "the episode crashed first",
}
#: Names listed per part before "(+N more)".
_SHOWN = 8


def _safe(text: Any) -> str:
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in str(text))


def _names(names: list[str] | dict[str, int]) -> str:
    items = [f"{n} ({names[n]})" if isinstance(names, dict) else n for n in names]
    more = f" (+{len(items) - _SHOWN} more)" if len(items) > _SHOWN else ""
    return ", ".join(_safe(i) for i in items[:_SHOWN]) + more


def _parts(parts: dict[str, Any], keys: tuple[str, ...]) -> str:
    shown = [f"{key} {_names(parts[key])}" for key in keys if parts.get(key)]
    return "; ".join(shown) or "nothing"


def coverage_lines(summary: dict[str, Any]) -> list[str]:
    """The coverage block of `chaos run`/`chaos sweep`, from results.json's `summary`."""
    out: list[str] = []
    for name, body in summary.get("coverage", {}).get("profiles", {}).items():
        faults = body["faults"]
        fired = [f for f in faults.values() if f["fired"]]
        out.append(f"coverage {_safe(name)}: {len(fired)} of {len(faults)} faults fired at least "
                   "once")
        reached = body["reached"]
        text = _parts({**reached, "targets": {f"{{{k}}}": n for k, n in
                                              reached.get("targets", {}).items()}},
                      ("agents", "tools", "tags", "targets"))
        if reached.get("files"):
            text += f"; {reached['files']} file{'s' if reached['files'] != 1 else ''}"
        text += "; sinks " + (_names(reached["sinks"]) if reached.get("sinks") else "none")
        out.append(f"  reached: {text}")
        for fault_id, models, reasons, why in _never_by_fault(body["never_fired"]):
            counts = ", ".join(f"{REASON_WORDS.get(c, c)} ({n})" for c, n in reasons.items())
            out.append(f"  never fired: {_safe(fault_id)} ({_safe(faults[fault_id]['kind'])}) "
                       f"for {_names(models)}: {counts}: {_safe(why)}")
        untouched = body["untouched"]
        out.append("  no fault touched: "
                   + _parts(untouched, ("agents", "tools", "sinks", "tags")))
    return out


def _never_by_fault(rows: list[dict[str, Any]]) -> list[tuple[str, list[str], dict[str, int],
                                                              str]]:
    """Never-fired rows folded per fault: its models, reason counts summed, the first words."""
    folded: dict[str, tuple[list[str], dict[str, int], str]] = {}
    for row in rows:
        models, reasons, why = folded.setdefault(row["fault"], ([], {}, row["why"]))
        models.append(row["model"])
        for code, n in row["reasons"].items():
            reasons[code] = reasons.get(code, 0) + n
    return [(fault, models, dict(sorted(reasons.items())), why)
            for fault, (models, reasons, why) in folded.items()]


def prediction_lines(prediction: dict[str, Any]) -> list[str]:
    """`chaos explain`'s coverage block: what the faults can reach, what cannot fire."""
    out = ["  can reach: " + _parts(prediction["can_reach"], ("agents", "tools", "tags",
                                                              "sinks"))]
    for row in prediction["cannot_fire"]:
        # The words say the reason in full (`trigger never came` is in them, or the draw).
        out.append(f"  cannot fire: {_safe(row['fault'])} ({_safe(row['kind'])}): "
                   f"{_safe(row['why'])}")
    out.append("  no fault can touch: " + _parts(prediction["untouchable"],
                                                 ("agents", "tools", "sinks", "tags")))
    return out
