"""`chaos sweep --until-decided`: rounds under one sweep id; the same command resumes them."""

import json
import sqlite3

from click.testing import CliRunner

from chaos.cli import main
from tests.adaptive.conftest import gated_profile

MODELS = ["--model", "scripted/careful", "--model", "scripted/naive"]


def sweep(tmp_path, profile, *args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(main, [
        "sweep", str(profile), *MODELS, "--seeds", "0-3", "--until-decided", "--max-episodes",
        "40", "--store", str(tmp_path / "history.db"), "--out", str(tmp_path / "night"),
        "--sweep-id", "night", "--workers", "0", "--quiet", *map(str, args)])


def results(tmp_path):
    return (tmp_path / "night" / "results.json").read_bytes()


def test_a_sweep_runs_rounds_and_a_killed_one_resumes_running_only_what_is_missing(tmp_path):
    profile = gated_profile(tmp_path)
    first = sweep(tmp_path, profile)
    assert first.exit_code == 1, first.output  # naive's gate fails
    assert "round 4 decided: scripted/careful pass" in first.output
    assert "saved 80 of 160 paid episodes against a fixed-n run" in first.output
    assert "sweep night: 80 episodes (80 run now)" in first.output
    whole = results(tmp_path)
    summary = json.loads(whole)["summary"]["adaptive"]
    assert [(m["model"], m["decision"], m["round"]) for m in summary["models"]] == [
        ("scripted/careful", "pass", 4), ("scripted/naive", "fail", 2)]

    # A kill in round 4 leaves its last episodes unstored (each is committed as it ends).
    with sqlite3.connect(tmp_path / "history.db") as db:
        db.execute("DELETE FROM faults WHERE seed >= 24")
        db.execute("DELETE FROM episodes WHERE seed >= 24")
    (tmp_path / "night" / "results.json").unlink()
    again = sweep(tmp_path, profile)
    assert again.exit_code == 1, again.output
    # Rounds 1 to 3 are read back from the store, round 4 is planned the same, and only
    # its 8 missing seeds x 2 arms run.
    assert ("round 3: seeds 8-15 for 1 model of sports-production (16 episodes, stored before: "
            "nothing runs)") in again.output
    assert ("round 4: seeds 16-31 for 1 model of sports-production (32 episodes, 16 stored "
            "before)") in again.output
    assert ("this call: ran 16 episodes, spent $0.0000; rounds 1-3 (64 episodes, $0.0000) were "
            "stored by an earlier call") in again.output
    assert "sweep night: 80 episodes (16 run now, 64 stored before)" in again.output
    assert results(tmp_path) == whole


def test_a_sweep_and_a_run_of_the_same_episodes_come_to_the_same_decisions(tmp_path):
    profile = gated_profile(tmp_path)
    assert sweep(tmp_path, profile).exit_code == 1
    out = tmp_path / "run"
    ran = CliRunner().invoke(main, ["run", str(profile), *MODELS, "--seed", "0", "--episodes",
                                    "4", "--until-decided", "--max-episodes", "40", "--out",
                                    str(out), "--quiet"])
    assert ran.exit_code == 1, ran.output
    swept = json.loads(results(tmp_path))
    run = json.loads((out / "results.json").read_text())
    assert swept["summary"]["adaptive"] == run["summary"]["adaptive"]
    assert swept["episodes"] == run["episodes"]


def test_a_sweep_without_gates_exits_2_and_stores_nothing(tmp_path):
    profile = gated_profile(tmp_path, gates=None)
    result = sweep(tmp_path, profile)
    assert result.exit_code == 2
    assert "has no gates; add a `gates:` section" in result.output
    with sqlite3.connect(tmp_path / "history.db") as db:
        assert db.execute("SELECT count(*) FROM sweeps").fetchone()[0] == 0
