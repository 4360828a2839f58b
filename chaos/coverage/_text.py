"""Coverage in a few terminal lines, after a run and before one (`chaos explain`).

What the faults reached, what never fired, what no fault touched. Names come from profiles:
control characters are shown as escapes, and callers print the lines as text, never markup.
"""

from __future__ import annotations

from typing import Any

from chaos._text import printable

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
    return printable(str(text))


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
            n = reached["files"]
            more = "+" if reached.get("files_capped") else ""
            text += f"; {n}{more} file{'s' if n != 1 or more else ''}"
        text += "; sinks " + (_names(reached["sinks"]) if reached.get("sinks") else "none")
        out.append(f"  reached: {text}")
        for row in body["never_fired"]:
            out.append(f"  never fired: {_safe(row['fault'])} ({_safe(row['kind'])}) "
                       f"for {_safe(row['model'])}: {_reasons(row)}")
        untouched = body["untouched"]
        out.append("  no fault touched: "
                   + _parts(untouched, ("agents", "tools", "sinks", "tags")))
    return out


def _reasons(row: dict[str, Any]) -> str:
    """One model's reasons, each with its count and its own words."""
    words = row.get("words") or {}
    parts = []
    for code, n in row["reasons"].items():
        why = words.get(code, row["why"] if len(row["reasons"]) == 1 else "")
        parts.append(f"{REASON_WORDS.get(code, code)} ({n})" + (f": {_safe(why)}" if why else ""))
    return "; ".join(parts)


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
