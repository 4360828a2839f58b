"""Crashed episodes, made visible: a line per model and arm, and the run's exit code.

An episode `crashed` when the chain could not finish (the model's endpoint refused, a policy
raised, the deadline passed). Its faults that never fired are `not_triggered` and count in no
rate, so a run of crashes looks like a run where nothing happened; these lines and
`EXIT_NOTHING_COMPLETED` say otherwise.
"""

from __future__ import annotations

from typing import Any

from chaos.results import EpisodeResult, RunResults

__all__ = ["EXIT_NOTHING_COMPLETED", "crash_lines", "nothing_completed", "shown_reason"]

#: `chaos run` and `chaos sweep` exit with this when some model of some profile completed no
#: episode (each one crashed): the run measured nothing about that model.
EXIT_NOTHING_COMPLETED = 4

#: The most characters of a reason shown on a terminal line (results.json keeps it whole).
REASON_LIMIT = 300


def shown_reason(text: str | None, limit: int = REASON_LIMIT) -> str:
    """A crash reason as one printable line, cut to `limit` characters.

    Agent and provider text is data, not terminal control: line breaks, escape sequences and
    other unprintable characters show escaped.
    """
    if not text:
        return "no reason recorded"

    from chaos._text import printable

    shown = printable(text)
    if len(shown) <= limit:
        return shown
    # A quoted traceback ends with what went wrong: keep its last line beside the start.
    last = printable(text.rstrip().rsplit("\n", 1)[-1].strip()) if "\n" in text.strip() else ""
    if last and len(last) < limit // 2:
        return shown[:limit - len(last) - 3] + " … " + last
    return shown[:limit - 1] + "…"


def _arms(results: RunResults) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(profile, model, arm, the arm's summary) in the summary's order."""
    return [(profile, model, arm, stats[arm])
            for profile, body in results.summary.get("profiles", {}).items()
            for model, stats in body["models"].items()
            for arm in ("clean", "chaos") if stats[arm]["episodes"]]


def _first_crash(results: RunResults, profile: str, model: str,
                 arm: str) -> EpisodeResult | None:
    return next((e for e in results.episodes if e.profile == profile and e.model == model
                 and e.arm == arm and e.status == "crashed"), None)


def crash_lines(results: RunResults) -> list[str]:
    """Plain lines (no markup) naming, per profile, model and arm, the crashed episodes.

    Each line has the count (from the summary, complete even when a sweep's results list only
    some episodes) and the first crashed episode's reason and seed. Empty when none crashed.
    """
    lines = []
    for profile, model, arm, stats in _arms(results):
        if not stats["crashed"]:
            continue
        first = _first_crash(results, profile, model, arm)
        where = f" (seed {first.seed})" if first else ""
        reason = shown_reason(first.error) if first else "see results.json"
        lines.append(f"  {profile} · {model} · {arm}: {stats['crashed']} of "
                     f"{stats['episodes']} crashed; first{where}: {reason}")
    if not lines:
        return []
    return ["crashed episodes (the chain could not finish; their faults count in no rate):",
            *lines]


def nothing_completed(results: RunResults) -> list[str]:
    """`model (profile p)` for each model that ran episodes of a profile and completed none."""
    runs: dict[tuple[str, str], list[int]] = {}
    for profile, model, _arm, stats in _arms(results):
        counts = runs.setdefault((profile, model), [0, 0])
        counts[0] += stats["episodes"]
        counts[1] += stats["crashed"]
    return [f"{model} (profile {profile})" for (profile, model), (episodes, crashed)
            in runs.items() if episodes and crashed == episodes]
