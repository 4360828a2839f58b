"""The recommendation as text: the terminal's lines, the one `recommend:` line of a run, JSON.

Lines are plain text (model ids and fault kinds come from profiles: never rich markup); the
CLI styles each line by its kind.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any, Literal

from chaos.recommend._answer import NO_GATES, NOT_COMPARED
from chaos.recommend._models import ModelAnswer, ProfileAnswer, Recommendation
from chaos.recommend._text import safe_text
from chaos.results import RunResults

__all__ = ["answer_lines", "recommend_line", "recommendation_json", "run_recommend_line",
           "summary_recommendation", "with_recommendation"]

Style = Literal["answer", "good", "bad", "unsure", "plain"]

#: Said when a gate is undecided: `chaos run`'s gate lines read the same counts two ways only.
STRICT_NOTE = ("note: recommend decides each gate strictly, in three ways (pass: the whole "
               "Wilson 95 % interval on the right side; fail: wholly on the wrong side; else "
               "undecided); chaos run's gate lines are pass/fail at each gate's confidence, so "
               "the same counts can read \"gate failed\" there and \"undecided\" here")


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
    if not m.completed:
        # Nothing ran to the end: its cost (often 0) says nothing about its price.
        cost = "cost unknown (no episode completed)"
        m = dataclasses.replace(m, saving_usd=None)
    elif not m.priced and m.saving_usd:
        # 0 USD against a priced baseline: no `price:` set (a scripted reference agent).
        cost = f"{cost} (no price set: not ranked; set price: in the profile)"
        m = dataclasses.replace(m, saving_usd=None)
    notes = [("plain", f"      note: {n}") for n in m.notes]
    if m.verdict == "qualifies":
        return [("good", f"  yes       {m.model}: {cost}{_saving(m)}"), *notes]
    if m.verdict == "undecided":
        if m.more_seeds is not None:
            more = f"{m.more_seeds} more seed{'s' if m.more_seeds != 1 else ''} would settle it"
        elif not m.gates:
            more = "no gate to qualify it by"
        elif any(g.decision == "undecided" and not g.gate.trials for g in m.gates):
            more = "a gate has no data"
        elif any(r == NOT_COMPARED for r in m.reasons):
            more = "not compared with the baseline"
        else:
            more = "more seeds cannot settle it at this rate"
        head = f"  undecided {m.model}: {cost}{_saving(m)}; {more}"
        return [("unsure", head), *(("unsure", f"      {r}") for r in m.reasons), *notes]
    return [("bad", f"  no        {m.model}: {cost}{_saving(m)}"),
            *(("bad", f"      {r}") for r in m.reasons), *notes]


def _profile_lines(p: ProfileAnswer) -> list[tuple[Style, str]]:
    head = {"switch": f"switch to {p.switch}", "stay": "stay: no cheaper model qualifies",
            "undecided": "undecided: a cheaper model may qualify with more seeds",
            "no_baseline": "no baseline", "one_model": "nothing to compare"}[p.status]
    undecided = [m for m in p.models if m.verdict == "undecided"]
    if p.status == "undecided" and all(NO_GATES in m.reasons for m in undecided):
        head = "undecided: no gates to name a switch by"
    elif p.status == "undecided" and all(m.more_seeds is None for m in undecided):
        head = "undecided: more seeds alone will not settle it (see the reasons)"
    lines: list[tuple[Style, str]] = [("answer", f"{p.profile}: {head}")]
    if p.note:
        lines.append(("plain", f"  {p.note}"))
    for m in p.models:
        lines += _model_lines(m)
    return lines


def answer_lines(rec: Recommendation) -> list[tuple[Style, str]]:
    """(style, line) pairs: each profile's answer and models, then the run's answer."""
    lines: list[tuple[Style, str]] = [("unsure", f"note: {n}") for n in rec.notes]
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
    elif rec.answer == "undecided" and not rec.gated:
        lines.append(("answer", "answer: undecided: no gates to name a switch by; "
                                f"{NO_GATES.removeprefix('no gates: ')}"))
    elif rec.answer == "undecided" and any(m.more_seeds is not None for p in compared
                                           for m in p.models if m.verdict == "undecided"):
        lines.append(("answer", "answer: undecided: no cheaper model qualifies yet; run the "
                                "seeds named above"))
    elif rec.answer == "undecided":
        lines.append(("answer", "answer: undecided: no cheaper model qualifies yet, and more "
                                "seeds alone will not settle it; see the reasons above"))
    elif rec.answer == "stay":
        lines.append(("answer", "answer: stay: no cheaper model qualifies on every profile"))
    elif rec.answer == "no_baseline":
        lines.append(("answer", "answer: no baseline; name the model you run today with "
                                "--baseline MODEL"))
    else:
        lines.append(("answer", "answer: nothing to compare: no profile ran two models"))
    if any(g.decision == "undecided" and g.gate.trials for p in rec.profiles
           for m in p.models for g in m.gates):
        lines.insert(-1, ("plain", STRICT_NOTE))
    return [(style, safe_text(line)) for style, line in lines]


def _recommend_line(rec: Recommendation, run_dir: str) -> str:
    base = ", ".join(sorted({p.baseline for p in rec.profiles if p.baseline}))
    if rec.answer == "switch":
        return (f"recommend: switch from {base} to {rec.switch} (qualifies on every profile, "
                f"gates decided strictly; details: chaos recommend {run_dir})")
    if rec.answer == "undecided" and not rec.gated:
        return ("recommend: no gates to name a switch by (the baseline comparison alone can "
                f"only refuse); chaos recommend {run_dir} --gates FILE "
                "(profiles/gates/switch.yaml)")
    if rec.answer == "undecided":
        return (f"recommend: undecided against {base}: a cheaper model's gates are undecided "
                "at strict confidence (recommend decides pass/fail/undecided; gate lines are "
                f"pass/fail); chaos recommend {run_dir}")
    if rec.answer == "stay":
        return (f"recommend: stay on {base}: no cheaper model qualifies "
                f"(chaos recommend {run_dir})")
    if rec.answer == "no_baseline":
        return ("recommend: no baseline by cost (no model has a price:, or two tie as the "
                f"dearest); name the model you run today: chaos recommend {run_dir} "
                "--baseline MODEL --gates profiles/gates/switch.yaml")
    return "recommend: nothing to compare"


def recommend_line(rec: Recommendation, run_dir: str = "RUN_DIR",
                   failed_gates: Sequence[str] = (), stranded: Sequence[str] = ()) -> str:
    """The one `recommend:` line `chaos run` and `chaos sweep` print, naming the run.

    Args:
        rec: The run's recommendation.
        run_dir: The run directory, for the command shown.
        failed_gates: Models whose gates failed in the run's own gate lines (pass/fail at
            each gate's confidence): the line says the run's exit code 1 comes from them.
        stranded: Models that completed no episode: the run exits 4 for them, whatever the
            gates (`chaos.report.nothing_completed`).
    """
    line = _recommend_line(rec, run_dir)
    if stranded:
        line += (f"; the run's exit code 4 comes from {', '.join(stranded)} completing no "
                 "episode, not from this answer")
    elif failed_gates:
        line += (f"; the run's exit code 1 comes from its gate lines failing for "
                 f"{', '.join(failed_gates)} (pass/fail at each gate's confidence), not from "
                 "this answer")
    return safe_text(line)


def recommendation_json(rec: Recommendation) -> str:
    """`chaos recommend --json`: stable bytes (key order fixed, indent 2, newline)."""
    # allow_nan=False: a non-finite number is a bug upstream, never invalid JSON printed.
    return json.dumps(rec.to_json(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


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
    from chaos.report import nothing_completed

    failed = sorted({g["model"] for g in results.summary.get("gates") or []
                     if not g.get("passed", True)})
    return recommend_line(recommend(results.summary), run_dir, failed,
                          nothing_completed(results))
