"""examples/plugin installed for real (pip --target) and used by chaos in a subprocess."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "plugin"
PROFILE = EXAMPLE / "profiles" / "acme-production.yaml"

pytestmark = pytest.mark.slow  # builds and installs a package, runs chaos in subprocesses


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """examples/plugin installed into a folder of its own (the shared venv is left alone)."""
    base = tmp_path_factory.mktemp("plugin")
    source = base / "source"
    # Built from a copy: setuptools leaves build/ and *.egg-info beside the sources it builds.
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    target = base / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(source)], check=True, capture_output=True)
    return target


def chaos(*args, path=(), cwd=None, **env):
    environment = {k: v for k, v in os.environ.items() if k != "CHAOS_NO_PLUGINS"}
    environment.update(PYTHONPATH=os.pathsep.join(str(p) for p in path), COLUMNS="200", **env)
    return subprocess.run([sys.executable, "-m", "chaos.cli", *args], capture_output=True,
                          text=True, env=environment, cwd=cwd, timeout=300)


def test_the_plugins_fault_shows_in_chaos_faults(installed):
    listing = chaos("faults", path=[installed])
    assert listing.returncode == 0, listing.stderr
    assert "acme.stale_copy" in listing.stdout
    assert listing.stderr == ""
    one = chaos("faults", "acme.stale_copy", path=[installed])
    assert one.returncode == 0, one.stderr
    assert "acme.stale_copy (acme)" in one.stdout
    assert "suffix" in one.stdout


def test_the_plugins_fault_fires_in_a_run_and_its_tool_is_offered(installed, tmp_path):
    out = tmp_path / "run"
    run = chaos("run", str(PROFILE), "--episodes", "2", "--arm", "chaos", "--quiet",
                "--out", str(out), path=[installed])
    assert run.returncode == 0, run.stderr
    episodes = json.loads((out / "results.json").read_text())["episodes"]
    outcomes = {(e["model"], e["seed"]): e["faults"][0] for e in episodes}
    assert {f["kind"] for f in outcomes.values()} == {"acme.stale_copy"}
    assert all(f["fired"] for f in outcomes.values())
    assert {f["outcome"] for (model, _), f in outcomes.items() if model == "scripted/naive"} \
        == {"propagated"}
    assert {f["outcome"] for (model, _), f in outcomes.items() if model == "scripted/careful"} \
        == {"recovered"}
    offered = subprocess.run(
        [sys.executable, "-c", CHECKSUM_THROUGH_THE_WORLD, str(PROFILE)], capture_output=True,
        text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), str(REPO)])},
        cwd=REPO, timeout=300)
    assert offered.returncode == 0, offered.stderr
    assert offered.stdout.strip() == "checksum matches the world"


CHECKSUM_THROUGH_THE_WORLD = """
import json, sys
from chaos.profile import load_profile
from chaos.runner import build_world
from chaos.tools import ToolContext, tools
from chaos.world import materialize_world
from tests.helpers import StubChain

profile = load_profile(sys.argv[1]).profile
assert "checksum_file" in profile.chain.agents["editor"].tools
world = build_world(profile, 0)
path = world.truth.shotlist_path
definition = tools.get("checksum_file")
ctx = ToolContext("editor", materialize_world(world), StubChain())
result = json.loads(definition.run(ctx, definition.args(path=path)))
assert result["checksum"] == world.files[path].digest, result
print("checksum matches the world")
"""


def test_chaos_no_plugins_turns_the_plugin_off(installed, tmp_path):
    listing = chaos("faults", path=[installed], CHAOS_NO_PLUGINS="1")
    assert listing.returncode == 0
    assert "acme.stale_copy" not in listing.stdout
    run = chaos("run", str(PROFILE), "--quiet", "--out", str(tmp_path / "run"),
                path=[installed], CHAOS_NO_PLUGINS="1")
    assert run.returncode == 2
    assert "unknown fault kind 'acme.stale_copy'" in run.stderr


def test_a_broken_installed_plugin_is_a_warning_not_a_crash(installed, tmp_path):
    broken = tmp_path / "broken-site"
    info = broken / "chaos_broken-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: chaos-broken\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[chaos]\nbroken = chaos_broken_missing_module\n")
    listing = chaos("faults", path=[installed, broken])
    assert listing.returncode == 0, listing.stderr
    assert "acme.stale_copy" in listing.stdout  # the good plugin still loads
    assert listing.stderr.startswith(
        "chaos: warning: plugin 'broken' (chaos_broken_missing_module, from chaos-broken 0.1) "
        "was not loaded: ModuleNotFoundError: No module named 'chaos_broken_missing_module'; ")
    assert "pip uninstall chaos-broken" in listing.stderr
    assert "Traceback" not in listing.stderr



def test_the_plugins_model_provider_answers_chaos_models_check(installed):
    check = chaos("models", "check", "acme/careful", path=[installed])
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("acme/careful: tool calls yes (")
    off = chaos("models", "check", "acme/careful", path=[installed], CHAOS_NO_PLUGINS="1")
    assert off.returncode == 2
    assert "unknown model provider 'acme'" in off.stderr
