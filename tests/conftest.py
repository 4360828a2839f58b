"""Shared fixtures: the ready profile, and a small way to run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles

REPO = Path(__file__).resolve().parent.parent
SPORTS = REPO / "profiles" / "sports-production.yaml"


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
