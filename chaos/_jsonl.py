r"""JSON Lines that survive every Unicode line break (traces, cassettes, OTLP lines).

Agent-visible text may hold any character. JSON escapes the C0 controls (`\r`, `\v`, `\f`,
U+001C-U+001E) but leaves U+0085, U+2028 and U+2029 raw, and `str.splitlines()` breaks on all
of them, so a reader that uses it cuts a line in two. Writers here escape those three (JSON
allows `\uXXXX` in any string, and outside strings they cannot occur), so the files read back
with any line reader; readers split on `\n` alone, so files written before read back too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["dumps_line", "json_line", "jsonl_text", "read_lines", "split_lines"]

_RAW_BREAKS = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(text: str) -> str:
    """A serialised JSON value as one line: the line breaks JSON leaves raw, escaped."""
    return text.translate(_RAW_BREAKS)


def dumps_line(value: Any) -> str:
    """`value` as one JSON line (no trailing newline), non-ASCII kept readable."""
    return json_line(json.dumps(value, ensure_ascii=False))


def jsonl_text(lines: Iterable[str]) -> str:
    r"""Serialised JSON values as a JSON Lines file's text: one per line, `\n` after each."""
    return "".join(json_line(line) + "\n" for line in lines)


def split_lines(text: str) -> Iterator[tuple[int, str]]:
    r"""(line number from 1, line) of JSON Lines text, split on `\n` only; blank lines skipped.

    A `\r` before the `\n` is left to the JSON parser, which takes it as whitespace.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip(" \t\r"):
            yield number, line


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    r"""`split_lines` of a UTF-8 file, read without newline translation (a lone `\r` stays).

    Raises:
        OSError: The file cannot be read.
        UnicodeDecodeError: It is not UTF-8.
    """
    return split_lines(path.read_bytes().decode("utf-8"))
