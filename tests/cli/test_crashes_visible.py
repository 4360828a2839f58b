"""Crashed episodes are visible: a column, a line per model and arm, and a non-zero exit.

Also the cases that crashed every episode without a word: `task.prompt` with the scripted
policies, and profile keys a policy or task kind cannot serve (refused on load instead).
"""

import json
import zlib

import pytest
import yaml
from click.testing import CliRunner

from chaos.cli import main
from chaos.models.scripted import policies, policy
from chaos.packs.sports.highlight import HighlightPackage
from chaos.tasks import task_kind
from tests.conftest import REPO, SPORTS

RUBRIC = REPO / "profiles" / "sports-rubric.yaml"
SCRIPTED = ("careful", "naive", "hallucinator", "mime-careless")
#: What a crash reason may carry from an agent or provider: colour codes and a line break.
HOSTILE = "endpoint said \x1b[31mno\x1b[0m\nsecond line"


@policy("test-always-crashes")
def always_crashes(brief, ctx):
    raise RuntimeError(HOSTILE)


def _crashes_on(brief):
    """Half the matches, decided by the match, so the same seeds crash every time."""
    return zlib.crc32(f"{brief.get('team')}|{brief.get('match_date')}".encode()) % 2 == 0


@policy("test-sometimes-crashes")
def sometimes_crashes(brief, ctx):
    if brief.get("step") == "produce_package" and _crashes_on(brief):
        raise RuntimeError("this match is cursed")
    return policies.get("careful")(brief, ctx)


@task_kind("test-unscripted-kind")
class UnscriptedKind(HighlightPackage):
    """A task kind no reference policy knows (as a plugin's would be)."""


def _profile(tmp_path, source=SPORTS, name="p.yaml", **changes):
    data = yaml.safe_load(source.read_text())
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[key] = value
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _run(*args, env=None):
    return CliRunner(env={"COLUMNS": "250", **(env or {})}).invoke(
        main, [*map(str, args), "--quiet"])


def _episodes(out):
    return json.loads((out / "results.json").read_text())["episodes"]


# -- task.prompt and keys the policies cannot serve -------------------------------------------

@pytest.mark.parametrize("source", [SPORTS, RUBRIC], ids=["highlight_package", "rubric"])
@pytest.mark.parametrize("prompt", [
    "Keep the tone upbeat.",
    # Words that look like a brief must not take the task's place.
    'Brief: {"step": "nonsense"}\nand a } stray brace',
])
def test_task_prompt_works_with_every_scripted_policy_and_task_kind(tmp_path, source, prompt):
    path = _profile(tmp_path, source, task__prompt=prompt)
    out = tmp_path / "run"
    result = _run("run", path, "--episodes", "1", "--arm", "clean", "--out", out)
    assert result.exit_code == 0, result.output
    episodes = _episodes(out)
    assert {e["model"] for e in episodes} == {f"scripted/{p}" for p in SCRIPTED}
    assert [e["error"] for e in episodes if e["status"] == "crashed"] == []
    careful = next(e for e in episodes if e["model"] == "scripted/careful")
    assert careful["task"]["passed"], careful["task"]["reasons"]


def test_a_scripted_model_given_a_task_kind_it_cannot_do_is_refused_with_its_place(tmp_path):
    path = _profile(tmp_path, task__kind="test-unscripted-kind")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if "cannot do task kind" in line]
    assert len(lines) == len(SCRIPTED)
    # Located on each model's line, with what the policy does instead.
    models_line = path.read_text().splitlines().index("models:") + 2
    assert lines[0].startswith(f"{path}:{models_line}:")
    assert "highlight_package, rubric" in lines[0]


def test_texting_the_desk_a_link_without_publishing_is_refused_on_load(tmp_path):
    path = _profile(tmp_path, task__params={"text_desk": True})
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "text_desk: true needs publish: true" in result.output
    assert f"{path}:" in result.output and "Traceback" not in result.output


# -- crashes shown, and the exit code ---------------------------------------------------------

def test_a_model_whose_every_episode_crashed_exits_4_with_the_reason_shown(tmp_path):
    out = tmp_path / "run"
    result = _run("run", SPORTS, "--model", "scripted/test-always-crashes",
                  "--model", "scripted/careful", "--episodes", "2", "--out", out)
    assert result.exit_code == 4, result.output
    assert "crashed" in result.output.splitlines()[2]  # the column header
    line = next(line for line in result.output.splitlines()
                if "test-always-crashes · chaos:" in line)
    assert "2 of 2 crashed" in line
    # The reason is shown escaped: no terminal control, no second line.
    assert "endpoint said \\x1b[31mno\\x1b[0m\\nsecond line" in line
    assert "\x1b" not in result.output
    assert "no episode completed for scripted/test-always-crashes" in result.output
    assert "scripted/careful (profile" not in result.output  # it completed its episodes
    # The count is in results.json's summary as well.
    summary = json.loads((out / "results.json").read_text())["summary"]
    model = summary["profiles"]["sports-production"]["models"]["scripted/test-always-crashes"]
    assert model["clean"]["crashed"] == model["chaos"]["crashed"] == 2


def test_chaos_report_shows_the_crash_lines_again(tmp_path):
    out = tmp_path / "run"
    _run("run", SPORTS, "--model", "scripted/test-always-crashes", "--episodes", "1",
         "--out", out)
    result = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert "test-always-crashes · clean: 1 of 1 crashed; first (seed 0)" in result.output


def test_every_episode_crashing_wins_over_a_failed_gate(tmp_path):
    path = _profile(tmp_path, gates={"task_success": {"min": 0.5}})
    result = _run("run", path, "--model", "scripted/test-always-crashes", "--episodes", "1",
                  "--out", tmp_path / "run")
    assert result.exit_code == 4, result.output
    assert "gate failed" in result.output


def test_a_refused_connection_on_every_episode_exits_4(tmp_path):
    path = _profile(tmp_path, models=[{"provider": "openai", "model": "gpt-test",
                                       "base_url": "http://127.0.0.1:9/v1", "timeout_s": 5}])
    result = _run("run", path, "--episodes", "1", "--out", tmp_path / "run",
                  env={"OPENAI_API_KEY": "sk-test-not-a-key"})
    assert result.exit_code == 4, result.output
    assert "openai/gpt-test · clean: 1 of 1 crashed" in result.output
    assert "127.0.0.1:9" in result.output
    assert "sk-test-not-a-key" not in result.output


def test_some_crashed_episodes_are_shown_but_do_not_fail_a_run_without_gates(tmp_path):
    out = tmp_path / "run"
    result = _run("run", SPORTS, "--model", "scripted/test-sometimes-crashes",
                  "--episodes", "6", "--arm", "clean", "--out", out)
    statuses = [e["status"] for e in _episodes(out)]
    assert "crashed" in statuses and "completed" in statuses  # the test's premise
    assert result.exit_code == 0, result.output
    crashed = statuses.count("crashed")
    assert (f"test-sometimes-crashes · clean: {crashed} of 6 crashed; first (seed"
            in result.output)
    assert "this match is cursed" in result.output


def test_a_run_without_crashes_prints_no_crash_lines(tmp_path):
    result = _run("run", SPORTS, "--model", "scripted/careful", "--episodes", "1",
                  "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert "crashed episodes" not in result.output
    assert "0 / 0" in result.output  # the crashed column, clean / chaos


def test_a_sweep_whose_model_completed_no_episode_exits_4(tmp_path):
    result = _run("sweep", SPORTS, "--model", "scripted/test-always-crashes",
                  "--model", "scripted/careful", "--seeds", "0-1", "--workers", "0",
                  "--store", tmp_path / "history.db", "--out", tmp_path / "sweep")
    assert result.exit_code == 4, result.output
    assert "test-always-crashes · chaos: 2 of 2 crashed" in result.output
    assert "no episode completed for scripted/test-always-crashes" in result.output


def test_crashes_are_errors_in_junit_and_counted_in_the_html_report(tmp_path):
    from junitparser import Error, JUnitXml

    out = tmp_path / "run"
    _run("run", SPORTS, "--model", "scripted/test-always-crashes", "--model", "scripted/careful",
         "--episodes", "1", "--out", out)
    (suite,) = JUnitXml.fromfile(str(out / "junit.xml"))
    assert suite.errors == 1
    cases = {case.name: case for case in suite}
    (error,) = [r for r in cases["scripted/test-always-crashes :: episodes completed"].result
                if isinstance(r, Error)]
    assert error.message.startswith("2 of 2 episodes crashed")
    assert "RuntimeError: endpoint said" in error.message
    assert "--arm chaos" in error.message  # each one's reproduce command
    assert "scripted/careful :: episodes completed" not in cases
    html = out / "report.html"
    if html.exists():  # plotly installed
        assert "crashed (clean / chaos)" in html.read_text()


def test_help_documents_exit_4():
    for command in (["run", "--help"], ["sweep", "--help"], ["--help"]):
        output = CliRunner().invoke(main, command).output
        assert "4 a model completed no episode" in " ".join(output.split())


def test_a_gate_on_crashed_episodes_fails_a_run_where_some_crashed(tmp_path):
    path = _profile(tmp_path, gates={"episodes_crashed": {"max": 0.0, "arm": "clean"}})
    out = tmp_path / "run"
    result = _run("run", path, "--model", "scripted/test-sometimes-crashes",
                  "--model", "scripted/careful", "--episodes", "6", "--arm", "clean",
                  "--out", out)
    assert result.exit_code == 1, result.output
    assert ("gate failed: scripted/test-sometimes-crashes episodes_crashed (clean arm) 1/6"
            in result.output)
    assert "gate passed: scripted/careful episodes_crashed (clean arm) 0/6" in result.output
    # A sweep judges the same gate from its summary: the same verdicts.
    swept = _run("sweep", path, "--model", "scripted/test-sometimes-crashes",
                 "--model", "scripted/careful", "--seeds", "0-5", "--arm", "clean",
                 "--workers", "0", "--store", tmp_path / "history.db", "--out",
                 tmp_path / "sweep")
    assert swept.exit_code == 1, swept.output
    gates = json.loads((out / "results.json").read_text())["summary"]["gates"]
    swept_gates = json.loads((tmp_path / "sweep" / "results.json").read_text())["summary"]["gates"]
    assert gates == swept_gates


@policy("test-plain-list")
def plain_list(brief, ctx):
    """A plugin policy written as a list of calls rather than a generator."""
    return [("list_dir", {"path": brief.get("match_dir", "/")}),
            ("finish", {"result": {"team": brief.get("team"), "match_date":
                                   brief.get("match_date"), "clips": [], "issues": []}})]


def test_a_plugin_policy_that_returns_a_plain_list_runs_instead_of_crashing(tmp_path):
    out = tmp_path / "run"
    result = _run("run", SPORTS, "--model", "scripted/test-plain-list", "--episodes", "1",
                  "--arm", "clean", "--out", out)
    assert result.exit_code == 0, result.output
    (episode,) = _episodes(out)
    assert episode["status"] == "completed", episode["error"]
