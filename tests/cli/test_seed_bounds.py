"""Seeds and seed ranges are bounded wherever they are given: a sweep's --seeds and seeds:, run's
and explain's --seed and --episodes. Too many or too large is exit 2 at once, never a list that
fills memory or a seed that breaks a path later."""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner

from chaos._seeding import MAX_EPISODES, MAX_SEED
from chaos.cli import main
from chaos.sweep import parse_seeds
from tests.conftest import SPORTS

HUGE = "9" * 300


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "bug in chaos" not in result.output and "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(("seeds", "says"), [
    ("0-999999999999", "1,000,000,000,000 seeds; a sweep runs at most 1,000,000"),
    ("0-1000000", "1,000,001 seeds; a sweep runs at most 1,000,000"),
    ("0-499999,500000-1000000", "1,000,001 seeds"),
    (f"5-{HUGE}", "is too large; seeds go up to 9007199254740991 (2**53 - 1)"),
    (HUGE, "is too large; seeds go up to 9007199254740991"),
    (str(MAX_SEED + 1), "seed 9007199254740992 is too large"),
])
def test_sweep_seeds_beyond_the_bounds_are_refused_before_a_list_is_built(tmp_path, seeds, says):
    code, output = invoke("sweep", str(SPORTS), "--seeds", seeds, "--store",
                          str(tmp_path / "h.db"))
    assert code == 2, output
    assert says in output
    assert "shorten" in output or "seeds go up to" in output
    assert not (tmp_path / "h.db").exists()  # refused before anything was stored


def test_the_bounds_themselves_are_accepted():
    assert parse_seeds(f"{MAX_SEED}") == [MAX_SEED]
    assert len(parse_seeds(f"0-{MAX_EPISODES - 1}")) == MAX_EPISODES
    assert parse_seeds([MAX_SEED - 1, MAX_SEED]) == [MAX_SEED - 1, MAX_SEED]


@pytest.mark.parametrize(("seeds", "says"), [
    ("0-999999999999", "1,000,000,000,000 seeds"),
    (HUGE, "seed (997-bit number) is too large"),
    (f'"{HUGE}"', "is too large"),
    (f"[0, {MAX_SEED + 1}]", "is too large"),
])
def test_a_sweep_file_with_too_many_or_too_large_seeds_is_located(tmp_path, seeds, says):
    path = tmp_path / "sweep.yaml"
    path.write_text(f"version: 1\nprofiles: [{SPORTS}]\nseeds: {seeds}\n")
    code, output = invoke("sweep", str(path))
    assert code == 2, output
    assert re.search(rf"{re.escape(str(path))}:3:\d+: ", output), output
    assert says in output, output


def test_a_sweep_file_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / "sweep.yaml"
    os.mkfifo(path)
    code, output = invoke("sweep", str(path))
    assert code == 2
    assert "is a named pipe (FIFO)" in output


@pytest.mark.parametrize(("args", "says"), [
    (["--seed", str(MAX_SEED + 1)], "--seed"),
    (["--seed", HUGE], "--seed"),
    (["--episodes", str(MAX_EPISODES + 1)], "--episodes"),
    (["--seed", str(MAX_SEED), "--episodes", "2"],
     f"seeds {MAX_SEED}..{MAX_SEED + 1}: a run plans 1 to 1,000,000 seeds, each at most "
     f"{MAX_SEED}; lower --seed or --episodes"),
])
def test_run_seeds_beyond_the_bounds_exit_2(tmp_path, args, says):
    code, output = invoke("run", str(SPORTS), "--out", str(tmp_path / "run"), *args)
    assert code == 2, output
    assert says in output
    assert not (tmp_path / "run").exists()


def test_explain_refuses_a_seed_beyond_the_largest():
    code, output = invoke("explain", str(SPORTS), "--seed", str(MAX_SEED + 1))
    assert code == 2
    assert "--seed" in output and "9007199254740991" in output


def test_the_largest_seed_runs(tmp_path):
    code, output = invoke("explain", str(SPORTS), "--seed", str(MAX_SEED), "--json")
    assert code == 0, output
    assert str(MAX_SEED) in output
