"""Models a run cannot tell apart, and --model typos that would leave the profile's endpoint."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.models import run_models_problem
from chaos.profile import RemoteModelSpec

ROOT = Path(__file__).resolve().parents[2]
LOCAL = [RemoteModelSpec(provider="openai", model="labmodel-mini",
                         base_url="http://127.0.0.1:9/v1")]


def test_two_models_filed_under_one_name_are_refused_in_a_profile(tmp_path):
    profile = tmp_path / "odd.yaml"
    profile.write_text(f"""version: 1
extends: {ROOT / 'profiles' / 'clinic-lab-reports.yaml'}
models:
  - {{provider: openai, model: 'qwen2.5:7b', base_url: 'http://127.0.0.1:9/v1'}}
  - {{provider: openai, model: 'qwen2.5-7b', base_url: 'http://127.0.0.1:8/v1'}}
""")
    result = CliRunner().invoke(main, ["validate", str(profile)])
    assert result.exit_code == 2
    assert f"{profile}:5:" in result.output
    assert "would share the name 'openai-qwen2.5-7b'" in result.output


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_two_run_models_filed_under_one_name_are_refused(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "unused")
    result = CliRunner().invoke(main, [command, str(ROOT / "profiles" / "sports-rubric.yaml"),
                                       "--model", "openai/a:b", "--model", "openai/a-b"])
    assert result.exit_code == 2, result.output
    assert "would share the name 'openai-a-b'" in result.output
    assert not (tmp_path / "runs").exists()


def test_a_near_miss_of_a_listed_model_on_its_own_endpoint_is_refused():
    found = run_models_problem(["openai/labmodel-mnii"], LOCAL)
    assert found is not None and found[0] == "openai/labmodel-mnii"
    assert "did you mean 'openai/labmodel-mini'?" in found[1]
    assert "default endpoint" in found[1]


@pytest.mark.parametrize("model", ["openai/labmodel-mini", "openai/gpt-4.1", "scripted/careful",
                                   "anthropic/labmodel-mini"])
def test_listed_and_plainly_other_models_run(model):
    assert run_models_problem([model], LOCAL) is None


def test_the_run_says_which_listed_model_a_typo_was_meant_to_be(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "unused")
    result = CliRunner().invoke(main, ["run", str(ROOT / "examples" / "switch" /
                                                  "production.yaml"),
                                       "--model", "openai/mini-carefull", "--episodes", "1"])
    assert result.exit_code == 2
    assert "did you mean 'openai/mini-careful'?" in result.output
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("model", ["openai/pro\x1b[2J", "openai/pro\x07", "openai/a\u202eb"])
def test_model_ids_with_control_characters_are_refused(model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", str(ROOT / "profiles" / "sports-rubric.yaml"),
                                       "--model", model, "--episodes", "1"])
    assert result.exit_code == 2
    assert "control or invisible characters" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
