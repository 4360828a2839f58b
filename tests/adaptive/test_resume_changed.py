"""An adaptive sweep resumed with other options holds exactly the episodes its rounds ran."""

import json

from click.testing import CliRunner

from chaos.cli import main
from tests.adaptive.conftest import gated_profile

MODELS = ["--model", "scripted/careful", "--model", "scripted/naive"]


def sweep(tmp_path, profile, store, out, *args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(main, [
        "sweep", str(profile), *MODELS, "--seeds", "0-3", "--until-decided", "--max-episodes",
        "16", "--store", str(tmp_path / store), "--out", str(tmp_path / out), "--sweep-id",
        "night", "--workers", "0", "--quiet", *map(str, args)])


def test_a_resume_with_a_looser_alpha_writes_what_a_fresh_sweep_of_those_options_writes(
        tmp_path):
    profile = gated_profile(tmp_path)
    # A strict alpha keeps naive running longer: the store holds its seeds 0-15.
    strict = sweep(tmp_path, profile, "h.db", "strict", "--alpha", "0.001")
    assert strict.exit_code == 1, strict.output
    ran = json.loads((tmp_path / "strict" / "results.json").read_text())
    assert {e["seed"] for e in ran["episodes"] if e["model"] == "scripted/naive"} == set(
        range(16))
    # At alpha 0.2 naive is decided on its first 8 seeds: the resumed sweep's results.json
    # holds those only, not the 8 more the store has from the strict call.
    loose = sweep(tmp_path, profile, "h.db", "loose", "--alpha", "0.2")
    fresh = sweep(tmp_path, profile, "fresh.db", "fresh", "--alpha", "0.2")
    assert loose.exit_code == fresh.exit_code == 1, loose.output
    data = json.loads((tmp_path / "loose" / "results.json").read_text())
    naive = {m["model"]: m["seeds"] for m in data["summary"]["adaptive"]["models"]}
    assert naive["scripted/naive"] < 16
    assert {e["seed"] for e in data["episodes"] if e["model"] == "scripted/naive"} == set(
        range(naive["scripted/naive"]))
    assert (tmp_path / "loose" / "results.json").read_bytes() == (
        tmp_path / "fresh" / "results.json").read_bytes()
    assert "this call: ran 0 episodes, spent $0.0000" in loose.output
