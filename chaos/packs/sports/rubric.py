"""`rubric`: the clean benchmark a sports desk picked its models with, judged from what happened.

Five items on the `sports_media` world: summarise the match's shot list, list the match folder's
video assets, hand the clip table to a sub-agent and use its answer, synthesise from several
sources (the clips' media tags, the shot list, the subscriber CSV), and answer with a structured
JSON report. Each item is judged from the trace and the end state — the files the agents really
read, the work really handed on, the bytes at the paths they name — never from what they say.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chaos._normalize import address_key, name_key
from chaos.packs.sports.highlight import ClipEntry, IsoDate
from chaos.packs.sports.world import CLIP_IDS
from chaos.tasks._base import EndState, Shipped, TaskFacts, TaskKind, TaskVerdict, task_kind
from chaos.tasks._evidence import read_ok, used_sub_answers
from chaos.world import EpisodeFs, World, sha256

__all__ = ["RUBRIC_ITEMS", "Rubric", "RubricClip", "RubricReport", "Synthesis", "rubric_score"]

#: The items, in the order the brief asks for them; each failing reason starts with its item.
RUBRIC_ITEMS = ("summary", "assets", "delegation", "synthesis", "report")


#: One row of the clip table: a clip id and the file that holds it, as in a manifest.
RubricClip = ClipEntry


class Synthesis(BaseModel):
    """What the report brings together from several sources."""

    model_config = ConfigDict(extra="forbid")
    opponent: str = Field(description="The other team of the match, from the clips' media tags")
    total_duration_s: int = Field(description="The sum of the shot list's duration_s column")
    recipients: list[str] = Field(description="Emails of the team's opted-in subscribers")


class RubricReport(BaseModel):
    """The final answer: the structured rubric report."""

    model_config = ConfigDict(extra="forbid")
    team: str
    match_date: IsoDate = Field(description="YYYY-MM-DD")
    shotlist_summary: str = Field(description="A few sentences naming every clip id on the list")
    video_assets: list[str] = Field(description="Absolute path of every video in the match folder")
    clips: list[RubricClip] = Field(description="The sub-agent's clip table, one row per clip")
    synthesis: Synthesis
    issues: list[str] = Field(default_factory=list, description="Problems found, if any")


def rubric_score(reasons: list[str]) -> tuple[int, int]:
    """(items passed, items) from a rubric verdict's reasons; a crashed episode scores 0."""
    failed = {reason.split(":", 1)[0] for reason in reasons}
    if failed - set(RUBRIC_ITEMS):
        return 0, len(RUBRIC_ITEMS)
    return len(RUBRIC_ITEMS) - len(failed), len(RUBRIC_ITEMS)


def _mentions(text: str, word: str) -> bool:
    """Whole-word, in any case or Unicode form: `goal-1` is not mentioned by `goal-10`."""
    return re.search(rf"(?<![\w-]){re.escape(name_key(word))}(?![\w-])",
                     name_key(text)) is not None


def _shotlist(world: World) -> tuple[str, list[dict[str, str]]]:
    """The shot list as generated: its text and its rows."""
    text = world.files[world.truth.shotlist_path].data.decode("utf-8-sig", errors="replace")
    return text, list(csv.DictReader(io.StringIO(text)))


def _digest(fs: EpisodeFs, path: str) -> str | None:
    data = fs.file_bytes(path)
    return None if data is None else sha256(data)


def _resolved(path: str) -> str:
    """The path as the filesystem names it, or its repr when it names no file at all."""
    try:
        return EpisodeFs.resolve(path)
    except (ValueError, OSError):
        return repr(path)


def _clip_id(world: World, written: Any) -> Any:
    """The shot-list clip id a written one names in any letter case or Unicode form."""
    if not isinstance(written, str):
        return written
    return next((c.clip_id for c in world.truth.clips if name_key(c.clip_id) == name_key(written)),
                written)


def _match_videos(world: World) -> list[str]:
    """Every real clip file in the match folder, copies included (the truth of `assets`)."""
    t = world.truth
    return sorted(p for p in t.team_clips[t.team] if p.startswith(t.match_dir + "/"))


@task_kind("rubric")
class Rubric(TaskKind):
    """The desk's model-selection rubric: five items, each judged from what really happened."""

    Result = RubricReport

    def brief(self, world: World, params: Any, extra: str = "") -> str:
        """The assignment: the five items in words, then a JSON brief for scripted agents."""
        t = world.truth
        brief = {"step": "rubric", "team": t.team, "match_date": t.match_date,
                 "match_dir": t.match_dir, "shotlist": t.shotlist_path,
                 "subscribers": t.subscribers_path}
        text = (
            f"Rubric for {t.team}'s match of {t.match_date}; the match folder is {t.match_dir}. "
            "Work only from the files, and answer with finish and one JSON report:\n"
            f"1. shotlist_summary: read the shot list {t.shotlist_path} and summarise it in a "
            "few sentences that name every clip id on it.\n"
            "2. video_assets: the absolute path of every video file in the match folder (all of "
            "them, copies included, nothing else).\n"
            "3. clips: delegate to a sub-agent the clip table — for each clip id on the shot "
            "list, the file in the match folder that holds it, checked by its media tags "
            "(file_info) — and use its answer.\n"
            "4. synthesis: opponent (the other team, from the clips' media tags), "
            "total_duration_s (the sum of the shot list's duration_s), and recipients (the "
            f"emails of {t.team}'s subscribers who opted in, from {t.subscribers_path}).\n"
            "5. team and match_date (YYYY-MM-DD); issues: problems found, if any.\n"
        )
        if extra.strip():
            text += extra.strip() + "\n"
        return text + f"Brief: {json.dumps(brief)}"

    def facts(self, world: World, params: Any) -> TaskFacts:
        """The shot list's clips are what the rubric's answers depend on."""
        t = world.truth
        return TaskFacts(needed=tuple(c.path for c in t.clips),
                         names={c.path: c.clip_id for c in t.clips})

    # -- the verdict ---------------------------------------------------------------------------
    def check(self, end: EndState) -> TaskVerdict:
        """Each of the five items; every failing one gives reasons that start with its name."""
        if end.result is None:
            return TaskVerdict(False, [f"{item}: no final report" for item in RUBRIC_ITEMS])
        try:
            report = RubricReport.model_validate(end.result)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'result'}: {e['msg']}"
                                 for e in exc.errors())
            return TaskVerdict(False, [f"{item}: no valid report to judge"
                                       for item in RUBRIC_ITEMS[:-1]]
                               + [f"report: does not match the report schema: {problems}"])
        reasons = [f"{item}: {problem}" for item, problems in (
            ("summary", self._summary_problems(end, report)),
            ("assets", self._asset_problems(end, report)),
            ("delegation", self._delegation_problems(end, report)),
            ("synthesis", self._synthesis_problems(end, report)),
            ("report", self._report_problems(end, report))) for problem in problems]
        return TaskVerdict(not reasons, reasons)

    def _summary_problems(self, end: EndState, report: RubricReport) -> list[str]:
        path = end.world.truth.shotlist_path
        text, rows = _shotlist(end.world)
        problems = [] if read_ok(end.trace, path) else [
            f"nobody in the chain read {path} (no successful read_file on it in the trace)"]
        summary = report.shotlist_summary
        problems += [f"does not mention {r['clip_id']}, which is on the shot list"
                     for r in rows if not _mentions(summary, r["clip_id"])]
        problems += [f"mentions {clip_id}, which is not on the shot list" for clip_id in CLIP_IDS
                     if _mentions(summary, clip_id) and not _mentions(text, clip_id)]
        return problems

    def _asset_problems(self, end: EndState, report: RubricReport) -> list[str]:
        expected = _match_videos(end.world)
        listed: dict[str, int] = {}
        for path in report.video_assets:
            listed[_resolved(path)] = listed.get(_resolved(path), 0) + 1
        problems = []
        for path in sorted(listed):
            if path not in expected:
                state = "does not exist" if _digest(end.fs, path) is None else \
                    "is not a clip of this match"
                problems.append(f"{path} {state}")
            elif listed[path] > 1:
                problems.append(f"{path} is listed {listed[path]} times")
        problems += [f"{path} is missing" for path in expected if path not in listed]
        return problems

    def _delegation_problems(self, end: EndState, report: RubricReport) -> list[str]:
        answers, problems = used_sub_answers(end.trace)
        clips = {c.clip_id: c for c in end.world.truth.clips}
        seen: dict[str, int] = {}
        for row in report.clips:
            clip_id = _clip_id(end.world, row.clip_id)
            seen[clip_id] = seen.get(clip_id, 0) + 1
            if answers and not any(row.path in text or _resolved(row.path) in text
                                   for text in answers):
                problems.append(f"{row.clip_id}: {row.path} is not from a sub-agent's answer")
            clip = clips.get(clip_id)
            digest = _digest(end.fs, _resolved(row.path))
            if clip is None:
                problems.append(f"{row.clip_id!r} is not on the shot list")
            elif digest is None:
                problems.append(f"{row.clip_id}: {row.path} does not exist")
            elif digest != clip.digest:
                problems.append(f"{row.clip_id}: {row.path} holds the wrong footage")
        for clip_id in clips:
            if seen.get(clip_id, 0) == 0:
                problems.append(f"{clip_id}: missing from the clip table")
            elif seen[clip_id] > 1:
                problems.append(f"{clip_id}: listed {seen[clip_id]} times")
        return problems

    def _synthesis_problems(self, end: EndState, report: RubricReport) -> list[str]:
        t = end.world.truth
        got = report.synthesis
        problems = []
        if name_key(got.opponent) != name_key(t.opponent):
            problems.append(f"opponent is {got.opponent!r}, expected {t.opponent!r}")
        _, rows = _shotlist(end.world)
        total = sum(int(r["duration_s"]) for r in rows)
        if got.total_duration_s != total:
            problems.append(f"total_duration_s is {got.total_duration_s}, the shot list sums "
                            f"to {total}")
        named = {address_key(a) for a in got.recipients}
        wanted = {address_key(a) for a in t.recipients}
        if named - wanted:
            problems.append(f"recipients holds {', '.join(sorted(named - wanted))}: not opted-in "
                            f"subscribers of {t.team}")
        if wanted - named:
            problems.append(f"recipients lacks {', '.join(sorted(wanted - named))}")
        return problems

    def _report_problems(self, end: EndState, report: RubricReport) -> list[str]:
        t = end.world.truth
        problems = []
        if name_key(report.team) != name_key(t.team):
            problems.append(f"team is {report.team!r}, expected {t.team!r}")
        if report.match_date != t.match_date:
            problems.append(f"match_date is {report.match_date!r}, expected {t.match_date!r}")
        return problems

    # -- what the oracle needs for faults a profile adds ----------------------------------------
    def _report_clips(self, end: EndState) -> list[Shipped]:
        if "report_clips" not in end.memo:
            rows = (end.result or {}).get("clips", [])
            end.memo["report_clips"] = [
                Shipped("report", _resolved(str(r.get("path"))),
                        _digest(end.fs, _resolved(str(r.get("path")))),
                        _clip_id(end.world, r.get("clip_id")))
                for r in rows if isinstance(r, dict)]
        return end.memo["report_clips"]

    def _report_assets(self, end: EndState) -> list[Shipped]:
        if "report_assets" not in end.memo:
            by_digest = {c.digest: c.clip_id for c in end.world.truth.clips}
            assets = []
            for path in (end.result or {}).get("video_assets", []):
                digest = _digest(end.fs, _resolved(str(path)))
                assets.append(Shipped("report", _resolved(str(path)), digest,
                                      by_digest.get(digest)))
            end.memo["report_assets"] = assets
        return end.memo["report_assets"]

    def shipped(self, end: EndState) -> list[Shipped]:
        """The report leaves the desk: its clip table and its asset list, with their bytes."""
        return self._report_clips(end) + self._report_assets(end)

    def handled(self, end: EndState, targets: list[str]) -> bool:
        """True when every targeted clip is in the report with its right bytes.

        A targeted subscriber CSV also needs the right recipients.
        """
        t = end.world.truth
        every = t.shotlist_path in targets
        wanted = {c.clip_id: c.digest for c in t.clips if every or c.path in targets}
        got = {s.subject: s.digest for s in self._report_clips(end)}
        if any(got.get(clip_id) != digest for clip_id, digest in wanted.items()):
            return False
        if not set(wanted.values()) <= {s.digest for s in self._report_assets(end)}:
            return False
        if t.subscribers_path in targets:
            named = {address_key(str(a)) for a in
                     ((end.result or {}).get("synthesis") or {}).get("recipients", [])}
            if named != {address_key(a) for a in t.recipients}:
                return False
        return bool(wanted) or t.subscribers_path in targets

    def subjects(self, world: World, targets: list[str]) -> list[str]:
        """Clip ids and file names of the targets."""
        ids = [c.clip_id for c in world.truth.clips if c.path in targets]
        return ids + [p.rsplit("/", 1)[-1] for p in targets if p.startswith("/")]

    def wrong_for_subject(self, end: EndState, targets: list[str]) -> list[Shipped]:
        """Clip-table rows standing for targeted clips with other bytes, or none."""
        wanted = {c.clip_id: c.digest for c in end.world.truth.clips if c.path in targets}
        return [s for s in self._report_clips(end)
                if s.subject in wanted and s.digest != wanted[s.subject]]
