"""`chaos report` on a results.json whose summary was damaged: the file is named, exit 2."""

import json
import shutil

import pytest
from click.testing import CliRunner

from chaos.cli import main


def _damaged(sports_run, tmp_path, damage):
    run = tmp_path / "run"
    shutil.copytree(sports_run, run)
    data = json.loads((run / "results.json").read_text())
    damage(data["summary"]["profiles"]["sports-production"]["models"])
    (run / "results.json").write_text(json.dumps(data))
    return run


def _no_chaos_arm(models):
    for model in models.values():
        del model["chaos"]


def _list_for_faults(models):
    for model in models.values():
        model["faults"] = ["fs.decoy"]


@pytest.mark.parametrize("damage", [_no_chaos_arm, _list_for_faults])
def test_a_damaged_summary_is_named_not_reported_as_a_bug(sports_run, tmp_path, damage):
    run = _damaged(sports_run, tmp_path, damage)
    result = CliRunner().invoke(main, ["report", str(run), "--format", "terminal,junit"])
    assert result.exit_code == 2, result.output
    assert f"{run / 'results.json'}: its summary is not as chaos writes it" in result.output
    assert "bug in chaos" not in result.output


def test_an_intact_run_still_reports(sports_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(sports_run, run)
    result = CliRunner().invoke(main, ["report", str(run), "--format", "terminal,junit"])
    assert result.exit_code == 0, result.output
