import json

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.explain import explain_profile
from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles
from tests.conftest import REPO, SPORTS

KITCHEN = REPO / "profiles" / "kitchen-sink.yaml"


def injected(loaded, seed):
    """fault id -> the fault_injected event of a real chaos episode of this seed."""
    traces = []
    run_profiles([loaded], RunOptions(models=("scripted/careful",), seed=seed, arms=("chaos",)),
                 on_episode=lambda plan, run: traces.append(run.trace))
    return {e.fault_id: e for e in traces[0] if e.type == "fault_injected"}


@pytest.mark.parametrize("seed", [0, 4])
def test_explain_shows_the_targets_a_run_of_that_seed_hits(seed):
    loaded = load_profile(KITCHEN)
    plan = explain_profile(loaded, seed, "scripted/careful")
    events = injected(loaded, seed)
    for fault in plan.faults:
        if fault.takes_effect == "yes":
            assert fault.id in events, fault.id
        if fault.takes_effect == "no":
            assert fault.id not in events, fault.id
        if fault.selector is not None and fault.id in events:
            hit = set(events[fault.id].targets)
            assert set(fault.targets) <= hit <= set(fault.targets + fault.copies), fault.id


def test_the_seeded_draw_says_which_faults_happen(tmp_path):
    path = tmp_path / "coin.yaml"
    path.write_text(SPORTS.read_text().replace(
        "    target: {tag: task_clip, pick: 1}\n",
        "    target: {tag: task_clip, pick: 1}\n    trigger: {when: start, probability: 0.5}\n"))
    loaded = load_profile(path)
    outcomes = set()
    for seed in range(5):
        plan = explain_profile(loaded, seed)
        events = injected(loaded, seed)
        for fault in plan.faults[:3]:
            assert fault.takes_effect in ("yes", "no")
            assert (fault.takes_effect == "yes") == (fault.id in events), (seed, fault.id)
            outcomes.add(fault.takes_effect)
    assert outcomes == {"yes", "no"}, "p = 0.5 over 15 draws gives both"


def test_explain_json_is_stable_and_complete():
    args = ["explain", str(SPORTS), "--seed", "3", "--json"]
    first, again = (CliRunner().invoke(main, args) for _ in range(2))
    assert first.exit_code == 0, first.output
    assert first.output == again.output
    data = json.loads(first.output)
    assert data["version"] == 1 and data["seed"] == 3
    assert [f["id"] for f in data["faults"]] == [f.id for f in load_profile(SPORTS).profile.faults]
    assert [a["name"] for a in data["chain"]] == ["producer", "editor", "qa", "distributor"]
    assert data["world"]["files"] == sum(g["files"] for g in data["world"]["kinds"])
    assert data["task"]["brief"].startswith("Build the highlight package for")
    assert data["run"]["reproduce"].endswith("--model scripted/careful --seed 3")


def test_explain_warns_about_faults_that_can_never_fire(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text((REPO / "examples" / "mid-chain-catch.yaml").read_text().replace(
        "tool: find_files, agent: editor", "tool: send_email, agent: editor"))
    plan = explain_profile(load_profile(path))
    assert plan.faults[0].warnings == ["agent editor lacks the tool send_email: the trigger "
                                       "can never come"]
    assert plan.faults[1].warnings == []


def test_explain_text_shows_every_part_of_the_plan():
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["explain", str(SPORTS)])
    assert result.exit_code == 0, result.output
    for text in ("world sports_media", "files by kind", "video/mp4", "chain (entry first",
                 "producer (entry)", "scripted/careful (under test)", "task highlight_package",
                 "brief: Build the highlight package", "missing-clip", "takes effect",
                 "limits 60 steps per agent", "gates none", "run 20 seeds (0-19) x 4 models",
                 f"chaos run {SPORTS} --model scripted/careful --seed 0"):
        assert text in result.output, text


def test_profile_text_is_shown_as_typed_never_as_markup_or_escapes(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(SPORTS.read_text().replace(
        "  - id: missing-clip", "  - id: missing-clip\n    trigger: {when: tool_call, "
        'tool: read_file, path: "/prod/[bold]x[/bold]/\\e[31m"}'))
    result = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["explain", str(path)])
    assert result.exit_code == 0, result.output
    assert "/prod/[bold]x[/bold]/\\x1b[31m" in result.output
    assert "\x1b" not in result.output


def test_an_unusable_model_or_a_broken_profile_is_an_input_error(tmp_path):
    result = CliRunner().invoke(main, ["explain", str(SPORTS), "--model", "scripted/nope"])
    assert result.exit_code == 2
    assert "unknown scripted policy 'nope'" in result.output
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\n")
    result = CliRunner().invoke(main, ["explain", str(path)])
    assert result.exit_code == 2
    assert f"{path}:1:1: missing required key" in result.output
