"""report.html's coverage section in a real headless Chromium, and names shown inert."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos.coverage import coverage_lines

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="needs a real Chromium at /usr/bin/chromium: apt-get install -y "
                           "chromium")
def test_the_coverage_section_shows_in_a_browser(blind_run):
    from playwright.sync_api import sync_playwright

    out, _, _ = blind_run
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((out / "report.html").as_uri())
            heading = page.locator("#clinic-blind-spots-coverage")
            heading.scroll_into_view_if_needed()
            assert heading.is_visible() and heading.inner_text() == "Fault coverage"
            untouched = page.locator(".coverage-untouched").first.inner_text()
            assert "agents: coordinator" in untouched
            never = page.locator(".coverage-never").first
            assert never.is_visible()
            rows = never.locator("tr").all_inner_texts()
            assert any("upload-refused" in r and "trigger never came" in r for r in rows)
            assert any("clerk-mail-fails" in r and "scripted/naive" in r for r in rows)
            assert not errors
        finally:
            browser.close()


def test_names_from_profiles_print_as_text_not_terminal_codes():
    hostile = "evil\x1b[2J\x07"
    summary = {"coverage": {"profiles": {hostile: {
        "faults": {hostile: {"kind": "fs.corrupt", "fired": 0}},
        "reached": {"agents": {}, "tools": {}, "tags": {}, "targets": {}, "files": 0,
                    "sinks": {}},
        "never_fired": [{"fault": hostile, "kind": "fs.corrupt", "model": "m",
                         "episodes": 1, "reasons": {"never_touched": 1}, "why": hostile}],
        "untouched": {"agents": [hostile], "tools": [], "sinks": [], "tags": []}}}}}
    text = "\n".join(coverage_lines(summary))
    assert "\x1b" not in text and "\x07" not in text
    assert "evil\\x1b[2J\\x07" in text
