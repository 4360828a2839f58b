"""Values an expect brief asks for, computed from the files found.

A CSV column's sum, a JSON field, a file's text: read from the file the agent settled on, as a
person would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from chaos.models.scripted._common import Step, retrying, rows

if TYPE_CHECKING:
    from chaos.models.scripted._policies import Style

__all__ = ["AGGREGATES", "compute", "expression", "refs"]

AGGREGATES = ("sum", "mean", "min", "max", "count", "first", "last")
OPERATIONS = (*AGGREGATES, "json", "text", "file")
#: What an agent that invents answers when it has no file to read.
_INVENTED: dict[str, Any] = {"count": 10, "json": "1.0", "text": "", "first": "1",
                             "last": "1"}


def expression(value: Any) -> str | None:
    """The operation of a value expression (`{"sum": {"find": ...}, "column": "price"}`)."""
    if not isinstance(value, dict):
        return None
    for op in OPERATIONS:
        if op in value and isinstance(value[op], dict) and ("find" in value[op]
                                                             or "path" in value[op]):
            return op
    return None


def refs(value: Any, attachment: bool = False) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every file reference (a dict with `find`) in a work item, and whether it is attached."""
    if isinstance(value, dict):
        if "find" in value and isinstance(value["find"], dict):
            yield value, attachment
            return
        for key, inner in value.items():
            yield from refs(inner, attachment or key == "attachments")
    elif isinstance(value, list):
        for inner in value:
            yield from refs(inner, attachment)


def _table(text: str, path: str) -> list[dict[str, Any]]:
    if path.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return []
        return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []
    return rows(text)


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip().replace(",", ""))
    except ValueError:
        return None


def _at(data: Any, dotted: str) -> Any:
    for part in [p for p in dotted.split(".") if p]:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _aggregate(op: str, table: list[dict[str, Any]], column: str | None) -> Any:
    if op == "count":
        return len(table)
    cells = [r.get(column) for r in table] if column else []
    if op in ("first", "last"):
        return (cells[0] if op == "first" else cells[-1]) if cells else None
    numbers = [n for n in (_number(c) for c in cells) if n is not None]
    if not numbers:
        return None
    total = {"sum": sum(numbers), "mean": sum(numbers) / len(numbers), "min": min(numbers),
             "max": max(numbers)}[op]
    return round(total, 6)


def compute(expr: dict[str, Any], op: str, style: Style) -> Step:
    """The value of an expression whose file is found (`expr[op]["path"]`); None if unknown.

    A careful agent reads past a byte-order mark; an inventing one makes a value up when the
    file gives none.
    """
    path = str(expr[op].get("path") or "")
    read: dict[str, Any] = {}
    if path:
        read = (yield from retrying("read_file", path, style)) or {}
    text = read.get("content") if not read.get("binary") else None
    value: Any = None
    if isinstance(text, str):
        if style.checks_files:
            text = text.removeprefix("\ufeff")
        if op == "text":
            value = text
        elif op == "file":
            value = path
        elif op == "json":
            try:
                value = _at(json.loads(text), str(expr.get("at") or ""))
            except json.JSONDecodeError:
                value = None
        else:
            value = _aggregate(op, _table(text, path), expr.get("column"))
    if value is None and style.invents:
        value = _INVENTED.get(op, 100.0)
    return value
