"""The files a profile declares (`world.files`), built into a world after its generator's.

Each entry gives text in an encoding, base64 bytes, a real file or folder beside the profile,
a made real-format file, or a seeded table; `for_each_row` repeats an entry per row of a table
with `{col}` placeholders. The profile's own declarations are the ground truth: its tags.
"""

from __future__ import annotations

import base64
import os
import posixpath
import re
import stat
from pathlib import Path
from typing import Any

from chaos._seeding import derive_rng
from chaos.world._fakefs import translate_glob
from chaos.world._formats import make_bytes, xlsx_bytes
from chaos.world._model import World, WorldFile
from chaos.world._tables import Table, make_table, parse_table, table_bytes, text_of

__all__ = ["DEFAULT_MTIME", "MAX_DECLARED_BYTES", "MAX_DECLARED_FILES", "DeclaredFileError",
           "add_declared_files"]

#: mtime of a declared file that names none: fixed, never "now" (2026-01-01T00:00:00Z).
DEFAULT_MTIME = 1767225600
#: Most bytes every declared file together may hold (the world lives in memory per episode).
MAX_DECLARED_BYTES = 64 * 1024 * 1024
#: Most files the declarations may make (a `from:` folder's files and `for_each_row` included).
MAX_DECLARED_FILES = 20_000
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


class DeclaredFileError(ValueError):
    """A declared file that cannot be built, with the profile location it comes from.

    Attributes:
        loc: Where in the profile, e.g. ("world", "files", 2, "from").
    """

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def fill(template: str, row: dict[str, Any], columns: list[str], where: tuple[Any, ...],
         table: str) -> str:
    """`template` with each `{col}` replaced by the row's cell (`{{`/`}}` are braces)."""

    def one(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group()[0]
        name = match.group(1)
        if name not in row:
            raise DeclaredFileError(where, f"{{{name}}} names no column of {table} (columns: "
                                    f"{', '.join(columns)})")
        return text_of(row[name])

    return _FIELD.sub(one, template)


class _Builder:
    """Builds one profile's declared files into a world, in profile order."""

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.seed = seed
        self.tables: dict[str, Table] = {}
        self.count = 0
        self.size = sum(len(f.data) for f in world.files.values())
        self.folders: dict[str, str] = {}  # folder -> a file under it
        for path in sorted(world.files):
            self._note_parents(path)

    def _note_parents(self, path: str) -> None:
        folder = posixpath.dirname(path)
        while folder not in self.folders and folder != "/":
            self.folders[folder] = path
            folder = posixpath.dirname(folder)

    def add(self, where: tuple[Any, ...], path: str, data: bytes, mtime: int, mode: int,
            tags: frozenset[str]) -> None:
        self.count += 1
        self.size += len(data)
        if self.count > MAX_DECLARED_FILES:
            raise DeclaredFileError(where, f"the declared files make more than "
                                    f"{MAX_DECLARED_FILES} files; declare fewer rows or "
                                    "smaller folders")
        if self.size > MAX_DECLARED_BYTES:
            raise DeclaredFileError(where, f"the world's files pass "
                                    f"{MAX_DECLARED_BYTES // (1024 * 1024)} MiB at {path}; "
                                    "use smaller fixtures or fewer rows")
        if path in self.folders:
            raise DeclaredFileError(where, f"{path} is a folder of the world (it holds "
                                    f"{self.folders[path]}); give the file another path")
        folder = posixpath.dirname(path)
        while folder != "/":
            if folder in self.world.files:
                raise DeclaredFileError(where, f"{folder} is a file of the world, so {path} "
                                        "cannot lie under it; give one of them another path")
            folder = posixpath.dirname(folder)
        self._note_parents(path)
        self.world.add_file(WorldFile(path, data, mtime, tags, mode))

    def table_rows(self, where: tuple[Any, ...], path: str) -> Table:
        if path in self.tables:
            return self.tables[path]
        item = self.world.files.get(path)
        rows = parse_table(item.data, path.endswith(".json")) if item is not None else None
        if rows is None:
            known = ", ".join(sorted(self.tables)) or "none yet"
            raise DeclaredFileError(where, f"for_each_row: {path} is no table declared above "
                                    f"nor a CSV/JSON world file (tables: {known}); declare "
                                    "it with rows: and columns: before this entry")
        return rows


def _content(spec: Any, where: tuple[Any, ...], seed: int, path: str, text: str,
             title: str, meta: dict[str, str]) -> bytes:
    if spec.base64 is not None:
        return base64.b64decode("".join(spec.base64.split()))
    if spec.make is None or spec.make == "csv":
        try:
            return text.encode(spec.encoding)
        except UnicodeEncodeError as exc:
            raise DeclaredFileError((*where, "text"), f"{exc.object[exc.start:exc.end]!r} in "
                                    f"{path} cannot be written in {spec.encoding}") from None
    try:
        data = make_bytes(spec.make, title, text, meta, derive_rng("world-make", seed, path))
    except (ValueError, LookupError, TypeError) as exc:  # the stdlib mail parser: IndexError
        raise DeclaredFileError((*where, "meta" if meta else "make"), f"{path}: {exc}") from None
    return data.decode().encode(spec.encoding) if spec.make == "json" else data


def _checksums(builder: _Builder, spec: Any, where: tuple[Any, ...]) -> None:
    """A SHA256SUMS of the world files the glob matches now, names relative to its folder."""
    regex = translate_glob(spec.checksums_of)
    folder = posixpath.dirname(spec.path)
    listed = sorted(p for p in builder.world.files if regex.match(p) and p != spec.path)
    if not listed:
        raise DeclaredFileError((*where, "checksums_of"), f"{spec.checksums_of} matches no "
                                "world file declared before this entry; list the files first")
    lines = [f"{builder.world.files[p].digest}  {posixpath.relpath(p, folder)}\n"
             for p in listed]
    builder.add(where, spec.path, "".join(lines).encode(), _mtime(spec), _mode(spec),
                frozenset(spec.tags))


def _one(builder: _Builder, spec: Any, where: tuple[Any, ...], row: dict[str, Any] | None,
         columns: list[str], table: str) -> None:
    def filled(value: str | None, key: str) -> str:
        if value is None:
            return ""
        return value if row is None else fill(value, row, columns, (*where, key), table)

    path = filled(spec.path, "path")
    if posixpath.normpath(path) != path or "\x00" in path:
        raise DeclaredFileError((*where, "path"), f"{path!r} is not a plain absolute path "
                                "(a cell holds '/', '..' or nothing)")
    meta = {k: filled(text_of(v), "meta") for k, v in spec.meta.items()}
    data = _content(spec, where, builder.seed, path, filled(spec.text, "text"),
                    filled(spec.title, "title"), meta)
    builder.add(where, path, data, _mtime(spec), _mode(spec), frozenset(spec.tags))


def _mtime(spec: Any) -> int:
    from chaos.profile._schema import epoch_seconds

    return DEFAULT_MTIME if spec.mtime is None else epoch_seconds(spec.mtime)


def _mode(spec: Any) -> int:
    return 0o644 if spec.mode is None else int(spec.mode, 8)


def _table(builder: _Builder, spec: Any, where: tuple[Any, ...]) -> None:
    table = make_table(builder.seed, spec.path, spec.rows, spec.columns)
    builder.tables[spec.path] = table
    columns = list(spec.columns)
    fmt = spec.make or ("json" if spec.path.endswith(".json") else
                        "xlsx" if spec.path.endswith(".xlsx") else "csv")
    if fmt == "xlsx":
        data = xlsx_bytes("", [columns, *([text_of(r[c]) for c in columns] for r in table)], {})
    else:
        text = table_bytes(table, columns, fmt == "json")
        try:
            data = text.encode(spec.encoding)
        except UnicodeEncodeError as exc:
            raise DeclaredFileError((*where, "encoding"), f"{spec.path}: a drawn value holds "
                                    f"{exc.object[exc.start:exc.end]!r}, which "
                                    f"{spec.encoding} cannot write; use utf-8") from None
    builder.add(where, spec.path, data, _mtime(spec), _mode(spec), frozenset(spec.tags))


def _copied(builder: _Builder, spec: Any, where: tuple[Any, ...]) -> None:
    base = Path(spec.source_root() or ".")
    source = base / spec.from_
    where = (*where, "from")
    try:
        top = source.resolve(strict=True)
    except (OSError, RuntimeError):
        raise DeclaredFileError(where, f"from: {spec.from_} does not exist (looked in "
                                f"{base}); the path is relative to the profile file's "
                                "folder") from None
    if top.is_file():
        # `path: /in/` takes the file under its own name, as `cp file /in/` does.
        path = spec.path + top.name if spec.path.endswith("/") else spec.path
        builder.add(where, path, _read(top, where, builder), _mtime(spec),
                    _mode(spec), frozenset(spec.tags))
        return
    if not top.is_dir():
        raise DeclaredFileError(where, f"from: {spec.from_} is neither a file nor a folder")
    for file in _walk(top, where):
        relative = file.relative_to(top).as_posix()
        builder.add(where, posixpath.join(spec.path.rstrip("/"), relative),
                    _read(file, where, builder), _mtime(spec), _mode(spec),
                    frozenset(spec.tags))


def _walk(top: Path, where: tuple[Any, ...]) -> list[Path]:
    """Regular files under `top`, sorted; links are followed only while they stay inside."""
    found: list[Path] = []
    stack = [top]
    seen = {top}
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            raise DeclaredFileError(where, f"cannot list {folder}: {exc.strerror}") from None
        for entry in entries:
            try:
                real = entry.resolve()
            except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
                continue
            if not real.is_relative_to(top):
                continue  # a link out of the folder: the profile's files stay its own
            try:
                info = real.stat()
            except OSError:
                continue  # a broken link: nothing to copy
            if stat.S_ISDIR(info.st_mode) and real not in seen:
                seen.add(real)
                stack.append(entry)
            elif stat.S_ISREG(info.st_mode):
                found.append(entry)
            if len(found) > MAX_DECLARED_FILES:
                raise DeclaredFileError(where, f"{top} holds more than {MAX_DECLARED_FILES} "
                                        "files; point from: at a smaller folder")
    return sorted(found)


def _read(file: Path, where: tuple[Any, ...], builder: _Builder) -> bytes:
    left = MAX_DECLARED_BYTES - builder.size
    try:
        size = os.stat(file).st_size
        if size > left:
            raise DeclaredFileError(where, f"{file} ({size} bytes) takes the world past "
                                    f"{MAX_DECLARED_BYTES // (1024 * 1024)} MiB; use smaller "
                                    "fixtures")
        with open(file, "rb") as handle:
            return handle.read(left + 1)
    except OSError as exc:
        raise DeclaredFileError(where, f"cannot read {file}: {exc.strerror}") from None


def add_declared_files(world: World, specs: list[Any], seed: int) -> World:
    """Add the profile's `world.files` to `world`, in order (a later entry replaces a path).

    Raises:
        DeclaredFileError: An entry that cannot be built, with its profile location.
    """
    builder = _Builder(world, seed)
    for i, spec in enumerate(specs):
        where = ("world", "files", i)
        if spec.rows is not None:
            _table(builder, spec, where)
        elif spec.from_ is not None:
            _copied(builder, spec, where)
        elif spec.checksums_of is not None:
            _checksums(builder, spec, where)
        elif spec.for_each_row is not None:
            rows = builder.table_rows((*where, "for_each_row"), spec.for_each_row)
            columns = list(rows[0]) if rows else []
            for row in rows:
                _one(builder, spec, where, row, columns, spec.for_each_row)
        else:
            _one(builder, spec, where, None, [], "")
    return world
