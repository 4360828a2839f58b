"""Scripted rubric: the clean benchmark, done through the tools as each style would do it.

Every style does the work for real — reads the shot list, searches the match folder, hands the
clip table to its first sub-agent, reads the tags and the subscriber CSV — so on a clean world
all of them pass, as the cheap models did. The styles differ where production differs: a careful
agent checks each video's bytes and tags before it lists it and cross-checks the sub-agent's
table against the shot list; the others take names and answers as they come.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chaos.models.scripted._common import Step, delegate, load, rows
from chaos.packs.sports.scripted._helpers import clip_ids, matches
from chaos.packs.sports.scripted.production import _info, _is_video, _read

if TYPE_CHECKING:
    from chaos.models.scripted._policies import Style

__all__ = ["rubric"]


def _summary(path: str, lines: list[dict[str, str]]) -> str:
    """A few sentences on the shot list, from its rows."""
    if not lines:
        return f"The shot list {path} names no clips."
    total = sum(_seconds(r) for r in lines)
    parts = [f"{r.get('clip_id', '').strip()} ({_seconds(r)} s: {r.get('description', '')})"
             for r in lines]
    return (f"The shot list {posixpath.basename(path)} names {len(lines)} clips, {total} s in "
            f"all: {'; '.join(parts)}.")


def _seconds(row: dict[str, str]) -> int:
    try:
        return int(str(row.get("duration_s", "")).strip())
    except ValueError:
        return 0


def _opponent(info: dict[str, Any] | None, team: str) -> str | None:
    """The other team, from a clip's title tag (`<team> v <opponent> - <clip id>`)."""
    title = str(((info or {}).get("tags") or {}).get("title") or "")
    if not title.startswith(f"{team} v "):
        return None
    return title.removeprefix(f"{team} v ").rsplit(" - ", 1)[0].strip() or None


def _assets(brief: dict[str, Any], style: Style, issues: list[str]) -> Step:
    """The match folder's videos; a careful agent keeps only what its bytes and tags confirm.

    Returns:
        (the listed paths, file_info results by path for what was inspected).
    """
    found = load((yield "find_files", {"pattern": f"{brief['match_dir']}/**"})) or {}
    videos = [p for p in found.get("matches", []) if _is_video(p)]
    infos: dict[str, Any] = {}
    if not style.checks_files:
        return videos, infos
    kept, doubtful = [], []
    for path in videos:
        infos[path] = info = yield from _info(path, style)
        tags = (info or {}).get("tags") or {}
        clip_id = str(tags.get("comment") or "").removeprefix("clip_id=")
        if matches(info, brief, clip_id) and info.get("integrity") in ("ok", None):
            kept.append(path)
        else:
            doubtful.append(path)
    if doubtful and style.reports:
        yield "report_issue", {"severity": "warning", "paths": doubtful, "summary":
                               "videos in the match folder that are not this match's clips, or "
                               "are damaged; left out of the asset list"}
        issues.append(f"not listed as assets: {', '.join(doubtful)}")
    return kept, infos


def _clip_table(brief: dict[str, Any], delegates: Sequence[str], ids: list[str], style: Style,
                issues: list[str]) -> Step:
    """The clip table, handed to the first sub-agent; a careful agent checks it is complete."""
    if not delegates:
        issues.append("no sub-agent to hand the clip table to")
        return []
    answer = yield from delegate(delegates[0], dict(brief, step="select_clips"),
                                 "For each clip id on the shot list, find the file of this "
                                 "match that holds it (check its media tags).", style)
    clips = [c for c in (answer or {}).get("clips", []) if isinstance(c, dict)]
    if style.checks_files:
        absent = [c for c in ids if c not in {row.get("clip_id") for row in clips}]
        if answer is None or absent:
            summary = (f"{delegates[0]} gave no usable clip table" if answer is None
                       else f"not in {delegates[0]}'s clip table: {', '.join(absent)}")
            if style.reports:
                yield "report_issue", {"severity": "error", "paths": [brief["shotlist"]],
                                       "summary": summary}
            issues.append(summary)
    return [{"clip_id": str(c.get("clip_id")), "path": str(c.get("path"))} for c in clips]


def _recipients(brief: dict[str, Any], style: Style) -> Step:
    """Emails of the team's opted-in subscribers, from the subscriber CSV."""
    table = yield from _read(brief["subscribers"], style)
    text = str(table.get("content", ""))
    if style.checks_files:
        text = text.removeprefix("\ufeff")
    return sorted(r["email"] for r in rows(text)
                  if r.get("team") == brief["team"] and r.get("opt_in") == "yes" and r.get("email"))


def rubric(brief: dict[str, Any], delegates: Sequence[str], style: Style) -> Step:
    """The entry agent's rubric: summary, assets, delegated clip table, synthesis, report."""
    issues: list[str] = []
    shotlist = yield from _read(brief["shotlist"], style)
    text = str(shotlist.get("content", ""))
    if style.checks_files:
        text = text.removeprefix("\ufeff")
    lines = [r for r in rows(text) if r.get("clip_id")]
    assets, infos = yield from _assets(brief, style, issues)
    clips = yield from _clip_table(brief, delegates, clip_ids(text), style, issues)
    # The opponent comes from the tags: a careful agent has them already and wants them to
    # agree; the others read the first clip's.
    if style.checks_files:
        named = sorted({o for o in (_opponent(i, brief["team"]) for i in infos.values()) if o})
        if len(named) > 1 and style.reports:
            yield "report_issue", {"severity": "warning", "paths": assets, "summary":
                                   f"the clips' tags name several opponents: {', '.join(named)}"}
            issues.append(f"the clips' tags name several opponents: {', '.join(named)}")
        opponent = named[0] if named else None
    else:
        first = clips[0]["path"] if clips else (assets[0] if assets else None)
        opponent = _opponent((yield from _info(first, style)), brief["team"]) if first else None
    if opponent is None:
        if style.invents:
            opponent = posixpath.basename(brief["match_dir"]).rsplit(" ", 1)[-1].title()
        else:
            issues.append("no clip's tags name the opponent")
    recipients = yield from _recipients(brief, style)
    yield "finish", {"result": {
        "team": brief["team"], "match_date": brief["match_date"],
        "shotlist_summary": _summary(brief["shotlist"], lines),
        "video_assets": assets, "clips": clips,
        "synthesis": {"opponent": opponent or "", "total_duration_s":
                      sum(_seconds(r) for r in lines), "recipients": recipients},
        "issues": issues}}
