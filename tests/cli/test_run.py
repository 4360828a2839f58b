import json

from click.testing import CliRunner

from chaos.cli import main
from tests.conftest import SPORTS


def test_run_prints_the_table_and_writes_the_run_directory(tmp_path):
    out = tmp_path / "run"
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["run", str(SPORTS), "--episodes", "2", "--quiet", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    for text in (
        "scripted/careful",
        "scripted/naive",
        "scripted/hallucinator",
        "fs.decoy",
        "fs.missing",
        "fs.ambiguous_name",
        "prop.",
        "task ok",
    ):
        assert text in result.output
    data = json.loads((out / "results.json").read_text())
    assert data["version"] == 1
    assert data["profiles"][0]["name"] == "sports-production"
    assert len(data["episodes"]) == 4 * 2 * 2
    episode = data["episodes"][1]
    assert episode["key"] == f"sports-production/{episode['model'].replace('/', '-')}/seed-0/chaos"
    assert (out / episode["trace"]).is_file()
    assert episode["reproduce"] == (
        f"chaos run {SPORTS} --model {episode['model']} --seed 0 --arm chaos"
    )
    clean = data["episodes"][0]
    assert clean["arm"] == "clean" and clean["faults"] == []


def test_reproduce_command_runs_exactly_that_episode(tmp_path):
    first = tmp_path / "first"
    CliRunner().invoke(
        main, ["run", str(SPORTS), "--episodes", "2", "--quiet", "--out", str(first)]
    )
    episode = json.loads((first / "results.json").read_text())["episodes"][-1]
    args = episode["reproduce"].split()[2:]
    again = tmp_path / "again"
    result = CliRunner().invoke(main, ["run", *[a for a in args], "--quiet", "--out", str(again)])
    assert result.exit_code == 0, result.output
    (replayed,) = json.loads((again / "results.json").read_text())["episodes"]
    assert replayed == episode


def test_an_unknown_model_on_the_command_line_exits_2(tmp_path):
    result = CliRunner().invoke(
        main, ["run", str(SPORTS), "--model", "scripted/carefull", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "did you mean 'careful'?" in result.output
    assert "Traceback" not in result.output


def test_a_policy_module_from_the_repository_is_imported_with_plugin(tmp_path):
    """`--plugin MODULE` registers a team's own policy for this run; a bad name is exit 2."""
    from click.testing import CliRunner

    from chaos.cli import main
    from tests.conftest import SPORTS

    args = ["run", str(SPORTS), "--episodes", "1", "--quiet"]
    result = CliRunner().invoke(main, [*args, "--model", "scripted/flaky", "--plugin",
                                       "tests.sweep.policies", "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "results.json").exists()
    result = CliRunner().invoke(main, [*args, "--plugin", "no_such_module_here",
                                       "--out", str(tmp_path / "b")])
    assert result.exit_code == 2
    assert "plugin 'no_such_module_here' cannot be imported" in result.output
