"""Model providers and sinks from plugins: the example plugin's `acme/<model>` and `acme_board`."""

import sys
from importlib.metadata import EntryPoint

import pytest

from chaos._registry import Registry
from chaos.errors import InputError, ProfileError
from chaos.models import model_problem, model_spec, providers, register_provider, require_key
from chaos.plugins import load_plugins
from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles
from chaos.sinks import sink_kinds
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "plugin"
PROFILE = EXAMPLE / "profiles" / "acme-board.yaml"

CLASHING_PROVIDER = '''
from chaos.models import provider


@provider("testprov-fine")
def fine(model, options, key):
    """Registered before the clash."""


@provider("openai")
def takes_openai(model, options, key):
    """Takes a built-in provider's name."""
'''


@pytest.fixture
def acme(monkeypatch):
    """The example plugin loaded from its sources, as its entry point would load it."""
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    monkeypatch.delenv("CHAOS_NO_PLUGINS", raising=False)
    (report,) = load_plugins([EntryPoint(name="acme", value="chaos_acme", group="chaos")],
                             warn=pytest.fail)
    yield report
    for name in [m for m in sys.modules if m == "chaos_acme" or m.startswith("chaos_acme.")]:
        del sys.modules[name]  # imported afresh by the next test: registering is importing


@pytest.fixture(scope="module")
def board_run(tmp_path_factory):
    """Two seeds of the example profile, both arms, run in-process with the plugin."""
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(EXAMPLE / "src"))
    mp.delenv("CHAOS_NO_PLUGINS", raising=False)
    saved = [(r, r.snapshot()) for r in Registry.instances]
    try:  # the results are plain data: the plugin is unloaded before the tests look
        load_plugins([EntryPoint(name="acme", value="chaos_acme", group="chaos")])
        results = run_profiles([load_profile(PROFILE)], RunOptions(episodes=2))
    finally:
        for registry, entries in saved:
            registry.restore(entries)
        for name in [m for m in sys.modules if m.startswith("chaos_acme")]:
            del sys.modules[name]
        mp.undo()
    return results


def outcomes(results, model, fault):
    return [f for e in results.episodes if e.model == model and e.arm == "chaos"
            for f in e.faults if f.id == fault]


def test_the_plugin_adds_a_provider_and_a_sink(acme):
    assert acme.added["model provider"] == ["acme"]
    assert acme.added["sink"] == ["acme_board"]
    assert model_problem("acme/careful") is None
    assert "unknown scripted policy 'carefull'" in model_problem("acme/carefull")
    unknown = model_problem("acmee/careful")
    assert "unknown model provider 'acmee'; did you mean 'acme'?" in unknown
    assert "acme, anthropic, openai, replay, scripted" in unknown
    assert model_spec("acme/naive", []).id == "acme/naive"
    assert sink_kinds.get("acme_board").summary.startswith("A post on an Acme partner board")


def test_a_decoy_posted_to_the_plugin_sink_is_propagated_for_naive_only(board_run):
    naive = outcomes(board_run, "acme/naive", "stock-decoy")
    careful = outcomes(board_run, "acme/careful", "stock-decoy")
    assert len(naive) == len(careful) == 2
    assert {f.outcome for f in naive} == {"propagated"}
    for fault in naive:
        assert any(line.startswith("acme_board:partners: /") and line.endswith("(tainted)")
                   for line in fault.evidence), fault.evidence
    assert "propagated" not in {f.outcome for f in careful}
    assert not any("acme_board" in line for f in careful for line in f.evidence)


def test_a_rate_limit_reaches_the_plugin_provider_and_the_retry_recovers(board_run):
    hits = outcomes(board_run, "acme/careful", "gateway-429") + \
        outcomes(board_run, "acme/naive", "gateway-429")
    assert [(f.fired, f.outcome) for f in hits] == [(True, "recovered")] * 4
    chaos = [e for e in board_run.episodes if e.arm == "chaos"]
    assert all(e.status == "completed" for e in chaos)
    # The gateway's own usage figures come back through the plugin path.
    assert all(e.usage.input_tokens > 0 for e in board_run.episodes)


def test_the_same_profile_and_seed_give_the_same_plugin_results(board_run, acme):
    again = run_profiles([load_profile(PROFILE)], RunOptions(episodes=1, models=("acme/naive",)))
    first = next(e for e in board_run.episodes
                 if e.model == "acme/naive" and e.seed == 0 and e.arm == "chaos")
    second = next(e for e in again.episodes if e.arm == "chaos")
    assert second.model_dump() == first.model_dump()


def test_provider_options_are_validated_by_the_plugin_with_the_place(acme, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(PROFILE.read_text().replace("mirror_to_board: partners}}\n  - {provider: "
                                                "acme, model: naive",
                                                "mirror_to_bord: partners}}\n  - {provider: "
                                                "acme, model: naive", 1))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert "options of model provider 'acme': mirror_to_bord: Extra inputs are not permitted" \
        in message
    line = next(i for i, row in enumerate(path.read_text().splitlines(), 1)
                if "mirror_to_bord" in row)
    assert message.startswith(f"{path}:{line}:"), message


def test_a_provider_key_must_be_a_masked_variable_and_is_required_when_it_says_so(
        acme, monkeypatch):
    with pytest.raises(ValueError, match="must contain KEY, TOKEN, SECRET or PASSWORD"):
        register_provider("testprov-leaky", lambda m, o, k: None, key_env="GATEWAY_CRED")
    register_provider("testprov-keyed", lambda m, o, k: None, key_env="TESTPROV_API_KEY")
    monkeypatch.delenv("TESTPROV_API_KEY", raising=False)
    spec = model_spec("testprov-keyed/any", [])
    with pytest.raises(InputError, match="needs a key: set TESTPROV_API_KEY"):
        require_key(spec)
    monkeypatch.setenv("TESTPROV_API_KEY", "canary-0123456789")
    require_key(spec)
    from chaos._redact import redact

    assert redact("answer canary-0123456789") == "answer [redacted]"


def test_a_provider_plugin_that_takes_a_built_in_name_is_a_warning(tmp_path, monkeypatch):
    (tmp_path / "testprov_clash.py").write_text(CLASHING_PROVIDER)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("CHAOS_NO_PLUGINS", raising=False)
    warnings = []
    (report,) = load_plugins([EntryPoint(name="clash", value="testprov_clash", group="chaos")],
                             warn=warnings.append)
    sys.modules.pop("testprov_clash", None)
    assert not report.loaded
    assert "model provider 'openai' is registered twice" in warnings[0]
    assert "testprov-fine" not in providers  # left out whole
    assert providers.get("openai").factory is None  # the built-in is untouched


def test_chaos_no_plugins_leaves_the_provider_and_sink_out(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    monkeypatch.setenv("CHAOS_NO_PLUGINS", "1")
    assert load_plugins([EntryPoint(name="acme", value="chaos_acme", group="chaos")]) == []
    assert "acme" not in providers and "acme_board" not in sink_kinds
    assert "unknown model provider 'acme'" in model_problem("acme/careful")
