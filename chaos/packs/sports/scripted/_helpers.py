"""What the sports skills share: reading a shot list, and a careful agent's clip test."""

from __future__ import annotations

from typing import Any

from chaos.models.scripted._common import rows

__all__ = ["clip_ids", "matches"]


def clip_ids(shotlist_text: str, tolerant: bool = False) -> list[str]:
    """The clip ids of a shot list; `tolerant` reads past a byte-order mark (utf-8-sig)."""
    if tolerant:
        shotlist_text = shotlist_text.removeprefix("\ufeff")
    return [r["clip_id"].strip() for r in rows(shotlist_text) if r.get("clip_id")]


def matches(info: dict[str, Any] | None, brief: dict[str, Any], clip_id: str) -> bool:
    """A careful agent's test: real video, of this team, of this match, of this clip."""
    if not info or not str(info.get("sniffed_mime") or "").startswith("video/"):
        return False
    tags = info.get("tags") or {}
    return (tags.get("artist") == brief["team"] and tags.get("date") == brief["match_date"]
            and tags.get("comment") == f"clip_id={clip_id}")
