"""Every executor gives the same bytes: in this process, a local pool, a Dask LocalCluster,
and `chaos run` itself."""

import filecmp

import pytest

from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles, write_run, write_trace
from tests.sweep.conftest import sweep

SMALL = {"seeds": [0, 1], "models": ["scripted/careful", "scripted/naive"], "batch_size": 2}


@pytest.fixture(scope="module")
def in_process(tmp_path_factory, profile_path):
    return sweep(tmp_path_factory.mktemp("inproc"), profile_path, "inproc", **SMALL)


def _same_tree(left, right):
    compared = filecmp.dircmp(left, right)
    assert not compared.left_only and not compared.right_only and not compared.diff_files
    for sub in compared.common_dirs:
        _same_tree(left / sub, right / sub)


def test_a_sweep_writes_what_chaos_run_writes(in_process, profile_path, tmp_path):
    loaded = load_profile(profile_path)
    results = run_profiles([loaded], RunOptions(models=tuple(SMALL["models"]), seed=0,
                                                episodes=2),
                           on_episode=lambda plan, run: write_trace(tmp_path, run))
    assert write_run(tmp_path, results).read_bytes() == in_process.results_path.read_bytes()
    _same_tree(tmp_path / "traces", in_process.run_dir / "traces")
    assert in_process.total == in_process.ran == 8
    assert (in_process.run_dir / "junit.xml").is_file()


def test_the_local_pool_gives_the_same_bytes(in_process, profile_path, tmp_path):
    pooled = sweep(tmp_path, profile_path, "pool", workers=2, **SMALL)
    assert pooled.results_path.read_bytes() == in_process.results_path.read_bytes()
    _same_tree(pooled.run_dir / "traces", in_process.run_dir / "traces")


def test_a_dask_local_cluster_gives_the_same_bytes(in_process, profile_path, tmp_path):
    pytest.importorskip("distributed")
    on_dask = sweep(tmp_path, profile_path, "dask", backend="dask", workers=2, **SMALL)
    assert on_dask.results_path.read_bytes() == in_process.results_path.read_bytes()
    _same_tree(on_dask.run_dir / "traces", in_process.run_dir / "traces")


def test_dask_missing_is_a_clear_error(monkeypatch, profile_path, tmp_path):
    import builtins

    real = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name in ("dask", "distributed") or name.startswith(("dask.", "distributed.")):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    from chaos.errors import InputError

    with pytest.raises(InputError, match=r"pip install 'chaos-sim\[dask\]'"):
        sweep(tmp_path, profile_path, "nodask", backend="dask", seeds=[0],
              models=["scripted/naive"], arms=["clean"])
