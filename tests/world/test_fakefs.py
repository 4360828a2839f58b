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


def test_a_trailing_double_star_matches_every_file_below(world):
    fs = materialize_world(world)
    assert len(fs.glob("/prod/**")) == len(world.files)
    assert fs.glob("/prod/brand/**") == sorted(p for p in world.files
                                                if p.startswith("/prod/brand/"))


def test_overlong_names_fail_like_a_real_disk(world):
    fs = materialize_world(world)
    with pytest.raises(OSError) as info:
        fs.write("/prod/" + "x" * 300, b"data")
    assert info.value.errno == errno.ENAMETOOLONG


def test_folder_mtimes_come_from_the_world_not_the_wall_clock(world):
    fs = materialize_world(world)
    newest = max(f.mtime for f in world.files.values())
    assert fs.stat("/prod").st_mtime == newest
    match_dir = world.truth.match_dir
    below = max(f.mtime for p, f in world.files.items() if p.startswith(match_dir + "/"))
    assert fs.stat(match_dir).st_mtime == below
