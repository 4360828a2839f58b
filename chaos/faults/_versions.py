"""Earlier versions of a file's bytes, in its own format: what a stale copy holds."""

from __future__ import annotations

import posixpath
import random
import re

from chaos.faults._formats import format_of, make_format
from chaos.world._assets import mp4_bytes, read_media_tags

__all__ = ["older_bytes"]


def _bitflip(data: bytes, rng: random.Random, flips: int) -> bytes:
    out = bytearray(data)
    # Past the first 16 bytes, so the file still sniffs as its format (a tiny file: anywhere).
    start = 16 if len(out) > 16 else 0
    for _ in range(flips if out else 0):
        out[rng.randrange(start, len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


#: A version number: 1.4, 1.4.2, v2.0.1 (the last number is the one a revision bumps).
_VERSION = re.compile(r"(?<![\w.])(v?\d+(?:\.\d+)+)(?![\w.])")


def older_bytes(path: str, data: bytes, rng: random.Random,
                note: str = "earlier draft") -> tuple[bytes, list[str]]:
    """An earlier revision of a file's bytes, in its own format, and the old values it holds.

    A video: an earlier cut (same tags, an earlier date). A document, image or archive: the
    same format with an earlier draft's content. Text: version numbers one lower, else the
    last line not yet written, else marked as a draft. Other bytes: a damaged copy.
    """
    if path.lower().endswith((".mp4", ".mov", ".m4v")):
        tags = read_media_tags(data)
        older = {k: tags[k] for k in ("title", "artist", "comment") if k in tags}
        older["date"] = _weeks_before(tags.get("date", "2026-01-01"), 2)
        return mp4_bytes(older, max(512, len(data) - 128), rng), []
    if (kind := format_of(data)) is not None:
        title = read_media_tags(data).get("title") or posixpath.basename(path)
        return make_format(kind, f"{title} ({note})", rng), []
    if b"\x00" not in data:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            return _older_text(text)
    return _bitflip(data, rng, 4), []


def _older_text(text: str) -> tuple[bytes, list[str]]:
    versions: list[str] = []

    def lower(match: re.Match[str]) -> str:
        head, _, last = match.group(1).rpartition(".")
        if int(last) == 0:
            return match.group(1)
        versions.append(f"{head}.{int(last) - 1}")
        return versions[-1]

    older = _VERSION.sub(lower, text)
    if versions:
        # A version the file already names (its "previous" field) is no value of the fault's.
        held = set(_VERSION.findall(text))
        return older.encode("utf-8"), sorted(set(versions) - held)
    lines = text.splitlines(keepends=True)
    if len([line for line in lines if line.strip()]) >= 2:
        while lines and not lines[-1].strip():
            lines.pop()
        return "".join(lines[:-1]).encode("utf-8"), []
    return ("DRAFT " + text).encode("utf-8"), []


def _weeks_before(day: str, weeks: int) -> str:
    from datetime import date, timedelta

    try:
        return (date.fromisoformat(day) - timedelta(weeks=weeks)).isoformat()
    except ValueError:
        return day
