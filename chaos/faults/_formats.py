"""Real bytes of the formats a fault can turn a file into (each sniffs as its format).

Small, deterministic files made by the world's own makers (`chaos.world._formats`). Faults use
them where a file's bytes must become another format while its name stays.
"""

from __future__ import annotations

import random

from chaos.world._assets import sniff_mime
from chaos.world._formats import make_bytes

__all__ = ["FORMATS", "format_of", "make_format", "other_format"]

#: The formats a fault can make, by the name a profile uses, with their MIME types.
FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "mp4": "video/mp4",
}
#: What "another format" means for a file of each format: what a wrong export most often is.
_OTHER = {"png": "jpeg", "jpeg": "png", "gif": "png", "mp4": "jpeg", "pdf": "docx",
          "docx": "pdf", "xlsx": "zip", "zip": "pdf"}


def format_of(data: bytes) -> str | None:
    """The format name of `data` by its sniffed type (None: none of FORMATS, e.g. text)."""
    mime = sniff_mime(data)
    return next((name for name, known in FORMATS.items() if known == mime), None)


def other_format(data: bytes) -> str:
    """The format a file of these bytes most plausibly turns into by mistake."""
    current = format_of(data)
    return _OTHER.get(current, "jpeg") if current is not None else "pdf"


def make_format(name: str, title: str, rng: random.Random) -> bytes:
    """Bytes of format `name` (a key of FORMATS) carrying `title`, drawn from `rng`.

    The world's own makers (`make:` in a profile) build them: one way to make each format.
    """
    if name not in FORMATS:
        raise ValueError(f"unknown format '{name}' (formats: {', '.join(FORMATS)})")
    return make_bytes(name, title, title, {}, rng)
