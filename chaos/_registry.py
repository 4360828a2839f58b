"""One registry per plugin kind, filled by decorators (`@fault`, `@tool`, `@policy`...).

Third-party packages add entries through the `chaos` entry-point group; this module only keeps the
names and says, when a name is unknown, which names exist and which one was probably meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

__all__ = ["Registry", "did_you_mean"]

T = TypeVar("T")


def did_you_mean(name: str, choices: list[str]) -> str:
    """A suggestion suffix for an unknown name, or "" when nothing is close.

    Args:
        name: The name the user wrote.
        choices: The valid names.

    Returns:
        `"; did you mean 'x'?"` or an empty string.
    """
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class Registry(Generic[T]):
    """Names to registered objects of one kind.

    Args:
        kind: What the entries are, for messages ("fault kind", "tool").
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """A decorator that registers its target under `name`.

        Args:
            name: The public name users write in profiles.

        Returns:
            The decorator; it returns its target unchanged.
        """

        def decorate(obj: T) -> T:
            if name in self._entries and self._entries[name] is not obj:
                raise ValueError(f"{self.kind} '{name}' is registered twice")
            self._entries[name] = obj
            return obj

        return decorate

    def get(self, name: str) -> T:
        """The entry called `name`.

        Raises:
            KeyError: With a message that lists the valid names and a suggestion.
        """
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(self.unknown_message(name)) from None

    def unknown_message(self, name: str) -> str:
        """The message for an unknown name: the valid choices and a did-you-mean."""
        return (
            f"unknown {self.kind} '{name}'{did_you_mean(name, self.names())}"
            f" (valid: {', '.join(self.names())})"
        )

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
