"""Limits on what a profile (or sweep) file may hold, checked before the file costs anything.

A profile is a small hand-written file. These bounds keep a hostile or mistaken input (a
device, a FIFO, a 50 MB file, a billion-laughs alias bomb, 10,000 nested brackets, a NUL byte)
from hanging chaos or taking gigabytes; each is reported at the file, line and column with a
fix. The figures are documented in README's "Writing a profile".
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat

import yaml

from chaos.errors import ProfileError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "MAX_STRING_CHARS",
    "check_structure",
    "check_values",
    "merged_size_problem",
    "decode_text",
    "read_input_file",
]

#: Largest profile or sweep file read (1 MiB): the biggest shipped profile is ~10 KB, and a
#: profile of this size validates in about a second.
MAX_FILE_BYTES = 1 << 20
#: Deepest nesting of mappings and lists (shipped profiles nest 6 deep; tool schemas a few more).
MAX_DEPTH = 64
#: Most values in one file, counting each alias as the values it repeats (a billion-laughs
#: bomb expands to 10^9 and would be validated value by value).
MAX_NODES = 100_000
#: Longest single string value (an agent's instructions, a world file's text...).
MAX_STRING_CHARS = 100_000

_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
# What YAML 1.1 (PyYAML's reader) accepts in a file, and what a value may hold after escapes.
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Other controls written as escapes ("\\e") are kept and shown escaped; a NUL fits no path or
# C string, and a lone surrogate cannot be written as UTF-8 to a trace.
_NOT_IN_VALUE = re.compile("[\x00\ud800-\udfff]")
_YAML_ONLY_BREAK = re.compile("[\x85\u2028\u2029]")
_EDITOR_BREAK = re.compile("\r\n|\r|\n")
# libyaml's parser when PyYAML has it: ~5x faster for this pass, with the same line and column.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FILE_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"))


def read_input_file(path: str, what: str = "profile") -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES.

    A FIFO is opened with O_NONBLOCK and every file is checked with fstat on the opened
    descriptor, so neither a pipe nor a device (/dev/zero) can block or stream forever.

    Raises:
        FileNotFoundError: There is no such file.
        IsADirectoryError: It is a folder.
        ProfileError: It is not a regular file, is too large, or cannot be read.
    """
    if "\x00" in path:
        raise ProfileError(f"the {what} path holds a NUL character; name the file without it",
                           path.replace("\x00", "\\0"))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise FileNotFoundError(path) from None
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO on some systems
            raise ProfileError(f"is not a regular file; name the {what} .yaml file itself",
                               path) from None
        raise ProfileError(f"cannot read {what} ({exc.strerror}); check the path and its "
                           "permissions", path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)),
                        "not a regular file")
            raise ProfileError(f"is {kind}, not a {what} file; name a regular .yaml file "
                               "(copy the content to one)", path)
        if info.st_size > MAX_FILE_BYTES:
            raise ProfileError(_too_large(info.st_size, what), path)
        raw = _read_at_most(fd, MAX_FILE_BYTES + 1, path, what)
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:  # it grew after the stat
        raise ProfileError(_too_large(len(raw), what), path)
    return raw


def _read_at_most(fd: int, limit: int, path: str, what: str) -> bytes:
    chunks: list[bytes] = []
    got = 0
    try:
        while got < limit and (chunk := os.read(fd, min(1 << 16, limit - got))):
            chunks.append(chunk)
            got += len(chunk)
    except OSError as exc:
        raise ProfileError(f"cannot read {what} ({exc.strerror}); check the file",
                           path) from None
    return b"".join(chunks)


def _too_large(size: int, what: str) -> str:
    return (f"{what} file is {size:,} bytes; chaos reads {what}s of at most "
            f"{MAX_FILE_BYTES:,} bytes (1 MiB): split it with 'extends:' or move bulk "
            "content out of it")


def decode_text(raw: bytes, path: str, what: str = "profile") -> str:
    """A file's bytes as UTF-8 text (a UTF-8 byte-order mark is dropped).

    Raises:
        ProfileError: A UTF-16/32 byte-order mark, or bytes that are not UTF-8, at the line
            and column (in characters) where they start.
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise ProfileError(f"{what} is {name} text (it starts with a {name} byte-order "
                               "mark); save it as UTF-8", path, 1, 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
    before = raw[:start]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    raise ProfileError(f"byte 0x{raw[start]:02x} is not UTF-8 text; is it a YAML file? save it "
                       "as UTF-8", path, before.count(b"\n") + 1, column)


def check_structure(text: str, path: str) -> None:
    """Check characters, nesting depth and alias expansion before the YAML is composed.

    Parsing events is iterative, so this runs in bounded stack and memory whatever the input;
    PyYAML's composer and constructor, run afterwards, recurse once per level.

    Raises:
        ProfileError: At the first offending character, collection or alias.
    """
    if bad := _NOT_YAML.search(text):
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise ProfileError(f"{_character(bad.group())} cannot appear in a YAML file; delete "
                           "it (is this a binary file?)", path, line, column)
    for loader in dict.fromkeys((_FAST_LOADER, yaml.SafeLoader)):
        try:
            _count_events(text, path, loader)
        except yaml.YAMLError:
            continue  # libyaml stops early on some inputs (its own depth limit): parse again
        return
    # Neither parser reads it: composing reports the syntax error with its position.


def _count_events(text: str, path: str, loader: type) -> None:
    sizes: dict[str, int] = {}
    stack: list[tuple[str | None, int]] = [(None, 0)]
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) > MAX_DEPTH:
                raise _at(event, f"nesting is deeper than {MAX_DEPTH} levels; a profile "
                                 "nests a few levels: flatten this value", path, text)
            stack.append((event.anchor, 1))
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
            if anchor is not None:
                sizes[anchor] = size
            _add(stack, size, event, path, text)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            _add(stack, 1, event, path, text)
        elif isinstance(event, yaml.AliasEvent):
            _add(stack, sizes.get(event.anchor, 1), event, path, text)


def _add(stack: list[tuple[str | None, int]], size: int, event: yaml.Event, path: str,
         text: str) -> None:
    anchor, total = stack[-1]
    stack[-1] = (anchor, total + size)
    if sum(count for _, count in stack) > MAX_NODES:
        if isinstance(event, yaml.AliasEvent):
            raise _at(event, f"aliases repeat values until the file holds more than "
                             f"{MAX_NODES:,}; a profile needs far fewer: remove this alias",
                      path, text)
        raise _at(event, f"the file holds more than {MAX_NODES:,} values; a profile needs far "
                         "fewer: split it or shorten its lists", path, text)


def _at(event: yaml.Event, message: str, path: str, text: str) -> ProfileError:
    return ProfileError(message, path, *position(event.start_mark, text))


def position(where: yaml.Mark, text: str | None = None) -> tuple[int, int]:
    """A YAML mark's 1-based (line, column) as an editor counts them.

    YAML also breaks lines at U+0085, U+2028 and U+2029, which editors show inside a line:
    with one of those in the file, the line and column are counted again from the mark's
    character index, at line feeds (and lone carriage returns) only.
    """
    text = text if text is not None else where.buffer
    if text is None or not _YAML_ONLY_BREAK.search(text):
        return where.line + 1, where.column + 1
    before = text[:where.index]
    breaks = list(_EDITOR_BREAK.finditer(before))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, where.index - start + 1


def check_values(root: yaml.Node) -> list[ProfileError]:
    """Strings no profile field can use, each at its line and column.

    A NUL or a lone surrogate (written as escapes), or more than MAX_STRING_CHARS characters.
    """
    from chaos.profile._documents import mark, walk

    problems = []
    for node in walk(root):
        if not isinstance(node, yaml.ScalarNode):
            continue
        if len(node.value) > MAX_STRING_CHARS:
            problems.append(ProfileError(
                f"value of {len(node.value):,} characters; a value holds at most "
                f"{MAX_STRING_CHARS:,}: shorten it", *mark(node)))
        elif bad := _NOT_IN_VALUE.search(node.value):
            problems.append(ProfileError(
                f"value holds {_character(bad.group())}; remove it (no value may hold "
                "a NUL or half of a surrogate pair)", *mark(node)))
    return problems


def _character(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate U+{code:04X} (not a character)"
    names = {0: "NUL", 0x7F: "DEL", 0xFEFF: "a byte-order mark"}
    return f"control character U+{code:04X}" + (f" ({names[code]})" if code in names else "")


def merged_size_problem(root: yaml.Node) -> ProfileError | None:
    """A profile merged from an `extends` chain holding more than MAX_NODES values."""
    from chaos.profile._documents import mark

    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # post-order, each node once: a node shared by aliases counts per use
        node, expanded = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if expanded:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
    if sizes[id(root)] <= MAX_NODES:
        return None
    return ProfileError(f"with the profiles it extends, this profile holds more than "
                        f"{MAX_NODES:,} values; a profile needs far fewer: shorten the lists "
                        "it appends to", *mark(root))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []
