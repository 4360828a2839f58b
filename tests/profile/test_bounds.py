"""Hostile or oversized input: each case is exit 2 at once, located, with a fix; never a hang,
a runaway memory bill or exit 3."""

from __future__ import annotations

import codecs
import os
import re
import socket
import threading

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.profile._bounds import MAX_FILE_BYTES, MAX_NODES
from tests.conftest import SPORTS

GOOD = SPORTS.read_text()


def validate(path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert "bug in chaos" not in result.output, result.output
    return result.exit_code, result.output


def first_error(output: str) -> str:
    return output.splitlines()[0]


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    # If chaos opened it for reading without O_NONBLOCK it would block here for ever; a writer
    # left waiting in a thread would block the test's exit instead, so none is started.
    return path


def write_extending(tmp_path, base: str):
    path = tmp_path / "p.yaml"
    path.write_text(f"version: 1\nextends: {base}\n")
    return path


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "socket"])
def test_a_profile_or_base_that_is_no_regular_file_is_refused_at_once(tmp_path, kind, fifo):
    if kind == "fifo":
        target, says = fifo, "is a named pipe (FIFO), not a profile file"
    elif kind == "device":
        target, says = "/dev/zero", "is a character device, not a profile file"
    elif kind == "folder":
        target, says = tmp_path, "is a folder"
    else:
        target = tmp_path / "s.yaml"
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(target))
        says = "not a regular file"
    code, output = validate(target)
    assert code == 2 and says in output and "; name " in output, output
    # Through `extends:` the error points at the extends line of the extending file.
    code, output = validate(write_extending(tmp_path, str(target)))
    assert code == 2, output
    assert first_error(output).startswith(f"{tmp_path / 'p.yaml'}:2:10: extends: "), output
    assert says in output, output


def test_a_profile_over_1_mib_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.yaml"
    with path.open("w") as handle:  # 50 MB, as the issue's, without writing 50 MB of text
        handle.write(GOOD)
        handle.truncate(50 * 10**6)
    code, output = validate(path)
    assert code == 2
    assert f"profile file is 50,000,000 bytes; chaos reads profiles of at most " \
           f"{MAX_FILE_BYTES:,} bytes" in output
    assert "split it with 'extends:'" in output


@pytest.mark.parametrize(("bom", "name"), [(codecs.BOM_UTF16_LE, "UTF-16"),
                                           (codecs.BOM_UTF16_BE, "UTF-16"),
                                           (codecs.BOM_UTF32_LE, "UTF-32"),
                                           (codecs.BOM_UTF32_BE, "UTF-32")])
def test_utf16_and_utf32_files_are_told_to_be_saved_as_utf8(tmp_path, bom, name):
    path = tmp_path / "p.yaml"
    encoding = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be",
                codecs.BOM_UTF32_LE: "utf-32-le", codecs.BOM_UTF32_BE: "utf-32-be"}[bom]
    path.write_bytes(bom + GOOD.encode(encoding))
    code, output = validate(path)
    assert code == 2
    assert first_error(output) == (f"{path}:1:1: profile is {name} text (it starts with a {name} "
                                   "byte-order mark); save it as UTF-8")


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(codecs.BOM_UTF8 + GOOD.encode())
    assert validate(path)[0] == 0


def test_bytes_that_are_not_utf8_are_reported_at_line_and_column_in_characters(tmp_path):
    path = tmp_path / "p.yaml"
    # "é" before the bad byte is 2 bytes but one column.
    path.write_bytes(GOOD.encode().replace(b"name: sports-production",
                                           b"name: sp\xc3\xa9rts-\xffproduction"))
    code, output = validate(path)
    line = GOOD.splitlines().index("name: sports-production") + 1
    assert code == 2
    assert first_error(output) == (f"{path}:{line}:14: byte 0xff is not UTF-8 text; is it a YAML "
                                   "file? save it as UTF-8")


@pytest.mark.parametrize(("raw", "shown"), [(b"\x00", "U+0000 (NUL)"), (b"\x01", "U+0001"),
                                            (b"\x1b", "U+001B"), (b"\x7f", "U+007F (DEL)")])
def test_a_raw_control_character_is_located(tmp_path, raw, shown):
    path = tmp_path / "p.yaml"
    path.write_bytes(GOOD.encode().replace(b"seed: 0", b"seed: 0 #" + raw, 1))
    line = GOOD.splitlines().index("seed: 0") + 1
    code, output = validate(path)
    assert code == 2
    assert first_error(output) == (f"{path}:{line}:10: control character {shown} cannot appear "
                                   "in a YAML file; delete it (is this a binary file?)")


@pytest.mark.parametrize(("escape", "shown"), [("\\0", "control character U+0000 (NUL)"),
                                               ("\\ud800", "a lone surrogate U+D800")])
def test_a_nul_or_lone_surrogate_written_as_an_escape_is_located(tmp_path, escape, shown):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace("episodes: 20", f'episodes: 20\ndescription: "x{escape}"'))
    code, output = validate(path)
    assert code == 2
    assert re.search(rf"{re.escape(str(path))}:\d+:14: value holds {re.escape(shown)}", output)


@pytest.mark.parametrize("flow", [True, False])
def test_nesting_too_deep_is_located_where_it_passes_the_limit(tmp_path, flow):
    path = tmp_path / "p.yaml"
    if flow:
        path.write_text(GOOD + "x: " + "[" * 5000 + "]" * 5000 + "\n")
        # The top mapping is the first level: the 64th bracket passes the limit.
        where = f"{len(GOOD.splitlines()) + 1}:{3 + 64}"
    else:
        path.write_text(GOOD + "x:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(400)))
        where = f"{len(GOOD.splitlines()) + 65}:129"
    code, output = validate(path)
    assert code == 2
    assert first_error(output) == (f"{path}:{where}: nesting is deeper than 64 levels; a profile "
                                   "nests a few levels: flatten this value")


def test_a_billion_laughs_is_stopped_at_the_alias_that_passes_the_limit(tmp_path):
    path = tmp_path / "p.yaml"
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]" for k in range(1, 9)]
    path.write_text(GOOD + "\n".join(lines) + "\n")
    code, output = validate(path)
    assert code == 2
    # 9**5 values pass 100,000 in a5's line: its first alias past the limit.
    line = len(GOOD.splitlines()) + 6
    assert re.match(rf"{re.escape(str(path))}:{line}:\d+: aliases repeat values until the file "
                    rf"holds more than {MAX_NODES:,}; a profile needs far fewer: remove this "
                    "alias", first_error(output)), output


def test_a_file_of_too_many_values_is_stopped_where_it_passes_the_limit(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD + "x: [" + ", ".join(["1"] * (MAX_NODES + 10)) + "]\n")
    code, output = validate(path)
    assert code == 2
    assert f"the file holds more than {MAX_NODES:,} values" in output
    assert "split it or shorten its lists" in output


def test_a_value_over_100000_characters_is_located(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace("episodes: 20", "episodes: 20\ndescription: " + "x" * 100_001))
    code, output = validate(path)
    assert code == 2
    assert re.search(r":\d+:14: value of 100,001 characters; a value holds at most 100,000: "
                     "shorten it", output), output


@pytest.mark.parametrize("field", ["glob", "path"])
def test_a_glob_or_path_beyond_path_max_is_located_with_its_size(tmp_path, field):
    long = "/prod/" + "/".join(["x" * 200] * 25)
    where = (f"target: {{glob: '{long}', pick: 1}}" if field == "glob"
             else f"target: {{tag: task_clip, pick: 1}}\n    trigger: {{when: tool_call, "
                  f"tool: read_file, path: '{long}'}}")
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace("target: {tag: task_clip, pick: 1}", where, 1))
    code, output = validate(path)
    assert code == 2
    assert re.search(rf"faults\[0\]\.\w+\.{field}: is 5,030 bytes; a path or glob holds at most "
                     r"4095 \(Linux's PATH_MAX\): shorten it \(got '/prod/xxxx", output), output


@pytest.mark.parametrize(("old", "new", "says"), [
    ("seed: 0", "seed: " + "9" * 300, "seed: Input should be less than or equal to "
                                      "9007199254740991 (got 99999"),
    ("seed: 0", "seed: -1", "seed: Input should be greater than or equal to 0"),
    ("episodes: 20", "episodes: 1000001", "episodes: Input should be less than or equal to "
                                          "1000000"),
    ("stock_clips: 40}", "stock_clips: 400, video_bytes: 262144}", "world.params: these params "
     "build a world of ~"),
])
def test_numbers_that_would_not_fit_are_refused_where_they_are_written(tmp_path, old, new, says):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace(old, new, 1))
    code, output = validate(path)
    line = next(i for i, row in enumerate(path.read_text().splitlines(), 1) if new in row)
    assert code == 2
    assert first_error(output).startswith(f"{path}:{line}:"), output
    assert says in output, output


def test_world_params_name_the_estimate_and_what_fits(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace("stock_clips: 40}", "stock_clips: 5000, scale: 10, "
                                 "video_bytes: 262144}", 1))
    code, output = validate(path)
    assert code == 2
    assert re.search(r"these params build a world of ~[\d,]+ files and ~[\d,]+ MiB, ~[\d,]+ MiB "
                     r"in memory .*; a world holds at most 20,000 files and 160 MiB in memory: "
                     r"lower stock_clips, scale", output), output


def test_world_params_just_inside_the_budget_build(tmp_path):
    """The estimate is not so cautious that a big world within it is refused."""
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace("stock_clips: 40}", "stock_clips: 40, video_bytes: 131072}", 1))
    assert validate(path)[0] == 0


def test_an_extends_chain_longer_than_16_files_is_refused_at_the_extends(tmp_path):
    (tmp_path / "b0.yaml").write_text(GOOD)
    for i in range(1, 20):
        (tmp_path / f"b{i}.yaml").write_text(f"version: 1\nextends: b{i - 1}.yaml\n")
    code, output = validate(tmp_path / "b19.yaml")
    assert code == 2
    assert "extends chain is longer than 16 files; merge some of these bases into one" in output


def test_no_fifo_read_blocks_even_with_a_writer_waiting(tmp_path, fifo):
    """A writer holding the pipe open: chaos still refuses without reading from it."""
    writer = threading.Thread(target=lambda: open(fifo, "wb").close(), daemon=True)  # noqa: SIM115
    writer.start()
    code, output = validate(fifo)
    assert code == 2 and "named pipe" in output
    # Release the writer if it is still waiting for a reader (never blocks: O_NONBLOCK).
    os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    writer.join(5)


def test_seeds_past_the_largest_are_located_at_episodes(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace("seed: 0", "seed: 9007199254740990", 1))
    code, output = validate(path)
    line = GOOD.splitlines().index("episodes: 20") + 1
    assert code == 2
    assert first_error(output) == (
        f"{path}:{line}:11: episodes: seeds 9007199254740990..9007199254741009 go past the "
        "largest seed, 9007199254740991 (2**53 - 1); lower 'seed' or 'episodes' (got 20)")


def test_more_than_1000_faults_is_located_at_the_list(tmp_path):
    fault = "  - {id: f%d, kind: fs.missing, target: {tag: task_clip, pick: 1}}\n"
    head, tail = GOOD[:GOOD.index("faults:")], GOOD[GOOD.index("\nmodels:"):]
    path = tmp_path / "p.yaml"
    path.write_text(head + "faults:\n" + "".join(fault % i for i in range(1001)) + tail)
    code, output = validate(path)
    line = head.count("\n") + 2
    assert code == 2
    assert first_error(output) == (f"{path}:{line}:3: faults: List should have at most 1000 "
                                   "items after validation, not 1001; shorten it")


@pytest.mark.parametrize(("old", "new", "field"), [
    ("params: {source: {tag: stock_clip}}", "params: {source: {tag: stock_clip}, folder: "
     + "x" * 300 + "}", "params.folder"),
    ("params: {source: {tag: stock_clip}}",
     "params: {source: {tag: stock_clip}, folder: a/b}", "params.folder"),
])
def test_a_fault_param_that_names_a_file_fits_a_file_name(tmp_path, old, new, field):
    """A decoy folder past NAME_MAX had validated, then crashed every chaos episode."""
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace(old, new, 1))
    code, output = validate(path)
    assert code == 2
    assert re.search(rf":\d+:\d+: faults\[2\]\.{re.escape(field)}: String should", output), output


def test_a_nul_in_a_path_of_extends_or_a_sweep_is_located_never_a_crash(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text('version: 1\nextends: "base\\0.yaml"\n')
    code, output = validate(path)
    assert code == 2
    assert first_error(output) == (f"{path}:2:10: value holds control character U+0000 (NUL); "
                                   "remove it (no value may hold a NUL or half of a "
                                   "surrogate pair)")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text('version: 1\nprofiles: ["a\\0b.yaml"]\n')
    result = CliRunner().invoke(main, ["sweep", str(sweep)])
    assert result.exit_code == 2
    assert f"{sweep}:2:12: value holds control character U+0000 (NUL)" in result.output


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_lines_are_counted_as_an_editor_counts_them_past_a_unicode_line_separator(
        tmp_path, separator):
    """YAML breaks lines at U+0085, U+2028 and U+2029; editors do not: errors after one must
    still point at the editor's line."""
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace("description: >", f'description: "a{separator}b{separator}c"'
                                 "\nx_description: >", 1).replace("episodes: 20",
                                                                   "episodes: twenty"))
    line = path.read_text().split("\n").index("episodes: twenty") + 1
    code, output = validate(path)
    assert code == 2
    assert f"{path}:{line}:11: episodes: Input should be a valid integer" in output, output
