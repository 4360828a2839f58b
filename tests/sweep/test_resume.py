"""kill -9 in the middle of a sweep, then the same command: nothing lost, nothing twice."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from chaos.cli import main
from tests.sweep.conftest import PLUGIN, sweep

REPO = Path(__file__).resolve().parents[2]


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM episodes").fetchone()[0]
    except sqlite3.OperationalError:  # the tables are not there yet
        return 0


def test_a_sweep_killed_with_sigkill_resumes_and_ends_as_an_uninterrupted_one(
        tmp_path, profile_path):
    db = tmp_path / "history.db"
    args = [sys.executable, "-m", "chaos.cli", "sweep", profile_path, "--seeds", "0-7",
            "--model", "scripted/slow", "--model", "scripted/naive", "--store", str(db),
            "--out", str(tmp_path / "night"), "--sweep-id", "night", "--workers", "2",
            "--batch-size", "2", "--plugin", PLUGIN, "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    process = subprocess.Popen(args, cwd=tmp_path, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _stored(db) < 6 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the sweep ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)  # the parent and its workers, mid-sweep
    process.wait()
    killed_at = _stored(db)
    assert 6 <= killed_at < 32
    assert not (tmp_path / "night" / "results.json").exists()

    again = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db) as connection:
        keys = [k for (k,) in connection.execute("SELECT key FROM episodes")]
    assert len(keys) == len(set(keys)) == 32

    uninterrupted = sweep(tmp_path, profile_path, "reference", seeds=list(range(8)),
                          models=["scripted/slow", "scripted/naive"], plugins=[PLUGIN],
                          store=str(tmp_path / "other.db"))
    assert (tmp_path / "night" / "results.json").read_bytes() == \
        uninterrupted.results_path.read_bytes()


def test_the_same_sweep_again_runs_nothing_and_a_wider_one_only_what_is_new(
        tmp_path, profile_path):
    first = sweep(tmp_path, profile_path, "s", seeds=[0], models=["scripted/naive"])
    assert first.ran == 2
    same = sweep(tmp_path, profile_path, "s", seeds=[0], models=["scripted/naive"])
    assert same.ran == 0
    assert same.results_path.read_bytes() == first.results_path.read_bytes()
    wider = sweep(tmp_path, profile_path, "s", seeds=[0, 1], models=["scripted/naive"])
    assert wider.ran == 2 and wider.total == 4
    fresh = sweep(tmp_path, profile_path, "fresh", seeds=[0, 1], models=["scripted/naive"])
    assert wider.results_path.read_bytes() == fresh.results_path.read_bytes()


def test_a_sweep_file_runs_from_the_command_line_and_says_what_it_resumed(
        tmp_path, profile_path):
    spec = tmp_path / "nightly.yaml"
    spec.write_text(f"version: 1\nprofiles: [{profile_path}]\nmodels: [scripted/careful]\n"
                    "seeds: 0-1\narms: [clean]\nworkers: 0\nstore: state/history.db\n")
    runner = CliRunner(env={"COLUMNS": "200"})
    first = runner.invoke(main, ["sweep", str(spec), "--quiet", "--out", str(tmp_path / "o")])
    assert first.exit_code == 0, first.output
    assert "sweep nightly: 2 episodes (2 run now), store sqlite:///" in first.output
    assert (tmp_path / "state" / "history.db").is_file()
    again = runner.invoke(main, ["sweep", str(spec), "--quiet", "--out", str(tmp_path / "o")])
    assert again.exit_code == 0, again.output
    assert "2 episodes (0 run now, 2 stored before)" in again.output
    assert "every episode was stored already" in again.output


def test_a_run_directory_of_chaos_run_is_not_taken_over(tmp_path, profile_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "results.json").write_text("{}")
    result = CliRunner().invoke(main, ["sweep", profile_path, "--seeds", "0", "--out",
                                       str(tmp_path / "taken"), "--store",
                                       str(tmp_path / "h.db")])
    assert result.exit_code == 2
    assert "already holds a `chaos run`" in result.output


def test_a_profile_that_extends_another_sweeps_in_worker_processes(tmp_path, profile_path):
    """Workers get the merged profile: the base file need not be found on their side."""
    import shutil

    from chaos.profile import load_profile

    base = tmp_path / "base.yaml"
    shutil.copyfile(profile_path, base)
    child = tmp_path / "child.yaml"
    child.write_text("version: 1\nextends: base.yaml\nname: child\nepisodes: 2\n")
    outcome = sweep(tmp_path, str(child), "ext", models=["scripted/naive"], seeds=[0, 1],
                    workers=1)
    results = json.loads((tmp_path / "ext" / "results.json").read_text())
    assert [e["key"] for e in results["episodes"]][:2] == [
        "child/scripted-naive/seed-0/clean", "child/scripted-naive/seed-0/chaos"]
    assert results["profiles"][0]["sha256"] == load_profile(str(child)).sha256
    assert outcome is not None
