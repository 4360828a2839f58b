"""Text from profiles and results shown on a terminal: control characters as escapes."""

from __future__ import annotations

__all__ = ["safe_text"]


def safe_text(text: str) -> str:
    r"""`text` with control characters written as escapes (`\x1b`), as `chaos.cli._text` does.

    Model ids, profile names and fault kinds come from profiles and results.json: a terminal
    must show them, never obey them. (The library cannot import the CLI package.)
    """
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)
