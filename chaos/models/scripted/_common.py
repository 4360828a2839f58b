"""Small helpers the scripted policies share."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Generator
from typing import Any

__all__ = ["Step", "brief_text", "error_code", "load", "rows", "transient"]

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


def transient(text: str) -> bool:
    """Whether a tool's error text is worth a retry (EIO, a timeout, a failed hand-off)."""
    if not text.startswith(("error", "[Errno")):
        return False
    return any(s in text for s in ("[Errno 5]", "[Errno 110]", "timed out", " 503 "))


def error_code(text: str) -> str | None:
    """The SMTP reply code in a tool's error text ("451"), "drop" for a lost connection."""
    if "SMTPServerDisconnected" in text or "Connection" in text and "closed" in text:
        return "drop"
    found = re.search(r"\b([45]\d\d)\b", text)
    return found.group(1) if found else None
