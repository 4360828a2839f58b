"""The recommendation as text: the terminal's lines, the one `recommend:` line of a run, JSON.

Lines are plain text (model ids and fault kinds come from profiles: never rich markup); the
CLI styles each line by its kind.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Literal

from chaos.recommend._models import ModelAnswer, ProfileAnswer, Recommendation
from chaos.results import RunResults

__all__ = ["answer_lines", "recommend_line", "recommendation_json", "run_recommend_line",
           "summary_recommendation", "with_recommendation"]

Style = Literal["answer", "good", "bad", "unsure", "plain"]


def _usd(value: float | None) -> str:
    return "-" if value is None else f"{value:.6f} USD"


def _saving(m: ModelAnswer) -> str:
    if m.saving_usd is None:
        return ""
    if m.saving_usd == 0:
        return ", same cost as the baseline"
    if m.saving_usd < 0:
        return f", not cheaper ({-m.saving_usd:.6f} USD per episode more)"
    pct = "" if m.saving_pct is None else f", {m.saving_pct:.1f} %"
    return f", saves {m.saving_usd:.6f} USD per episode{pct}"


def _model_lines(m: ModelAnswer) -> list[tuple[Style, str]]:
    cost = f"{_usd(m.cost_per_episode_usd)} per episode"
    if m.verdict == "baseline":
        lines: list[tuple[Style, str]] = [("plain", f"  baseline  {m.model}: {cost}")]
        return lines + [("unsure", f"      {r}") for r in m.reasons]
    if not m.priced and m.saving_usd:
        # 0 USD against a priced baseline: no `price:` set (a scripted reference agent).
        cost = f"{cost} (no price set: not ranked; set price: in the profile)"
        m = dataclasses.replace(m, saving_usd=None)
    if m.verdict == "qualifies":
        return [("good", f"  yes       {m.model}: {cost}{_saving(m)}")]
    if m.verdict == "undecided":
        if m.more_seeds is not None:
            more = f"{m.more_seeds} more seed{'s' if m.more_seeds != 1 else ''} would settle it"
        elif any(g.decision == "undecided" and not g.gate.trials for g in m.gates):
            more = "a gate has no data"
        else:
            more = "more seeds cannot settle it at this rate"
        head = f"  undecided {m.model}: {cost}{_saving(m)}; {more}"
        return [("unsure", head), *(("unsure", f"      {r}") for r in m.reasons)]
    return [("bad", f"  no        {m.model}: {cost}{_saving(m)}"),
            *(("bad", f"      {r}") for r in m.reasons)]


def _profile_lines(p: ProfileAnswer) -> list[tuple[Style, str]]:
    head = {"switch": f"switch to {p.switch}", "stay": "stay: no cheaper model qualifies",
            "undecided": "undecided: a cheaper model may qualify with more seeds",
            "no_baseline": "no baseline", "one_model": "nothing to compare"}[p.status]
    lines: list[tuple[Style, str]] = [("answer", f"{p.profile}: {head}")]
    if p.note:
        lines.append(("plain", f"  {p.note}"))
    for m in p.models:
        lines += _model_lines(m)
    return lines


def answer_lines(rec: Recommendation) -> list[tuple[Style, str]]:
    """(style, line) pairs: each profile's answer and models, then the run's answer."""
    lines: list[tuple[Style, str]] = []
    for p in rec.profiles:
        lines += _profile_lines(p)
    compared = [p for p in rec.profiles if p.status in ("switch", "stay", "undecided")]
    if rec.answer == "switch":
        saving = "; ".join(f"{p.profile} {_saving(p.model(rec.switch)).removeprefix(', ')}"  # type: ignore[arg-type]
                           for p in compared)
        others = rec.every_profile[1:]
        also = f" (also qualifying: {', '.join(others)})" if others else ""
        where = "every profile" if len(compared) > 1 else compared[0].profile
        lines.append(("answer", f"answer: switch to {rec.switch}: it qualifies on {where}"
                                f"{also}; {saving}"))
    elif rec.answer == "undecided":
        lines.append(("answer", "answer: undecided: no cheaper model qualifies yet; run the "
                                "seeds named above"))
    elif rec.answer == "stay":
        lines.append(("answer", "answer: stay: no cheaper model qualifies on every profile"))
    elif rec.answer == "no_baseline":
        lines.append(("answer", "answer: no baseline; name the model you run today with "
                                "--baseline MODEL"))
    else:
        lines.append(("answer", "answer: nothing to compare: no profile ran two models"))
    return lines


def recommend_line(rec: Recommendation, run_dir: str = "RUN_DIR") -> str:
    """The one `recommend:` line `chaos run` and `chaos sweep` print, naming the run."""
    base = ", ".join(sorted({p.baseline for p in rec.profiles if p.baseline}))
    if rec.answer == "switch":
        return (f"recommend: switch from {base} to {rec.switch} (qualifies on every profile; "
                f"details: chaos recommend {run_dir})")
    if rec.answer == "undecided":
        return (f"recommend: undecided against {base}: a cheaper model needs more seeds "
                f"(chaos recommend {run_dir})")
    if rec.answer == "stay":
        return (f"recommend: stay on {base}: no cheaper model qualifies "
                f"(chaos recommend {run_dir})")
    if rec.answer == "no_baseline":
        return ("recommend: no baseline by price (no price: set, or a tie); chaos recommend "
                f"{run_dir} --baseline MODEL")
    return "recommend: nothing to compare"


def recommendation_json(rec: Recommendation) -> str:
    """`chaos recommend --json`: stable bytes (key order fixed, indent 2, newline)."""
    return json.dumps(rec.to_json(), indent=2, ensure_ascii=False) + "\n"


def summary_recommendation(summary: dict[str, Any]) -> dict[str, Any] | None:
    """results.json's `summary.recommendation`: the default baseline, the run's gates strict.

    None when no profile ran two models or more (then the key is left out).
    """
    from chaos.recommend._answer import recommend

    if not any(len(body["models"]) >= 2 for body in summary["profiles"].values()):
        return None
    return recommend(summary).to_json()


def with_recommendation(results: RunResults) -> RunResults:
    """The results with `summary.recommendation` added (after the gates are judged)."""
    recommendation = summary_recommendation(results.summary)
    if recommendation is None:
        return results
    summary = {**results.summary, "recommendation": recommendation}
    return results.model_copy(update={"summary": summary})


def run_recommend_line(results: RunResults, run_dir: str) -> str | None:
    """The `recommend:` line for a finished run or sweep; None when no profile ran 2 models."""
    from chaos.recommend._answer import recommend

    if "recommendation" not in results.summary:
        return None
    return recommend_line(recommend(results.summary), run_dir)
