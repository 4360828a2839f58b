import posixpath

import filetype

from chaos.world import generate_world, materialize_world
from chaos.world._assets import read_media_tags


def test_same_seed_gives_the_same_bytes_and_another_seed_another_world():
    a, b, c = (generate_world("sports_media", s) for s in (7, 7, 8))
    assert {p: f.data for p, f in a.files.items()} == {p: f.data for p, f in b.files.items()}
    assert a.truth == b.truth
    assert set(a.files) != set(c.files)
    assert a.truth.match_dir != c.truth.match_dir


def test_default_world_is_a_few_hundred_files_and_scales():
    small = generate_world("sports_media", 1)
    big = generate_world("sports_media", 1, {"scale": 3})
    assert 150 <= len(small.files) <= 600
    assert len(big.files) > 2.5 * len(small.files)


def test_every_file_holds_real_bytes_of_its_extension():
    world = generate_world("sports_media", 2)
    expected = {
        ".mp4": "video/mp4",
        ".png": "image/png",
        ".jpg": "image/jpeg",
        ".pdf": "application/pdf",
    }
    checked = 0
    for path, item in world.files.items():
        ext = posixpath.splitext(path)[1].lower()
        if ext in expected:
            assert filetype.guess(item.data).mime == expected[ext], path
            checked += 1
        elif ext in (".csv", ".txt", ".json"):
            item.data.decode("utf-8")
    assert checked > 100


def test_the_tree_is_messy_and_the_stock_library_looks_like_team_clips():
    world = generate_world("sports_media", 4, {"teams": 6, "matches_per_team": 4})
    team_dirs = {p.split("/")[3] for p in world.files if p.startswith("/prod/teams/")}
    assert any(" " in d for d in team_dirs) or any(d.isupper() for d in team_dirs)
    assert any("_" in d or "-" in d for d in team_dirs)
    clips = [p for p in world.files if "/clips/" in p]
    assert any("final_v2" in p for p in clips)
    assert any("(1)" in p for p in clips), "Finder-style copies are part of the mess"
    stock = [p for p in world.files if p.startswith("/prod/stock/")]
    assert len(stock) >= 40
    assert any(
        word in posixpath.basename(p).lower()
        for p in stock
        for word in ("goal", "save", "penalty", "kickoff")
    )


def test_ground_truth_points_at_the_teams_real_clips():
    world = generate_world("sports_media", 5)
    truth = world.truth
    assert truth.clips
    for clip in truth.clips:
        item = world.files[clip.path]
        assert item.digest == clip.digest
        assert "task_clip" in item.tags
        tags = read_media_tags(item.data)
        assert tags["artist"] == truth.team
        assert tags["date"] == truth.match_date
        assert tags["comment"] == f"clip_id={clip.clip_id}"
        assert clip.path.startswith(truth.match_dir + "/")
    assert truth.shotlist_path in world.files
    shotlist = world.files[truth.shotlist_path].data.decode()
    assert [line.split(",")[0] for line in shotlist.splitlines()[1:]] == [
        c.clip_id for c in truth.clips
    ]
    for team, logo in truth.current_logo.items():
        assert "current_logo" in world.files[logo].tags, team


def test_materialised_episodes_are_independent_copies():
    world = generate_world("sports_media", 6)
    one, two = materialize_world(world), materialize_world(world)
    victim = world.truth.clips[0].path
    one.remove(victim)
    assert not one.exists(victim)
    assert two.exists(victim)
    assert two.read_all(victim) == world.files[victim].data
    assert materialize_world(world).stat(victim).st_mtime == world.files[victim].mtime


def test_a_world_does_not_depend_on_the_worlds_built_before_it():
    # Worlds share a Faker per thread; its unique emails must not carry over between seeds.
    import threading

    def snapshot(seed):
        return {p: (f.data, f.mtime, f.tags) for p, f in generate_world("sports_media",
                                                                         seed).files.items()}

    alone = {}
    thread = threading.Thread(target=lambda: alone.update({9: snapshot(9)}))
    thread.start()
    thread.join()
    for seed in (3, 9, 4):
        snapshot(seed)
    assert snapshot(9) == alone[9]
