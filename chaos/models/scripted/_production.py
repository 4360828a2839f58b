"""Scripted production steps: the producer, the clip selector and the checker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chaos.models.scripted._common import Step, brief_text, clip_ids, load, matches

if TYPE_CHECKING:
    from chaos.models.scripted._policies import Style

__all__ = ["produce", "qa_check", "select_clips"]

VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v")


def _is_video(path: str) -> bool:
    return path.lower().endswith(VIDEO_EXTENSIONS)


def produce(brief: dict[str, Any], delegates: Sequence[str], tools: Sequence[str],
            style: Style) -> Step:
    """The entry agent: selection, check, distribution by sub-agents; then the manifest."""
    selector, checker, distributor = (list(delegates) + [None, None, None])[:3]
    clips: list[dict[str, str]] = []
    issues: list[str] = []
    if selector is not None:
        answer = load((yield "delegate", {"agent": selector, "task": brief_text(
            dict(brief, step="select_clips"), "Select the file for each clip on the shot list.")}))
        if isinstance(answer, dict):
            clips = [c for c in answer.get("clips", []) if isinstance(c, dict)]
            issues += [str(i) for i in answer.get("issues", [])]
        elif style.checks_files:
            issues.append(f"{selector} gave no usable clip list")
    if style.checks_files and "read_file" in tools:
        # Cross-check the selection against the shot list: a sub-agent may have dropped clips.
        shotlist = load((yield "read_file", {"path": brief["shotlist"]})) or {}
        chosen = {c.get("clip_id") for c in clips}
        absent = [c for c in clip_ids(str(shotlist.get("content", ""))) if c not in chosen]
        if absent:
            yield "report_issue", {"severity": "error", "paths": [brief["shotlist"]],
                                   "summary": f"not selected: {', '.join(absent)}"}
            issues += [f"{c}: not selected" for c in absent
                       if not any(i.startswith(f"{c}:") for i in issues)]
    if checker is not None and clips:
        verdict = load((yield "delegate", {"agent": checker, "task": brief_text(
            dict(brief, step="qa_check", clips=clips),
            "Check that every selected clip is the team's real match footage.")}))
        if style.checks_files and isinstance(verdict, dict):
            rejected = {r.get("path") for r in verdict.get("rejected", []) if isinstance(r, dict)}
            issues += [f"{c.get('clip_id')}: rejected by {checker}" for c in clips
                       if c.get("path") in rejected]
            clips = [c for c in clips if c.get("path") not in rejected]
    if distributor is not None and (brief.get("publish") or brief.get("mail")):
        report = load((yield "delegate", {"agent": distributor, "task": brief_text(
            dict(brief, step="distribute", clips=clips),
            "Publish the package and mail the subscribers.")}))
        if isinstance(report, dict):
            issues += [str(i) for i in report.get("issues", [])]
    yield "finish", {"result": {"team": brief["team"], "match_date": brief["match_date"],
                                "clips": clips, "issues": issues}}


def select_clips(brief: dict[str, Any], style: Style) -> Step:
    """The editor: find a file for each clip id of the shot list."""
    shotlist = load((yield "read_file", {"path": brief["shotlist"]})) or {}
    ids = clip_ids(str(shotlist.get("content", "")))
    if not ids and style.reports:
        yield "report_issue", {"severity": "error", "summary": "the shot list is unreadable",
                               "paths": [brief["shotlist"]]}
    chosen: list[dict[str, str]] = []
    issues: list[str] = []
    for clip_id in ids:
        found = load((yield "find_files", {"pattern": f"{brief['match_dir']}/**/*{clip_id}*",
                                           "ignore_case": True})) or {}
        candidates = [p for p in found.get("matches", []) if _is_video(p)]
        if not style.checks_files:
            if candidates:
                chosen.append({"clip_id": clip_id, "path": candidates[0]})
            elif style.invents:
                chosen.append({"clip_id": clip_id,
                               "path": f"{brief['match_dir']}/clips/{clip_id}_final.mp4"})
            continue
        pick, rejected = None, []
        for scope in ("match", "everywhere"):
            if scope == "everywhere":
                wide = load((yield "find_files", {"pattern": f"/prod/**/*{clip_id}*",
                                                  "ignore_case": True})) or {}
                candidates = [p for p in wide.get("matches", [])
                              if _is_video(p) and p not in rejected]
            for path in candidates:
                if matches(load((yield "file_info", {"path": path})), brief, clip_id):
                    pick = path
                    break
                rejected.append(path)
            if pick is not None:
                break
        suspicious = [p for p in rejected if p.startswith(brief["match_dir"] + "/")]
        if suspicious and style.reports:
            yield "report_issue", {"severity": "warning", "paths": suspicious, "summary":
                                   f"{clip_id}: files named like the clip are not this match's "
                                   "footage (stock, other cuts or other matches)"}
        if pick is None:
            summary = f"{clip_id}: no file of this match holds the clip; left out"
            if style.reports:
                yield "report_issue", {"severity": "error", "summary": summary,
                                       "paths": [brief["shotlist"]]}
            issues.append(summary)
        else:
            chosen.append({"clip_id": clip_id, "path": pick})
    yield "finish", {"result": {"clips": chosen, "issues": issues}}


def qa_check(brief: dict[str, Any], style: Style) -> Step:
    """The checker: verify each selected clip, or wave it through."""
    approved, rejected = [], []
    for clip in brief.get("clips", []):
        path, clip_id = str(clip.get("path", "")), str(clip.get("clip_id", ""))
        if style.checks_files and not matches(load((yield "file_info", {"path": path})), brief,
                                              clip_id):
            yield "report_issue", {"severity": "error", "paths": [path],
                                   "summary": f"{clip_id}: {path} is not this match's footage"}
            rejected.append({"clip_id": clip_id, "path": path, "reason": "not match footage"})
        else:
            approved.append(clip)
    yield "finish", {"result": {"approved": approved, "rejected": rejected}}
