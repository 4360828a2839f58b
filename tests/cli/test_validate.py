import re

from click.testing import CliRunner

from chaos.cli import main
from tests.conftest import REPO, SPORTS


def validate(*paths):
    return CliRunner().invoke(main, ["validate", *map(str, paths)])


def test_valid_profiles_print_ok_with_their_counts():
    paths = sorted(REPO.glob("profiles/*.yaml"))
    result = validate(*paths)
    assert result.exit_code == 0, result.output
    assert (f"ok: {REPO / 'profiles/sports-production.yaml'}: 4 agents, 6 faults, 4 models"
            in result.output.splitlines())
    assert len(result.output.splitlines()) == len(paths)


def test_every_error_is_printed_in_file_order_then_a_count(tmp_path):
    text = (SPORTS.read_text().replace("episodes: 20", "episodes: many")
            .replace("entry: producer", "entry: boss")
            .replace("kind: fs.decoy", "kind: fs.decoi"))
    path = tmp_path / "p.yaml"
    path.write_text(text)
    result = validate(path)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[-1] == f"{path}: 3 errors"
    located = [re.match(rf"{re.escape(str(path))}:(\d+):(\d+): ", line) for line in lines[:-1]]
    assert all(located), lines
    numbers = [int(m.group(1)) for m in located]
    assert numbers == sorted(numbers)
    rows = text.splitlines()
    assert "many" in rows[numbers[0] - 1] and "boss" in rows[numbers[1] - 1]
    assert "fs.decoi" in rows[numbers[2] - 1]
    assert "Traceback" not in result.output


def test_one_broken_profile_among_good_ones_exits_2_and_names_only_itself(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    result = validate(SPORTS, path, REPO / "examples/gates.yaml")
    assert result.exit_code == 2
    assert result.output.count("ok: ") == 2
    assert f"{path}:1:1: profile is empty" in result.output


def test_profile_text_cannot_drive_the_terminal(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(SPORTS.read_text().replace("episodes: 20", 'episodes: "\\e[31mred\\u202e"'))
    result = validate(path)
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "\\x1b[31mred\\u202e" in result.output


def test_a_missing_file_and_a_folder_are_input_errors(tmp_path):
    result = validate(tmp_path / "nope.yaml", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.yaml'}: profile file not found" in result.output
    assert f"{tmp_path}: is a folder" in result.output


def test_a_model_listed_twice_is_a_located_error(tmp_path):
    from click.testing import CliRunner

    from chaos.cli import main
    from tests.conftest import SPORTS

    text = SPORTS.read_text().replace("models:\n  - scripted/careful\n",
                                      "models:\n  - scripted/careful\n  - scripted/careful\n", 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    line = text.splitlines().index("  - scripted/careful") + 2  # the second entry, 1-based
    assert f"dup.yaml:{line}:5: model 'scripted/careful' is listed twice" in result.output
