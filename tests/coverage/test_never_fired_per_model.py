"""Never-fired rows are per model, each with its own reasons and its own words: a model that
crashed says so, a model that ran to the end says its trigger never came."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.coverage.conftest import chaos

PROFILES = Path(__file__).parents[2] / "profiles"


@pytest.fixture(scope="module")
def crashy(tmp_path_factory, monkeypatch_module) -> tuple[Path, str, dict]:
    tmp = tmp_path_factory.mktemp("crashy")
    profile = tmp / "crashy.yaml"
    profile.write_text(f"""version: 1
extends: {PROFILES / 'clinic-lab-reports.yaml'}
name: crashy
episodes: 1
models:
  - {{provider: openai, model: gone, base_url: 'http://127.0.0.1:1/v1'}}
  - scripted/careful
faults+:
  - id: late-in-window
    kind: fs.empty
    target: {{glob: /clinic/patients.csv}}
    trigger: {{when: time, at_ms: 800000}}
""", encoding="utf-8")
    out = tmp / "run"
    result = chaos("run", str(profile), "--out", str(out))
    assert result.exit_code in (0, 1, 4), result.output
    return out, result.output, json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", "x")
        yield patch


def test_each_model_s_never_fired_line_has_its_own_reason(crashy):
    _, output, _ = crashy
    lines = [line for line in output.splitlines()
             if line.startswith("  never fired: late-in-window")]
    gone = [line for line in lines if "openai/gone" in line]
    careful = [line for line in lines if "scripted/careful" in line]
    assert len(gone) == 1 and len(careful) == 1 and gone != careful
    assert "crashed" in gone[0]
    assert "crashed" not in careful[0] and "trigger never came" in careful[0]


def test_results_and_report_keep_each_model_s_words(crashy):
    out, _, results = crashy
    rows = {r["model"]: r for r in results["summary"]["coverage"]["profiles"]["crashy"]
            ["never_fired"] if r["fault"] == "late-in-window"}
    assert rows["openai/gone"]["reasons"] == {"crashed_first": 1}
    assert "crashed" in rows["openai/gone"]["why"]
    assert rows["scripted/careful"]["reasons"] == {"trigger_never_came": 1}
    assert "crashed" not in rows["scripted/careful"]["why"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert rows["scripted/careful"]["why"] in html


def test_a_model_with_two_reasons_gives_the_words_of_each():
    from chaos.coverage import CoverageBuilder, coverage_lines

    builder = CoverageBuilder()
    for seed, (code, why) in enumerate([("crashed_first", "the episode crashed first: boom"),
                                        ("trigger_never_came", "no read_file call came")]):
        builder.add({"profile": "p", "model": "m", "seed": seed, "arm": "chaos",
                     "faults": [{"id": "f", "kind": "fs.empty",
                                 "reached": {"never": {"code": code, "why": why}}}]})
    row = builder.never_fired_rows()["p"][0]
    assert row["words"] == {"crashed_first": "the episode crashed first: boom",
                            "trigger_never_came": "no read_file call came"}
    text = "\n".join(coverage_lines({"coverage": {"profiles": {"p": {
        "faults": {"f": {"kind": "fs.empty", "fired": 0}},
        "reached": {}, "never_fired": [row], "untouched": {}}}}}))
    assert "boom" in text and "no read_file call came" in text
