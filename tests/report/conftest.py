"""Run directories the report tests read: a real run, two profiles, and one with hostile text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles, write_run, write_trace
from tests.conftest import SPORTS

#: What a model, a file or a trace could say to break out of a report.
HOSTILE = (
    "<script>window.pwned=1</script>",
    '"</script><script>window.pwned=1</script>',
    '<img src=x onerror="window.pwned=1">',
    "<b>bold</b> & <a href=\"javascript:window.pwned=1\">link</a>",
)


def make_run(out: Path, profiles: list[Path], episodes: int) -> Path:
    """Run `profiles` for `episodes` seeds the way `chaos run` does; return the run directory."""
    loaded = [load_profile(p) for p in profiles]
    results = run_profiles(loaded, RunOptions(episodes=episodes),
                           on_episode=lambda plan, run: write_trace(out, run))
    write_run(out, results)
    return out


@pytest.fixture(scope="session")
def sports_run(tmp_path_factory) -> Path:
    """The sports profile, 2 seeds, every model, both arms (read-only: copy before changing)."""
    return make_run(tmp_path_factory.mktemp("sports") / "run", [SPORTS], episodes=2)


@pytest.fixture(scope="session")
def two_profile_run(tmp_path_factory) -> Path:
    """Two copies of the sports profile under different names, 1 seed."""
    folder = tmp_path_factory.mktemp("profiles")
    copy = folder / "sports-copy.yaml"
    text = SPORTS.read_text(encoding="utf-8")
    copy.write_text(text.replace("name: sports-production", "name: sports-copy", 1),
                    encoding="utf-8")
    return make_run(folder / "run", [SPORTS, copy], episodes=1)


@pytest.fixture
def fresh_copy(tmp_path):
    """copy(run_dir) -> a writable copy of a run directory."""

    def copy(run_dir: Path) -> Path:
        target = tmp_path / run_dir.name
        shutil.copytree(run_dir, target)
        return target

    return copy


def inject_hostile_text(run_dir: Path) -> str:
    """Put HOSTILE strings where agents speak, in results.json and in a failing episode's trace.

    Returns the key of the episode whose trace now holds them.
    """
    path = run_dir / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    episode = next(e for e in data["episodes"]
                   if e["model"] == "scripted/naive" and e["arm"] == "chaos")
    episode["task"]["reasons"] += list(HOSTILE)
    episode["faults"][0]["evidence"] += list(HOSTILE)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    trace = run_dir / episode["trace"]
    events = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    said = " ".join(HOSTILE)
    for event in events:
        if event["type"] == "tool_returned":
            event["result"] = said
        elif event["type"] == "model_called":
            event["text"] = said
    editor = next(e for e in events if e["type"] == "agent_started" and e["agent"] != "producer")
    events.insert(events.index(editor) + 1, {
        "seq": editor["seq"], "t_ms": editor["t_ms"] + 1, "type": "issue_reported",
        "agent": editor["agent"], "number": 99, "severity": "warning", "summary": said,
        "paths": [HOSTILE[1]]})
    trace.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    return episode["key"]
