"""`highlight_package`: assemble the right clips for one team's match, from a messy tree."""

from __future__ import annotations

import json
import posixpath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chaos.tasks._base import Shipped, TaskKind, TaskVerdict, task_kind
from chaos.world import EpisodeFs, World, sha256

__all__ = ["ClipEntry", "HighlightManifest", "HighlightPackage"]


class ClipEntry(BaseModel):
    """One clip of the package."""

    model_config = ConfigDict(extra="forbid")
    clip_id: str = Field(description="The clip id from the shot list")
    path: str = Field(description="Absolute path of the chosen file")


class HighlightManifest(BaseModel):
    """The final answer: the manifest that gets published."""

    model_config = ConfigDict(extra="forbid")
    team: str
    match_date: str = Field(description="YYYY-MM-DD")
    clips: list[ClipEntry] = Field(description="One entry per shot-list clip that was found")
    issues: list[str] = Field(default_factory=list, description="Problems found, if any")


def _digest(fs: EpisodeFs, path: str) -> str | None:
    try:
        return sha256(fs.read_all(path)) if fs.exists(path) and not fs.is_dir(path) else None
    except (OSError, ValueError):
        return None


@task_kind("highlight_package")
class HighlightPackage(TaskKind):
    """Pick the file for each clip on a match's shot list; publish the manifest."""

    Result = HighlightManifest

    def brief(self, world: World, extra: str = "") -> str:
        """The producer's assignment, in words and as a JSON brief."""
        t = world.truth
        brief = {
            "step": "produce_package",
            "team": t.team,
            "opponent": t.opponent,
            "match_date": t.match_date,
            "match_dir": t.match_dir,
            "shotlist": t.shotlist_path,
        }
        text = (
            f"Build the highlight package for {t.team} v {t.opponent} ({t.match_date}). "
            f"The shot list is {t.shotlist_path}; the match folder is {t.match_dir}. "
            "Every clip on the shot list must be the team's real match footage: never stock "
            "footage, never another match. When done, call finish with the manifest "
            "(team, match_date, clips [{clip_id, path}], issues). Leave out clips you cannot "
            "find and say so in issues.\n"
            f"Brief: {json.dumps(brief)}"
        )
        return text + (f"\n{extra.strip()}" if extra.strip() else "")

    def shipped(self, result: dict[str, Any] | None, fs: EpisodeFs) -> list[Shipped]:
        """Each clip path in the published manifest, with the bytes found there."""
        if not result:
            return []
        out = []
        for entry in result.get("clips", []):
            path = EpisodeFs.resolve(entry["path"]) if entry.get("path") else ""
            out.append(
                Shipped("manifest", path, _digest(fs, path) if path else None, entry.get("clip_id"))
            )
        return out

    def check(self, result: dict[str, Any] | None, fs: EpisodeFs, world: World) -> TaskVerdict:
        """Every shot-list clip once, each the right bytes; nothing else."""
        if result is None:
            return TaskVerdict(False, ["no final manifest"])
        t = world.truth
        reasons: list[str] = []
        if result.get("team") != t.team:
            reasons.append(f"manifest team is {result.get('team')!r}, expected {t.team!r}")
        if result.get("match_date") != t.match_date:
            reasons.append(
                f"manifest date is {result.get('match_date')!r}, expected {t.match_date!r}"
            )
        shipped = self.shipped(result, fs)
        expected = {c.clip_id: c for c in t.clips}
        seen: dict[str, int] = {}
        for item in shipped:
            seen[item.subject or ""] = seen.get(item.subject or "", 0) + 1
            clip = expected.get(item.subject or "")
            if clip is None:
                reasons.append(f"{item.subject!r} is not on the shot list")
            elif item.digest is None:
                reasons.append(f"{item.subject}: {item.path} does not exist")
            elif item.digest != clip.digest:
                reasons.append(f"{item.subject}: {item.path} holds the wrong footage")
        for clip_id in expected:
            if seen.get(clip_id, 0) == 0:
                reasons.append(f"{clip_id}: missing from the manifest")
            elif seen[clip_id] > 1:
                reasons.append(f"{clip_id}: listed {seen[clip_id]} times")
        return TaskVerdict(not reasons, reasons)

    def handled(
        self, result: dict[str, Any] | None, fs: EpisodeFs, world: World, targets: list[str]
    ) -> bool:
        """True when every targeted clip is in the manifest with its right bytes."""
        wanted = {c.clip_id: c.digest for c in world.truth.clips if c.path in targets}
        if not wanted or result is None:
            return False
        got = {s.subject: s.digest for s in self.shipped(result, fs)}
        return all(got.get(clip_id) == digest for clip_id, digest in wanted.items())

    def subjects(self, world: World, targets: list[str]) -> list[str]:
        """Clip ids and file names of the targets."""
        ids = [c.clip_id for c in world.truth.clips if c.path in targets]
        return ids + [posixpath.basename(p) for p in targets]

    def wrong_for_subject(
        self, result: dict[str, Any] | None, fs: EpisodeFs, world: World, targets: list[str]
    ) -> list[Shipped]:
        """Manifest entries for the targets' clip ids that do not hold the right bytes."""
        wanted = {c.clip_id: c.digest for c in world.truth.clips if c.path in targets}
        return [
            s
            for s in self.shipped(result, fs)
            if s.subject in wanted and s.digest != wanted[s.subject]
        ]
