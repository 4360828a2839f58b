"""Worlds from the profile's own files: every content source, mtime, mode, tags, bounds."""

from __future__ import annotations

import asyncio
import json

import pytest

from chaos.models.scripted import policy
from chaos.profile import check_profile
from chaos.runner import RunOptions, build_world, run_profiles
from chaos.sim import EpisodePlan, run_episode
from chaos.tools import ToolContext, tools
from chaos.world import materialize_world, prepare_world
from tests.helpers import StubChain
from tests.world._profiles import FIXTURES, check, readme_world_profile, with_files


def loaded(tmp_path, files, generator=True):
    result = check(tmp_path, with_files(files, generator))
    assert result.ok, [str(e) for e in result.errors]
    return result.loaded


def caller(world):
    ctx = ToolContext("editor", materialize_world(world), StubChain())

    def call(name, **arguments):
        definition = tools.get(name)
        try:
            out = definition.run(ctx, definition.args.model_validate(arguments))
        except OSError as exc:  # the chain runner turns these into the agent's text
            return str(exc)
        return json.loads(out) if out.startswith("{") else out

    call.fs = ctx.fs
    return call


def test_the_readme_profile_validates_and_runs_an_episode(tmp_path):
    result = check(tmp_path, readme_world_profile())
    assert result.ok, [str(e) for e in result.errors]
    results = run_profiles([result.loaded], RunOptions(arms=("clean",)))
    (episode,) = results.episodes
    assert episode.status == "completed", episode.error
    world = build_world(result.loaded.profile, 0)
    assert {"/clinic/patients.csv", "/clinic/reports/P001.pdf", "/in/contract.txt",
            "/fixtures/acme/contract.txt", "/in/notes.docx"} <= set(world.files)


def test_a_world_of_declared_files_only_has_no_truth_and_materialises(tmp_path):
    profile = loaded(tmp_path, "- {path: /in/a.txt, text: hello, tags: [mine]}").profile
    bare = profile.model_copy(update={"world": profile.world.model_copy(
        update={"generator": None, "params": {}})})
    world = prepare_world(build_world(bare, 0))
    assert world.truth is None and set(world.files) == {"/in/a.txt"}
    assert world.tags() == ["mine"]
    assert caller(world)("read_file", path="/in/a.txt")["content"] == "hello"


def test_a_task_that_needs_a_generator_without_one_is_a_located_error(tmp_path):
    text = with_files("- {path: /in/a.txt, text: hello}", generator=False)
    result = check(tmp_path, text)
    (error,) = result.errors
    line = text.split("\n").index("task: {kind: highlight_package}") + 1
    assert str(error).startswith(f"{tmp_path / 'p.yaml'}:{line}:")
    assert "needs a world generator's ground truth" in str(error)


def test_text_in_each_encoding_keeps_its_bytes(tmp_path):
    files = "\n".join(f"- {{path: /in/{name}.txt, text: 'Zoë signed', encoding: {name}}}"
                      for name in ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"))
    world = build_world(loaded(tmp_path, files).profile, 0)
    for name in ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"):
        data = world.files[f"/in/{name}.txt"].data
        assert data == "Zoë signed".encode(name)
        assert data.decode(name) == "Zoë signed"


def test_latin1_text_reads_with_its_undecodable_byte_marked(tmp_path):
    world = build_world(loaded(
        tmp_path, "- {path: /in/c.txt, text: 'Zoë signed', encoding: latin-1}").profile, 0)
    read = caller(world)("read_file", path="/in/c.txt")
    assert read["content"] == "Zo\ufffd signed"
    assert "not valid UTF-8" in read["encoding_note"]


def test_base64_gives_the_bytes(tmp_path):
    world = build_world(loaded(tmp_path, "- {path: /in/x.png, base64: 'iVBORw0KGgo='}")
                        .profile, 0)
    assert world.files["/in/x.png"].data == b"\x89PNG\r\n\x1a\n"


def test_from_a_folder_copies_every_file_with_its_bytes_and_relative_path(tmp_path):
    world = build_world(loaded(tmp_path, "- {path: /matters/, from: matters/, tags: [m]}")
                        .profile, 0)
    copied = {p: f for p, f in world.files.items() if p.startswith("/matters/")}
    expected = {"/matters/" + f.relative_to(FIXTURES / "matters").as_posix(): f.read_bytes()
                for f in (FIXTURES / "matters").rglob("*") if f.is_file()}
    assert {p: f.data for p, f in copied.items()} == expected
    assert all(f.tags == {"m"} for f in copied.values())


def test_from_a_single_file_to_a_path_or_into_a_folder(tmp_path):
    world = build_world(loaded(tmp_path, "- {path: /in/i.csv, from: matters/index.csv}\n"
                                         "- {path: /in/, from: matters/index.csv}").profile, 0)
    expected = (FIXTURES / "matters/index.csv").read_bytes()
    assert world.files["/in/i.csv"].data == world.files["/in/index.csv"].data == expected


def test_from_never_follows_a_link_out_of_its_folder(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    check(tmp_path, "")
    (tmp_path / "matters" / "leak.txt").symlink_to(outside)
    world = build_world(loaded(tmp_path, "- {path: /m/, from: matters/}").profile, 0)
    assert "/m/leak.txt" not in world.files and "/m/index.csv" in world.files


def test_from_past_the_size_bound_is_a_located_error(tmp_path):
    big = tmp_path / "big"
    big.mkdir()
    for i in range(2):
        (big / f"part{i}.bin").write_bytes(b"\0" * (40 * 1024 * 1024))
    text = with_files("- {path: /big/, from: big/}")
    result = check(tmp_path, text)
    assert not result.ok
    (error,) = result.errors
    line = text.split("\n").index("    - {path: /big/, from: big/}") + 1
    assert str(error).startswith(f"{tmp_path / 'p.yaml'}:{line}:")
    assert "64 MiB" in str(error) and "smaller fixtures" in str(error)


def test_a_missing_from_folder_is_a_located_error(tmp_path):
    result = check(tmp_path, with_files("- {path: /m/, from: nowhere/}"))
    assert not result.ok
    assert "from: nowhere/ does not exist" in str(result.errors[0])
    assert "relative to the profile file's folder" in str(result.errors[0])


def test_mtime_iso_or_epoch_and_tags_reach_the_episode_filesystem(tmp_path):
    files = """
- {path: /r/new.txt, text: new, mtime: "2026-03-02T09:00:00Z", tags: [fresh]}
- {path: /r/old.txt, text: old, mtime: 1767312000, tags: [stale]}
"""
    world = build_world(loaded(tmp_path, files).profile, 0)
    call = caller(world)
    assert call("file_info", path="/r/new.txt")["modified"] == "2026-03-02T09:00:00Z"
    assert call("file_info", path="/r/old.txt")["modified"] == "2026-01-02T00:00:00Z"
    assert [f.path for f in world.tagged("stale")] == ["/r/old.txt"]


def test_a_read_only_file_refuses_a_write_and_keeps_its_bytes(tmp_path):
    files = """
- {path: /r/locked.txt, text: keep, mode: "0444"}
- {path: /r/open.txt, text: edit, mode: "0644"}
"""
    world = build_world(loaded(tmp_path, files).profile, 0)
    call = caller(world)
    assert call("write_file", path="/r/locked.txt", content="x") == (
        "[Errno 13] Permission denied: '/r/locked.txt'")
    assert call("read_file", path="/r/locked.txt")["content"] == "keep"
    assert call("write_file", path="/r/open.txt", content="x").startswith("wrote 1 bytes")


@policy("test-reads-a-report")
def reads_a_report(brief, ctx):
    text = yield "read_file", {"path": "/clinic/reports/P002.pdf"}
    yield "finish", {"result": {"read": json.loads(text)["content"]}}


def test_an_agent_reads_a_made_pdf_through_the_tool_loop(tmp_path):
    profile = check(tmp_path, readme_world_profile()).loaded.profile
    world = build_world(profile, 0)
    name = next(line.split(",")[1] for line in
                world.files["/clinic/patients.csv"].data.decode().splitlines()
                if line.startswith("P002,"))
    plan = EpisodePlan(profile.name, "p.yaml", "scripted/test-reads-a-report", 0, "clean")
    episode = asyncio.run(run_episode(plan, profile, world))
    returned = [e.result for e in episode.trace if e.type == "tool_returned"]
    assert any(f"Patient {name}\\nHaemoglobin 13.2 g/dL" in r for r in returned)


def test_a_table_is_the_same_for_a_seed_and_differs_across_seeds(tmp_path):
    files = ("- {path: /t/people.csv, rows: 5, columns: {id: {format: 'C{n:02d}'}, "
             "name: name, email: email, fee: {amount: [10, 20]}, n: {int: [1, 3]}, "
             "day: date, at: datetime, ok: bool, sku: sku, id2: uuid, phone: phone}}")
    profile = loaded(tmp_path, files).profile
    one, again, other = (build_world(profile, s).files["/t/people.csv"].data for s in (1, 1, 2))
    assert one == again and one != other
    lines = one.decode().splitlines()
    assert lines[0] == "id,name,email,fee,n,day,at,ok,sku,id2,phone"
    assert [line.split(",")[0] for line in lines[1:]] == [f"C{n:02d}" for n in range(1, 6)]
    for line in lines[1:]:
        fee = line.split(",")[3]
        assert 10 <= float(fee) <= 20 and len(fee.split(".")[1]) == 2


def test_a_json_table_is_a_list_of_objects(tmp_path):
    world = build_world(loaded(
        tmp_path, "- {path: /t/p.json, rows: 2, columns: {k: {const: x}, v: {int: [5, 5]}}}")
        .profile, 0)
    assert json.loads(world.files["/t/p.json"].data) == [{"k": "x", "v": 5}] * 2


def test_for_each_row_makes_one_file_per_row_with_its_cells(tmp_path):
    files = """
- {path: /t/c.csv, rows: 3, columns: {cid: {format: "C{n}"}, name: name}}
- path: /t/letters/{cid}.txt
  for_each_row: /t/c.csv
  text: "Dear {name}, ref {cid} {{kept}}"
  tags: [letter]
"""
    world = build_world(loaded(tmp_path, files).profile, 4)
    rows = [line.split(",") for line in world.files["/t/c.csv"].data.decode().splitlines()[1:]]
    for cid, name in rows:
        assert world.files[f"/t/letters/{cid}.txt"].data.decode() == (
            f"Dear {name}, ref {cid} {{kept}}")
    assert len(world.tagged("letter")) == 3


def test_for_each_row_over_a_copied_csv(tmp_path):
    files = """
- {path: /m/, from: matters/}
- {path: "/m/{matter}.md", for_each_row: /m/index.csv, text: "{client}"}
"""
    world = build_world(loaded(tmp_path, files).profile, 0)
    assert world.files["/m/ACME-7.md"].data == b"Acme Ltd"


@pytest.mark.parametrize(("files", "bad_line", "message"), [
    ("- {path: /t/c.csv, rows: 2, columns: {cid: name}}\n"
     "- {path: '/t/{nope}.txt', for_each_row: /t/c.csv, text: x}",
     1, "{nope} names no column of /t/c.csv (columns: cid)"),
    ("- {path: '/t/{cid}.txt', for_each_row: /t/none.csv, text: x}",
     0, "for_each_row: /t/none.csv is no table declared above"),
    ("- {path: /a.txt, text: 'Zoë €', encoding: latin-1}", 0,
     "'€' at character 4 cannot be written in latin-1"),
    ("- {path: /a.txt}", 0, "exactly one of text, base64, from, make, rows"),
    ("- {path: /a.txt, text: x, base64: eA==}", 0, "(got text, base64)"),
    ("- {path: /a.bin, base64: 'not base64!'}", 0, "not valid base64"),
    ("- {path: /a.txt, text: x, mode: '644x'}", 0, "octal string"),
    ("- {path: /a.txt, text: x, mtime: yesterday}", 0, "is not ISO 8601"),
    ("- {path: /a.pdf, make: pdf, meta: {colour: red}}", 0, "unsupported PDF Info key"),
    ("- {path: /a.pdf, make: tiff}", 0, "make"),
    ("- {path: /t.csv, rows: 20000, columns: {a: name}}", 0, "10000"),
    ("- {path: /t.csv, rows: 2, columns: {a: nme}}", 0, "nme"),
    ("- {path: /t.csv, rows: 2, columns: {a: {int: [5, 1]}}}", 0, "lo <= hi"),
    ("- {path: /t.csv, rows: 2, columns: {a: {format: 'X{m}'}}}", 0, "only {n}"),
    ("- {path: /a.txt, text: x, title: T}", 0, "add make: pdf"),
    ("- {path: '/a/{x}.txt', text: x}", 0, "add for_each_row"),
    ("- {path: /a.txt, from: /etc/passwd}", 0, "relative to the profile file's folder"),
    ("- {path: /a.txt, text: x, colour: red}", 0, "colour"),
    ("- {path: /a/, text: x}", 0, "only from: fills a folder"),
])
def test_every_bad_key_is_located_at_its_entry(tmp_path, files, bad_line, message):
    text = with_files(files)
    result = check(tmp_path, text)
    assert not result.ok
    lines = text.split("\n")
    entry = lines.index("    " + files.split("\n")[bad_line]) + 1
    shown = [str(e) for e in result.errors]
    assert any(message in s for s in shown), shown
    located = next(s for s in shown if message in s)
    assert located.startswith(f"{tmp_path / 'p.yaml'}:{entry}:"), (located, entry)


def test_tables_too_large_together_are_a_located_error(tmp_path):
    columns = "{" + ", ".join(f"c{i}: int" for i in range(11)) + "}"
    text = with_files(f"- {{path: /t.csv, rows: 10000, columns: {columns}}}")
    result = check(tmp_path, text)
    (error,) = result.errors
    assert "110000 cells" in str(error) and "at most 100000" in str(error)
    world = text.split("\n").index("world:") + 1
    assert str(error).startswith(f"{tmp_path / 'p.yaml'}:{world + 1}:")  # the world's keys


@pytest.mark.parametrize(("files", "message"), [
    ("- {path: /a/b.txt, text: x}\n- {path: /a/b.txt/c, text: y}",
     "/a/b.txt is a file of the world, so /a/b.txt/c cannot lie under it"),
    ("- {path: /x/c.txt, text: y}\n- {path: /x, text: x}",
     "/x is a folder of the world (it holds /x/c.txt)"),
    ("- {path: /prod, text: y}", "/prod is a folder of the world"),
])
def test_a_file_where_a_folder_is_is_a_located_error(tmp_path, files, message):
    text = with_files(files)
    (error,) = check(tmp_path, text).errors
    line = text.split("\n").index("    " + files.split("\n")[-1]) + 1
    assert str(error).startswith(f"{tmp_path / 'p.yaml'}:{line}:") and message in str(error)


def test_declared_worlds_are_the_same_bytes_in_another_process(tmp_path):
    import os
    import subprocess
    import sys

    check(tmp_path, readme_world_profile())
    script = ("import hashlib,sys; from chaos.profile import load_profile; "
              "from chaos.runner import build_world; "
              "w = build_world(load_profile(sys.argv[1]).profile, 5); "
              "print(hashlib.sha256(b''.join(p.encode() + w.files[p].data + "
              "str(w.files[p].mtime).encode() for p in sorted(w.files))).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", script, str(tmp_path / "p.yaml")],
                              env=os.environ | {"PYTHONHASHSEED": str(h)}, check=True,
                              capture_output=True, text=True).stdout for h in (1, 2)}
    assert len(digests) == 1  # the digest covers every path, byte and mtime


def test_from_is_relative_to_the_file_that_declares_it_under_extends(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    check(base, with_files("- {path: /m/, from: matters/}"))
    child = tmp_path / "elsewhere" / "child.yaml"
    child.parent.mkdir()
    child.write_text("version: 1\nextends: ../base/p.yaml\nname: child\n"
                     "world:\n  files+:\n    - {path: /own.txt, from: own.txt}\n")
    (child.parent / "own.txt").write_text("mine")
    result = check_profile(child)
    assert result.ok, [str(e) for e in result.errors]
    world = build_world(result.loaded.profile, 0)
    assert world.files["/m/index.csv"].data == (FIXTURES / "matters/index.csv").read_bytes()
    assert world.files["/own.txt"].data == b"mine"


def test_the_json_schema_takes_the_readme_world_files():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from tests.world._profiles import REPO

    schema = json.loads((REPO / "chaos-profile.schema.json").read_text())
    document = yaml.safe_load(readme_world_profile())
    jsonschema.validate(document, schema)
    document["world"]["files"][0]["columns"]["fee"] = "money"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_a_table_value_the_encoding_cannot_write_is_a_located_error(tmp_path):
    text = with_files("- path: /t.csv\n  rows: 1\n  encoding: latin-1\n"
                      "  columns: {a: {const: 'Zoë €'}}")
    (error,) = check(tmp_path, text).errors
    line = text.split("\n").index("      encoding: latin-1") + 1
    assert str(error).startswith(f"{tmp_path / 'p.yaml'}:{line}:")
    assert "'€', which latin-1 cannot write" in str(error)


def test_from_skips_broken_links_fifos_and_link_loops(tmp_path):
    import os

    check(tmp_path, "")
    folder = tmp_path / "matters"
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere")
    (folder / "loop").symlink_to(folder)
    os.mkfifo(folder / "pipe")
    world = build_world(loaded(tmp_path, "- {path: /m/, from: matters/}").profile, 0)
    assert sorted(p for p in world.files if p.startswith("/m/")) == [
        "/m/acme/contract.txt", "/m/acme/scan.bin", "/m/index.csv"]


def test_from_past_the_file_count_bound_is_a_located_error(tmp_path, monkeypatch):
    import chaos.world._declared as declared

    monkeypatch.setattr(declared, "MAX_DECLARED_FILES", 2)
    text = with_files("- {path: /m/, from: matters/}")
    (error,) = check(tmp_path, text).errors
    line = text.split("\n").index("    - {path: /m/, from: matters/}") + 1
    assert str(error).startswith(f"{tmp_path / 'p.yaml'}:{line}:")
    assert "more than 2 files" in str(error)


def test_read_file_cut_inside_a_character_shows_the_text_before_it(tmp_path):
    world = build_world(loaded(tmp_path, "- {path: /in/z.txt, text: 'Zoë Zoë'}").profile, 0)
    read = caller(world)("read_file", path="/in/z.txt", max_bytes=3)
    assert (read["content"], read["truncated"]) == ("Zo", True)
    assert "binary" not in read and "encoding_note" not in read


def test_explain_counts_latin1_text_as_text_not_binary(tmp_path):
    from chaos.explain import explain_profile

    profile = loaded(tmp_path, "- {path: /in/c.txt, text: 'Zoë', encoding: latin-1}\n"
                               "- {path: /in/b.bin, base64: AAEC}")
    kinds = {group.name: group.files for group in explain_profile(profile, seed=0).world.kinds}
    assert kinds["text, not UTF-8"] == 1 and kinds["binary"] == 1


def test_faults_target_the_profiles_own_tags(tmp_path):
    text = readme_world_profile().replace(
        "target: {tag: task_clip}", "target: {tag: report, pick: 1}")
    result = check(tmp_path, text)
    assert result.ok, [str(e) for e in result.errors]
    profile = result.loaded.profile
    plan = EpisodePlan(profile.name, "p.yaml", "scripted/careful", 0, "chaos")
    episode = asyncio.run(run_episode(plan, profile, build_world(profile, 0)))
    (injected,) = [e for e in episode.trace if e.type == "fault_injected"]
    (target,) = injected.targets
    assert target.startswith("/clinic/reports/P00") and target.endswith(".pdf")
    typo = check(tmp_path, text.replace("{tag: report,", "{tag: reprt,"))
    assert "did you mean 'report'?" in str(typo.errors[0])


def test_unquoted_yaml_dates_are_mtimes_and_an_unquoted_mode_is_told_to_quote(tmp_path):
    world = build_world(loaded(tmp_path, "- {path: /a.txt, text: a, mtime: 2026-03-02}\n"
                                         "- {path: /b.txt, text: b, mtime: 2026-03-02T09:00:00Z}")
                        .profile, 0)
    assert world.files["/a.txt"].mtime == 1772409600
    assert world.files["/b.txt"].mtime == 1772442000
    (error,) = check(tmp_path, with_files("- {path: /a.txt, text: a, mode: 0444}")).errors
    assert 'quoted octal string such as "0444"' in str(error)


def test_for_each_row_reads_a_copied_csv_in_another_encoding(tmp_path):
    check(tmp_path, "")
    (tmp_path / "matters" / "latin.csv").write_bytes("id,who\n1,Zoë\n".encode("latin-1"))
    (tmp_path / "matters" / "wide.csv").write_bytes("id,who\n2,Zoë\n".encode("utf-16"))
    files = """
- {path: /m/, from: matters/}
- {path: "/out/{id}.txt", for_each_row: /m/latin.csv, text: "{who}"}
- {path: "/out/{id}.txt", for_each_row: /m/wide.csv, text: "{who}"}
"""
    world = build_world(loaded(tmp_path, files).profile, 0)
    assert world.files["/out/1.txt"].data == world.files["/out/2.txt"].data == "Zoë".encode()


def test_a_checksums_file_lists_the_files_declared_before_it_as_sha256sum_writes_them():
    import hashlib

    from chaos.profile import parse_profile
    from chaos.runner import build_world

    text = """version: 1
name: sums
world:
  files:
    - {path: /builds/a.zip, make: zip, text: one}
    - {path: /builds/sub/b.txt, text: two}
    - {path: /builds/SHA256SUMS, checksums_of: "/builds/**"}
chain: {entry: a, agents: {a: {instructions: x, tools: [finish]}}}
task: {kind: expect, expect: [{id: x, answer: {fields: {n: 1}}}]}
models: [scripted/careful]
"""
    world = build_world(parse_profile(text), 0)
    lines = world.files["/builds/SHA256SUMS"].data.decode().splitlines()
    listed = (("/builds/a.zip", "a.zip"), ("/builds/sub/b.txt", "sub/b.txt"))
    assert lines == [f"{hashlib.sha256(world.files[p].data).hexdigest()}  {name}"
                     for p, name in listed]
