"""One registry per plugin kind, filled by decorators (`@fault`, `@tool`, `@policy`...).

Third-party packages add entries through the `chaos` entry-point group (`chaos.plugins`): they
are loaded once, the first time any registry is read, so a plugin's names are there whenever
names are looked up. This module keeps the names and says, when a name is unknown, which names
exist and which one was probably meant.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Generic, TypeVar

__all__ = ["NameClash", "Registry", "did_you_mean"]

T = TypeVar("T")

_NOTHING: Mapping[str, Any] = MappingProxyType({})
_plugins_lock = threading.RLock()
_plugins_state = {"loading": False, "loaded": False}


def _ensure_plugins() -> None:
    """Load the `chaos` entry points once, before the first read of any registry.

    Reads made while plugins load (a plugin that looks a name up) see what is registered so
    far; other threads wait until loading is done.
    """
    if _plugins_state["loaded"]:
        return
    with _plugins_lock:
        if _plugins_state["loaded"] or _plugins_state["loading"]:
            return
        _plugins_state["loading"] = True
        try:
            # The built-in packs first (never off): a plugin may build on a pack's names.
            import chaos.packs  # noqa: F401
            from chaos.plugins import load_plugins

            load_plugins()
        finally:
            _plugins_state["loading"] = False
            _plugins_state["loaded"] = True


class NameClash(ValueError):
    """A name is registered twice with different objects (a plugin reusing a taken name)."""


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

    #: Every registry made, so that a plugin that fails half-way can be rolled back.
    instances: list[Registry[Any]] = []

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._scoped: contextvars.ContextVar[Mapping[str, T]] = contextvars.ContextVar(
            f"chaos.registry.{kind}", default=_NOTHING)
        Registry.instances.append(self)

    def register(self, name: str) -> Callable[[T], T]:
        """A decorator that registers its target under `name`.

        Args:
            name: The public name users write in profiles.

        Returns:
            The decorator; it returns its target unchanged.
        """

        def decorate(obj: T) -> T:
            if name in self._entries and self._entries[name] is not obj:
                raise NameClash(f"{self.kind} '{name}' is registered twice")
            self._entries[name] = obj
            return obj

        return decorate

    def get(self, name: str) -> T:
        """The entry called `name`.

        Raises:
            KeyError: With a message that lists the valid names and a suggestion.
        """
        _ensure_plugins()
        if name in self._entries:
            return self._entries[name]
        scoped = self._scoped.get()
        if name in scoped:
            return scoped[name]
        raise KeyError(self.unknown_message(name))

    def unknown_message(self, name: str) -> str:
        """The message for an unknown name: the valid choices and a did-you-mean."""
        off = "; plugins are off (CHAOS_NO_PLUGINS is set)" if os.environ.get(
            "CHAOS_NO_PLUGINS") else ""
        return (
            f"unknown {self.kind} '{name}'{did_you_mean(name, self.names())}"
            f" (valid: {', '.join(self.names())}){off}"
        )

    def names(self) -> list[str]:
        """Every registered name (and scoped one), sorted."""
        _ensure_plugins()
        return sorted({*self._entries, *self._scoped.get()})

    @contextlib.contextmanager
    def scoped(self, entries: Mapping[str, T]) -> Iterator[None]:
        """Make `entries` visible in the current context only (an episode's asyncio task).

        Concurrent episodes of different profiles each see their own profile's entries (its
        user tools); registered names win over scoped ones.
        """
        token = self._scoped.set({**self._scoped.get(), **entries})
        try:
            yield
        finally:
            self._scoped.reset(token)

    def snapshot(self) -> dict[str, T]:
        """A copy of the entries (packs and plugins loaded first), to restore with `restore`."""
        _ensure_plugins()
        return dict(self._entries)

    def restore(self, entries: dict[str, T]) -> None:
        """Put back the entries of a `snapshot`."""
        self._entries = dict(entries)

    def __contains__(self, name: object) -> bool:
        _ensure_plugins()
        return name in self._entries or name in self._scoped.get()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
