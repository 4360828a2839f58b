"""Shared fixtures: the ready profile, and a small way to run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles

REPO = Path(__file__).resolve().parent.parent
SPORTS = REPO / "profiles" / "sports-production.yaml"
#: Debian's chromium (`apt-get install -y chromium`; .ci/run installs it), driven by playwright
#: with `executable_path`: `playwright install` is never needed.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Mark for tests that open report.html in the real browser.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs a real Chromium at /usr/bin/chromium: apt-get install -y chromium")


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the module's tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def sports_profile():
    """The ready sports-production profile, loaded."""
    return load_profile(SPORTS)


@pytest.fixture
def run_sports(sports_profile):
    """Run the sports profile with overrides: run_sports(models=[...], episodes=N, seed=S)."""

    def run(**options):
        if "models" in options:
            options["models"] = tuple(options["models"])
        return run_profiles([sports_profile], RunOptions(**options))

    return run
