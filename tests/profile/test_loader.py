import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.errors import ProfileError
from chaos.profile import load_profile
from tests.conftest import SPORTS

GOOD = SPORTS.read_text()


def broken(tmp_path, old, new, name="p.yaml"):
    assert old in GOOD
    path = tmp_path / name
    path.write_text(GOOD.replace(old, new, 1))
    return path


def line_col(text, needle):
    line = next(i for i, row in enumerate(text.splitlines(), 1) if needle in row)
    return line, text.splitlines()[line - 1].index(needle) + 1


def test_the_ready_profile_loads(sports_profile):
    assert sports_profile.profile.name == "sports-production"
    assert [f.kind for f in sports_profile.profile.faults] == [
        "fs.missing",
        "fs.ambiguous_name",
        "fs.decoy",
        "mail.mime_mismatch",
        "smtp.transient",
        "smtp.disconnect",
    ]
    assert len(sports_profile.sha256) == 64


def test_unknown_fault_kind_is_located_with_a_suggestion(tmp_path):
    path = broken(tmp_path, "kind: fs.missing", "kind: fs.mising")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    line, col = line_col(path.read_text(), "fs.mising")
    assert str(info.value).startswith(f"{path}:{line}:{col}: unknown fault kind 'fs.mising'")
    assert "did you mean 'fs.missing'?" in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "needle", "expect"),
    [
        (
            "episodes: 20",
            "episode: 20",
            "episode:",
            "unknown key 'episode' in profile; did you mean 'episodes'?",
        ),
        ("episodes: 20", "episodes: many", "many", "episodes: Input should be a valid integer"),
        (
            "{variants: 2}",
            "{variantz: 2}",
            "variantz",
            "unknown key 'variantz' in faults[1].params",
        ),
        (
            "delegates_to: [editor, qa, distributor]",
            "delegates_to: [editr, qa, distributor]",
            "editr",
            "delegates to unknown agent 'editr'; did you mean 'editor'?",
        ),
        (
            "  - scripted/naive",
            "  - scripted/naiv",
            "scripted/naiv",
            "unknown scripted policy 'naiv'",
        ),
        ("  - scripted/naive", "  - opnai/gpt", "opnai/gpt", "unknown model provider 'opnai'"),
        (
            "tools: [read_file, write_file, delegate",
            "toolz: [read_file, write_file, delegate",
            "toolz",
            "unknown key 'toolz' in chain.agents.producer; did you mean 'tools'?",
        ),
        (
            "tools: [read_file, write_file, delegate",
            "tools: [read_fil, write_file, delegate",
            "read_fil",
            "unknown tool 'read_fil'; did you mean 'read_file'?",
        ),
        ("params: {teams: 4,", "params: {teams: four,", "four", "world.params.teams: Input should"),
        ("entry: producer", "entry: boss", "boss", "entry agent 'boss' is not in chain.agents"),
    ],
)
def test_schema_and_reference_errors_name_the_place(tmp_path, old, new, needle, expect):
    path = broken(tmp_path, old, new)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    line, col = line_col(path.read_text(), needle)
    assert str(info.value).startswith(f"{path}:{line}:"), str(info.value)
    assert expect in str(info.value)
    assert info.value.line == line


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"", "profile is empty"),
        (b"version: 1\nname: x\n  bad: [\n", "YAML syntax error"),
        (bytes(range(256)), "not UTF-8"),
        (b"name: x\n", "add 'version: 1'"),
        (b"version: 2\nname: x\n", "version 2 is not supported"),
        (b"- a\n- b\n", "must be a mapping"),
    ],
)
def test_unreadable_profiles_exit_2_with_one_located_line(tmp_path, content, expect):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert expect in result.output
    assert "Traceback" not in result.output
    assert result.output.startswith(f"error: {path}")
    assert len(result.output.strip().splitlines()) == 1


def test_a_missing_file_is_an_input_error(tmp_path):
    result = CliRunner().invoke(main, ["run", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "profile file not found" in result.output


@pytest.mark.parametrize(("old", "new", "expect"), [
    ("kind: fs.missing", "kind: fs.mising", "did you mean 'fs.missing'?"),
    ("episodes: 20", "episode: 20", "unknown key 'episode'"),
    ("episodes: 20", "episodes: many", "episodes: Input should be a valid integer"),
    ("seed: 0\n", "seed: 0\nseed: 1\n", "key 'seed' appears twice"),
    ("version: 1", "version: '1'", "version must be the integer 1, not '1' (str)"),
    ("version: 1", "version: true", "version must be the integer 1, not True"),
    ("target: {tag: task_clip, pick: 1}\n  - id: near",
     "target: {tag: task_clp, pick: 1}\n  - id: near",
     "unknown tag 'task_clp'; did you mean 'task_clip'?"),
    ("world:\n", "world:\n  files: [{path: /prod/README.txt/x, text: hi}]\n",
     "/prod/README.txt is a file of the world, so /prod/README.txt/x cannot lie under it"),
    ("world:\n", "world:\n  files: [{path: /prod/../etc/x, text: hi}]\n",
     "must be a normalised absolute file path"),
    ("params: {teams: 4, matches_per_team: 3,",
     "params: {teams: 4, matches_per_team: 50, scale: 4,", "a season has 160 match days"),
    ("params: {publish: true, mail_subscribers: true, text_desk: true, save_manifest: true}",
     "params: {publsh: true}",
     "unknown key 'publsh' in task.params; did you mean 'publish'?"),
])
def test_broken_profiles_exit_2_on_the_command_line(tmp_path, old, new, expect):
    path = broken(tmp_path, old, new)
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert expect in result.output
    assert result.output.startswith(f"error: {path}:")
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists(), "nothing is created for a run that cannot start"


def test_a_run_directory_is_never_reused(tmp_path):
    out = tmp_path / "out"
    args = ["run", str(SPORTS), "--seed", "0", "--arm", "clean", "--quiet", "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2
    assert "already holds a run" in again.output
