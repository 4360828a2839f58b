"""Run a team's own agent (a command or a function) for one episode and judge what it did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["agent_folder", "run_own_agent"]


def agent_folder(session: Any, chain: Any) -> Path:
    """Where the agent runs: `chain.cwd` from the profile's folder, or the profile's folder."""
    folder = Path(session.plan.profile_path).resolve().parent
    return folder / chain.cwd if chain.cwd else folder


async def run_own_agent(session: Any, chain: Any) -> Any:
    """Serve the episode to the team's agent, run it, and return the judged `EpisodeRun`.

    A failing agent (it cannot start, crashes, hangs, prints no answer) makes the episode
    `crashed` with the reason; it never raises. Cancelled (the run's own episode timeout),
    the agent is ended all the same.
    """
    from chaos.agents._server import gateway_key

    timeout_s = chain.timeout_s or session.profile.limits.episode_timeout_s
    key = gateway_key()
    folder = agent_folder(session, chain)
    if chain.command is not None:
        from chaos.agents._command import run_command_agent

        return await run_command_agent(session, chain.command, folder, timeout_s, chain.env,
                                       key)
    from chaos.agents._function import run_function_agent

    return await run_function_agent(session, chain.function, folder, timeout_s, key)
