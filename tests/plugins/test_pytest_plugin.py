"""The pytest plugin, exercised by a small test suite of a team's own (pytester)."""

from tests.conftest import SPORTS

pytest_plugins = ["pytester"]

TEAM_SUITE = f'''
import json

PROFILE = r"{SPORTS}"


def test_careful_holds_every_fault(chaos_run):
    results = chaos_run(PROFILE, models=["scripted/careful"], episodes=1, seed=2)
    assert [(e.arm, e.seed) for e in results.episodes] == [("clean", 2), ("chaos", 2)]
    assert [f.outcome for e in results.episodes for f in e.faults
            if f.outcome == "propagated"] == []


def test_naive_leaks_the_decoy(chaos_run, tmp_path):
    results = chaos_run(PROFILE, models=["scripted/naive"], seed=0, arms=["chaos"],
                        only_faults=["stock-decoy"], out=tmp_path / "run")
    (episode,) = results.episodes
    assert [(f.id, f.outcome) for f in episode.faults] == [("stock-decoy", "propagated")]
    written = json.loads((tmp_path / "run" / "results.json").read_text())
    assert written["episodes"][0]["key"] == episode.key
    assert (tmp_path / "run" / episode.trace).is_file()


def test_a_model_that_does_not_exist(chaos_run):
    chaos_run(PROFILE, models=["scripted/carefull"], episodes=1)


def refused_profile(tmp_path, monkeypatch):
    """The profile with one model, behind an endpoint that refuses every connection."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-refused")
    profile = tmp_path / "refused.yaml"
    text = open(PROFILE).read()
    profile.write_text(text[:text.index("models:")] + "models:\\n  - {{provider: openai, "
                       "model: gpt-test, base_url: 'http://127.0.0.1:9/v1', timeout_s: 5}}\\n"
                       + text[text.index("limits:"):])
    return profile


def test_a_model_whose_endpoint_refuses(chaos_run, tmp_path, monkeypatch):
    profile = refused_profile(tmp_path, monkeypatch)
    results = chaos_run(profile, episodes=1, arms=["clean"])
    assert [f for e in results.episodes for f in e.faults if f.outcome == "propagated"] == []


def test_crashes_asserted_on_purpose(chaos_run, tmp_path, monkeypatch):
    profile = refused_profile(tmp_path, monkeypatch)
    results = chaos_run(profile, episodes=1, arms=["clean"], allow_all_crashed=True)
    assert [e.status for e in results.episodes] == ["crashed"]
'''


def test_a_team_suite_asserts_on_verdicts_with_the_fixture(pytester, monkeypatch):
    # Loaded by name, whether or not the pytest11 entry point is installed in this venv.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(test_team=TEAM_SUITE)
    result = pytester.runpytest("-p", "chaos.pytest_plugin", "-q")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines([
        "*chaos_run: --model scripted/carefull: unknown scripted policy 'carefull'; "
        "did you mean 'careful'?*"])
    # A test over episodes that all crashed does not pass vacuously.
    result.stdout.fnmatch_lines(["*chaos_run: no episode completed for openai/gpt-test "
                                 "(profile sports-production): every one crashed*"])
    assert "Traceback" not in result.stdout.str()


def test_the_fixture_is_documented_in_fixtures_listing(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(test_nothing="def test_nothing(): pass")
    result = pytester.runpytest("-p", "chaos.pytest_plugin", "--fixtures")
    result.stdout.fnmatch_lines(["chaos_run*", "*Run a chaos profile and return its results."])


def test_pyproject_declares_the_pytest11_entry_point():
    import tomllib

    from tests.conftest import REPO

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"chaos": "chaos.pytest_plugin"}
