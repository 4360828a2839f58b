"""`highlight_package`: pick the right clips from a messy tree, publish, mail the subscribers."""

from __future__ import annotations

import contextlib
import json
import posixpath
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from chaos._normalize import address_key, iso_date, name_key
from chaos.packs.sports._distribution import (
    attached,
    dead_links,
    deliveries,
    distribution_problems,
    logo_ok_for,
    outbound_artifacts,
    unwanted_recipients,
)
from chaos.tasks._base import EndState, Shipped, TaskFacts, TaskKind, TaskVerdict, task_kind
from chaos.world import EpisodeFs, World, sha256

__all__ = ["ClipEntry", "HighlightManifest", "HighlightPackage", "HighlightParams", "IsoDate"]

#: A date an answer gives: `finish` refuses what is no ISO date and keeps it as YYYY-MM-DD,
#: the form the oracle compares.
IsoDate = Annotated[str, AfterValidator(iso_date)]


class ClipEntry(BaseModel):
    """One clip of the package."""

    model_config = ConfigDict(extra="forbid")
    clip_id: str = Field(description="The clip id from the shot list")
    path: str = Field(description="Absolute path of the chosen file")


class HighlightManifest(BaseModel):
    """The final answer: the manifest of the package."""

    model_config = ConfigDict(extra="forbid")
    team: str
    match_date: IsoDate = Field(description="YYYY-MM-DD")
    clips: list[ClipEntry] = Field(description="One entry per shot-list clip that was found")
    issues: list[str] = Field(default_factory=list, description="Problems found, if any")


class HighlightParams(BaseModel):
    """Parameters of highlight_package.

    Attributes:
        publish: The chain must also publish the package video (publish_video).
        mail_subscribers: The chain must also mail each opted-in subscriber of the team, once,
            with the team's current logo attached.
        text_desk: The chain must also text the team's social desk the published video's link.
        save_manifest: The chain must also save the manifest as JSON at the world's manifest
            path.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    publish: bool = False
    mail_subscribers: bool = False
    text_desk: bool = False
    save_manifest: bool = False

    @model_validator(mode="after")
    def _text_needs_a_link(self) -> HighlightParams:
        if self.text_desk and not self.publish:
            raise ValueError("text_desk: true needs publish: true (the text carries the "
                             "published video's link); set publish: true or drop text_desk")
        return self


def _digest(fs: EpisodeFs, path: str) -> str | None:
    data = fs.file_bytes(path)
    return None if data is None else sha256(data)


def _entries(clips: Any) -> Any:
    """A manifest's clips as the oracle reads them: ids in any case or form, paths resolved."""
    if not isinstance(clips, list):
        return clips
    read = []
    for entry in clips:
        if not isinstance(entry, dict):
            read.append(entry)
            continue
        path = entry.get("path")
        with contextlib.suppress(ValueError, OSError):
            path = EpisodeFs.resolve(path) if isinstance(path, str) else path
        read.append(entry | {"clip_id": name_key(entry.get("clip_id")), "path": path})
    return read


@task_kind("highlight_package")
class HighlightPackage(TaskKind):
    """Pick the file for each clip on a match's shot list; publish; mail the subscribers."""

    Result = HighlightManifest
    Params = HighlightParams
    #: A parameter that asks for a part -> the tools (any one) some reachable agent needs for
    #: it; a chain without is refused on load (chaos.profile._chain_shape).
    chain_needs: ClassVar[dict[str, tuple[str, ...]]] = {
        "publish": ("publish_video",), "mail_subscribers": ("send_email",),
        "text_desk": ("send_sms",), "save_manifest": ("write_file",)}

    def brief(self, world: World, params: HighlightParams, extra: str = "") -> str:
        """The producer's assignment, in words and as a JSON brief."""
        t = world.truth
        brief: dict[str, Any] = {
            "step": "produce_package", "team": t.team, "opponent": t.opponent,
            "match_date": t.match_date, "match_dir": t.match_dir, "shotlist": t.shotlist_path}
        text = (
            f"Build the highlight package for {t.team} v {t.opponent} ({t.match_date}). "
            f"The shot list is {t.shotlist_path}; the match folder is {t.match_dir}. "
            "Every clip on the shot list must be the team's real match footage: never stock "
            "footage, never another match. Leave out clips you cannot find and say so in "
            "issues. "
        )
        if params.publish:
            brief |= {"publish": True, "platform": t.platform}
            text += f"Publish the package video to {t.platform} (publish_video). "
        if params.mail_subscribers:
            brief |= {"mail": True, "subscribers": t.subscribers_path, "logo": t.logo}
            text += (f"Mail every subscriber of {t.team} who opted in (see "
                     f"{t.subscribers_path}) exactly once, with the team's current logo "
                     f"({t.logo}) attached, valid and correctly labelled. ")
        if params.save_manifest:
            brief |= {"save_to": t.manifest_path}
            text += f"Save the manifest as JSON to {t.manifest_path} (write_file). "
        if params.text_desk:
            brief |= {"sms_to": t.desk_phone}
            text += (f"Text the social desk ({t.desk_phone}) the link to the published video "
                     "(send_sms). ")
        text += ("When done, call finish with the manifest (team, match_date, "
                 "clips [{clip_id, path}], issues).\n")
        if extra.strip():
            # Before the brief, as in every task kind: the brief is the text's last line.
            text += extra.strip() + "\n"
        return text + f"Brief: {json.dumps(brief)}"

    def facts(self, world: World, params: HighlightParams) -> TaskFacts:
        """The clips the package needs, the subscribers to mail, the manifest to save."""
        t = world.truth
        names = {c.path: c.clip_id for c in t.clips} | {t.logo: "logo"}
        return TaskFacts(
            needed=tuple(c.path for c in t.clips),
            recipients=tuple(t.recipients) if params.mail_subscribers else (),
            outputs=(t.manifest_path,) if params.save_manifest else (),
            names=names)

    def _manifest(self, end: EndState) -> list[Shipped]:
        if "manifest" not in end.memo:
            end.memo["manifest"] = self._read_manifest(end)
        return end.memo["manifest"]

    def _read_manifest(self, end: EndState) -> list[Shipped]:
        if not end.result:
            return []
        # A clip id names its shot-list clip in any letter case or Unicode form.
        ids = {name_key(c.clip_id): c.clip_id for c in end.world.truth.clips}
        out = []
        for entry in end.result.get("clips", []):
            clip_id = entry.get("clip_id")
            if isinstance(clip_id, str):
                clip_id = ids.get(name_key(clip_id), clip_id)
            try:
                path = EpisodeFs.resolve(entry["path"])
            except (ValueError, OSError):  # empty, NUL byte, too long: names no file
                out.append(Shipped("manifest", repr(entry.get("path")), None, clip_id))
                continue
            out.append(Shipped("manifest", path, _digest(end.fs, path), clip_id))
        return out

    def shipped(self, end: EndState) -> list[Shipped]:
        """Manifest entries (with the bytes at their paths), uploads, mail, SMS."""
        return self._manifest(end) + outbound_artifacts(end)

    def check(self, end: EndState) -> TaskVerdict:
        """Every shot-list clip once with the right bytes; then publishing and mail if asked."""
        if end.result is None:
            return TaskVerdict(False, ["no final manifest"])
        t = end.world.truth
        reasons: list[str] = []
        if name_key(end.result.get("team")) != name_key(t.team):
            reasons.append(f"manifest team is {end.result.get('team')!r}, expected {t.team!r}")
        if end.result.get("match_date") != t.match_date:
            reasons.append(f"manifest date is {end.result.get('match_date')!r}, "
                           f"expected {t.match_date!r}")
        expected = {c.clip_id: c for c in t.clips}
        seen: dict[str, int] = {}
        for item in self._manifest(end):
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
        reasons += distribution_problems(end)
        if end.params.save_manifest:
            reasons += self._saved_problems(end)
        return TaskVerdict(not reasons, reasons)

    def _saved_problems(self, end: EndState) -> list[str]:
        path = end.world.truth.manifest_path
        try:
            saved = json.loads(end.fs.read_all(path))
        except (OSError, ValueError):
            return [f"no readable manifest saved at {path}"]
        if not isinstance(saved, dict) or \
                _entries(saved.get("clips")) != _entries((end.result or {}).get("clips")):
            return [f"the manifest saved at {path} differs from the final one"]
        return []

    def handled(self, end: EndState, targets: list[str]) -> bool:
        """True when every targeted clip, logo or recipient was served right."""
        t = end.world.truth
        # A fault on the shot list aims at every clip it names.
        every = t.shotlist_path in targets
        wanted = {c.clip_id: c.digest for c in t.clips if every or c.path in targets}
        got = {s.subject: s.digest for s in self._manifest(end)}
        if any(got.get(clip_id) != digest for clip_id, digest in wanted.items()):
            return False
        if wanted and end.params.publish:
            published = {i.digest for u in end.sinks.uploads for i in u.items}
            if not set(wanted.values()) <= published:
                return False
        if t.manifest_path in targets and end.params.save_manifest and self._saved_problems(end):
            return False
        # A delivery fault is handled when the mail got through once; the logo's state is
        # another fault's concern.
        people = [x.removeprefix("mailto:") for x in targets if x.startswith("mailto:")]
        counts = deliveries(end)
        if any(counts.get(address_key(p), 0) != 1 for p in people):
            return False
        if people and end.params.mail_subscribers and not all(attached(end, p) for p in people):
            # Delivered without the logo the task asked for (its state is a logo fault's
            # concern, its absence is not).
            return False
        logo = t.logo in targets
        if logo and not all(logo_ok_for(end, p) for p in t.recipients):
            return False
        return bool(wanted or people or logo or t.manifest_path in targets)

    def subjects(self, world: World, targets: list[str]) -> list[str]:
        """Clip ids, file names and addresses of the targets."""
        ids = [c.clip_id for c in world.truth.clips if c.path in targets]
        names = [posixpath.basename(p) if p.startswith("/") else p.removeprefix("mailto:")
                 for p in targets]
        return ids + names + (["logo"] if world.truth.logo in targets else [])

    def wrong_for_subject(self, end: EndState, targets: list[str]) -> list[Shipped]:
        """Manifest entries standing for targeted clips with other bytes; duplicate mail."""
        wanted = {c.clip_id: c.digest for c in end.world.truth.clips if c.path in targets}
        wrong = [s for s in self._manifest(end)
                 if s.subject in wanted and s.digest != wanted[s.subject]]
        counts = deliveries(end)
        for target in targets:
            address = address_key(target.removeprefix("mailto:"))
            if target.startswith("mailto:") and counts.get(address, 0) > 1:
                wrong.append(Shipped("mail", target, None, address, ("duplicate_delivery",)))
        if wanted:
            # A clip that could not be published, texted as a link to nothing.
            wrong += dead_links(end)
        if end.world.truth.subscribers_path in targets:
            wrong += unwanted_recipients(end)
        return wrong
