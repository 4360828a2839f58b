"""A run of the blind-spots profile, as a user runs it: `chaos run` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chaos.cli import main

#: The clinic desk with faults that cannot or do not fire and a coordinator no fault can touch.
BLIND_SPOTS = Path(__file__).with_name("blind-spots.yaml")


def chaos(*args: str) -> Any:
    """Run `chaos ARGS` as a user does; the click result."""
    return CliRunner(env={"COLUMNS": "200"}).invoke(main, list(args))


@pytest.fixture(scope="session")
def blind_run(tmp_path_factory) -> tuple[Path, str, dict[str, Any]]:
    """`chaos run blind-spots.yaml` (2 seeds, 2 models): run dir, terminal output, results."""
    out = tmp_path_factory.mktemp("coverage") / "run"
    result = chaos("run", str(BLIND_SPOTS), "--quiet", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out, result.output, json.loads((out / "results.json").read_text(encoding="utf-8"))
