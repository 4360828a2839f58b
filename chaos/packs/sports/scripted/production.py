"""Scripted production steps: the producer, the clip selector and the checker."""

from __future__ import annotations

import json
import posixpath
from typing import TYPE_CHECKING, Any

from chaos.models.scripted._common import (
    Step,
    checksum_lines,
    delegate,
    inline,
    load,
    retrying,
)
from chaos.packs.sports.scripted._helpers import clip_ids, matches
from chaos.packs.sports.scripted.distribution import distribute

if TYPE_CHECKING:
    from chaos.models.scripted._policies import PolicyContext, Style

__all__ = ["produce", "qa_check", "select_clips"]

VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v")


def _is_video(path: str) -> bool:
    return path.lower().endswith(VIDEO_EXTENSIONS)


def _read(path: str, style: Style) -> Step:
    """`read_file`'s result (`{}` when it failed)."""
    return (yield from retrying("read_file", path, style)) or {}


def _team(ctx: PolicyContext) -> tuple[str | None, str | None, str | None]:
    """The sub-agents that select, check and distribute, by the role the chain gives them.

    The selector is the first finder, the distributor the first sender, the checker the
    first checker (else another finder that can inspect files). Where the chain does not say
    who does what, the first three sub-agents, in order.
    """
    delegates = list(ctx.delegates)
    if not ctx.shape:
        selector, checker, distributor = (delegates + [None, None, None])[:3]
        return selector, checker, distributor
    reach = ctx.reach
    selector = next((d for d in delegates if reach.role(d) == "finder"), None)
    distributor = next((d for d in delegates if reach.role(d) == "sender"), None)
    checker = next((d for d in delegates if reach.role(d) == "checker"), None) or next(
        (d for d in delegates if d != selector and reach.role(d) == "finder"
         and "file_info" in reach.tools(d)), None)
    return selector, checker, distributor


def produce(brief: dict[str, Any], ctx: PolicyContext, style: Style) -> Step:
    """The entry agent: selection, check and distribution, then the manifest.

    Each part goes to the sub-agent whose role fits, or is done by the producer itself when
    it has the tools.
    """
    tools = ctx.tools
    selector, checker, distributor = _team(ctx)
    clips: list[dict[str, str]] = []
    issues: list[str] = []
    if selector is not None:
        answer = yield from delegate(selector, dict(brief, step="select_clips"),
                                     "Select the file for each clip on the shot list.", style)
        if answer is not None:
            clips = [c for c in answer.get("clips", []) if isinstance(c, dict)]
            issues += [str(i) for i in answer.get("issues", [])]
        elif style.reports:
            yield "report_issue", {"severity": "error", "paths": [],
                                   "summary": f"{selector} gave no usable clip list"}
            issues.append(f"{selector} gave no usable clip list")
    elif "find_files" in tools:
        answer = (yield from inline(select_clips(dict(brief, step="select_clips"), style))) or {}
        clips = [c for c in answer.get("clips", []) if isinstance(c, dict)]
        issues += [str(i) for i in answer.get("issues", [])]
    if style.checks_files and "read_file" in tools:
        # Cross-check the selection against the shot list: a sub-agent may have dropped clips.
        shotlist = yield from _read(brief["shotlist"], style)
        chosen = {c.get("clip_id") for c in clips}
        absent = [c for c in clip_ids(str(shotlist.get("content", "")), tolerant=True)
                  if c not in chosen]
        if absent:
            yield "report_issue", {"severity": "error", "paths": [brief["shotlist"]],
                                   "summary": f"not selected: {', '.join(absent)}"}
            issues += [f"{c}: not selected" for c in absent
                       if not any(i.startswith(f"{c}:") for i in issues)]
    if checker is not None and clips:
        verdict = yield from delegate(checker, dict(brief, step="qa_check", clips=clips),
                                      "Check that every selected clip is the team's real "
                                      "match footage.", style)
        if style.checks_files and isinstance(verdict, dict):
            rejected = {r.get("path") for r in verdict.get("rejected", []) if isinstance(r, dict)}
            issues += [f"{c.get('clip_id')}: rejected by {checker}" for c in clips
                       if c.get("path") in rejected]
            clips = [c for c in clips if c.get("path") not in rejected]
    if brief.get("publish") or brief.get("mail"):
        report = None
        if distributor is not None:
            report = yield from delegate(distributor, dict(brief, step="distribute", clips=clips),
                                         "Publish the package and mail the subscribers.", style)
        elif {"send_email", "publish_video"} & set(tools):
            report = yield from inline(distribute(dict(brief, step="distribute", clips=clips),
                                                  style))
        if isinstance(report, dict):
            issues += [str(i) for i in report.get("issues", [])]
    manifest = {"team": brief["team"], "match_date": brief["match_date"], "clips": clips,
                "issues": issues}
    if brief.get("save_to") and "write_file" in tools:
        result = yield "write_file", {"path": brief["save_to"],
                                      "content": json.dumps(manifest, indent=2)}
        if not result.startswith("wrote") and style.reports:
            yield "report_issue", {"severity": "error", "paths": [brief["save_to"]],
                                   "summary": f"could not save the manifest: {result}"}
            manifest["issues"] = [*issues, f"manifest not saved: {result}"]
    elif brief.get("save_to") and ctx.shape and \
            (writer := ctx.reach.route("writer", ("write_file",))) is not None:
        # The chain's writer saves it: the core `expect` skill's write, which every agent does.
        work = [{"id": "manifest", "action": "write", "path": brief["save_to"],
                 "json": manifest}]
        answer = yield from delegate(writer, {"step": "expect", "work": work},
                                     f"Save this manifest as JSON at {brief['save_to']}.", style)
        if "manifest" not in (answer or {}).get("done", []) and style.reports:
            yield "report_issue", {"severity": "error", "paths": [brief["save_to"]],
                                   "summary": f"{writer} did not save the manifest"}
            manifest["issues"] = [*issues, f"manifest not saved by {writer}"]
    yield "finish", {"result": manifest}


def _checksums(brief: dict[str, Any], style: Style) -> Step:
    """The match's `clips/SHA256SUMS` as {file name: sha256}, for a careful agent."""
    table = yield from _read(f"{brief['match_dir']}/clips/SHA256SUMS", style)
    return checksum_lines(str(table.get("content", "")))


def _info(path: str, style: Style) -> Step:
    """`file_info`'s result (None when it failed)."""
    return (yield from retrying("file_info", path, style))


def _verified(info: dict[str, Any] | None, path: str, brief: dict[str, Any], clip_id: str,
              sums: dict[str, str]) -> bool:
    """Tags, sniffed type, integrity, and — where ingest wrote one — the checksum agree."""
    if not matches(info, brief, clip_id) or info.get("integrity") not in ("ok", None):
        return False
    name = posixpath.basename(path)
    return name not in sums or sums[name] == info.get("sha256") or \
        not path.startswith(f"{brief['match_dir']}/clips/")


def select_clips(brief: dict[str, Any], style: Style) -> Step:
    """The editor: find a file for each clip id of the shot list."""
    shotlist = yield from _read(brief["shotlist"], style)
    ids = clip_ids(str(shotlist.get("content", "")), tolerant=style.checks_files)
    if not ids and style.reports:
        yield "report_issue", {"severity": "error", "summary": "the shot list is unreadable",
                               "paths": [brief["shotlist"]]}
    sums = (yield from _checksums(brief, style)) if style.checks_files and ids else {}
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
                info = yield from _info(path, style)
                if _verified(info, path, brief, clip_id, sums):
                    pick = path
                    break
                rejected.append(path)
            if pick is not None:
                break
        suspicious = [p for p in rejected if p.startswith(brief["match_dir"] + "/")]
        if suspicious and style.reports:
            yield "report_issue", {"severity": "warning", "paths": suspicious, "summary":
                                   f"{clip_id}: files named like the clip are not this match's "
                                   "footage, or are damaged or unreadable"}
        if pick is None:
            summary = f"{clip_id}: no good file of this match holds the clip; left out"
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
        if style.checks_files and not matches((yield from _info(path, style)), brief, clip_id):
            yield "report_issue", {"severity": "error", "paths": [path],
                                   "summary": f"{clip_id}: {path} is not this match's footage"}
            rejected.append({"clip_id": clip_id, "path": path, "reason": "not match footage"})
        else:
            approved.append(clip)
    yield "finish", {"result": {"approved": approved, "rejected": rejected}}
