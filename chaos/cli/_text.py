"""Profile and agent text shown on a terminal (`chaos._text`, where the library reaches it)."""

from chaos._text import printable

__all__ = ["printable"]
