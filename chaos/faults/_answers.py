"""Where in a hand-off's answer a chain fault can act: paths, list items, lines, values.

An answer is JSON (any shape) or plain text. Places are found in document order (JSON keeps
its keys' order), so the same answer and seed always give the same pick.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chaos._normalize import whole_value
from chaos.world import EpisodeFs, World

__all__ = ["Answer", "json_slots", "lists", "parse_answer", "path_slots", "path_words",
           "stands_for", "swap_value", "text_paths"]

#: An absolute path in running text: from a `/` at a word's start to the next blank or quote.
_TEXT_PATH = re.compile(r"(?<![\w/.~-])/[^\s\"'<>`]+")


@dataclass
class Answer:
    """A hand-off's answer, parsed: `value` is the JSON value, or None for plain text."""

    text: str
    value: Any = None

    @property
    def is_json(self) -> bool:
        """Whether the answer is a JSON object or array (a scalar is treated as text)."""
        return isinstance(self.value, dict | list)

    def dump(self) -> str:
        """The answer as text again (JSON as the chain runner writes it)."""
        return json.dumps(self.value, ensure_ascii=False) if self.is_json else self.text


def parse_answer(text: str) -> Answer:
    """Parse `text` as JSON if it is an object or array, else keep it as text."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return Answer(text)
    return Answer(text, value) if isinstance(value, dict | list) else Answer(text)


def _is_path(value: object) -> bool:
    return isinstance(value, str) and value.startswith("/") and "\n" not in value \
        and 1 < len(value) <= 4095


def json_slots(value: Any) -> Iterator[tuple[Any, Any, Any]]:
    """Every (container, key, parent object) holding a string, depth first, in order."""
    stack: list[tuple[Any, Any]] = [(value, None)]
    while stack:
        node, owner = stack.pop()
        if isinstance(node, dict):
            items = list(node.items())
            for key, item in items:
                if isinstance(item, str):
                    yield node, key, node
            stack.extend((item, node) for _, item in reversed(items)
                         if isinstance(item, dict | list))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, str):
                    yield node, i, owner
            stack.extend((item, node if isinstance(node, dict) else owner)
                         for item in reversed(node) if isinstance(item, dict | list))


def path_slots(answer: Answer) -> list[tuple[Any, Any, Any]]:
    """The JSON places holding an absolute path, in document order."""
    return [slot for slot in json_slots(answer.value) if _is_path(slot[0][slot[1]])]


def text_paths(text: str) -> list[re.Match[str]]:
    """The absolute paths in running text, in order."""
    return list(_TEXT_PATH.finditer(text))


def lists(value: Any) -> list[list[Any]]:
    """Every non-empty JSON list, in document order; lists that carry paths first."""
    found: list[list[Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        children = list(node.values()) if isinstance(node, dict) else \
            node if isinstance(node, list) else []
        if isinstance(node, list) and node:
            found.append(node)
        stack.extend(reversed([c for c in children if isinstance(c, dict | list)]))
    return sorted(found, key=lambda items: not any(path_words(item) for item in items))


def path_words(item: Any) -> list[str]:
    """The absolute paths an answer item (a string, or an object's values) names."""
    if isinstance(item, str):
        return [item] if _is_path(item) else [m.group() for m in text_paths(item)]
    if isinstance(item, dict):
        return [v for v in item.values() if _is_path(v)]
    return []


def stands_for(world: World, facts: Any, path: str, owner: Any = None) -> str | None:
    """The world path an answer's `path` stands for in the task, if any.

    In order: a needed file that the item names by its word (`facts.names`, e.g. an id beside
    the path); the path itself when the task needs it; a needed file with the same bytes (a
    copy); the path when it is a world file at all.
    """
    needed = tuple(getattr(facts, "needed", ()) or ())
    names = dict(getattr(facts, "names", {}) or {})
    if isinstance(owner, dict):
        words = {v for v in owner.values() if isinstance(v, str)}
        for candidate in needed:
            if names.get(candidate) in words:
                return candidate
    try:
        path = EpisodeFs.resolve(path)
    except (ValueError, OSError):
        return None
    if path in needed:
        return path
    item = world.files.get(path)
    if item is None:
        return None
    same = [p for p in needed if p in world.files and world.files[p].digest == item.digest]
    return same[0] if same else path


def swap_value(answer: Answer, old: str, new: str) -> bool:
    """Replace `old` by `new` where it stands whole in the answer's strings, and equal numbers.

    Returns whether it was there.
    """
    pattern = whole_value(old)

    def to(match: re.Match[str]) -> str:
        return new  # literally, backslashes and all

    if not answer.is_json:
        answer.text, count = pattern.subn(to, answer.text)
        return count > 0
    right_number, wrong_number = _number(old), _number(new)
    found = False
    stack: list[Any] = [answer.value]
    while stack:
        node = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node))
        for key in keys:
            item = node[key]
            if isinstance(item, dict | list):
                stack.append(item)
            elif isinstance(item, str) and pattern.search(item):
                node[key], found = pattern.sub(to, item), True
            elif isinstance(item, int | float) and not isinstance(item, bool) \
                    and right_number == item:
                node[key] = new if wrong_number is None else wrong_number
                found = True
    return found


def _number(text: str) -> int | float | None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None
