import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.faults import fault_kinds
from chaos.faults._catalog import describe_fault
from chaos.profile import load_profile, parse_profile
from chaos.runner import RunOptions, run_profiles
from tests.conftest import REPO, SPORTS


def test_chaos_faults_lists_every_kind_with_its_summary():
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["faults"])
    assert result.exit_code == 0
    for kind in fault_kinds.names():
        assert kind in result.output
        assert describe_fault(kind).summary[:30] in result.output
    assert "probability" in result.output and "window" in result.output


def test_chaos_faults_kind_shows_params_target_and_an_example():
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["faults", "fs.decoy"])
    assert result.exit_code == 0
    for text in ("fs.decoy", "folder", "B-roll", "source", "default target: tag: @needed",
                 "kind: fs.decoy", "trigger: {when: start}", "source: {tag: stale}"):
        assert text in result.output


def test_an_unknown_kind_is_an_input_error_with_a_suggestion():
    result = CliRunner().invoke(main, ["faults", "fs.mising"])
    assert result.exit_code == 2
    assert "did you mean 'fs.missing'?" in result.output


#: Files of other fields beside the sports world, tagged as the catalog's examples name them.
OFFICE_FILES = """  files:
    - {path: /clinic/reports/P001.pdf, text: report, tags: [report]}
    - {path: /clinic/patients.csv, text: "id\\nP001\\n", tags: [patients]}
    - {path: /shop/prices.csv, text: "sku,price\\n", tags: [prices]}
    - {path: /shop/photos/A-1.jpg, text: photo, tags: [photo]}
    - {path: /release/1.4.2/desk.tar.gz, text: build}
    - {path: /release/1.4.2/version.json, text: "{}", tags: [release]}
    - {path: /clinic/old/P001.pdf, text: old report, tags: [stale]}
    - {path: /release/old/1.4.1/desk.tar.gz, text: old build}
"""


ROLES = {"agent: finder": "agent: editor", "agent: checker": "agent: qa",
         "agent: sender": "agent: distributor", "to: writer": "to: producer"}


@pytest.mark.parametrize("kind", fault_kinds.names())
def test_every_example_snippet_is_a_valid_fault_of_the_ready_profile(kind):
    head, _, tail = SPORTS.read_text().partition("faults:\n")
    head = head.replace("\nchain:", OFFICE_FILES + "\nchain:", 1)
    doc = describe_fault(kind)
    for example in (doc.example, *doc.examples):
        # The examples name agents by their role in a chain; the ready profile's are these.
        for role, agent in ROLES.items():
            example = example.replace(f"{role}", agent)
        snippet = "\n".join("  " + line for line in example.splitlines())
        profile = parse_profile(head + "faults:\n" + snippet + "\n"
                                + tail[tail.index("\nmodels:"):])
        assert profile.faults[0].kind == kind


@pytest.mark.slow
def test_the_kitchen_sink_uses_every_kind_and_runs():
    loaded = load_profile(REPO / "profiles" / "kitchen-sink.yaml")
    assert {f.kind for f in loaded.profile.faults} == set(fault_kinds.names())
    results = run_profiles([loaded], RunOptions(episodes=3, arms=("chaos",)))
    assert all(e.status == "completed" for e in results.episodes), [
        e.error for e in results.episodes if e.status != "completed"]
    fired = {f.kind for e in results.episodes for f in e.faults if f.fired}
    assert fired == set(fault_kinds.names())


def test_the_readme_faults_on_your_own_files_validate():
    readme = (REPO / "README.md").read_text()
    block = readme.split("The same kinds on a world of your own files")[1]
    block = block.split("```yaml\nfaults:\n")[1].split("```")[0]
    for role, agent in ROLES.items():
        block = block.replace(role, agent)
    head, _, tail = SPORTS.read_text().partition("faults:\n")
    head = head.replace("\nchain:", OFFICE_FILES + "\nchain:", 1)
    profile = parse_profile(head + "faults:\n" + block + tail[tail.index("\nmodels:"):])
    assert len(profile.faults) == block.count("- {id:")
