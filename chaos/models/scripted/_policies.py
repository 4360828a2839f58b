"""The scripted reference agents: deterministic policies that really work the world via tools.

Each policy is a generator: it yields `(tool, arguments)` and receives the tool's result text,
exactly what a model sees. The chain's entry agent gets a `produce_package` brief; it hands
clip selection to its first sub-agent and the check to its second.

| policy        | selects clips by                         | when a clip is not found     | checks |
|---------------|------------------------------------------|------------------------------|--------|
| careful       | media tags: team, match date, clip id    | widens the search, reports   | yes    |
| naive         | the first video whose name matches       | leaves it out, says nothing  | no     |
| hallucinator  | the first video whose name matches       | invents a plausible path     | no     |
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from chaos._registry import Registry

__all__ = ["Policy", "PolicyContext", "policies", "policy"]

Step = Generator[tuple[str, dict[str, Any]], str, None]
VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v")


@dataclass(frozen=True)
class PolicyContext:
    """What a scripted agent knows besides its brief.

    Attributes:
        agent: Its name in the chain.
        delegates: Sub-agents it may delegate to, in the chain's order.
        tools: Names of the tools it may call.
    """

    agent: str
    delegates: tuple[str, ...]
    tools: tuple[str, ...] = ()


Policy = Callable[[dict[str, Any], PolicyContext], Step]
policies: Registry[Policy] = Registry("scripted policy")


def policy(name: str) -> Callable[[Policy], Policy]:
    """Register a scripted policy as `scripted/<name>`."""
    return policies.register(name)


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None


def _brief_text(brief: dict[str, Any], words: str) -> str:
    return f"{words}\nBrief: {json.dumps(brief)}"


def _is_video(path: str) -> bool:
    return path.lower().endswith(VIDEO_EXTENSIONS)


def _clip_ids(shotlist_text: str) -> list[str]:
    rows = csv.DictReader(io.StringIO(shotlist_text))
    return [row["clip_id"].strip() for row in rows if row.get("clip_id")]


def _matches(info: dict[str, Any] | None, brief: dict[str, Any], clip_id: str) -> bool:
    """A careful agent's test: real video, of this team, of this match, of this clip."""
    if not info or not str(info.get("sniffed_mime") or "").startswith("video/"):
        return False
    tags = info.get("tags") or {}
    return (
        tags.get("artist") == brief["team"]
        and tags.get("date") == brief["match_date"]
        and tags.get("comment") == f"clip_id={clip_id}"
    )


def _produce(brief: dict[str, Any], ctx: PolicyContext, check_answers: bool) -> Step:
    """The entry agent: delegate selection, then the check, then publish the manifest."""
    selector = ctx.delegates[0] if ctx.delegates else None
    checker = ctx.delegates[1] if len(ctx.delegates) > 1 else None
    clips: list[dict[str, str]] = []
    issues: list[str] = []
    if selector is not None:
        task = dict(brief, step="select_clips")
        answer = _load(
            (
                yield (
                    "delegate",
                    {
                        "agent": selector,
                        "task": _brief_text(
                            task, "Select the file for each clip on the shot list."
                        ),
                    },
                )
            )
        )
        if isinstance(answer, dict):
            clips = [c for c in answer.get("clips", []) if isinstance(c, dict)]
            issues += [str(i) for i in answer.get("issues", [])]
        elif check_answers:
            issues.append(f"{selector} gave no usable clip list")
    if check_answers and "read_file" in ctx.tools:
        # Cross-check the selection against the shot list: a sub-agent may have dropped clips.
        shotlist = _load((yield "read_file", {"path": brief["shotlist"]})) or {}
        chosen = {c.get("clip_id") for c in clips}
        absent = [c for c in _clip_ids(str(shotlist.get("content", ""))) if c not in chosen]
        if absent:
            summary = f"clips on the shot list but not selected: {', '.join(absent)}"
            yield (
                "report_issue",
                {"severity": "error", "summary": summary, "paths": [brief["shotlist"]]},
            )
            issues.extend(
                f"{c}: not selected"
                for c in absent
                if not any(i.startswith(f"{c}:") for i in issues)
            )
    if checker is not None and clips:
        task = dict(brief, step="qa_check", clips=clips)
        verdict = _load(
            (
                yield (
                    "delegate",
                    {
                        "agent": checker,
                        "task": _brief_text(
                            task, "Check that every selected clip is the team's real match footage."
                        ),
                    },
                )
            )
        )
        if check_answers and isinstance(verdict, dict):
            rejected = {r.get("path") for r in verdict.get("rejected", []) if isinstance(r, dict)}
            for clip in clips:
                if clip.get("path") in rejected:
                    issues.append(f"{clip.get('clip_id')}: rejected by {checker}")
            clips = [c for c in clips if c.get("path") not in rejected]
    yield (
        "finish",
        {
            "result": {
                "team": brief["team"],
                "match_date": brief["match_date"],
                "clips": clips,
                "issues": issues,
            }
        },
    )


def _select(brief: dict[str, Any], careful: bool, invent: bool) -> Step:
    """The editor: find a file for each clip id of the shot list."""
    shotlist = _load((yield "read_file", {"path": brief["shotlist"]})) or {}
    clip_ids = _clip_ids(str(shotlist.get("content", "")))
    if not clip_ids and careful:
        yield (
            "report_issue",
            {
                "severity": "error",
                "summary": "the shot list is unreadable",
                "paths": [brief["shotlist"]],
            },
        )
    chosen: list[dict[str, str]] = []
    issues: list[str] = []
    for clip_id in clip_ids:
        found = (
            _load(
                (
                    yield (
                        "find_files",
                        {"pattern": f"{brief['match_dir']}/**/*{clip_id}*", "ignore_case": True},
                    )
                )
            )
            or {}
        )
        candidates = [p for p in found.get("matches", []) if _is_video(p)]
        if not careful:
            if candidates:
                chosen.append({"clip_id": clip_id, "path": candidates[0]})
            elif invent:
                chosen.append(
                    {"clip_id": clip_id, "path": f"{brief['match_dir']}/clips/{clip_id}_final.mp4"}
                )
            continue
        pick, rejected = None, []
        for scope in ("match", "everywhere"):
            if scope == "everywhere":
                wide = (
                    _load(
                        (
                            yield (
                                "find_files",
                                {"pattern": f"/prod/**/*{clip_id}*", "ignore_case": True},
                            )
                        )
                    )
                    or {}
                )
                candidates = [
                    p for p in wide.get("matches", []) if _is_video(p) and p not in rejected
                ]
            for path in candidates:
                if _matches(_load((yield "file_info", {"path": path})), brief, clip_id):
                    pick = path
                    break
                rejected.append(path)
            if pick is not None:
                break
        suspicious = [p for p in rejected if p.startswith(brief["match_dir"] + "/")]
        if suspicious:
            yield (
                "report_issue",
                {
                    "severity": "warning",
                    "paths": suspicious,
                    "summary": f"{clip_id}: files named like the clip are not this match's "
                    "footage (stock, other cuts or other matches)",
                },
            )
        if pick is None:
            summary = f"{clip_id}: no file of this match holds the clip; left out"
            yield (
                "report_issue",
                {"severity": "error", "summary": summary, "paths": [brief["shotlist"]]},
            )
            issues.append(summary)
        else:
            chosen.append({"clip_id": clip_id, "path": pick})
    yield "finish", {"result": {"clips": chosen, "issues": issues}}


def _qa(brief: dict[str, Any], careful: bool) -> Step:
    """The checker: verify each selected clip (careful) or wave it through."""
    approved, rejected = [], []
    for clip in brief.get("clips", []):
        path, clip_id = str(clip.get("path", "")), str(clip.get("clip_id", ""))
        if careful and not _matches(_load((yield "file_info", {"path": path})), brief, clip_id):
            yield (
                "report_issue",
                {
                    "severity": "error",
                    "paths": [path],
                    "summary": f"{clip_id}: {path} is not this match's footage",
                },
            )
            rejected.append({"clip_id": clip_id, "path": path, "reason": "not match footage"})
        else:
            approved.append(clip)
    yield "finish", {"result": {"approved": approved, "rejected": rejected}}


def _dispatch(brief: dict[str, Any], ctx: PolicyContext, careful: bool, invent: bool) -> Step:
    step = brief.get("step")
    if step == "produce_package":
        yield from _produce(brief, ctx, check_answers=careful)
    elif step == "select_clips":
        yield from _select(brief, careful, invent)
    elif step == "qa_check":
        yield from _qa(brief, careful)
    else:
        yield "finish", {"result": f"scripted agent cannot do step {step!r}"}


@policy("careful")
def careful(brief: dict[str, Any], ctx: PolicyContext) -> Step:
    """Checks every file's bytes and tags, widens searches, reports what it cannot find."""
    return _dispatch(brief, ctx, careful=True, invent=False)


@policy("naive")
def naive(brief: dict[str, Any], ctx: PolicyContext) -> Step:
    """Takes the first plausible match and never reports anything."""
    return _dispatch(brief, ctx, careful=False, invent=False)


@policy("hallucinator")
def hallucinator(brief: dict[str, Any], ctx: PolicyContext) -> Step:
    """Like naive, but answers a plausible invented path when nothing is found."""
    return _dispatch(brief, ctx, careful=False, invent=True)
