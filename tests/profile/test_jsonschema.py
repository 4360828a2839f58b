import json
import os
import subprocess
import sys

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from chaos.cli import main
from chaos.profile import profile_json_schema, profile_json_schema_text
from tests.conftest import REPO, SPORTS

SHIPPED = sorted([*REPO.glob("profiles/*.yaml"), *REPO.glob("examples/*.yaml")])


@pytest.fixture(scope="module")
def validator():
    schema = profile_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_schema_accepts_every_shipped_profile(validator, path):
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
    assert errors == []


@pytest.mark.parametrize(("change", "expect"), [
    (lambda d: d.update(episode=3), "Additional properties are not allowed ('episode'"),
    (lambda d: d.update(episodes="many"), "'many' is not of type 'integer'"),
    (lambda d: d["faults"][0].update(kind="fs.mising"), "fs.mising"),
    (lambda d: d["chain"]["agents"]["qa"].pop("tools"), "'tools' is a required property"),
    (lambda d: d["faults"][1]["params"].update(variantz=2), "'variantz' was unexpected"),
])
def test_the_schema_rejects_a_broken_profile(validator, change, expect):
    data = yaml.safe_load(SPORTS.read_text())
    change(data)
    messages = [e.message for e in validator.iter_errors(data)]
    messages += [c.message for e in validator.iter_errors(data) for c in e.context or []]
    assert any(expect in m for m in messages), messages


def test_fields_carry_the_help_an_editor_shows():
    defs = profile_json_schema()["$defs"]
    trigger = defs["TriggerSpec"]["properties"]
    assert trigger["nth"]["description"].startswith("Take effect at the nth matching event")
    assert "simulated" in trigger["window"]["description"]
    assert defs["AgentSpec"]["properties"]["delegates_to"]["description"]
    assert defs["Fault_fs_decoy"]["title"] == "fault fs.decoy"
    assert defs["DecoyParams"]["properties"]["folder"]["description"]


def test_model_ids_gates_and_appends_are_in_the_schema(validator):
    data = yaml.safe_load(SPORTS.read_text())
    data["gates"] = {"propagated": {"max": 0.05}, "task_success": [{"min": 0.5}]}
    data["faults+"] = [{"id": "x", "kind": "fs.empty"}]
    assert [e.message for e in validator.iter_errors(data)] == []
    data["models"] = ["scripted"]
    assert list(validator.iter_errors(data))


def test_the_partial_schema_accepts_a_file_that_extends_another():
    data = {"version": 1, "extends": "base.yaml", "episodes": 3,
            "chain": {"agents": {"qa": None, "producer": {"delegates_to": ["editor"]}}},
            "faults+": [{"id": "x", "kind": "fs.empty"}]}
    full = jsonschema.Draft202012Validator(profile_json_schema())
    partial = jsonschema.Draft202012Validator(profile_json_schema(partial=True))
    assert list(full.iter_errors(data))
    assert [e.message for e in partial.iter_errors(data)] == []
    assert list(partial.iter_errors(data | {"episodes": "many"}))


def test_chaos_schema_prints_the_same_bytes_every_time():
    first = CliRunner().invoke(main, ["schema"])
    again = CliRunner().invoke(main, ["schema"])
    assert first.exit_code == 0
    assert first.output == again.output == profile_json_schema_text()
    assert json.loads(first.output)["$schema"].endswith("2020-12/schema")


def test_the_committed_schema_is_up_to_date():
    env = {**os.environ, "CHAOS_NO_PLUGINS": "1"}
    out = subprocess.run([sys.executable, "-m", "chaos.cli", "schema"], capture_output=True,
                         text=True, env=env, check=True).stdout
    committed = (REPO / "chaos-profile.schema.json").read_text()
    assert out == committed, "regenerate: CHAOS_NO_PLUGINS=1 chaos schema > " \
                             "chaos-profile.schema.json"


@pytest.mark.parametrize("path", sorted(REPO.glob("profiles/*.yaml")), ids=lambda p: p.name)
def test_shipped_profiles_point_editors_at_the_schema(path):
    first = path.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../chaos-profile.schema.json"
