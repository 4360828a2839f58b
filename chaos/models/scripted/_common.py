"""Small helpers the scripted policies share."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Generator
from typing import Any

__all__ = ["Step", "brief_text", "clip_ids", "error_code", "load", "matches", "rows",
           "transient"]

Step = Generator[tuple[str, dict[str, Any]], str, None]


def load(text: str) -> Any:
    """A tool result as JSON, or None when it is an error text."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None


def brief_text(brief: dict[str, Any], words: str) -> str:
    """A delegation message: words for a model, a JSON brief for a scripted agent."""
    return f"{words}\nBrief: {json.dumps(brief)}"


def rows(text: str) -> list[dict[str, str]]:
    """CSV text as dicts."""
    return list(csv.DictReader(io.StringIO(text)))


def clip_ids(shotlist_text: str, tolerant: bool = False) -> list[str]:
    """The clip ids of a shot list; `tolerant` reads past a byte-order mark (utf-8-sig)."""
    if tolerant:
        shotlist_text = shotlist_text.removeprefix("\ufeff")
    return [r["clip_id"].strip() for r in rows(shotlist_text) if r.get("clip_id")]


def transient(text: str) -> bool:
    """Whether a tool's error text is worth a retry (EIO, a timeout, a failed hand-off)."""
    if not text.startswith(("error", "[Errno")):
        return False
    return any(s in text for s in ("[Errno 5]", "[Errno 110]", "timed out", " 503 "))


def matches(info: dict[str, Any] | None, brief: dict[str, Any], clip_id: str) -> bool:
    """A careful agent's test: real video, of this team, of this match, of this clip."""
    if not info or not str(info.get("sniffed_mime") or "").startswith("video/"):
        return False
    tags = info.get("tags") or {}
    return (tags.get("artist") == brief["team"] and tags.get("date") == brief["match_date"]
            and tags.get("comment") == f"clip_id={clip_id}")


def error_code(text: str) -> str | None:
    """The SMTP reply code in a tool's error text ("451"), "drop" for a lost connection."""
    if "SMTPServerDisconnected" in text or "Connection" in text and "closed" in text:
        return "drop"
    found = re.search(r"\b([45]\d\d)\b", text)
    return found.group(1) if found else None
