import errno
import os

import pytest

from chaos.world import generate_world, materialize_world, translate_glob


@pytest.fixture(scope="module")
def world():
    return generate_world("sports_media", 11)


def test_paths_cannot_climb_out_of_the_fake_root(world):
    fs = materialize_world(world)
    assert fs.resolve("../../etc/passwd") == "/etc/passwd"
    assert fs.resolve("/prod/../../../etc") == "/etc"
    with pytest.raises(OSError) as info:
        fs.read("../../etc/passwd", 100)
    assert info.value.errno == errno.ENOENT


def test_a_real_file_on_the_host_is_invisible(world, tmp_path):
    real = tmp_path / "secret.txt"
    real.write_text("host data")
    fs = materialize_world(world)
    assert not fs.exists(str(real))
    with pytest.raises(FileNotFoundError):
        fs.read(str(real), 10)


def test_writes_never_reach_the_real_disk(world, tmp_path):
    fs = materialize_world(world)
    fs.filesystem.create_dir(str(tmp_path))
    target = tmp_path / "written-by-agent.txt"
    fs.write(str(target), b"agent output")
    assert fs.read_all(str(target)) == b"agent output"
    assert not target.exists()
    assert not os.path.exists("/prod")


def test_glob_follows_pathlib_semantics():
    assert translate_glob("/prod/**/*goal-1*").match("/prod/a/b/goal-1.mp4")
    assert translate_glob("/prod/**/*goal-1*").match("/prod/goal-1.mp4")
    assert not translate_glob("/prod/*/x").match("/prod/a/b/x")
    assert not translate_glob("/prod/*.mp4").match("/prod/a/b.mp4")
    assert translate_glob("/prod/*.MP4", ignore_case=True).match("/prod/a.mp4")


def test_glob_and_listdir_are_sorted_and_complete(world):
    fs = materialize_world(world)
    clips = fs.glob("/prod/teams/**/*.mp4", ignore_case=True)
    assert clips == sorted(clips)
    expected = sorted(
        p for p in world.files if p.startswith("/prod/teams/") and p.lower().endswith(".mp4")
    )
    assert clips == expected
    assert fs.listdir("/prod") == sorted(fs.listdir("/prod"))
