"""Run a team's own agent (a command or a function) for one episode and judge what it did."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["run_own_agent"]


async def run_own_agent(session: Any, chain: Any) -> Any:
    """Serve the episode to the team's agent, run it, and return the judged `EpisodeRun`.

    A failing agent (it cannot start, crashes, hangs, prints no answer) makes the episode
    `crashed` with the reason; it never raises. Cancelled (the run's own episode timeout),
    the agent is ended all the same.
    """
    from chaos.agents._gateway import new_gateway_key
    from chaos.agents._options import agent_folder_of

    timeout_s = chain.timeout_s or session.profile.limits.episode_timeout_s
    key = new_gateway_key()
    folder = agent_folder_of(session.plan.profile_path, chain)
    if session.ended is not None:  # the episode could not be set up: no agent to run
        return without_secret(await session.close(), key)
    try:
        if chain.command is not None:
            from chaos.agents._command import run_command_agent

            run = await run_command_agent(session, chain.command, folder, timeout_s,
                                          chain.env, key)
        else:
            from chaos.agents._function import run_function_agent

            run = await run_function_agent(session, chain.function, folder, timeout_s, key)
    except Exception as exc:  # serving failed (no port left...): this episode only
        if os.environ.get("CHAOS_DEBUG") or getattr(session, "_closed", False):
            raise
        while isinstance(exc, ExceptionGroup) and exc.exceptions:  # a task group's: the cause
            exc = exc.exceptions[0]
        run = await session.close(crashed="chaos could not serve the episode to the agent: "
                                          f"{type(exc).__name__}: {exc}")
    return without_secret(run, key)


def without_secret(run: Any, secret: str) -> Any:
    """`run` with `secret` masked in its result and trace, wherever the agent echoed it.

    An agent may put its gateway key anywhere: an answer (which the oracle's reasons quote),
    a file it writes, a report. The trace masks key-shaped text as it records; the result's
    reasons are the oracle's words and are not.
    """
    from chaos._redact import MASK

    text = run.result.model_dump_json()
    if secret in text:
        run.result = type(run.result).model_validate_json(text.replace(secret, MASK))
    for index, event in enumerate(run.trace):
        text = event.model_dump_json()
        if secret in text:
            run.trace[index] = type(event).model_validate_json(text.replace(secret, MASK))
    return run
