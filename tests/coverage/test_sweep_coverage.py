"""A sweep counts coverage as it streams its store: the same block as `chaos run` gives."""

from __future__ import annotations

import json

from tests.coverage.conftest import BLIND_SPOTS, chaos


def test_a_sweep_gives_the_run_s_coverage_and_prints_it(blind_run, tmp_path):
    _, _, run = blind_run
    out = tmp_path / "sweep"
    result = chaos("sweep", str(BLIND_SPOTS), "--workers", "0", "--store",
                   str(tmp_path / "history.db"), "--out", str(out))
    assert result.exit_code == 0, result.output
    swept = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert swept["summary"]["coverage"] == run["summary"]["coverage"]
    assert list(swept["summary"])[-1] == "coverage"
    lines = result.output.splitlines()
    assert "coverage clinic-blind-spots: 3 of 9 faults fired at least once" in lines
    assert any(line.startswith("  never fired: upload-refused") for line in lines)
    assert any(line.startswith("  no fault touched: agents coordinator;") for line in lines)
    # A resumed sweep (nothing left to run) counts the same from the store alone.
    again = chaos("sweep", str(BLIND_SPOTS), "--workers", "0", "--store",
                  str(tmp_path / "history.db"), "--out", str(tmp_path / "again"))
    assert again.exit_code == 0, again.output
    resumed = json.loads((tmp_path / "again" / "results.json").read_text(encoding="utf-8"))
    assert resumed["summary"]["coverage"] == run["summary"]["coverage"]
