"""Sinks from plugins: `@sink("slack")` on a record type; tools append records to it.

A sink is somewhere things leave the organisation. Its records say what left in the one shape
the oracle reads for every plugin sink: `items`, each a path (or link) with the SHA-256 of the
bytes as they left. A record whose item is a tainted path or carries tainted bytes makes the
fault `propagated`, as a decoy file in an upload or a corrupt attachment in a mail does.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from chaos._registry import Registry

__all__ = ["SinkItem", "SinkKind", "SinkRecord", "file_item", "sink", "sink_kinds"]

_SINK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class SinkItem:
    """One thing a record took out: a file (with its bytes' hash) or a link.

    Attributes:
        path: The file's absolute path in the episode's world, or a link.
        digest: SHA-256 of the bytes as they left; None when no bytes left (a link, a path
            named in text).
        size: How many bytes left, if known.
        findings: Problems the tool saw on the way out (`mime_mismatch`...).
    """

    path: str
    digest: str | None = None
    size: int | None = None
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SinkRecord:
    """One delivery through a plugin sink; subclass it (a frozen dataclass) to add fields.

    Attributes:
        index: 1 for the sink's first record in the episode, then 2, 3...
        t_ms: Simulated time it left.
        destination: Where it went (a channel, a board, an endpoint).
        items: What left, as the oracle judges it.
        text: The message that went with it (kept for reports; the oracle judges `items`).
    """

    index: int
    t_ms: int
    destination: str
    items: tuple[SinkItem, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class SinkKind:
    """A registered sink.

    Attributes:
        name: What records and evidence call it (`acme_board`).
        summary: One line about it (the record type's docstring).
        record: The record type its tools append.
    """

    name: str
    summary: str
    record: type[SinkRecord]


sink_kinds: Registry[SinkKind] = Registry("sink")

R = TypeVar("R", bound=type[SinkRecord])


def sink(name: str) -> Callable[[R], R]:
    """Register a SinkRecord subclass (or SinkRecord itself) as the sink `name`.

    Args:
        name: Lowercase letters, digits and `_`, starting with a letter; give it your
            plugin's prefix (`acme_board`).
    """
    if not _SINK_NAME.match(name):
        raise ValueError(f"sink name '{name}' must be lowercase letters, digits or '_', "
                         "starting with a letter")

    def decorate(record: R) -> R:
        if not (isinstance(record, type) and issubclass(record, SinkRecord)):
            raise TypeError(f"@sink('{name}') goes on a subclass of chaos.sinks.SinkRecord")
        summary = inspect.cleandoc(record.__doc__ or name).split("\n\n")[0].replace("\n", " ")
        sink_kinds.register(name)(SinkKind(name, summary, record))
        return record

    return decorate


def file_item(fs: Any, path: str, cap: int) -> SinkItem:
    """A file leaving through a sink, read through the episode's filesystem (and its faults).

    Args:
        fs: The episode's filesystem (`ctx.fs`).
        path: The path as the agent gave it.
        cap: Most bytes read.

    Raises:
        OSError: The file cannot be read (the tool's caller sees the error).
    """
    from chaos.world import sha256

    resolved = fs.resolve(path)
    data = fs.read(resolved, cap)
    return SinkItem(resolved, sha256(data), len(data))
