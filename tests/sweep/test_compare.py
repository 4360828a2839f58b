import json
import math

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.stats import mcnemar_exact
from chaos.sweep import SweepStore, fisher_exact
from chaos.sweep._compare import Side, compare
from tests.sweep.conftest import episode, store_sweep


def _brute_fisher(a, b, c, d):
    """The definition: the probability of every table with these margins no likelier than
    the observed one."""
    r1, r2, c1 = a + b, c + d, a + c
    tables = {x: math.comb(r1, x) * math.comb(r2, c1 - x)
              for x in range(max(0, c1 - r2), min(r1, c1) + 1)}
    return sum(w for w in tables.values() if w <= tables[a]) / sum(tables.values())


@pytest.mark.parametrize("table", [(3, 1, 1, 3), (2, 38, 30, 10), (0, 5, 5, 0), (7, 2, 3, 9),
                                   (10, 10, 10, 10), (1, 0, 0, 0)])
def test_fisher_exact_is_the_two_sided_exact_test(table):
    assert fisher_exact(*table) == pytest.approx(_brute_fisher(*table), rel=1e-12)


def test_fisher_exact_on_large_tables_agrees_with_the_exact_sum():
    exact = _brute_fisher(900, 1100, 1000, 1000)
    assert fisher_exact(900, 1100, 1000, 1000) == pytest.approx(exact, rel=1e-6)


def _night(seeds, leaks, model="m/a", passed=True):
    """Chaos episodes of one model: fs.decoy propagated on the seeds in `leaks`."""
    return [episode("p", model, s, "chaos", passed=passed,
                    outcomes={"fs.decoy": "propagated" if s in leaks else "detected"})
            for s in seeds]


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "history.db"
    with SweepStore(str(path)) as store:
        store_sweep(store, "mon", _night(range(40), leaks={1, 2}))
        store_sweep(store, "tue", _night(range(40), leaks=set(range(30))))  # a regression
        store_sweep(store, "wed", _night(range(40), leaks={1, 2, 3}))       # within chance
        store_sweep(store, "other-seeds", _night(range(100, 140), leaks=set(range(100, 130))))
    return path


@pytest.mark.parametrize(("baseline", "candidate", "code"), [
    ("mon", "tue", 1),
    ("mon", "wed", 0),
    ("tue", "mon", 0),   # an improvement is not a failure
    ("mon", "other-seeds", 1),
])
def test_compare_exits_1_only_on_a_significant_regression(store_path, baseline, candidate,
                                                          code):
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["compare", baseline, candidate, "--store", str(store_path)])
    assert result.exit_code == code, result.output


def test_a_regression_is_reported_with_its_test_and_rates(store_path):
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["compare", "mon", "tue", "--store", str(store_path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    (leak,) = [r for r in data["rows"] if r["metric"] == "propagated"]
    assert leak["verdict"] == "regressed" and leak["test"] == "mcnemar"
    assert leak["baseline"] == {"successes": 2, "units": 40, "rate": 0.05}
    assert leak["candidate"] == {"successes": 30, "units": 40, "rate": 0.75}
    assert leak["p_value"] == float(f"{mcnemar_exact(0, 28):.4g}")
    held = [r for r in data["rows"] if r["metric"] == "detected_or_recovered"][0]
    assert held["verdict"] == "regressed"


def test_different_seeds_are_compared_unpaired_with_fisher(store_path):
    with SweepStore(str(store_path)) as store:
        from chaos.sweep import load_side

        result = compare(load_side("mon", store), load_side("other-seeds", store))
    leak = [r for r in result.rows if r.metric == "propagated"][0]
    assert leak.test == "fisher" and leak.pairs == 0
    assert leak.p_value == fisher_exact(2, 38, 30, 10)


def test_a_change_smaller_than_the_threshold_passes(store_path):
    result = CliRunner().invoke(main, ["compare", "mon", "tue", "--store", str(store_path),
                                       "--threshold", "0.8"])
    assert result.exit_code == 0, result.output


def test_models_only_one_side_ran_are_named_not_compared():
    base = Side("a", {("p", "m/a", "k"): {(0, "f"): "detected"}},
                {("p", "m/a", "chaos"): {0: True}})
    cand = Side("b", {}, {("p", "m/b", "chaos"): {0: True}})
    result = compare(base, cand)
    assert result.rows == [] and result.only_baseline == [("p", "m/a")]
    assert result.only_candidate == [("p", "m/b")]


def test_unknown_names_say_what_the_store_holds(store_path):
    result = CliRunner().invoke(main, ["compare", "mon", "thu", "--store", str(store_path)])
    assert result.exit_code == 2
    assert "'thu' is neither a run directory" in result.output
    assert "other-seeds" in result.output


def test_two_run_directories_compare_without_a_store(tmp_path, profile_path):
    from tests.sweep.conftest import sweep

    first = sweep(tmp_path, profile_path, "one", seeds=[0, 1], models=["scripted/naive"])
    second = sweep(tmp_path, profile_path, "two", seeds=[0, 1], models=["scripted/naive"])
    result = CliRunner().invoke(main, ["compare", str(first.run_dir), str(second.run_dir),
                                       "--all", "--store", str(tmp_path / "absent.db")])
    assert result.exit_code == 0, result.output
    assert "0 significant regression(s)" in result.output
    assert "unchanged" in result.output


def test_a_fall_in_the_handled_rate_is_a_regression(tmp_path):
    def night(handled_seeds):
        return [episode("p", "m/a", s, "chaos", passed=False,
                        outcomes={"fs.missing": "detected"}).model_copy(
                            update={"handled": s in handled_seeds}) for s in range(40)]

    path = tmp_path / "history.db"
    with SweepStore(str(path)) as store:
        store_sweep(store, "good", night(set(range(38))))
        store_sweep(store, "bad", night(set(range(5))))
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["compare", "good", "bad", "--store", str(path), "--json"])
    assert result.exit_code == 1, result.output
    (row,) = [r for r in json.loads(result.output)["rows"] if r["metric"] == "handled"]
    assert (row["subject"], row["verdict"], row["test"]) == ("task (chaos)", "regressed", "mcnemar")
    assert row["baseline"]["successes"] == 38 and row["candidate"]["successes"] == 5
