"""Run a team's own agent (a command or a function) for one episode and judge what it did."""

from __future__ import annotations

from typing import Any

__all__ = ["run_own_agent"]


async def run_own_agent(session: Any, chain: Any) -> Any:
    """Serve the episode to the team's agent, run it, and return the judged `EpisodeRun`."""
    raise NotImplementedError("built by the command area of issue 15")
