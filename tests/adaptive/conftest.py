"""Adaptive fixtures: the sports profile with a gate, written where a test wants it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SPORTS

#: A gate the scripted models settle at different speeds: naive and hallucinator propagate
#: every decoy (decided `fail` on 4 seeds); careful never does (decided `pass` on 16).
DECOY_GATE = "  propagated: {max: 0.3, fault: fs.decoy}\n"


def gated_profile(folder: Path, gates: str | None = DECOY_GATE, models: str | None = None,
                  name: str = "sports-production") -> Path:
    """The sports profile with `gates` (None: none) and `models` (a YAML list body)."""
    text = SPORTS.read_text()
    if models is not None:
        head, _, tail = text.partition("models:\n")
        text = head + "models:\n" + models + tail[tail.index("\nlimits:"):]
    text = text.replace("name: sports-production", f"name: {name}", 1)
    if gates is not None:
        text = text.rstrip("\n") + "\n\ngates:\n" + gates
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path
