"""The answer at the top of report.html, in a real headless Chromium; agent text stays text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chaos.report import load_results, write_reports
from tests.conftest import needs_chromium
from tests.report.conftest import HOSTILE

pytestmark = [pytest.mark.slow, needs_chromium]


def _report(run_dir: Path) -> Path:
    (path,) = write_reports(run_dir, load_results(run_dir), ["html"])
    return path


def test_the_answer_is_the_first_thing_on_the_page(browser, priced_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(priced_run, run)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(_report(run).as_uri())
    first = page.locator("h2").first
    assert first.inner_text() == "Can we switch to the cheaper model?"
    answer = page.locator("#recommendation .rec-answer")
    # No gates in the run: the paired comparisons refuse the careless model, name no switch.
    assert answer.inner_text().startswith("No gates to name a switch by")
    box = answer.bounding_box()
    assert box is not None and box["y"] < 900  # above the fold, before any table
    careless = page.locator("#recommendation tr", has_text="anthropic/mini-careless").first
    assert "worse than baseline on propagated (fs.decoy)" in careless.inner_text()
    assert errors == []


def test_model_names_and_evidence_in_the_answer_run_nothing(browser, priced_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(priced_run, run)
    path = run / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    rec = data["summary"]["recommendation"]
    rec["switch"] = HOSTILE[0]
    rec["every_profile"] = [HOSTILE[0]]
    profile = rec["profiles"]["sports-production"]
    profile["note"] = HOSTILE[1]
    profile["models"][1]["model"] = HOSTILE[2]
    profile["models"][1]["reasons"] = list(HOSTILE)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    report = _report(run)
    page = browser.new_page()
    page.goto(report.as_uri())
    assert page.evaluate("typeof window.pwned") == "undefined"
    section = page.locator("#recommendation").inner_text()
    for text in HOSTILE:
        assert text in section  # shown as text, exactly
