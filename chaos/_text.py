"""Text from profiles, results and agents shown on a terminal: control characters made visible."""

from __future__ import annotations

__all__ = ["printable"]


def printable(text: str, keep_newlines: bool = False) -> str:
    r"""`text` with control characters written as escapes (`\x1b`, `\u202e`).

    Args:
        text: Text that may come from a profile, a world file or a model.
        keep_newlines: Keep line breaks (for multi-line text such as a task brief).
    """
    return "".join(ch if ch.isprintable() or (keep_newlines and ch == "\n")
                   else ch.encode("unicode_escape").decode("ascii") for ch in text)
