import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.profile import TEMPLATES, load_profile
from chaos.runner import RunOptions, run_profiles


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_new_profile_validates_and_runs(tmp_path, template):
    out = tmp_path / "mine.yaml"
    result = CliRunner().invoke(main, ["new", "my-pipeline", "--from", template, "--out",
                                       str(out)])
    assert result.exit_code == 0, result.output
    assert f"chaos validate {out}" in result.output
    text = out.read_text()
    assert text.startswith("# yaml-language-server: $schema=./chaos-profile.schema.json\n")
    assert text.count("\n#") >= 5, "the template explains itself"
    checked = CliRunner().invoke(main, ["validate", str(out)])
    assert checked.exit_code == 0, checked.output
    loaded = load_profile(out)
    assert loaded.profile.name == "my-pipeline"
    results = run_profiles([loaded], RunOptions(models=("scripted/careful",), episodes=1,
                                                arms=("chaos",) if loaded.profile.faults
                                                else ("clean",)))
    assert [e.status for e in results.episodes] == ["completed"]


def test_the_default_is_nameyaml_here_from_blank(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", "desk"])
    assert result.exit_code == 0, result.output
    assert "from blank" in result.output
    assert load_profile(tmp_path / "desk.yaml").profile.name == "desk"


def test_new_never_overwrites(tmp_path):
    out = tmp_path / "mine.yaml"
    out.write_text("mine\n")
    result = CliRunner().invoke(main, ["new", "x", "--out", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert out.read_text() == "mine\n"


@pytest.mark.parametrize(("args", "expect"), [
    (["new", "my pipeline"], "may hold only letters"),
    (["new", "x", "--from", "minimall"], "did you mean 'minimal'?"),
    (["new", "x", "--out", "{tmp}/a-file/x.yaml"], "cannot create the folder"),
    (["new", "{tmp}/a-file/x.yaml"], "cannot create the folder"),
])
def test_bad_arguments_are_input_errors(tmp_path, args, expect):
    (tmp_path / "a-file").write_text("not a folder\n")
    result = CliRunner().invoke(main, [a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2
    assert expect in result.output


def test_the_help_names_every_template():
    import re

    result = CliRunner().invoke(main, ["new", "--help"])
    text = re.sub(r"-\s+", "-", result.output)  # help text wraps at a hyphen
    assert all(t in text for t in TEMPLATES)


def test_a_name_given_as_a_file_name_is_written_once_with_its_extension(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from chaos.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", "my-pipeline.yaml"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "my-pipeline.yaml").exists()
    assert not (tmp_path / "my-pipeline.yaml.yaml").exists()
    assert "name: my-pipeline" in (tmp_path / "my-pipeline.yaml").read_text()


@pytest.mark.parametrize("given", ["pipelines/team/mine.yaml", "pipelines/team/mine"])
def test_a_path_names_the_file_and_its_missing_folders_are_made(tmp_path, monkeypatch, given):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", given])
    assert result.exit_code == 0, result.output
    written = tmp_path / "pipelines" / "team" / "mine.yaml"
    assert load_profile(written).profile.name == "mine"
    assert "chaos validate pipelines/team/mine.yaml" in result.output
