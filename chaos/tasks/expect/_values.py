"""Value expressions: literals, `{column}` templates and values computed from the world's files.

Computed from the files as the seed generated them (`world.files`), never from the episode's
filesystem: a fault's later change does not move what is expected.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from chaos.world import World
from chaos.world._tables import table_text

__all__ = ["AGGREGATES", "OPS", "Expected", "ValueError_", "check_expression", "evaluate",
           "fill", "read_table", "same_value"]

#: Computed over a table's column.
AGGREGATES = ("sum", "mean", "min", "max", "count", "first", "last")
#: Every operation a computed value may name.
OPS = (*AGGREGATES, "json", "text", "file")
#: Default relative tolerance of numbers.
TOLERANCE = 0.005
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][\w.-]*)\}"
                          r"|\{(sum|mean|min|max|count|first|last|json|text):\s*(/[^{}]*)\}")
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+(\.\d*)?|\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class ValueError_(ValueError):  # noqa: N801  (a ValueError of this module)
    """An expression that names what the world lacks (a path, a column, a placeholder)."""


@dataclass(frozen=True)
class Expected:
    """A value an expectation compares with.

    Attributes:
        value: The value (for `{file: ...}`: the file's SHA-256).
        shown: How evidence names it (`/shop/prices.csv#price sum = 12.5`).
        paths: World paths it was computed from.
        digest: The value is a file's SHA-256 (compare bytes).
        tolerance: Relative tolerance of numbers.
    """

    value: Any
    shown: str
    paths: tuple[str, ...] = ()
    digest: bool = False
    tolerance: float = TOLERANCE


@dataclass
class Scope:
    """What an expression sees: the world, the row it is bound to, named values, a table cache."""

    world: World
    row: dict[str, str] = field(default_factory=dict)
    names: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, tuple[list[str], list[dict[str, str]]]] = field(default_factory=dict)


def _op(value: Any) -> str | None:
    if isinstance(value, dict):
        ops = [k for k in value if k in OPS]
        if len(ops) == 1:
            return ops[0]
    return None


class Problem(str):
    """A problem's text, with the key inside the value it is about (`at`)."""

    at: tuple[Any, ...] = ()

    def __new__(cls, text: str, at: tuple[Any, ...] = ()) -> Problem:
        made = super().__new__(cls, text)
        made.at = at
        return made


def check_expression(value: Any) -> str | None:
    """Why `value` is no value expression (None when it is one); the world is not consulted."""
    if isinstance(value, dict):
        op = _op(value)
        extra = sorted(set(value) - {op, "tolerance"}) if op else []
        if op is None:
            if any(k in OPS for k in value):
                return f"give one operation of {', '.join(OPS)} (got {', '.join(value)})"
            near = [k for k in value if isinstance(k, str) and difflib.get_close_matches(
                k, OPS, n=1, cutoff=0.75)]
            if len(value) == 1 and near:
                guess = difflib.get_close_matches(near[0], OPS, n=1, cutoff=0.75)[0]
                return (f"'{near[0]}' is no operation; did you mean '{guess}'? (operations: "
                        f"{', '.join(OPS)})")
            for key, item in value.items():
                if problem := check_expression(item):
                    return Problem(problem, (key, *getattr(problem, "at", ())))
            return None
        if extra:
            return Problem(f"{{{op}: ...}} takes only 'tolerance' beside it (got "
                           f"{', '.join(map(str, extra))})", (extra[0],))
        tolerance = value.get("tolerance", TOLERANCE)
        if not isinstance(tolerance, int | float) or isinstance(tolerance, bool) or \
                not 0 <= tolerance <= 1:
            return "tolerance is a relative tolerance between 0 and 1, e.g. 0.01"
        arg = value[op]
        if not isinstance(arg, str) or not arg.startswith("/"):
            return (f"{{{op}: ...}} takes a world path as text, e.g. "
                    f"{{{op}: \"/data/table.csv{'#column' if op in AGGREGATES else ''}\"}}")
        path, _, at = arg.partition("#")
        if op in AGGREGATES and op != "count" and not at:
            return f"{{{op}: \"{arg}\"}} needs a column: \"{path}#column\""
        if op == "json" and not at:
            return f"{{json: \"{arg}\"}} needs a field: \"{path}#dotted.field\""
        if op in ("text", "file") and at:
            return f"{{{op}: ...}} takes a path only (no '#')"
        return None
    if isinstance(value, list):
        for item in value:
            if problem := check_expression(item):
                return problem
    return None


def fill(text: str, scope: Scope, compute: bool = True) -> str:
    """`{column}`, `{name}` and `{op: PATH#column}` placeholders filled from the world.

    Args:
        text: The template.
        scope: The row, the named values, the world.
        compute: Fill `{op: PATH}` placeholders with their computed value (else keep them).

    Raises:
        ValueError_: A placeholder names neither a column of the row nor a named value, or
            what its computation names is not in the world.
    """
    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        if match.group(2):
            if not compute:
                return token
            expression = {match.group(2): match.group(3).strip()}
            if problem := check_expression(expression):
                raise ValueError_(problem)
            return _text(evaluate(expression, scope).value)
        name = match.group(1)
        if name in scope.row:
            return str(scope.row[name])
        if name in scope.names:
            return _text(scope.names[name])
        known = sorted(scope.row) + sorted(scope.names)
        raise ValueError_(f"'{{{name}}}' names no column of the row and no named value "
                          f"(known: {', '.join(known) or 'none'}); write {{{{ and }}}} for "
                          "literal braces")

    return _PLACEHOLDER.sub(one, text)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value)


def _file(scope: Scope, path: str) -> bytes:
    item = scope.world.files.get(path)
    if item is None:
        raise ValueError_(f"{path} is not in the world of seed {scope.world.seed}; declare it "
                          "under world.files or name a file the world has")
    return item.data


def decode(data: bytes) -> str:
    """Text as a person's tools would read it: as the world's tables are read."""
    return table_text(data)


def read_table(scope: Scope, path: str) -> tuple[list[str], list[dict[str, str]]]:
    """A world table's columns and rows: CSV, or a JSON list of objects (by `.json`).

    Raises:
        ValueError_: The world lacks the file, or it is no table.
    """
    if path in scope.tables:
        return scope.tables[path]
    text = decode(_file(scope, path))
    if path.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError_(f"{path} is no JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ValueError_(f"{path} is no JSON list of objects (a table's rows)")
        columns = list(dict.fromkeys(k for r in data for k in r))
        rows = [{k: _cell(v) for k, v in r.items()} for r in data]
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = [c.strip() for c in reader.fieldnames or []]
        if not columns:
            raise ValueError_(f"{path} has no header row (a CSV table's first line names its "
                              "columns)")
        rows = [{c: (v or "").strip() for c, v in zip(columns, r.values(), strict=False)
                 if isinstance(v, str) or v is None} for r in reader]
    scope.tables[path] = (columns, rows)
    return columns, rows


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def number(text: Any) -> float | None:
    """A cell or answer value as a number, or None ("1,234.50" reads as 1234.5)."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text) if math.isfinite(text) else None
    if isinstance(text, str) and _NUMBER.match(text.strip()):
        return float(text.strip().replace(",", ""))
    return None


def _column(scope: Scope, path: str, column: str) -> list[str]:
    columns, rows = read_table(scope, path)
    if column not in columns:
        raise ValueError_(f"{path} has no column '{column}' (columns: {', '.join(columns)})")
    return [r.get(column, "") for r in rows]


def _aggregate(scope: Scope, op: str, path: str, column: str) -> Any:
    if op == "count":
        if not column:
            return len(read_table(scope, path)[1])
        return sum(1 for v in _column(scope, path, column) if v != "")
    cells = [v for v in _column(scope, path, column) if v != ""]
    if op in ("first", "last"):
        if not cells:
            raise ValueError_(f"{path}#{column} holds no value")
        return cells[0] if op == "first" else cells[-1]
    values = []
    for i, cell in enumerate(cells, 1):
        n = number(cell)
        if n is None:
            raise ValueError_(f"{path}#{column} holds '{cell[:40]}' (value {i}), no number")
        values.append(n)
    if not values:
        raise ValueError_(f"{path}#{column} holds no number")
    result = {"sum": math.fsum(values), "mean": math.fsum(values) / len(values),
              "min": min(values), "max": max(values)}[op]
    return round(result, 10)


def json_at(data: Any, dotted: str) -> tuple[bool, Any]:
    """The value at a dotted path (`a.b.0`) of JSON data: (found, value)."""
    for key in dotted.split("."):
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return False, None
    return True, data


def evaluate(value: Any, scope: Scope) -> Expected:
    """The expected value of an expression in this scope.

    Raises:
        ValueError_: It names a path, column or placeholder the world or row lacks.
    """
    op = _op(value)
    if op is None:
        if isinstance(value, str):
            return Expected(fill(value, scope), repr(fill(value, scope)))
        if isinstance(value, dict):
            parts = {k: evaluate(v, scope) for k, v in value.items()}
            return Expected({k: e.value for k, e in parts.items()}, json.dumps(
                {k: e.value for k, e in parts.items()}),
                tuple(p for e in parts.values() for p in e.paths))
        if isinstance(value, list):
            items = [evaluate(v, scope) for v in value]
            return Expected([e.value for e in items], json.dumps([e.value for e in items]),
                            tuple(p for e in items for p in e.paths))
        return Expected(value, json.dumps(value))
    tolerance = float(value.get("tolerance", TOLERANCE))
    path, _, at = fill(value[op], scope).partition("#")
    if op == "file":
        digest = scope.world.files[path].digest if path in scope.world.files else None
        if digest is None:
            _file(scope, path)  # raises: not in the world
        return Expected(digest, path, (path,), digest=True)
    if op == "text":
        text = decode(_file(scope, path)).strip()
        return Expected(text, f"the text of {path}", (path,), tolerance=tolerance)
    if op == "json":
        try:
            data = json.loads(decode(_file(scope, path)))
        except json.JSONDecodeError as exc:
            raise ValueError_(f"{path} is no JSON ({exc.msg} at line {exc.lineno})") from None
        found, got = json_at(data, at)
        if not found:
            raise ValueError_(f"{path} has no field '{at}'")
        return Expected(got, f"{path}#{at} ({json.dumps(got)})", (path,), tolerance=tolerance)
    result = _aggregate(scope, op, path, at)
    where = f"{path}#{at}" if at else path
    shown = _text(result) if not isinstance(result, str) else repr(result)
    return Expected(result, f"the {op} of {where} ({shown})", (path,), tolerance=tolerance)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def same_value(expected: Any, got: Any, tolerance: float = TOLERANCE) -> bool:
    """Whether `got` is the expected value: numbers within a relative tolerance, texts trimmed.

    Only an expected *number* (a literal or a computed sum, mean...) is compared as one, with
    `got` a number or numeric text ("49.75"); an expected text that looks numeric (an id, a
    year, a version) must match as text: `2026` is not `2025`.
    """
    want_n = number(expected) if not isinstance(expected, str) else None
    if want_n is not None:
        got_n = number(got)
        if got_n is None:
            return False
        return abs(got_n - want_n) <= tolerance * max(abs(want_n), 1e-9) or got_n == want_n
    if isinstance(expected, str):
        return isinstance(got, str) and _norm(got) == _norm(expected)
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and \
            all(same_value(e, g, tolerance) for e, g in zip(expected, got, strict=True))
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(
            k in got and same_value(v, got[k], tolerance) for k, v in expected.items())
    return bool(expected == got and type(expected) is type(got))
