from click.testing import CliRunner

from chaos.cli import main
from chaos.runner import build_world
from tests.conftest import SPORTS


def run(tmp_path, name, *args):
    out = tmp_path / name
    result = CliRunner().invoke(main, ["run", str(SPORTS), "--quiet", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def test_same_profile_and_seed_give_byte_identical_results(tmp_path):
    a = run(tmp_path, "a", "--episodes", "3")
    b = run(tmp_path, "b", "--episodes", "3")
    assert (a / "results.json").read_bytes() == (b / "results.json").read_bytes()
    traces_a = sorted(p.relative_to(a) for p in a.rglob("*.jsonl"))
    assert traces_a == sorted(p.relative_to(b) for p in b.rglob("*.jsonl"))
    assert len(traces_a) == 3 * 4 * 2
    for rel in traces_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes()


def test_other_seeds_give_other_worlds_and_other_fault_targets(run_sports, sports_profile):
    one, two = (build_world(sports_profile.profile, s) for s in (1, 2))
    assert one.truth.match_dir != two.truth.match_dir
    a = run_sports(models=["scripted/naive"], seed=1, arms=("chaos",)).episodes[0]
    b = run_sports(models=["scripted/naive"], seed=2, arms=("chaos",)).episodes[0]
    assert a.seed == 1 and b.seed == 2
    assert a.faults[2].evidence != b.faults[2].evidence


def test_results_do_not_depend_on_hash_randomisation(tmp_path):
    import os
    import subprocess
    import sys

    outs = []
    for hashseed in ("1", "2"):
        out = tmp_path / f"h{hashseed}"
        subprocess.run([sys.executable, "-m", "chaos.cli", "run", str(SPORTS), "--episodes", "2",
                        "--quiet", "--out", str(out)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": hashseed})
        outs.append(out)
    assert (outs[0] / "results.json").read_bytes() == (outs[1] / "results.json").read_bytes()
    for trace in outs[0].rglob("*.jsonl"):
        assert trace.read_bytes() == (outs[1] / trace.relative_to(outs[0])).read_bytes()


def test_episodes_in_flight_change_neither_results_nor_traces(tmp_path):
    one = run(tmp_path, "one", "--episodes", "3")
    many = run(tmp_path, "many", "--episodes", "3", "--concurrency", "5")
    assert (one / "results.json").read_bytes() == (many / "results.json").read_bytes()
    for trace in one.rglob("*.jsonl"):
        assert trace.read_bytes() == (many / trace.relative_to(one)).read_bytes()


def test_long_chaos_episodes_start_first_within_each_block_after_the_first_wave():
    from types import SimpleNamespace

    from chaos.runner import start_order

    work = [(None, SimpleNamespace(arm=arm)) for _ in range(5) for arm in ("clean", "chaos")]
    # The first wave (2 episodes: one seed's arms, one world) in plan order, then blocks of 4
    # with their chaos arms first.
    assert start_order(work, concurrency=2) == [0, 1, 3, 5, 2, 4, 7, 9, 6, 8]
    assert sorted(start_order(work, concurrency=3)) == list(range(10))



def test_a_model_named_twice_runs_once(tmp_path):
    import json

    out = run(tmp_path, "twice", "--episodes", "1", "--model", "scripted/naive",
              "--model", "scripted/naive")
    keys = [e["key"] for e in json.loads((out / "results.json").read_text())["episodes"]]
    assert keys == ["sports-production/scripted-naive/seed-0/clean",
                    "sports-production/scripted-naive/seed-0/chaos"]


def test_worlds_of_declared_files_and_expect_tasks_are_byte_identical_across_hash_seeds(
        tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    profiles = [str(REPO / "profiles" / f"{n}.yaml")
                for n in ("clinic-lab-reports", "shop-catalogue", "release-desk")]
    outs = []
    for hashseed in ("3", "4"):
        out = tmp_path / f"h{hashseed}"
        subprocess.run([sys.executable, "-m", "chaos.cli", "run", *profiles, "--episodes", "2",
                        "--quiet", "--out", str(out)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": hashseed})
        outs.append(out)
    assert (outs[0] / "results.json").read_bytes() == (outs[1] / "results.json").read_bytes()
    traces = list(outs[0].rglob("*.jsonl"))
    assert len(traces) == 3 * 4 * 2 * 2
    for trace in traces:
        assert trace.read_bytes() == (outs[1] / trace.relative_to(outs[0])).read_bytes()
