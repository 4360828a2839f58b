"""Text from profiles and results shown on a terminal: control characters as escapes."""

from chaos._text import printable as safe_text

__all__ = ["safe_text"]
