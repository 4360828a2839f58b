"""Fuzzed profiles: mutations of the shipped ones through `chaos validate` and `chaos explain`.

Whatever the mutation (keys deleted, duplicated or swapped, values of another type, huge
numbers, long strings, control characters, Unicode line separators, deep nesting, alias bombs,
bytes that are not UTF-8, a file cut short), chaos answers exit 0 or exit 2 with every error
line located at file:line[:column] and saying what to do; never a traceback, a hang or a
runaway memory bill.
"""

from __future__ import annotations

import codecs
import re
import resource
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaos.cli import main
from tests.profile.shipped import DATA, TEXTS, fresh_copy, slots

#: Seconds one example may take before the watchdog calls it a hang (a bound, not a speed test:
#: the slowest real example takes about a second).
HANG_S = 60
#: The process's high-water mark of resident memory, checked after every example: no input may
#: take chaos past ~1 GB (pytest and chaos themselves take ~150 MB).
MAX_RSS_BYTES = 1 << 30
# What an error line must say besides the problem: how to put it right.
HINT = re.compile(r"did you mean|valid:|; |: (write|use|remove|add|name|save|delete|lower|"
                  r"shorten|split|flatten|keep|quote|fix|check|rename)|should|must|at most|"
                  r"at least|expected|is one of|needs|takes|such as|e\.g\.", re.IGNORECASE)
SEPARATORS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\r"]
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x1b", "\x7f", "\ud800", "\udfff"]


class Hang(BaseException):
    """The watchdog's alarm: not an Exception, so no handler in chaos can swallow it."""


@contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Raise Hang in the main thread if the block runs longer than `seconds` (a blocking open
    or read is interrupted too: the handler raises, so Python does not retry the call)."""
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def max_rss() -> int:
    """The process's peak resident memory so far, in bytes (Linux counts KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


SLOTS = [(n, p) for n in sorted(DATA) for p, _ in slots(DATA[n]) if p]
MAPPINGS = [(n, p) for n in sorted(DATA) for p, v in slots(DATA[n])
            if isinstance(v, dict) and len(v) >= 2]


def _at(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200).encode(
        "utf-8", "surrogatepass")


HUGE_INTS = st.sampled_from([2**31, 2**53, 2**63, 2**64, -(2**63), 10**30, 10**300, -1,
                             999_999_999_999])
LONG_STRINGS = st.sampled_from([5_000, 70_000, 150_000]).flatmap(
    lambda n: st.sampled_from(["a", "/", "*", "é", "🎞"]).map(lambda c: c * n))
VALUES = st.one_of(
    st.integers(), HUGE_INTS, st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.none(), st.text(max_size=20), LONG_STRINGS,
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=2))


@st.composite
def replaced_values(draw: Any) -> bytes:
    """Any value replaced by one of another type, a huge number or a long string."""
    name, path = draw(st.sampled_from(SLOTS))
    data = fresh_copy(name)
    _at(data, path[:-1])[path[-1]] = draw(VALUES)
    return _dump(data)


@st.composite
def deleted_keys(draw: Any) -> bytes:
    name, path = draw(st.sampled_from([s for s in SLOTS if isinstance(s[1][-1], str)]))
    data = fresh_copy(name)
    del _at(data, path[:-1])[path[-1]]
    return _dump(data)


@st.composite
def swapped_values(draw: Any) -> bytes:
    """Two keys of one mapping trade values."""
    name, path = draw(st.sampled_from(MAPPINGS))
    data = fresh_copy(name)
    mapping = _at(data, path)
    a, b = draw(st.lists(st.sampled_from(sorted(mapping, key=str)), min_size=2, max_size=2,
                         unique=True))
    mapping[a], mapping[b] = mapping[b], mapping[a]
    return _dump(data)


@st.composite
def strange_characters(draw: Any) -> bytes:
    """A control character, lone surrogate or Unicode line separator inside a string value."""
    name, path = draw(st.sampled_from([s for s in SLOTS
                                       if isinstance(_at(DATA[s[0]], s[1]), str)]))
    data = fresh_copy(name)
    value = _at(data, path)
    at = draw(st.integers(0, len(value)))
    char = draw(st.sampled_from(CONTROLS + SEPARATORS))
    _at(data, path[:-1])[path[-1]] = value[:at] + char + value[at:]
    return _dump(data)


@st.composite
def deep_nesting(draw: Any) -> bytes:
    """A value wrapped in lists or mappings tens to thousands of levels deep."""
    name, path = draw(st.sampled_from(SLOTS))
    depth = draw(st.sampled_from([10, 70, 300, 3000]))
    if draw(st.booleans()):
        text = TEXTS[name]
        key = str(path[0])
        nested = "[" * depth + "1" + "]" * depth
        return text.replace(f"\n{key}:", f"\n{key}: {nested}\nx_{key}:", 1).encode()
    data = fresh_copy(name)
    value: Any = _at(data, path)
    for _ in range(min(depth, 300)):
        value = {"k": value} if draw(st.booleans()) else [value]
    _at(data, path[:-1])[path[-1]] = value
    return _dump(data)


@st.composite
def text_edits(draw: Any) -> bytes:
    """Line-level edits: a line duplicated, deleted or moved; the file cut short."""
    name = draw(st.sampled_from(sorted(TEXTS)))
    lines = TEXTS[name].splitlines(keepends=True)
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["duplicate", "delete", "move", "truncate"]))
    if how == "duplicate":
        lines.insert(j, lines[i])
    elif how == "delete":
        del lines[i]
    elif how == "move":
        lines.insert(j, lines.pop(i))
    else:
        raw = "".join(lines).encode()
        return raw[:draw(st.integers(0, len(raw)))]
    return "".join(lines).encode()


@st.composite
def byte_edits(draw: Any) -> bytes:
    """Bytes that are not UTF-8, raw control bytes, a byte-order mark."""
    name = draw(st.sampled_from(sorted(TEXTS)))
    raw = TEXTS[name].encode()
    at = draw(st.integers(0, len(raw)))
    how = draw(st.sampled_from(["invalid", "control", "bom"]))
    if how == "invalid":
        bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xe2\x80", b"\xed\xa0\x80",
                                    b"\xf4\x90\x80\x80", b"\x80\x80"]))
        return raw[:at] + bad + raw[at:]
    if how == "control":
        return raw[:at] + draw(st.sampled_from([b"\x00", b"\x01", b"\x1b", b"\x7f"])) + raw[at:]
    bom = draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
                                codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE]))
    text = TEXTS[name]
    if bom == codecs.BOM_UTF8:
        return bom + raw
    encoding = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be",
                codecs.BOM_UTF32_LE: "utf-32-le", codecs.BOM_UTF32_BE: "utf-32-be"}[bom]
    return bom + text.encode(encoding)


@st.composite
def aliases(draw: Any) -> bytes:
    """An anchor and aliases: a billion-laughs bomb, or an anchored value reused elsewhere."""
    name = draw(st.sampled_from(sorted(TEXTS)))
    text = TEXTS[name]
    if draw(st.booleans()):
        levels = draw(st.integers(3, 9))
        bomb = 'x_lol: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
        for k in range(1, levels):
            bomb += f"x_lol{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * 9) + "]\n"
        return (text + bomb).encode()
    data = fresh_copy(name)
    slots = [p for n, p in SLOTS if n == name]
    source, target = draw(st.lists(st.sampled_from(slots), min_size=2, max_size=2, unique=True))
    value = _at(data, source)
    if source[:len(target)] == target or target[:len(source)] == source:
        return _dump(data)
    _at(data, target[:-1])[target[-1]] = value  # safe_dump writes the shared value as an alias
    return _dump(data)


MUTANTS = st.one_of(replaced_values(), deleted_keys(), swapped_values(), strange_characters(),
                    deep_nesting(), text_edits(), byte_edits(), aliases())


def check_answer(path: Any, exit_code: int, output: str) -> None:
    """Exit 0, or exit 2 with every line located and saying how to fix it."""
    assert exit_code in (0, 2), output
    assert "Traceback" not in output and "bug in chaos" not in output, output
    if exit_code == 0:
        return
    shown = re.escape(str(path))
    lines = output.splitlines()
    assert re.fullmatch(rf"{shown}: \d+ errors?", lines[-1]), output
    for line in lines[:-1]:
        where = re.match(rf"{shown}:\d+(:\d+)?: (.*)", line)
        assert where, f"no line number: {line}"
        assert HINT.search(where.group(2)), f"no fix: {line}"


def test_200_fuzzed_profiles_each_validate_or_fail_with_located_fixable_errors(
        tmp_path_factory: Any) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "mutant.yaml"
    runner = CliRunner()
    answers = {0: 0, 2: 0}

    @settings(max_examples=220, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
    @given(content=MUTANTS)
    def check(content: bytes) -> None:
        path.write_bytes(content)
        with watchdog(HANG_S):
            result = runner.invoke(main, ["validate", str(path)])
            check_answer(path, result.exit_code, result.output)
            if result.exit_code == 0:
                explained = runner.invoke(main, ["explain", str(path), "--json"])
                assert explained.exit_code in (0, 2), explained.output
                assert "bug in chaos" not in explained.output, explained.output
        assert max_rss() < MAX_RSS_BYTES, f"{max_rss() / 2**20:.0f} MiB resident at the peak"
        answers[result.exit_code] += 1

    check()
    # Both answers occur: the mutations neither all break a profile nor all leave it valid.
    assert answers[0] >= 10 and answers[2] >= 100, answers
