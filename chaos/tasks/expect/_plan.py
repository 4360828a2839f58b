"""Expectations bound to one world: one work item per expectation and row, values computed.

A plan is made once per world (seed). What the world lacks is collected as located problems:
`chaos validate` shows them for the profile's seed; an episode of another seed lacking them
is crashed with the reason.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from chaos._normalize import address_key, mail_address, phone_number, platform_name
from chaos.tasks.expect._spec import Expectation, ExpectParams, FileRef, Find
from chaos.tasks.expect._values import Expected, Scope, ValueError_, evaluate, fill, read_table
from chaos.world import World

__all__ = ["Attachment", "Item", "Plan", "make_plan"]

Loc = tuple[Any, ...]
#: Most work items (expectation x row) a world's plan holds: each is a line of the brief.
MAX_ITEMS = 10_000


@dataclass(frozen=True)
class Attachment:
    """A world file an item must carry: its path, its bytes' SHA-256, its declared type."""

    path: str
    digest: str
    type: str | None
    find: dict[str, Any]


@dataclass(frozen=True)
class Item:
    """One expectation for one row (or for the episode, without `for_each`).

    Attributes:
        id: The expectation's id.
        key: The row's key (its first column's value), or None.
        part: `mail`, `upload`, `write`, `answer`, `sms` or `must_not`.
        spec: The expectation as written.
        values: Its values computed in the row's scope, by name (`to`, `json.total`...).
        files: The world files it must carry (attachments, uploaded files).
        needs: World paths and `mailto:` addresses it depends on.
        finds: How a person would find each computed value's file (by name).
        row: The row's values (empty without `for_each`).
    """

    id: str
    key: str | None
    part: str
    spec: Expectation
    values: dict[str, Expected] = field(default_factory=dict)
    files: tuple[Attachment, ...] = ()
    needs: frozenset[str] = frozenset()
    finds: dict[str, dict[str, Any]] = field(default_factory=dict)
    row: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How evidence names it: `reports[P003]`, or `summary`."""
        return f"{self.id}[{self.key}]" if self.key is not None else self.id

    def value(self, name: str) -> Any:
        """A computed value, or None when the expectation does not give it."""
        found = self.values.get(name)
        return None if found is None else found.value


@dataclass
class Plan:
    """The work items of a world, and what of the expectations the world lacks."""

    items: list[Item] = field(default_factory=list)
    names: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[Loc, str]] = field(default_factory=list)
    prompt: str = ""
    tables: dict[str, str] = field(default_factory=dict)


def _find(hint: Find | None, path_template: str, row: dict[str, str], scope: Scope
          ) -> dict[str, Any]:
    """A brief's `find`: the hint with the row filled in, or the reference path itself."""
    if hint is None:
        return {"glob": fill(path_template, scope), "pick": "only"}
    found = {k: v for k, v in hint.model_dump().items() if v is not None}
    for key in ("glob", "contains", "name_not", "checksums"):
        if isinstance(found.get(key), str):
            found[key] = fill(found[key], scope)
    return found


def _hint(item: Expectation, key: str, index: int | None = None) -> Find | None:
    hints = item.hints.get(key) or []
    at = index or 0
    return hints[at] if at < len(hints) else None


def _files(item: Expectation, refs: list[FileRef], key: str, scope: Scope,
           loc: Loc) -> list[Attachment]:
    out = []
    for i, ref in enumerate(refs):
        try:
            path = fill(ref.file, scope)
        except ValueError_ as exc:
            raise _Located((*loc, i, "file"), str(exc)) from None
        world_file = scope.world.files.get(path)
        if world_file is None:
            raise _Located((*loc, i, "file"), f"{path} is not in the world of seed "
                           f"{scope.world.seed} (check the path and the row's values)")
        out.append(Attachment(path, world_file.digest, ref.type,
                              _find(_hint(item, key, i), ref.file, scope.row, scope)))
    return out


class _Located(Exception):
    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _values(item: Expectation, scope: Scope, base: Loc) -> dict[str, Expected]:
    from chaos.tasks.expect._spec import item_values

    out: dict[str, Expected] = {}
    for where, value in item_values(item):
        try:
            out[".".join(map(str, where[1:]))] = evaluate(value, scope)
        except ValueError_ as exc:
            raise _Located((*base, *where), str(exc)) from None
    return out


def _computed_finds(item: Expectation, scope: Scope) -> dict[str, dict[str, Any]]:
    """Per named value computed from a file, how a person finds that file."""
    from chaos.tasks.expect._spec import item_values
    from chaos.tasks.expect._values import OPS

    finds = {}
    for where, value in item_values(item):
        name = str(where[-1])
        if isinstance(value, dict):
            op = next((k for k in value if k in OPS), None)
            if op is not None:
                path = str(value[op]).partition("#")[0]
                finds[name] = _find(_hint(item, name), path, scope.row, scope)
    return finds


def _one(item: Expectation, scope: Scope, base: Loc, key: str | None) -> Item:
    part = item.part
    spec = getattr(item, part)
    files: list[Attachment] = []
    if part == "mail":
        files = _files(item, spec.attachments, "attachments", scope,
                       (*base, "mail", "attachments"))
    elif part == "upload":
        files = _files(item, spec.files, "files", scope, (*base, "upload", "files"))
    values = _values(item, scope, base)
    needs = {f.path for f in files} | {p for v in values.values() for p in v.paths}
    if item.for_each:
        needs.add(item.for_each)
    if part == "write":
        try:
            values["path"] = Expected(fill(spec.path, scope), spec.path)
        except ValueError_ as exc:
            raise _Located((*base, "write", "path"), str(exc)) from None
    _check_sinks(part, values, base)
    if part == "mail":
        needs.add(f"mailto:{address_key(values['to'].value)}")
    return Item(item.id, key, part, item, values, tuple(files), frozenset(needs),
                _computed_finds(item, scope), dict(scope.row))


#: What a sink's value must read as, the way its tool reads it.
_READERS = {("mail", "to"): mail_address, ("sms", "to"): phone_number,
            ("upload", "platform"): platform_name}


def _check_sinks(part: str, values: dict[str, Expected], base: Loc) -> None:
    """Recipients, numbers and platforms must be what the tools accept, or none could match."""
    for (kind, name), reader in _READERS.items():
        if kind != part or name not in values:
            continue
        value = values[name].value
        try:
            if not isinstance(value, str):
                raise ValueError(f"{name} is {type(value).__name__}, expected text")
            reader(value)
        except ValueError as exc:
            raise _Located((*base, part, name), str(exc)) from None


def make_plan(world: World, params: ExpectParams) -> Plan:
    """Bind every expectation to this world: its rows, its files, its computed values."""
    plan = Plan()
    scope = Scope(world)
    # Named values first (answer fields, written JSON fields without rows): prompts and
    # other templates may name them.
    for i, item in enumerate(params.expect):
        if item.for_each is None and item.part in ("answer", "write"):
            try:
                for name, value in _values(item, scope, ("task", "expect", i)).items():
                    if name.startswith(("fields.", "json.")):
                        plan.names.setdefault(name.split(".", 1)[1], value.value)
            except _Located:
                continue  # reported below, in its place
    scope.names = plan.names
    for i, item in enumerate(params.expect):
        base: Loc = ("task", "expect", i)
        try:
            if item.for_each is None:
                plan.items.append(_one(item, Scope(world, {}, plan.names, scope.tables),
                                       base, None))
                continue
            try:
                columns, rows = read_table(scope, item.for_each)
            except ValueError_ as exc:
                raise _Located((*base, "for_each"), str(exc)) from None
            plan.tables[item.for_each] = columns[0] if columns else ""
            if len(plan.items) + len(rows) > MAX_ITEMS:
                raise _Located((*base, "for_each"), f"{item.for_each} has {len(rows):,} rows: "
                               f"the expectations would be judged {MAX_ITEMS:,}+ times; keep "
                               f"the tables an expectation runs over under {MAX_ITEMS:,} rows")
            for n, row in enumerate(rows, 1):
                key = row.get(columns[0]) or f"row-{n}"
                plan.items.append(_one(item, Scope(world, row, plan.names, scope.tables),
                                       base, key))
        except _Located as exc:
            plan.problems.append((exc.loc, str(exc)))
    try:
        plan.prompt = fill(params.prompt, scope).strip()
    except ValueError_ as exc:
        plan.problems.append((("task", "prompt"), str(exc)))
    return plan


def row_names(plan: Plan) -> dict[str, str]:
    """World path -> the row key a report names it by (`P003`), or the expectation id."""
    names: dict[str, str] = {}
    for item in plan.items:
        for path in sorted(p for p in item.needs if p.startswith("/")):
            if path in plan.tables:
                names.setdefault(path, posixpath.basename(path))
            else:
                names.setdefault(path, item.key or item.id)
    return names
