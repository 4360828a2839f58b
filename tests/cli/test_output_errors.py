"""A read-only or full output place is the user's to fix: exit 2, the path, the fix, once.

Real disks: a small tmpfs mounted for the test (full), or one mounted read-only. chaos runs as
root here, and root ignores chmod, so a read-only mount is the honest way to refuse writes.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.sweep import SweepStore
from tests.conftest import SPORTS


def _mount(path, options):
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'}); the "
                    "full and read-only disk cases need one")


@pytest.fixture
def disk(tmp_path):
    """mount(name, options): a tmpfs at tmp_path/name, unmounted after the test."""
    mounted = []

    def mount(name, options):
        path = tmp_path / name
        _mount(path, options)
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", str(path)], check=False)


def _invoke(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(main, [*args])


def _assert_user_error(result, path, reason, option="--out"):
    assert result.exit_code == 2, result.output
    assert "bug in chaos" not in result.output
    assert "Traceback" not in result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert f"cannot write to {path}" in line
    assert reason in line
    assert f"another {option}" in line
    return line


def _complete_traces(folder):
    traces = sorted(folder.rglob("*.jsonl"))
    for trace in traces:  # every kept trace is whole: one JSON event per line
        lines = trace.read_text().splitlines()
        assert lines and all(json.loads(x)["type"] for x in lines)
    return traces


def test_run_into_a_read_only_out_is_exit_2_with_the_path_and_the_fix(disk):
    readonly = disk("ro", "ro,size=1m")
    out = readonly / "run"
    result = _invoke("run", str(SPORTS), "--episodes", "1", "--quiet", "--out", str(out))
    _assert_user_error(result, out, "Read-only file system")


def test_run_into_a_full_out_is_exit_2_and_the_finished_traces_are_kept_whole(disk):
    full = disk("full", "size=256k")
    out = full / "run"
    result = _invoke("run", str(SPORTS), "--episodes", "3", "--quiet", "--out", str(out))
    line = _assert_user_error(result, out, "No space left on device")
    assert "traces of finished episodes are kept" in line
    assert _complete_traces(out)
    assert not list(out.rglob("*.partial"))  # no half file left taking the space


def test_sweep_into_a_full_out_says_so_once_and_the_store_keeps_what_finished(disk, tmp_path):
    full = disk("full", "size=256k")
    out, store = full / "sweep", tmp_path / "history.db"
    result = _invoke("sweep", str(SPORTS), "--seeds", "0-9", "--workers", "2", "--quiet",
                     "--store", str(store), "--out", str(out))
    line = _assert_user_error(result, out, "No space left on device")
    assert "run the same command again to resume" in line
    assert "worker died" not in result.output
    assert result.output.count("No space left on device") == 1
    _complete_traces(out)
    with SweepStore(str(store)) as opened:
        (stored,) = opened.sweeps()
    assert stored.episodes > 0


def test_sweep_into_a_read_only_out_is_exit_2(disk, tmp_path):
    readonly = disk("ro", "ro,size=1m")
    result = _invoke("sweep", str(SPORTS), "--seeds", "0", "--workers", "0", "--quiet",
                     "--store", str(tmp_path / "h.db"), "--out", str(readonly / "s"))
    _assert_user_error(result, readonly / "s", "Read-only file system")


def test_a_store_whose_disk_fills_during_the_sweep_is_exit_2_naming_the_store(disk, tmp_path):
    full = disk("full", "size=200k")
    result = _invoke("sweep", str(SPORTS), "--seeds", "0-30", "--workers", "0", "--quiet",
                     "--traces", "none", "--store", str(full / "h.db"),
                     "--out", str(tmp_path / "s"))
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert f"{full / 'h.db'}" in line and "full" in line and "--store" in line


def test_report_into_a_read_only_run_directory_is_exit_2(disk, tmp_path):
    run = tmp_path / "run"
    assert _invoke("run", str(SPORTS), "--episodes", "1", "--quiet", "--out",
                   str(run)).exit_code in (0, 1)
    place = disk("ro", "size=8m")
    subprocess.run(["cp", "-r", str(run), str(place / "run")], check=True)
    (place / "run" / "junit.xml").unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(place)], check=True)
    result = _invoke("report", str(place / "run"), "--format", "junit")
    assert result.exit_code == 2, result.output
    assert str(place / "run" / "junit.xml") in result.output
    assert "Read-only file system" in result.output


def test_a_run_process_on_a_full_disk_exits_2_not_3(disk):
    """The whole process, as a user starts it (no CliRunner in between)."""
    full = disk("full", "size=128k")
    done = subprocess.run([sys.executable, "-m", "chaos.cli", "run", str(SPORTS), "--episodes",
                           "2", "--quiet", "--out", str(full / "run")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr
    assert "No space left on device" in done.stderr


def test_a_store_on_a_disk_made_read_only_is_exit_2_naming_the_store(disk, tmp_path):
    place = disk("store", "size=4m")
    store = place / "h.db"
    args = ["sweep", str(SPORTS), "--seeds", "0", "--arm", "clean", "--model",
            "scripted/careful", "--workers", "0", "--quiet", "--store", str(store)]
    assert _invoke(*args, "--out", str(tmp_path / "a")).exit_code == 0
    subprocess.run(["mount", "-o", "remount,ro", str(place)], check=True)
    result = _invoke(*args, "--seeds", "0-1", "--out", str(tmp_path / "b"))
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert str(store) in line and "store" in line
