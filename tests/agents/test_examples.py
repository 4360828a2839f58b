"""The highlights agent of examples/agents, written with the OpenAI Agents SDK and with PydanticAI,
run by `chaos run --agent` through chaos' MCP server and model gateway: for the same scripted
policies and seeds its verdicts are the built-in chain's.

What differs, and why (everything else is equal):
- `touched_by`/`detected_by` name the entry agent (`producer`) where the built-in chain names
  the editor or the distributor: one outside agent does the whole chain, and its calls are
  recorded under the entry's name. A fault the chain detected is still detected, by it.
- Simulated times (`sim_time_ms`, `time_to_detection_ms`) and `usage.model_calls` are the
  agent's own: no hand-offs, no sub-agent turns, and for PydanticAI one more model turn after
  `finish` (the run ends when the model answers in text).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SPORTS

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "agents"
MODELS = ("scripted/careful", "scripted/naive")
SEEDS = 2  # both arms of each: the clean arm's task, the chaos arm's faults
#: Real keys are not needed, and must not be what makes the run work.
KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL")


def chaos_run(out: Path, *extra: str) -> dict[tuple[str, int, str], dict]:
    """`chaos run` the sports profile for both policies; its episodes by (model, seed, arm)."""
    models = [a for m in MODELS for a in ("--model", m)]
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    done = subprocess.run(
        [sys.executable, "-m", "chaos.cli", "run", str(SPORTS), *models, "--episodes",
         str(SEEDS), "--out", str(out), "--quiet", *extra],
        capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "what each chain did with each fault" in done.stdout
    results = json.loads((out / "results.json").read_text())
    return {(e["model"], e["seed"], e["arm"]): e for e in results["episodes"]}


def verdict(episode: dict) -> dict:
    """What the oracle said of an episode, whoever did the work."""
    return {"status": episode["status"], "error": episode["error"], "task": episode["task"],
            "handled": episode["handled"],
            "faults": [{k: f[k] for k in ("id", "kind", "fired", "outcome", "evidence")}
                       for f in episode["faults"]]}


@pytest.fixture(scope="module")
def builtin(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return chaos_run(tmp_path_factory.mktemp("builtin") / "run")


@pytest.mark.parametrize("example, framework", [
    ("openai_agents_highlights.py", "agents"),
    ("pydantic_ai_highlights.py", "pydantic_ai"),
])
def test_a_framework_agent_gets_the_built_in_chains_verdicts(example, framework, builtin,
                                                              tmp_path):
    pytest.importorskip(framework, reason="pip install -e '.[agents-examples]'")
    command = shlex.join([sys.executable, str(EXAMPLES / example)])
    episodes = chaos_run(tmp_path / "run", "--agent", command, "--concurrency", "4")
    assert sorted(episodes) == sorted(builtin)
    for key, theirs in episodes.items():
        ours = builtin[key]
        assert theirs["agent"]["kind"] == "command" and theirs["agent"]["exit_code"] == 0, key
        assert verdict(theirs) == verdict(ours), key
        for mine, chains in zip(theirs["faults"], ours["faults"], strict=True):
            # Detected by the one agent that did the chain's work: the entry.
            assert mine["detected_by"] == (chains["detected_by"] and "producer"), key
            assert mine["touched_by"] == (chains["touched_by"] and "producer"), key
