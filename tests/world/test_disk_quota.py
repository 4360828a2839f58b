"""The episode's in-memory disk has a quota: past it a write fails as on a full real disk.

The quota is what an episode may write beyond the world's own files (`limits.disk_quota_mb`,
64 MiB by default), so an agent writing without end cannot grow the process, and no world
is too big for its own disk.
"""

from __future__ import annotations

import errno
import json
import os
import re
import tracemalloc

import pytest

from chaos.models.scripted import policy
from chaos.profile import LoadedProfile, load_profile, parse_profile
from chaos.runner import RunOptions, build_world, run_profiles
from chaos.tools import ToolContext, tools
from chaos.world import materialize_world
from tests.conftest import REPO, SPORTS
from tests.helpers import StubChain

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def world():
    from chaos.world import generate_world

    return generate_world("sports_media", 3)


def _write_file(fs, path, content):
    definition = tools.get("write_file")
    ctx = ToolContext("producer", fs, StubChain())
    try:
        return definition.run(ctx, definition.args.model_validate(
            {"path": path, "content": content}))
    except OSError as exc:  # the chain runner gives the agent this text
        return exc


def test_writing_past_the_quota_fails_with_the_error_a_full_real_disk_gives(world):
    fs = materialize_world(world, quota_bytes=3 * MIB)
    blob = "x" * (MIB - 64)
    answers = [_write_file(fs, f"/big-{i}.txt", blob) for i in range(5)]
    assert all(isinstance(a, str) and a.startswith("wrote") for a in answers[:3])
    error = answers[3]
    assert isinstance(error, OSError) and error.errno == errno.ENOSPC
    assert error.filename == "/big-3.txt"
    assert error.strerror == os.strerror(errno.ENOSPC)  # the words the real OS uses
    assert str(error) == "[Errno 28] No space left on device: '/big-3.txt'"
    # As on a real disk, open() made the file; its bytes did not fit.
    assert fs.stat("/big-4.txt").st_size == 0


def test_overwriting_a_file_needs_no_more_room_than_its_growth(world):
    fs = materialize_world(world, quota_bytes=MIB + MIB // 2)
    blob = "y" * (MIB - 64)
    for _ in range(20):  # one file rewritten: the disk never fills
        assert _write_file(fs, "/same.txt", blob).startswith("wrote")


def test_an_agent_writing_300_files_of_1_mib_cannot_grow_the_process_past_the_quota(world):
    fs = materialize_world(world)  # the default quota, 64 MiB
    tracemalloc.start()
    try:
        for i in range(300):
            _write_file(fs, f"/out/{i}.txt" if i == 0 else f"/big-{i}.txt", "z" * (MIB - 64))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Without a quota this held 300 MiB; with it, the quota and one write in flight.
    assert peak < 64 * MIB + 8 * MIB
    assert fs.filesystem.get_disk_usage().free < MIB


def test_the_world_never_counts_against_the_quota_in_any_shipped_profile():
    shipped = sorted((REPO / "profiles").glob("*.yaml")) + sorted(
        (REPO / "examples").glob("*.yaml"))
    assert shipped
    for path in shipped:
        profile = load_profile(path).profile
        world = build_world(profile, profile.seed)
        fs = materialize_world(world, profile.limits.disk_quota_mb * MIB)
        assert fs.filesystem.get_disk_usage().free == profile.limits.disk_quota_mb * MIB, path


def _quota_profile(quota_line: str) -> LoadedProfile:
    text = SPORTS.read_text().replace("\nlimits:\n", f"\nlimits:\n  {quota_line}\n", 1)
    return LoadedProfile(parse_profile(text, "quota.yaml"), "quota.yaml", "0" * 64)


def test_the_profile_key_sets_the_quota_and_a_quota_of_0_makes_the_manifest_write_fail():
    """The producer saves the manifest: with no room at all that write meets ENOSPC."""
    roomy = run_profiles([_quota_profile("disk_quota_mb: 64")],
                         RunOptions(models=("scripted/careful",), seed=0, arms=("clean",)))
    full = run_profiles([_quota_profile("disk_quota_mb: 0")],
                        RunOptions(models=("scripted/careful",), seed=0, arms=("clean",)))
    assert roomy.episodes[0].task.passed
    assert not full.episodes[0].task.passed
    assert full.episodes[0].status == "completed"  # a full disk is the agent's to handle


def test_a_quota_beyond_what_memory_allows_is_refused_with_the_key_and_bound():
    from chaos.errors import ProfileError

    with pytest.raises(ProfileError) as caught:
        _quota_profile("disk_quota_mb: 100000")
    assert "disk_quota_mb" in str(caught.value)


def test_fs_disk_full_still_fills_the_disk_under_the_quota(tmp_path):
    text = SPORTS.read_text()
    head, _, tail = text.partition("faults:\n")
    faults = "faults:\n  - {id: full, kind: fs.disk_full}\n"
    text = head + faults + tail[tail.index("\nmodels:"):]
    loaded = LoadedProfile(parse_profile(text, "full.yaml"), "full.yaml", "0" * 64)
    results = run_profiles([loaded], RunOptions(models=("scripted/careful",), seed=0,
                                                arms=("chaos",)))
    (fault,) = results.episodes[0].faults
    assert fault.fired
    assert json.loads(results.model_dump_json())["episodes"][0]["faults"][0]["kind"] == \
        "fs.disk_full"


@policy("writes-300-mib")
def _writes_300_mib(brief, context):
    """Writes 300 files of 1 MiB each, then finishes: an agent that never stops writing."""
    for i in range(300):
        yield ("write_file", {"path": f"/big-{i}.txt", "content": "w" * (MIB - 64)})
    yield ("finish", {"answer": "done"})


def test_an_agent_sending_300_writes_of_1_mib_is_stopped_before_the_process_grows():
    """Measured: 443 MB of peak RSS before (its conversation held every argument), 129 MB
    after; the disk's share is bounded by the quota, the conversation's by its cap."""
    text = re.sub(r"steps_per_agent: \d+", "steps_per_agent: 400", SPORTS.read_text())
    loaded = LoadedProfile(parse_profile(text, "w.yaml"), "w.yaml", "0" * 64)
    tracemalloc.start()
    try:
        results = run_profiles([loaded], RunOptions(models=("scripted/writes-300-mib",),
                                                    seed=0, arms=("clean",)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (episode,) = results.episodes
    assert episode.status == "crashed"
    assert "conversation passed 32 MiB" in episode.error
    assert peak < 160 * MIB
