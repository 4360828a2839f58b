"""Faults aimed in a profile at the profile's own files (by tag or glob), and the located
errors of selectors that name nothing."""

import re

import pytest

from chaos.errors import ProfileError
from chaos.profile import parse_profile
from chaos.runner import build_world
from chaos.sim import plan_faults
from chaos.tasks import TaskFacts, task_kinds
from tests.conftest import SPORTS

OWN_FILES = """  files:
    - {path: /office/prices.csv, text: "sku,name,price\\nA-1,Crème,4.50\\n", tags: [prices]}
    - {path: /office/release/version.json, text: '{"version": "1.4.2"}', tags: [release]}
    - {path: /office/archive/version.json, text: '{"version": "1.3.9"}', tags: [old]}
"""


def profile(faults, files=OWN_FILES):
    head, _, tail = SPORTS.read_text().partition("faults:\n")
    head = head.replace("\nchain:", files + "\nchain:", 1)
    return parse_profile(head + "faults:\n" + faults + tail[tail.index("\nmodels:"):])


def test_faults_aim_at_the_profiles_own_files_by_tag_and_glob():
    loaded = profile(
        "  - {id: mojibake, kind: fs.encoding, target: {tag: prices}, "
        "params: {encoding: cp1252, rows: 1}}\n"
        "  - {id: old, kind: fs.stale_version, target: {glob: /office/release/*.json}}\n"
        "  - {id: wrong, kind: chain.subagent_wrong, params: {agent: editor, "
        "decoy: {tag: old}}}\n")
    planned = plan_faults(loaded, build_world(loaded, 0), 0)
    assert [[f.path for f in active.targets] for active in planned] == [
        ["/office/prices.csv"], ["/office/release/version.json"], []]


def test_a_decoy_tag_that_names_nothing_is_a_located_error_with_a_suggestion():
    with pytest.raises(ProfileError) as exc:
        profile("  - {id: wrong, kind: chain.subagent_wrong, params: {decoy: {tag: olde}}}\n")
    assert re.match(r"<profile>:\d+:\d+: unknown tag 'olde'; did you mean 'old'\?",
                    str(exc.value)), str(exc.value)


def test_a_decoy_source_glob_that_matches_nothing_is_refused():
    with pytest.raises(ProfileError, match="params.source names no file"):
        profile("  - {id: d, kind: fs.decoy, params: {source: {glob: '/nowhere/**'}}}\n")


def test_a_needed_files_fault_on_a_task_that_needs_none_says_to_give_a_target(monkeypatch):
    task = task_kinds.get("highlight_package")
    monkeypatch.setattr(task, "facts", lambda self, world, params: TaskFacts())
    with pytest.raises(ProfileError, match=r"needs none there; give it a target"):
        profile("  - {id: gone, kind: fs.missing}\n")
    # Aimed by tag, the same fault is fine.
    profile("  - {id: gone, kind: fs.missing, target: {tag: prices}}\n")
