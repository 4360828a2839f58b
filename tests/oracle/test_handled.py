"""`handled`: the task done, or what a fault made impossible reported with nothing wrong shipped."""

from __future__ import annotations

import pytest

from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles
from chaos.tasks import Unmet, task_kinds
from tests.conftest import REPO, SPORTS

MINIMAL = REPO / "chaos" / "profile" / "templates" / "minimal.yaml"
#: The minimal profile's task kind (by name: it lives wherever its pack puts it).
HighlightPackage = task_kinds.get("highlight_package")


def _needing_elsewhere(self, end):
    """Every missing part says it needs a file no fault touches."""
    return [Unmet(reason, frozenset({"/nowhere/else.mp4"})) for reason in self.check(end).reasons]


def _needing_clips(self, end):
    """Every missing part needs the shot list's clips (one of them is the missing one)."""
    needed = self.facts(end.world, end.params).needed
    return [Unmet(reason, frozenset(needed)) for reason in self.check(end).reasons]


def _run(tmp_path, text, models, arms=("chaos",), episodes=3):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    results = run_profiles([load_profile(path)],
                           RunOptions(models=tuple(models), episodes=episodes, arms=arms))
    return results


def _minimal(tmp_path, **replace):
    text = MINIMAL.read_text().replace("__NAME__", "handled")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_a_careful_chain_that_reports_a_missing_file_handled_it_though_the_task_failed(tmp_path):
    results = _run(tmp_path, _minimal(tmp_path), ["scripted/careful", "scripted/naive"])
    careful = [e for e in results.episodes if e.model == "scripted/careful"]
    naive = [e for e in results.episodes if e.model == "scripted/naive"]
    assert careful and all(not e.task.passed and e.handled for e in careful)
    assert all(e.faults[0].outcome == "detected" for e in careful)
    # naive leaves the clip out without a word: not handled
    assert naive and all(not e.task.passed and e.handled is False for e in naive)
    assert all(e.faults[0].outcome == "silent" for e in naive)


def test_the_clean_arm_is_handled_exactly_when_its_task_passed(tmp_path):
    results = _run(tmp_path, _minimal(tmp_path), ["scripted/careful", "scripted/hallucinator"],
                   arms=("clean",))
    assert results.episodes
    assert all(e.handled is e.task.passed for e in results.episodes)


def test_reporting_one_fault_does_not_excuse_shipping_another(sports_profile):
    # mime-careless reports the missing clip but mails the logo mislabelled: propagated
    results = run_profiles([sports_profile], RunOptions(models=("scripted/mime-careless",),
                                                         episodes=2, arms=("chaos",)))
    for e in results.episodes:
        outcomes = {f.id: f.outcome for f in e.faults}
        assert outcomes["missing-clip"] == "detected"
        assert outcomes["logo-is-jpeg"] == "propagated"
        assert e.handled is False


def test_a_part_is_excused_only_by_a_fault_that_touches_what_it_needs(tmp_path, monkeypatch):
    monkeypatch.setattr(HighlightPackage, "unmet", _needing_elsewhere)
    elsewhere = _run(tmp_path, _minimal(tmp_path), ["scripted/careful"])
    assert all(not e.handled and e.faults[0].outcome == "detected" for e in elsewhere.episodes)
    monkeypatch.setattr(HighlightPackage, "unmet", _needing_clips)
    clips = _run(tmp_path, _minimal(tmp_path), ["scripted/careful"])
    assert all(e.handled and not e.task.passed for e in clips.episodes)


def test_a_crashed_episode_is_never_handled(tmp_path):
    text = _minimal(tmp_path, **{"seed: 0 ": "seed: 0\nlimits: {deadline_ms: 1}\n#"})
    results = _run(tmp_path, text, ["scripted/careful"], episodes=1)
    (episode,) = results.episodes
    assert episode.status == "crashed"
    assert episode.handled is False


@pytest.mark.slow
def test_careful_and_naive_differ_in_handled_on_the_ready_profile():
    results = run_profiles([load_profile(SPORTS)], RunOptions(
        models=("scripted/careful", "scripted/naive"), arms=("chaos",)))
    summary = results.summary["profiles"]["sports-production"]["models"]
    careful, naive = summary["scripted/careful"]["chaos"], summary["scripted/naive"]["chaos"]
    assert careful["task_passed"] == naive["task_passed"] == 0  # task ok cannot tell them apart
    assert careful["handled"] == 20 and naive["handled"] == 0
    assert careful["handled_rate"]["low"] > naive["handled_rate"]["high"]
