"""A priced run: the sports profiles with the scripted models and three loopback models.

`openai/frontier-pro` (the careful policy at a frontier price) is the baseline a team runs
today; `openai/mini-careful` (careful, cheap) is the right switch; `anthropic/mini-careless`
(naive, cheapest) passes the clean rubric and fails production. The loopback server answers
through the official SDKs over real HTTP, serving each policy under the priced model's name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.models.loopback import LoopbackServer
from tests.conftest import REPO

PROFILES = ("sports-production", "sports-rubric")
ALIASES = {"frontier-pro": "careful", "mini-careful": "careful", "mini-careless": "naive"}
#: Enough seeds for the shipped switch gates to decide at strict confidence (handled 9/9 has
#: a Wilson lower bound of 0.701 >= 0.70; 8/8 would leave it undecided).
SEEDS = 9


def priced_profile(name: str, server: LoopbackServer) -> str:
    """A ready profile's text with the scripted models plus the three priced ones."""
    text = (REPO / "profiles" / f"{name}.yaml").read_text(encoding="utf-8")
    head, _, tail = text.partition("models:\n")
    models = "".join(f"  - scripted/{p}\n" for p in ("careful", "naive", "hallucinator",
                                                     "mime-careless"))
    models += (
        f"  - {{provider: openai, model: frontier-pro, base_url: '{server.openai_base_url}',"
        " price: {input_per_mtok: 5.0, output_per_mtok: 20.0}}\n"
        f"  - {{provider: openai, model: mini-careful, base_url: '{server.openai_base_url}',"
        " price: {input_per_mtok: 0.4, output_per_mtok: 1.6}}\n"
        f"  - {{provider: anthropic, model: mini-careless, base_url: "
        f"'{server.anthropic_base_url}',"
        " price: {input_per_mtok: 0.25, output_per_mtok: 1.25}}\n")
    return head + "models:\n" + models + tail[tail.index("\nlimits:"):]


@pytest.fixture(scope="session")
def priced_run(tmp_path_factory) -> Path:
    """`chaos run` of both sports profiles with the priced models, as a user runs it."""
    folder = tmp_path_factory.mktemp("priced")
    mp = pytest.MonkeyPatch()
    mp.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    mp.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-a-key")
    try:
        with LoopbackServer(aliases=ALIASES) as server:
            files = []
            for name in PROFILES:
                path = folder / f"{name}.yaml"
                path.write_text(priced_profile(name, server), encoding="utf-8")
                files.append(str(path))
            result = CliRunner().invoke(main, ["run", *files, "--episodes", str(SEEDS),
                                               "--concurrency", "8", "--out",
                                               str(folder / "run"), "--quiet"])
            assert server.refusals == []
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output
    (folder / "run" / "run-output.txt").write_text(result.output, encoding="utf-8")
    return folder / "run"


def recommend_cli(*args: str) -> tuple[int, str]:
    """`chaos recommend ARGS`: (exit code, output)."""
    result = CliRunner().invoke(main, ["recommend", *args])
    return result.exit_code, result.output


def recommend_json(*args: str) -> tuple[int, dict]:
    """`chaos recommend ARGS --json`: (exit code, parsed JSON)."""
    code, out = recommend_cli(*args, "--json")
    return code, json.loads(out)
