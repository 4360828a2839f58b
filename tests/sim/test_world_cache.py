import threading

from chaos.packs.sports.world import SportsMediaParams, build_sports_media
from chaos.profile import LoadedProfile, parse_profile
from chaos.runner import RunOptions, run_profiles
from chaos.world import world_generators
from chaos.world._generators import world_generator
from tests.conftest import SPORTS


def _with_generator(build, on_loaded=lambda: None):
    """Run the sports profile (careful, seeds 0-3, both arms) on a world generator of the test."""
    saved = world_generators.snapshot()
    world_generator("test_media", params=SportsMediaParams)(build)
    try:
        text = SPORTS.read_text().replace("generator: sports_media", "generator: test_media")
        loaded = LoadedProfile(parse_profile(text), "p.yaml", "0" * 64)
        on_loaded()  # loading builds the profile's first world to check fault targets
        return run_profiles([loaded], RunOptions(models=("scripted/careful",), episodes=4,
                                                 concurrency=3))
    finally:
        world_generators.restore(saved)


def test_a_world_that_fails_to_build_crashes_its_seed_only_with_the_reason():
    def flaky(seed, params):
        if seed == 1:
            raise RuntimeError("tape library offline")
        return build_sports_media(seed, params)

    results = _with_generator(flaky)
    assert len(results.episodes) == 8
    for episode in results.episodes:
        if episode.seed == 1:
            assert episode.status == "crashed"
            assert "world for seed 1 failed: RuntimeError: tape library offline" in episode.error
        else:
            assert episode.status == "completed", episode.error


def test_each_seed_s_world_is_built_once_off_the_event_loop():
    built = []

    def counted(seed, params):
        built.append((seed, threading.current_thread() is threading.main_thread()))
        return build_sports_media(seed, params)

    results = _with_generator(counted, on_loaded=built.clear)
    assert {e.seed for e in results.episodes} == {0, 1, 2, 3}
    assert sorted(seed for seed, _ in built) == [0, 1, 2, 3]  # both arms share one world
    assert not any(on_main for _, on_main in built)


def test_a_generator_seen_only_in_the_run_s_context_builds_its_worlds():
    # A registry's scoped entries live in a context variable; the builder thread sees them.
    from chaos.world._generators import GeneratorEntry

    entry = GeneratorEntry("scoped_media", SportsMediaParams, build_sports_media)
    with world_generators.scoped({"scoped_media": entry}):
        text = SPORTS.read_text().replace("generator: sports_media", "generator: scoped_media")
        loaded = LoadedProfile(parse_profile(text), "p.yaml", "0" * 64)
        results = run_profiles([loaded], RunOptions(models=("scripted/careful",), episodes=1))
    assert [e.status for e in results.episodes] == ["completed", "completed"]
