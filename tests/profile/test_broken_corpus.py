"""A corpus of broken profiles, generated from the shipped ones: each is exit 2 and a located
message from `chaos validate`, never a traceback."""

import hashlib
import re
import string
import subprocess
import sys
from dataclasses import dataclass

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaos.cli import main
from chaos.faults import fault_kinds
from tests.profile.shipped import DATA, TEXTS, fresh_copy, slots


@dataclass(frozen=True)
class Broken:
    """A broken profile and what its report must show.

    Attributes:
        how: The family of mistake (for the failure message).
        content: The file's bytes.
        located: Whether the report must give line and column (not for empty/binary files).
        token: Text the mistake put in the file: some reported line must point at a line
            holding it.
    """

    how: str
    content: bytes
    located: bool = True
    token: str | None = None


def _set(data, path, value):
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _dump(data):
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()


def _file_fault(data, path):
    """Whether `path` is inside a fault whose kind acts on files (its target is checked)."""
    fault = data["faults"][path[1]]
    return fault_kinds.get(fault["kind"]).default_target is not None


def _reference_slots(name):
    """Where a profile names something that must exist: agents, tools, tags, kinds, models."""
    data = DATA[name]
    found = []
    for path, value in slots(data):
        if not isinstance(value, str):
            continue
        parent = path[-2] if len(path) > 1 else None
        if (path in (("chain", "entry"), ("task", "kind"), ("world", "generator"))
                or parent in ("tools", "delegates_to", "models")
                or (path[:1] == ("faults",) and path[2:] in (("kind",), ("trigger", "agent"),
                                                             ("trigger", "to"),
                                                             ("trigger", "tool")))
                or (path[:1] == ("faults",) and path[2:] == ("target", "tag")
                    and _file_fault(data, path))):
            found.append((name, path))
    return found


SCALARS = [(n, p) for n in sorted(DATA) for p, v in slots(DATA[n])
           if p and not isinstance(v, dict | list)]
#: Mappings whose keys the profile names and where any literal is a valid value: an answer's
#: fields and a written JSON's fields (value 1 is an expected field value there).
_NAMED_FIELDS = (("answer", "fields"), ("write", "json"))
MAPPINGS = [(n, p) for n in sorted(DATA) for p, v in slots(DATA[n]) if isinstance(v, dict)
            and not any(p[i:i + 2] == named for named in _NAMED_FIELDS for i in range(len(p)))]
CONTAINERS = [(n, p) for n in sorted(DATA) for p, v in slots(DATA[n])
              if p and isinstance(v, dict | list)]
REFERENCES = [s for n in sorted(DATA) for s in _reference_slots(n)]
NAMES = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8).map(lambda s: "zz" + s)


@st.composite
def wrong_types(draw):
    """A value replaced by one of another shape: a scalar by a mapping, a mapping or a list by
    a number."""
    if draw(st.booleans()):
        name, path = draw(st.sampled_from(SCALARS))
        key = draw(NAMES)
        value = {key: 1}
    else:
        name, path = draw(st.sampled_from(CONTAINERS))
        key = str(draw(st.integers(min_value=7_000_001, max_value=7_999_999)))
        value = int(key)
    data = fresh_copy(name)
    _set(data, path, value)
    return Broken("wrong type", _dump(data), token=key)


@st.composite
def unknown_keys(draw):
    """A key no model has, added to any mapping (its value 1 fits no free-form mapping)."""
    name, path = draw(st.sampled_from(MAPPINGS))
    key = draw(NAMES)
    data = fresh_copy(name)
    _set(data, (*path, key), 1)
    return Broken("unknown key", _dump(data), token=key)


@st.composite
def bad_references(draw):
    """An agent, tool, tag, fault kind, model, task kind or generator that does not exist."""
    name, path = draw(st.sampled_from(REFERENCES))
    bad = draw(NAMES)
    data = fresh_copy(name)
    if path[-2:-1] == ("models",):
        bad = f"scripted/{bad}"
    _set(data, path, bad)
    return Broken("bad reference", _dump(data), token=bad)


@st.composite
def yaml_syntax_errors(draw):
    """A top-level line that does not parse (or, inside a flow collection, an unknown key)."""
    name = draw(st.sampled_from(sorted(TEXTS)))
    lines = TEXTS[name].splitlines(keepends=True)
    at = draw(st.integers(min_value=2, max_value=len(lines)))
    line = draw(st.sampled_from(["x: [1, 2\n", 'x: "unterminated\n', "x: {a: 1\n",
                                 "x: a: b\n", "x:\n\t- tab\n", "x: *nowhere\n", "x: !!int abc\n",
                                 "]\n", "x: @reserved\n"]))
    return Broken("YAML syntax", "".join([*lines[:at], line, *lines[at:]]).encode())


@st.composite
def truncated(draw):
    """The file cut short somewhere after `version: 1` and before `models:`."""
    name = draw(st.sampled_from(sorted(TEXTS)))
    text = TEXTS[name]
    start = text.index("version: 1") + len("version: 1")
    end = text.index("\nmodels:")
    return Broken("truncated", text[:draw(st.integers(min_value=start, max_value=end))].encode())


@st.composite
def missing_bases(draw):
    """`extends:` naming a file that is not there."""
    name = draw(st.sampled_from(sorted(TEXTS)))
    base = draw(NAMES) + ".yaml"
    text = TEXTS[name].replace("version: 1\n", f"version: 1\nextends: {base}\n", 1)
    return Broken("missing base", text.encode(), token=base)


EMPTY = st.sampled_from([b"", b"\n\n", b"   \n", b"# only a comment\n", b"---\n", b"~\n",
                         b"null\n", b"--- # nothing\n...\n"]).map(
    lambda c: Broken("empty", c, located=False))
BINARY = st.one_of(
    st.binary(min_size=1, max_size=300).map(lambda b: b"\x00" + b),
    st.binary(min_size=1, max_size=300).map(lambda b: b"\xff\xfe" + b),
    st.sampled_from(sorted(TEXTS)).map(lambda n: TEXTS[n].encode()[:200] + b"\x00\x01\x02"),
).map(lambda c: Broken("binary", c, located=False))

@st.composite
def hostile(draw):
    """Input meant to hurt: control characters, bytes that are not UTF-8, UTF-16/32, nesting
    past any profile, alias bombs, too many values, globs past PATH_MAX, seeds past 2**53."""
    name = draw(st.sampled_from(sorted(TEXTS)))
    text = TEXTS[name]
    raw = text.encode()
    at = raw.index(b"\n", draw(st.integers(0, len(raw) - 2))) if b"\n" in raw else 0
    how = draw(st.sampled_from(["control", "not utf-8", "utf-16/32", "nesting", "aliases",
                                "values", "glob", "seed"]))
    if how == "control":
        byte = draw(st.sampled_from([b"\x00", b"\x01", b"\x08", b"\x1b", b"\x7f"]))
        return Broken("hostile", raw[:at] + b" #" + byte + raw[at:])
    if how == "not utf-8":
        byte = draw(st.sampled_from([b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\x80"]))
        return Broken("hostile", raw[:at] + b" # " + byte + raw[at:])
    if how == "utf-16/32":
        codec = draw(st.sampled_from(["utf-16", "utf-32"]))
        return Broken("hostile", text.encode(codec))
    if how == "nesting":
        depth = draw(st.integers(65, 3000))
        return Broken("hostile", raw + b"x: " + b"[" * depth + b"]" * depth + b"\n")
    if how == "aliases":
        bomb = 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
        bomb += "".join(f"l{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * 9) + "]\n"
                        for k in range(1, draw(st.integers(7, 12))))
        return Broken("hostile", raw + bomb.encode())
    if how == "values":
        return Broken("hostile", raw + b"x: [" + b"1, " * 100_001 + b"1]\n")
    data = fresh_copy(name)
    if how == "glob":
        glob = "/prod/" + "x" * draw(st.integers(4096, 9000))
        data.setdefault("world", {})["files"] = [{"path": glob, "text": "t"}]
        return Broken("hostile", _dump(data), token=glob[:50])
    digits = "9" * draw(st.integers(17, 400))
    data["seed"] = int(digits)
    return Broken("hostile", _dump(data), token=digits[:17])


CORPUS = st.one_of(wrong_types(), unknown_keys(), bad_references(), yaml_syntax_errors(),
                   truncated(), missing_bases(), EMPTY, BINARY, hostile())


def check_report(path, case, output, exit_code):
    shown = re.escape(str(path))
    assert exit_code == 2, (case.how, output)
    assert "Traceback" not in output, output
    lines = output.splitlines()
    assert len(lines) >= 2 and re.fullmatch(rf"{shown}: \d+ errors?", lines[-1]), output
    form = rf"{shown}:\d+:\d+: \S" if case.located else rf"{shown}:(\d+:\d+:)? \S"
    assert all(re.match(form, line) for line in lines[:-1]), (case.how, output)
    if case.token is not None:
        rows = case.content.decode().splitlines()
        pointed = [rows[int(m.group(1)) - 1] for line in lines[:-1]
                   if (m := re.match(rf"{shown}:(\d+):", line)) and int(m.group(1)) <= len(rows)]
        assert any(case.token in row for row in pointed), (case.how, case.token, output)


def test_at_least_200_broken_profiles_each_exit_2_with_a_located_message(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    seen: dict[str, set[str]] = {}
    runner = CliRunner()

    @settings(max_examples=400, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(case=CORPUS)
    def check(case):
        path = folder / "broken profile.yaml"
        path.write_bytes(case.content)
        result = runner.invoke(main, ["validate", str(path)])
        check_report(path, case, result.output, result.exit_code)
        seen.setdefault(case.how, set()).add(hashlib.sha256(case.content).hexdigest())

    check()
    assert sum(len(v) for v in seen.values()) >= 200, {k: len(v) for k, v in seen.items()}
    assert set(seen) == {"wrong type", "unknown key", "bad reference", "YAML syntax",
                         "truncated", "missing base", "empty", "binary", "hostile"}


def test_a_real_process_reports_the_same_way(tmp_path):
    cases = [
        Broken("YAML syntax", b"version: 1\nname: [x\n"),
        Broken("empty", b"", located=False),
        Broken("binary", b"\x89PNG\r\n\x1a\n\x00\x00", located=False),
        Broken("unknown key", TEXTS["sports-production.yaml"].replace(
            "episodes: 20", "episodez: 20").encode(), token="episodez"),
        Broken("bad reference", TEXTS["mid-chain-catch.yaml"].replace(
            "tool: find_files", "tool: find_filez").encode(), token="find_filez"),
    ]
    for i, case in enumerate(cases):
        path = tmp_path / f"case-{i}.yaml"
        path.write_bytes(case.content)
        done = subprocess.run([sys.executable, "-m", "chaos.cli", "validate", str(path)],
                              capture_output=True, text=True, timeout=60)
        assert done.stderr == "", done.stderr
        check_report(path, case, done.stdout, done.returncode)
