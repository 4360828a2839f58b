import json

from click.testing import CliRunner

from chaos.cli import main
from chaos.sweep import SweepStore
from tests.sweep.conftest import episode, store_sweep, sweep


def _night(leaks, seeds=range(10)):
    return [episode("p", "m/a", s, "chaos", passed=s % 2 == 0,
                    outcomes={"fs.decoy": "propagated" if s < leaks else "recovered"})
            for s in seeds]


def test_history_shows_each_sweep_oldest_first_with_the_change(tmp_path):
    path = tmp_path / "history.db"
    with SweepStore(str(path)) as store:
        for name, leaks in (("n1", 1), ("n2", 2), ("n3", 5)):
            store_sweep(store, name, _night(leaks))
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["history", "--store", str(path), "--last", "2"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "fs.decoy" in line)
    assert row.index("20%") < row.index("50%") and "+30 pts" in row
    assert "n1" not in result.output and "n2" in result.output and "n3" in result.output
    data = json.loads(CliRunner().invoke(main, ["history", "--store", str(path),
                                                "--json"]).output)
    assert [s["id"] for s in data["sweeps"]] == ["n1", "n2", "n3"]
    assert [c["propagated"] for c in data["faults"][0]["counts"]] == [1, 2, 5]


def test_history_of_task_success_per_arm(tmp_path):
    path = tmp_path / "history.db"
    with SweepStore(str(path)) as store:
        store_sweep(store, "n1", _night(0))
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["history", "--store", str(path), "--metric", "task_success"])
    assert "task (chaos arm)" in result.output and "50%" in result.output


def test_history_without_a_store_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["history", "--store", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    assert "no history store at" in result.output
    assert not (tmp_path / "none.db").exists()


def test_the_second_sweep_report_carries_the_trend(tmp_path, profile_path):
    pytest = __import__("pytest")
    pytest.importorskip("plotly")
    first = sweep(tmp_path, profile_path, "night-1", seeds=[0], models=["scripted/naive"])
    assert not (first.run_dir / "history.json").exists()  # one sweep is not a trend
    second = sweep(tmp_path, profile_path, "night-2", seeds=[0], models=["scripted/naive"])
    history = json.loads((second.run_dir / "history.json").read_text())
    assert [s["id"] for s in history["sweeps"]] == ["night-1", "night-2"]
    html = (second.run_dir / "report.html").read_text()
    assert "Trend over the last 2 sweeps" in html
    assert "scripted/naive: propagated rate per fault kind" in html


def test_a_filter_that_matches_nothing_names_what_there_is(tmp_path):
    path = tmp_path / "history.db"
    with SweepStore(str(path)) as store:
        store_sweep(store, "n1", _night(1))
    result = CliRunner().invoke(main, ["history", "--store", str(path), "--profile", "q"])
    assert result.exit_code == 2
    assert "--profile q: no such profile in the last sweeps" in result.output
    assert "(profiles: p)" in result.output
    result = CliRunner().invoke(main, ["history", "--store", str(path), "--model", "m/b"])
    assert result.exit_code == 2 and "did you mean 'm/a'" in result.output
