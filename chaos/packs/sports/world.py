"""`sports_media`: the messy production tree of a sports-media operation.

Per-team clip folders with inconsistent names, a stock-footage library whose names look like
team clips, brand logos, scripts and notes, a subscriber CSV — every file with real bytes of its
type — and the ground truth of one assignment: a highlight package for one team's match.
"""

from __future__ import annotations

import csv
import io
import json
import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from faker import Faker
from pydantic import BaseModel, ConfigDict, Field, model_validator

from chaos._seeding import derive_rng, derive_seed
from chaos.packs.sports._truth import ClipTruth, SportsTruth
from chaos.world._assets import jpeg_bytes, mp4_bytes, pdf_bytes, png_bytes
from chaos.world._generators import world_generator
from chaos.world._model import World, WorldFile, sha256

__all__ = ["MAX_WORLD_FILES", "MAX_WORLD_MEMORY", "SportsMediaParams", "WorldSize",
           "build_sports_media", "estimate_world"]

ROOT = "/prod"
CLIP_IDS = (
    "goal-1",
    "goal-2",
    "goal-3",
    "save-1",
    "save-2",
    "foul-1",
    "penalty",
    "celebration",
    "interview",
    "tactics-1",
    "crowd",
    "kickoff",
)
MASCOTS = (
    "Hawks",
    "Rovers",
    "Lions",
    "Mariners",
    "Comets",
    "Foxes",
    "Rangers",
    "Wolves",
    "Harriers",
    "Pilots",
    "Otters",
    "Bears",
)
SEASON_START = date(2026, 1, 10)
SEASON_DAYS = 160
STOCK_SUBJECTS = (
    "goal celebration",
    "stadium crowd wide",
    "save slow motion",
    "kickoff aerial",
    "fans singing",
    "penalty tension",
    "ball in net",
    "coach interview backdrop",
    "tactics board",
    "floodlights night",
    "corner kick",
    "team huddle",
)


class SportsMediaParams(BaseModel):
    """Parameters of the `sports_media` world.

    Attributes:
        teams: Number of teams.
        matches_per_team: Match folders per team.
        clips_per_match: Clips on each match's shot list.
        stock_clips: Files in the stock-footage library.
        scale: Multiplies matches and stock footage, for bigger trees.
        video_bytes: Payload size of each video file.
    """

    model_config = ConfigDict(extra="forbid")

    teams: int = Field(4, ge=2, le=12)
    matches_per_team: int = Field(3, ge=1, le=50)
    clips_per_match: int = Field(5, ge=1, le=len(CLIP_IDS))
    stock_clips: int = Field(40, ge=0, le=5000)
    scale: int = Field(1, ge=1, le=100)
    video_bytes: int = Field(4096, ge=512, le=262_144)

    @model_validator(mode="after")
    def _season_fits(self) -> SportsMediaParams:
        if self.matches_per_team * self.scale > SEASON_DAYS:
            raise ValueError(f"matches_per_team x scale is {self.matches_per_team * self.scale};"
                             f" a season has {SEASON_DAYS} match days")
        return self

    @model_validator(mode="after")
    def _fits_in_memory(self) -> SportsMediaParams:
        size = estimate_world(self)
        if size.memory <= MAX_WORLD_MEMORY and size.files <= MAX_WORLD_FILES:
            return self
        videos = self.teams * self.matches_per_team * self.scale * self.clips_per_match + \
            self.stock_clips * self.scale
        room = (MAX_WORLD_MEMORY - (size.memory - 3 * videos * (self.video_bytes + _VIDEO_TAGS)))
        fits = room // (3 * videos) - _VIDEO_TAGS
        hint = (f"lower video_bytes to at most {fits:,}, or lower stock_clips, scale, "
                "teams, matches_per_team or clips_per_match" if fits >= 512 and
                size.files <= MAX_WORLD_FILES else
                "lower stock_clips, scale, teams, matches_per_team or clips_per_match")
        raise ValueError(
            f"these params build a world of ~{size.files:,} files and ~{size.bytes / 2**20:,.0f}"
            f" MiB, ~{size.memory / 2**20:,.0f} MiB in memory with its filesystem and an "
            f"episode's copy; a world holds at most {MAX_WORLD_FILES:,} files and "
            f"{MAX_WORLD_MEMORY // 2**20} MiB in memory: {hint}")


#: Most memory one world may take: its files, its filesystem template and one episode's copy
#: (a run holds a few worlds ahead and one copy per episode in flight: ~1 GB at most).
MAX_WORLD_MEMORY = 160 * 2**20
#: Most files in one world: generating takes ~0.7 ms a file, ~15 s a world at this bound.
MAX_WORLD_FILES = 20_000
# Measured bytes a generated file takes (see `estimate_world`).
_VIDEO_TAGS = 320
_PER_FILE_OVERHEAD = 3_000


@dataclass(frozen=True)
class WorldSize:
    """What a `sports_media` world will take, estimated from its params before it is built.

    Attributes:
        files: Files in the world.
        bytes: Bytes of file content (a duplicate shares its original's bytes).
        memory: Bytes in memory: the content three times (the world, its filesystem template,
            one episode's filesystem) and ~3 KB of bookkeeping a file.
    """

    files: int
    bytes: int
    memory: int


def estimate_world(params: SportsMediaParams) -> WorldSize:
    """The size of the world `params` build, within a few percent of a measured one."""
    matches = params.teams * params.matches_per_team * params.scale
    clips = params.clips_per_match
    stock = params.stock_clips * params.scale
    # Per match: its clips (15 % duplicated), thumbnails, shot list, checksums, notes, script,
    # sometimes a .DS_Store, a voice-over; then stock, logos and the few shared files.
    files = int(matches * (2.15 * clips + 5.3)) + stock + 3 * params.teams + 6
    content = ((matches * clips + stock) * (params.video_bytes + _VIDEO_TAGS)
               + matches * (344 * clips + 1500) + 1500 * params.scale + 600 * params.teams
               + 3000)
    return WorldSize(files, content, 3 * content + _PER_FILE_OVERHEAD * files)


def _epoch(day: date, rng: random.Random) -> int:
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        seconds=rng.randrange(8 * 3600, 23 * 3600)
    )
    return int(moment.timestamp())


def _team_folder(name: str, style: int) -> str:
    return [name, name.lower().replace(" ", "_"), name.upper(), name.replace(" ", "-")][style]


def _match_folder(day: date, opponent: str, style: int) -> str:
    short = opponent.split()[-1]
    return [
        f"{day.isoformat()} vs {opponent}",
        f"{day:%d.%m.%Y} {short} (home)",
        f"{day:%b %d %Y} - vs {short.lower()}",
        f"{day:%Y%m%d}_{short[:3].upper()}",
    ][style]


def _clip_name(clip_id: str, day: date, style: int) -> str:
    return [
        f"{clip_id}_final_v2.mp4",
        f"{clip_id} FINAL.mp4",
        f"{clip_id}-export-{day.isoformat()}.mp4",
        f"{clip_id}_{day:%Y%m%d}_master.MP4",
        f"{clip_id} (edit 3).mp4",
    ][style]


_FAKERS = threading.local()


def _faker(seed: int) -> Faker:
    """This thread's Faker, seeded for a world: building a Faker costs ~2 ms, seeding none.

    Seeding replaces its random state whole and `unique` forgets what it gave, so the text
    is the same as a new one's.
    """
    fake = getattr(_FAKERS, "fake", None)
    if fake is None:
        fake = _FAKERS.fake = Faker("en_US")
    fake.seed_instance(seed)
    fake.unique.clear()
    return fake


class _Builder:
    def __init__(self, seed: int, params: SportsMediaParams) -> None:
        self.seed = seed
        self.params = params
        self.rng = derive_rng("sports_media", seed)
        self.fake = _faker(derive_seed("sports_media.faker", seed))
        self.files: dict[str, WorldFile] = {}

    def add(self, path: str, data: bytes, mtime: int, *tags: str) -> WorldFile:
        item = WorldFile(path, data, mtime, frozenset(tags))
        self.files[path] = item
        return item

    def video(self, tags: dict[str, str]) -> bytes:
        return mp4_bytes(tags, self.params.video_bytes, self.rng)

    def teams(self) -> list[str]:
        names: list[str] = []
        mascots = self.rng.sample(MASCOTS, self.params.teams)
        for mascot in mascots:
            city = self.fake.city()
            while any(n.startswith(city) for n in names):
                city = self.fake.city()
            names.append(f"{city} {mascot}")
        return names


def _shotlist_csv(rows: list[tuple[str, str, int]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["clip_id", "description", "duration_s"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


@world_generator("sports_media", params=SportsMediaParams)
def build_sports_media(seed: int, params: SportsMediaParams) -> World:
    """Generate the sports-media world for `seed`.

    Args:
        seed: The world seed; the same seed gives the same bytes.
        params: Size and shape of the tree.

    Returns:
        The world with its ground truth.
    """
    b = _Builder(seed, params)
    rng = b.rng
    teams = b.teams()
    team_clips: dict[str, list[str]] = {t: [] for t in teams}
    matches: list[dict] = []
    for team in teams:
        team_dir = f"{ROOT}/teams/{_team_folder(team, rng.randrange(4))}"
        days = sorted(rng.sample(range(SEASON_DAYS), params.matches_per_team * params.scale))
        for offset in days:
            day = SEASON_START + timedelta(days=offset)
            opponent = rng.choice([t for t in teams if t != team])
            match_dir = f"{team_dir}/{_match_folder(day, opponent, rng.randrange(4))}"
            clip_ids = rng.sample(CLIP_IDS, params.clips_per_match)
            clips: list[tuple[str, str, str]] = []
            rows = []
            for clip_id in clip_ids:
                name = _clip_name(clip_id, day, rng.randrange(5))
                path = f"{match_dir}/clips/{name}"
                data = b.video(
                    {
                        "title": f"{team} v {opponent} - {clip_id}",
                        "artist": team,
                        "date": day.isoformat(),
                        "comment": f"clip_id={clip_id}",
                    }
                )
                mtime = _epoch(day + timedelta(days=1), rng)
                b.add(path, data, mtime, "video", "team_clip")
                team_clips[team].append(path)
                if rng.random() < 0.15:
                    # Finder-style duplicate: same bytes, so either copy is the right file.
                    copy = path.replace(".mp4", " (1).mp4").replace(".MP4", " (1).MP4")
                    b.add(copy, data, mtime + 60, "video", "team_clip", "copy")
                    team_clips[team].append(copy)
                thumb = jpeg_bytes(f"thumbnail {team} {clip_id} {day}", rng)
                b.add(f"{match_dir}/thumbs/{clip_id}.jpg", thumb, mtime, "image", "thumbnail")
                clips.append((clip_id, path, sha256(data)))
                rows.append(
                    (clip_id, b.fake.sentence(nb_words=6).rstrip("."), rng.randrange(6, 45))
                )
            shotlist = f"{match_dir}/shotlist.csv"
            b.add(shotlist, _shotlist_csv(rows), _epoch(day, rng), "text", "shotlist")
            # Ingest writes checksums beside the clips, as `sha256sum` prints them.
            sums = sorted((f.path, f.digest) for f in b.files.values()
                          if f.path.startswith(f"{match_dir}/clips/"))
            b.add(f"{match_dir}/clips/SHA256SUMS",
                  "".join(f"{d}  {p.rsplit('/', 1)[1]}\n" for p, d in sums).encode(),
                  max(b.files[p].mtime for p, _ in sums) + 300, "text", "checksums")
            b.add(
                f"{match_dir}/notes.txt",
                "\n".join(b.fake.paragraphs(3)).encode(),
                _epoch(day, rng),
                "text",
                "notes",
            )
            b.add(
                f"{match_dir}/script.pdf",
                pdf_bytes(f"Voice-over: {team} v {opponent}", b.fake.sentences(6)),
                _epoch(day, rng),
                "document",
                "script",
            )
            if rng.random() < 0.3:
                b.add(f"{match_dir}/.DS_Store", bytes(rng.randbytes(64)), _epoch(day, rng), "junk")
            matches.append(
                {
                    "team": team,
                    "opponent": opponent,
                    "day": day,
                    "dir": match_dir,
                    "shotlist": shotlist,
                    "clips": clips,
                }
            )

    for i in range(params.stock_clips * params.scale):
        subject = rng.choice(STOCK_SUBJECTS)
        look = rng.choice(
            [
                f"{subject} {i:02d}.mp4",
                f"{subject}_final.mp4".replace(" ", "_"),
                f"{rng.choice(MASCOTS)}-style {subject} (stock).mp4",
                f"STOCK {subject.upper()} v{i % 4 + 1}.mp4",
            ]
        )
        path = f"{ROOT}/stock/footage/{look}"
        if path in b.files:
            path = path.replace(".mp4", f" {i}.mp4")
        data = b.video(
            {
                "title": f"Stock: {subject}",
                "artist": "Stock library",
                "date": "2024-05-01",
                "comment": "licensed stock footage",
            }
        )
        b.add(
            path,
            data,
            _epoch(date(2024, 5, 1) + timedelta(days=i % 300), rng),
            "video",
            "stock_clip",
        )

    current_logo: dict[str, str] = {}
    for team in teams:
        slug = team.lower().replace(" ", "_")
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        for variant, year in (("2023", 2023), ("old", 2024), ("current", 2026)):
            path = f"{ROOT}/brand/logos/{slug}/logo_{variant}.png"
            shade = tuple(min(255, c + 20 * (2026 - year)) for c in colour)
            data = png_bytes(64, 64, shade, {"Title": f"{team} logo", "Version": str(year)})
            tags = ("image", "logo", "current_logo") if variant == "current" else ("image", "logo")
            b.add(path, data, _epoch(date(year, 1, 15), rng), *tags)
        current_logo[team] = f"{ROOT}/brand/logos/{slug}/logo_current.png"
    b.add(
        f"{ROOT}/brand/guidelines.pdf",
        pdf_bytes("Brand guidelines", b.fake.sentences(10)),
        _epoch(date(2025, 9, 1), rng),
        "document",
    )

    for match in matches:
        day = match["day"]
        b.add(
            f"{ROOT}/scripts/{match['team'].split()[-1].lower()}/{day:%Y%m%d}_voiceover.txt",
            "\n".join(b.fake.paragraphs(2)).encode(),
            _epoch(day, rng),
            "text",
            "script",
        )

    subscriber_rows = [
        [
            b.fake.name(),
            b.fake.unique.safe_email(),
            rng.choice(teams),
            rng.choice(["yes", "yes", "yes", "no"]),
        ]
        for _ in range(12 * params.scale)
    ]
    subscribers_path = f"{ROOT}/distribution/subscribers.csv"
    platforms = {
        "youtube": {"channel": "highlights"},
        "social": {"handles": [t.split()[-1].lower() for t in teams]},
    }
    b.add(
        f"{ROOT}/distribution/platforms.json",
        json.dumps(platforms, indent=2).encode(),
        _epoch(date(2026, 2, 1), rng),
        "text",
        "config",
    )
    b.add(
        f"{ROOT}/README.txt",
        b"Production share. Team clips live under teams/<team>/<match>/clips.\n"
        b"Stock footage under stock/ is licensed filler: never publish it as match footage.\n",
        _epoch(date(2025, 8, 1), rng),
        "text",
    )
    b.add(f"{ROOT}/distribution/manifests/README.txt",
          b"Saved package manifests, one JSON file per match: <team>_<date>.json\n",
          int(datetime(2026, 3, 1, tzinfo=UTC).timestamp()), "text")

    assignment = matches[rng.randrange(len(matches))]
    team = assignment["team"]
    # The team's mail must reach a few people, or the distribution task means little.
    others = [r for r in subscriber_rows if not (r[2] == team and r[3] == "yes")]
    for row in others[: max(0, 3 - (len(subscriber_rows) - len(others)))]:
        row[2:] = [team, "yes"]
    subscribers = io.StringIO()
    csv.writer(subscribers, lineterminator="\n").writerows(
        [["name", "email", "team", "opt_in"], *subscriber_rows]
    )
    b.add(
        subscribers_path,
        subscribers.getvalue().encode(),
        _epoch(date(2026, 6, 1), rng),
        "text",
        "subscribers",
    )
    recipients = tuple(sorted(r[1] for r in subscriber_rows if r[2] == team and r[3] == "yes"))
    task_tags = {p: "task_clip" for _, p, _ in assignment["clips"]}
    task_tags |= {current_logo[team]: "task_logo", assignment["shotlist"]: "task_shotlist"}
    for path, tag in task_tags.items():
        item = b.files[path]
        b.files[path] = WorldFile(item.path, item.data, item.mtime, item.tags | {tag})
    truth = SportsTruth(
        team=assignment["team"],
        opponent=assignment["opponent"],
        match_date=assignment["day"].isoformat(),
        match_dir=assignment["dir"],
        shotlist_path=assignment["shotlist"],
        clips=tuple(ClipTruth(c, p, d) for c, p, d in assignment["clips"]),
        team_clips={t: tuple(sorted(paths)) for t, paths in team_clips.items()},
        current_logo=current_logo,
        subscribers_path=subscribers_path,
        recipients=recipients,
        desk_phone=f"+1555{rng.randrange(10**7):07d}",
        manifest_path=(f"{ROOT}/distribution/manifests/"
                       f"{team.lower().replace(' ', '_')}_{assignment['day'].isoformat()}.json"),
    )
    return World("sports_media", seed, dict(sorted(b.files.items())), truth, params.model_dump())
