"""Two sweeps started at the same moment on a new store both succeed.

Real processes, released together from a barrier, open a store file that does not exist yet:
both create its tables, stamp its version and begin their sweep at once.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from chaos.sweep import SweepStore

_OPEN_AND_BEGIN = textwrap.dedent("""
    import os, sys, time
    from chaos.sweep import SweepStore
    store_path, sweep_id, go = sys.argv[1:4]
    print("ready", flush=True)
    while not os.path.exists(go):  # the barrier: both processes are loaded and waiting
        time.sleep(0.001)
    with SweepStore(store_path) as store:
        store.begin(sweep_id, [("p", "p.yaml", "0" * 64)], {"seeds": [0]}, resume=True)
    print("began", sweep_id)
""")


def _released_together(tmp_path, sweep_ids):
    store, go = tmp_path / "new" / "history.db", tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _OPEN_AND_BEGIN, str(store), sweep_id,
                               str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for sweep_id in sweep_ids]
    for proc in procs:  # both have imported chaos and wait at the barrier
        assert proc.stdout.readline().strip() == "ready"
    go.touch()
    results = [(p.wait(120), *p.communicate()) for p in procs]
    return store, results


@pytest.mark.parametrize("repeat", range(4))
@pytest.mark.parametrize("ids", [("a", "b"), ("same", "same")], ids=["two-ids", "one-id"])
def test_two_processes_open_a_new_store_and_begin_at_once(tmp_path, ids, repeat):
    store, results = _released_together(tmp_path, ids)
    for code, out, err in results:
        assert code == 0, err
        assert "began" in out
    with SweepStore(str(store)) as opened:
        assert sorted(s.id for s in opened.sweeps()) == sorted(set(ids))


def test_two_chaos_sweeps_started_together_on_a_new_store_both_finish(tmp_path, profile_path):
    store = tmp_path / "fresh.db"
    procs = [subprocess.Popen(
        [sys.executable, "-m", "chaos.cli", "sweep", profile_path, "--seeds", "0", "--arm", "clean",
         "--model", "scripted/careful", "--workers", "0", "--quiet", "--store", str(store),
         "--sweep-id", name, "--out", str(tmp_path / name)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("one", "two")]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    with SweepStore(str(store)) as opened:
        assert sorted((s.id, s.episodes) for s in opened.sweeps()) == [("one", 1), ("two", 1)]
