"""report.html's coverage section in a real headless Chromium, and names shown inert."""

from __future__ import annotations

from chaos.coverage import coverage_lines
from tests.conftest import needs_chromium


@needs_chromium
def test_the_coverage_section_shows_in_a_browser(blind_run, browser):
    out, _, _ = blind_run
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
    page.close()


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
