"""A failing episode never stops a sweep: raises, hangs and dead workers become `crashed`."""

import asyncio
import json

import pytest

from chaos.profile import load_profile
from chaos.runner import build_world
from chaos.tasks import task_kinds
from tests.sweep.conftest import PLUGIN, sweep
from tests.sweep.policies import RAISED, fate


def _fates(profile_path, seeds):
    profile = load_profile(profile_path).profile
    task = task_kinds.get(profile.task.kind)()
    params = task.Params.model_validate(profile.task.params)
    fates = {}
    for seed in seeds:
        brief = task.brief(build_world(profile, seed), params, profile.task.prompt)
        fates[seed] = fate(json.loads(brief.split("Brief:")[1]))
    return fates


def _episodes(outcome):
    return json.loads(outcome.results_path.read_text())["episodes"]


def test_a_model_that_raises_or_hangs_in_a_fifth_of_episodes_does_not_stop_the_sweep(
        tmp_path, profile_path):
    seeds = list(range(9, 19))
    fates = _fates(profile_path, seeds)
    assert sorted(fates.values()).count("ok") == 8  # one raises, one hangs: 20 %
    outcome = sweep(tmp_path, profile_path, "flaky", seeds=seeds, arms=["chaos"], workers=2,
                    models=["scripted/careful", "scripted/flaky"], plugins=[PLUGIN],
                    episode_timeout_s=0.5, batch_size=4)
    baseline = sweep(tmp_path, profile_path, "careful", seeds=seeds, arms=["chaos"],
                     models=["scripted/careful"])
    episodes = _episodes(outcome)
    assert len(episodes) == 20
    careful = [e for e in episodes if e["model"] == "scripted/careful"]
    assert careful == _episodes(baseline)  # unaffected, to the byte
    flaky = {e["seed"]: e for e in episodes if e["model"] == "scripted/flaky"}
    for seed, what in fates.items():
        e = flaky[seed]
        if what == "raise":
            assert e["status"] == "crashed" and RAISED in e["error"]
        elif what == "hang":
            assert e["status"] == "crashed"
            assert e["error"].startswith("episode timed out: still running after 0.5 s")
        else:  # behaves as careful does
            twin = next(c for c in careful if c["seed"] == seed)
            assert e["status"] == "completed"
            assert e["faults"] == twin["faults"] and e["task"] == twin["task"]


@pytest.mark.parametrize("backend", ["local", "dask"])
def test_a_worker_killed_by_its_episode_is_retried_once_then_the_episode_is_crashed(
        tmp_path, profile_path, backend):
    if backend == "dask":
        pytest.importorskip("distributed")
    fates = _fates(profile_path, [15, 16])
    assert fates == {15: "ok", 16: "raise"}  # `fatal` kills its worker on seed 16
    notes = []
    from chaos.sweep import SweepOptions, SweepProgress, SweepSpec, run_sweep

    outcome = run_sweep(
        SweepSpec(id="fatal", profiles=[profile_path], seeds=[15, 16], arms=["chaos"],
                  models=["scripted/careful", "scripted/fatal"], plugins=[PLUGIN],
                  workers=1 if backend == "local" else 2, backend=backend,
                  store=str(tmp_path / "h.db"), batch_size=8),
        SweepOptions(out=tmp_path / "fatal"), SweepProgress(note=notes.append))
    episodes = {(e["model"], e["seed"]): e for e in _episodes(outcome)}
    killed = episodes[("scripted/fatal", 16)]
    assert killed["status"] == "crashed"
    assert "died while running this episode" in killed["error"]
    assert "again when it was retried" in killed["error"]
    if backend == "local":
        assert "(killed by SIGKILL)" in killed["error"]
    others = [e for key, e in episodes.items() if key != ("scripted/fatal", 16)]
    assert len(others) == 3 and all(e["status"] == "completed" for e in others)
    assert any("retrying each once" in n for n in notes)


def test_a_model_that_never_answers_times_out_inside_the_worker(tmp_path, profile_path,
                                                                monkeypatch):
    from chaos.models.scripted import ScriptedModel

    answer = ScriptedModel.complete

    async def silent_for_naive(self, request):
        if self.model_id == "scripted/naive":
            await asyncio.sleep(3600)
        return await answer(self, request)

    monkeypatch.setattr(ScriptedModel, "complete", silent_for_naive)
    outcome = sweep(tmp_path, profile_path, "silent", seeds=[0], arms=["clean"],
                    models=["scripted/naive", "scripted/careful"], episode_timeout_s=0.3)
    naive, careful = _episodes(outcome)
    assert naive["status"] == "crashed"
    assert naive["error"] == ("episode timed out: still running after 0.3 s of wall-clock "
                              "time; raise the limit with --episode-timeout SECONDS or "
                              "limits.episode_timeout_s in the profile")
    assert naive["task"]["passed"] is False
    assert careful["status"] == "completed"
