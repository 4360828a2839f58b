"""A model that fails in a way no provider error covers is that model's crash, never the run's."""

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.models import providers, register_provider
from chaos.profile import LoadedProfile, parse_profile
from chaos.runner import RunOptions, run_profiles
from tests.conftest import SPORTS


class Broken:
    """An adapter whose call breaks the way a plugin's bug would."""

    def __init__(self, how):
        self.how = how

    async def complete(self, request):
        if self.how == "raises":
            raise TypeError("'NoneType' object is not subscriptable")
        return {"text": "a dict, not a turn"}


def factory(model, options, key):
    """Test provider: `failing/<how>`."""
    if model == "factory":
        raise RuntimeError("license server down")
    return Broken(model)


@pytest.fixture
def failing():
    saved = providers.snapshot()
    register_provider("failing", factory)
    yield
    providers.restore(saved)


def profile(*models):
    text = SPORTS.read_text()
    head, _, tail = text.partition("models:\n")
    listed = "models:\n" + "".join(f"  - {m}\n" for m in models)
    return LoadedProfile(parse_profile(head + listed + tail[tail.index("\nlimits:"):]),
                         "p.yaml", "0" * 64)


@pytest.mark.parametrize("how,reason", [
    ("factory", "RuntimeError: license server down"),
    ("raises", "TypeError: 'NoneType' object is not subscriptable"),
    ("junk", "answered a dict, not a chaos.models.ModelTurn"),
])
def test_a_failing_model_crashes_its_episodes_and_the_others_run(failing, how, reason):
    results = run_profiles([profile(f"failing/{how}", "scripted/careful")],
                           RunOptions(seed=0, arms=("clean",)))
    by_model = {e.model: e for e in results.episodes}
    assert by_model["scripted/careful"].status == "completed"
    broken = by_model[f"failing/{how}"]
    assert broken.status == "crashed"
    assert reason in broken.error


def test_models_check_reports_a_failing_model_and_checks_the_others(failing):
    result = CliRunner().invoke(main, ["models", "check", "failing/factory", "failing/raises",
                                       "scripted/careful"])
    lines = result.output.splitlines()
    assert lines[0].startswith("failing/factory: ") and "license server down" in lines[0]
    assert lines[1] == ("failing/raises: the call failed: TypeError: 'NoneType' object is "
                        "not subscriptable")
    assert lines[2].startswith("scripted/careful: tool calls yes")
    assert result.exit_code == 1
