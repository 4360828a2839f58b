"""The ground truth of a sports-media world: the assignment's clips, logo and subscribers."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ClipTruth", "SportsTruth"]


@dataclass(frozen=True)
class ClipTruth:
    """What the oracle knows about one clip the task needs.

    Attributes:
        clip_id: The id on the shot list (`goal-1`).
        path: Where the right file lies.
        digest: SHA-256 of the right bytes; copies with the same bytes are as good.
    """

    clip_id: str
    path: str
    digest: str


@dataclass(frozen=True)
class SportsTruth:
    """Ground truth of a sports-media world for the episode's assignment.

    Attributes:
        team: The team the highlight package is for.
        opponent: The other team of the match.
        match_date: ISO date of the match.
        match_dir: The match's folder.
        shotlist_path: The CSV naming the clips the package needs.
        clips: The right file for each clip id, in shot-list order.
        team_clips: Every clip path per team (for "is this clip the team's?" checks).
        current_logo: Path of each team's current logo.
        subscribers_path: The subscriber CSV.
        recipients: Opted-in subscribers of the team, sorted: who the team's mail must reach.
        platform: Where the package video is published.
        desk_phone: The team's social desk, texted the video link.
        manifest_path: Where the chain saves the package manifest (its folder exists).
    """

    team: str
    opponent: str
    match_date: str
    match_dir: str
    shotlist_path: str
    clips: tuple[ClipTruth, ...]
    team_clips: dict[str, tuple[str, ...]]
    current_logo: dict[str, str]
    subscribers_path: str
    recipients: tuple[str, ...] = ()
    platform: str = "youtube"
    desk_phone: str = "+15550100000"
    manifest_path: str = "/prod/distribution/manifests/package.json"

    def describe(self) -> dict[str, str]:
        """The assignment in words, for `chaos explain`."""
        names = ("team", "opponent", "match_date", "match_dir", "shotlist_path",
                 "subscribers_path", "manifest_path")
        return {name: str(getattr(self, name)) for name in names} | {
            "clips": ", ".join(c.clip_id for c in self.clips)}

    @property
    def logo(self) -> str:
        """The current logo of the assignment's team."""
        return self.current_logo[self.team]
