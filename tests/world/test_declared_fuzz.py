"""Any world.files entry is a valid world or located errors: never a crash, never a hang."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.world._profiles import check, with_files

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 20_000),
                     st.sampled_from(["", "x", "{a}", "{{", "/t.csv", "0444", "matters/",
                                      "../..", "2026-01-01", "Zoë €", "pdf", "name", "utf-16",
                                      "iVBORw0KGgo=", "/a/{a}.txt", "P{n:03d}", "{n:q}"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "int", "choice",
                                                                  "format", "author"]),
                                                 inner, max_size=3)), max_leaves=6)
_KEYS = ["path", "text", "encoding", "base64", "from", "make", "title", "meta", "rows",
         "columns", "for_each_row", "mtime", "mode", "tags"]
_ENTRY = st.fixed_dictionaries({"path": st.sampled_from(["/t.csv", "/a/{a}.txt", "/in/",
                                                         "/x.pdf"])},
                               optional={k: _VALUES for k in _KEYS[1:]})


@settings(max_examples=int(os.environ.get("CHAOS_FUZZ_EXAMPLES", 60)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ENTRY, min_size=1, max_size=3))
def test_any_world_files_validate_to_a_world_or_located_errors(entries):
    lines = "\n".join("- " + yaml.safe_dump(e, default_flow_style=True, allow_unicode=True,
                                             width=10**6).strip() for e in entries)
    with tempfile.TemporaryDirectory() as folder:
        result = check(Path(folder), with_files(lines, generator=False))
    for error in result.errors:
        assert str(error).startswith(f"{folder}/p.yaml:"), str(error)


_WORDS = st.sampled_from(["a", "b", "id", "name", "Zoë", "€", "{a}", "{id}", "{{x}}", "/",
                          "..", "", "x" * 300])
_TEXT = st.lists(_WORDS, max_size=4).map(" ".join)
_COLUMN = st.one_of(st.sampled_from(["name", "email", "amount", "int", "date", "bool", "uuid"]),
                    st.fixed_dictionaries({"format": st.sampled_from(["P{n:03d}", "{n}"])}),
                    st.fixed_dictionaries({"choice": st.lists(_WORDS, min_size=1, max_size=3)}),
                    st.fixed_dictionaries({"int": st.tuples(st.integers(-3, 3),
                                                            st.integers(-3, 3)).map(list)}))
_SOURCE = st.one_of(
    st.fixed_dictionaries({"text": _TEXT}),
    st.fixed_dictionaries({"base64": st.sampled_from(["iVBORw0KGgo=", "", "eA=="])}),
    st.fixed_dictionaries({"from": st.sampled_from(["matters/", "matters/index.csv",
                                                    "matters/acme", "nope/", "../matters"])}),
    st.fixed_dictionaries({"make": st.sampled_from(["pdf", "docx", "xlsx", "zip", "png", "jpeg",
                                                    "gif", "mp4", "csv", "json", "eml"])},
                          optional={"text": _TEXT, "title": _TEXT,
                                    "meta": st.dictionaries(st.sampled_from(
                                        ["author", "width", "from", "to", "subject", "x"]),
                                        _TEXT, max_size=2)}),
    st.fixed_dictionaries({"rows": st.integers(0, 4),
                           "columns": st.dictionaries(st.sampled_from(["a", "id", "name"]),
                                                      _COLUMN, min_size=1, max_size=3)}))
_TYPED = st.tuples(
    st.sampled_from(["/t.csv", "/t.json", "/t.xlsx", "/d/{a}.txt", "/d/{id}.pdf", "/in/",
                     "/d/f", "/d"]),
    _SOURCE,
    st.fixed_dictionaries({}, optional={
        "for_each_row": st.sampled_from(["/t.csv", "/t.json", "/in/index.csv", "/none.csv"]),
        "encoding": st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]),
        "mtime": st.one_of(st.integers(0, 2**31), st.sampled_from(["2026-03-02T09:00:00Z"])),
        "mode": st.sampled_from(["0444", "0644", "0755"]),
        "tags": st.lists(st.sampled_from(["a", "b"]), max_size=2)}),
).map(lambda parts: {"path": parts[0], **parts[1], **parts[2]})


@settings(max_examples=int(os.environ.get("CHAOS_FUZZ_EXAMPLES", 60)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TYPED, min_size=1, max_size=4))
def test_well_typed_world_files_build_or_give_located_errors(entries):
    lines = "\n".join("- " + yaml.safe_dump(e, default_flow_style=True, allow_unicode=True,
                                             width=10**6).strip() for e in entries)
    with tempfile.TemporaryDirectory() as folder:
        result = check(Path(folder), with_files(lines))
        if result.ok:
            from chaos.runner import build_world
            from chaos.world import materialize_world, prepare_world

            world = prepare_world(build_world(result.loaded.profile, 3))
            materialize_world(world)
    for error in result.errors:
        assert str(error).startswith(f"{folder}/p.yaml:"), str(error)
        assert "cannot be built" not in str(error), str(error)  # every failure is its entry's
