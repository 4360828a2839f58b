"""A team's agent as a command: started once per episode with the episode's endpoints.

The command finds the episode's MCP server and model gateway in its environment (README "Test
your own agent"), answers through the entry's `finish` tool or with a JSON object as the last
thing it prints, and is judged on the end state it left, as the built-in chain is.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chaos._redact import redact

__all__ = ["agent_environment", "answer_on_stdout", "command_reason", "provider_key_names",
           "run_command_agent"]

#: Characters of stderr a crash reason quotes (its tail).
REASON_TAIL = 1500
#: Seconds an agent that has answered (or whose episode ended) gets to exit on its own.
AFTER_ANSWER_GRACE_S = 5.0
#: Bytes of brief `CHAOS_TASK` holds at most: one variable may hold 128 KiB on Linux, and a
#: longer one makes the command fail to start. A longer brief is in `CHAOS_TASK_FILE` only.
TASK_ENV_MAX = 100_000
#: JSON objects tried, from the end of stdout, when looking for the answer.
_MAX_CANDIDATES = 200


def provider_key_names(session: Any) -> set[str]:
    """Variables holding the real keys of the episode's models (kept from the agent)."""
    from chaos.models import model_spec

    names = {"OPENAI_API_KEY", "ANTHROPIC_API_KEY"}
    ids = {session.plan.model, *(a.model for a in session.profile.chain.agents.values()
                                 if a.model)}
    for model in sorted(ids):
        spec = model_spec(model, session.profile.models)
        if getattr(spec, "api_key_env", None):
            names.add(spec.api_key_env)
        if spec.provider not in ("openai", "anthropic", "scripted", "replay"):
            from chaos.models._providers import providers

            with contextlib.suppress(Exception):  # a plugin gone since the run was planned
                definition = providers.get(spec.provider)
                if definition.key_env:
                    names.add(definition.key_env)
    return names


def agent_environment(session: Any, endpoints: Any, task_file: Path,
                      extra: Mapping[str, str] = {}, base: Mapping[str, str] | None = None
                      ) -> dict[str, str]:
    """The environment a command agent runs with (README "Test your own agent").

    The process's environment without the real keys of the episode's models, `extra`
    (`chain.env`), then chaos' own variables (which `extra` cannot replace).
    """
    from chaos._redact import _remembered

    env = dict(os.environ if base is None else base)
    for name in provider_key_names(session):
        env.pop(name, None)
    secrets = set(_remembered)
    for name in [n for n, v in env.items() if v in secrets]:
        del env[name]  # a key chaos read, whatever variable holds it
    env.update(extra)
    plan = session.plan
    env.update({
        "CHAOS_MCP_URL": endpoints.mcp_url,
        "CHAOS_AGENT_MCP_URLS": json.dumps(endpoints.agent_mcp_urls),
        "OPENAI_BASE_URL": endpoints.openai_base_url,
        "ANTHROPIC_BASE_URL": endpoints.anthropic_base_url,
        "OPENAI_API_KEY": endpoints.key,
        "ANTHROPIC_API_KEY": endpoints.key,
        "CHAOS_GATEWAY_KEY": endpoints.key,
        "CHAOS_MODEL": session.model_name(None),
        "CHAOS_TASK_FILE": str(task_file),
        "CHAOS_EPISODE": plan.key,
        "CHAOS_SEED": str(plan.seed),
        "CHAOS_ARM": plan.arm,
        "CHAOS_PROFILE": str(Path(plan.profile_path).resolve()),
        "CHAOS_ENTRY": session.entry,
    })
    if len(session.brief.encode()) <= TASK_ENV_MAX:
        env["CHAOS_TASK"] = session.brief
    else:
        env.pop("CHAOS_TASK", None)
    return env


_LINE_OPENS = re.compile(r"^[ \t\r\f\v]*\{", re.MULTILINE)


def answer_on_stdout(text: str) -> dict[str, Any] | None:
    """The last JSON object printed on stdout, or None.

    The object starts a line and ends one (pretty-printed objects count); of the objects
    found, the one that ends last wins, and of those the outermost. An empty object is no
    answer: noise such as `{}` in binary output must not pass for one.
    """
    decoder = json.JSONDecoder()
    # Only the first `{` of a line can start an object printed on its own: one pass, however
    # many braces a line holds (a scan per brace was quadratic on a line of a million).
    starts = [m.end() - 1 for m in _LINE_OPENS.finditer(text)]
    best: tuple[int, int, dict[str, Any]] | None = None
    for start in reversed(starts[-_MAX_CANDIDATES:]):
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):  # RecursionError: nested past Python's limit
            continue
        line_end = text.find("\n", end)
        if text[end:len(text) if line_end == -1 else line_end].strip():
            continue  # more on the object's last line: not an object printed on its own
        if isinstance(value, dict) and value and (best is None or end > best[0]
                                                  or end == best[0] and start < best[1]):
            best = (end, start, value)
    return best[2] if best else None


def _tail(text: str, limit: int = REASON_TAIL) -> str:
    """The end of an output for a reason: bounded, control characters shown as U+FFFD.

    A reason is printed on terminals: an agent's escape sequences must not act there.
    """
    text = text.strip()
    text = text if len(text) <= limit else "..." + text[-limit:]
    return "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text)


def command_reason(outcome: Any, timeout_s: float) -> str | None:
    """Why a command's episode crashed, from how it ran (None: it exited with status 0)."""
    if outcome.start_error is not None:
        return f"agent command could not start: {outcome.start_error}"
    if outcome.timed_out:
        return (f"agent command did not exit within {timeout_s:g} s (process group ended); "
                "raise the limit with --agent-timeout SECONDS or chain.timeout_s")
    code = outcome.exit_code
    if code is None or code == 0:
        return None
    if code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        head = f"agent command was killed by signal {name}"
    else:
        head = f"agent command exited with status {code}"
    stderr = _tail(outcome.stderr)
    return f"{head}: {stderr}" if stderr else f"{head} (nothing on stderr)"


async def run_command_agent(session: Any, argv: Sequence[str], cwd: Path, timeout_s: float,
                            env: Mapping[str, str], key: str) -> Any:
    """Serve the episode, run the command, take its answer and judge: the `EpisodeRun`."""
    from chaos.agents._process import run_process
    from chaos.agents._server import serve_episode
    from chaos.results import AgentRunResult

    handle, name = tempfile.mkstemp(prefix="chaos-task-", suffix=".txt")
    task_file = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(session.brief)
        async with serve_episode(session, key) as endpoints:
            outcome = await run_process(
                argv, cwd, agent_environment(session, endpoints, task_file, env), timeout_s,
                session.done, AFTER_ANSWER_GRACE_S, marker="CHAOS_GATEWAY_KEY")
            reason = await _judge_outcome(session, outcome, timeout_s)
    finally:
        task_file.unlink(missing_ok=True)
    agent = AgentRunResult(kind="command", exit_code=outcome.exit_code, wall_ms=outcome.wall_ms)
    return await session.close(crashed=reason and redact(reason), agent=agent)


async def _judge_outcome(session: Any, outcome: Any, timeout_s: float) -> str | None:
    """The crash reason, after submitting an answer printed on stdout (None: no crash)."""
    if session.answered or session.ended is not None:
        return None  # the answer is in, or the episode's own reason stands
    if reason := command_reason(outcome, timeout_s):
        return reason
    answer = answer_on_stdout(outcome.stdout)
    if answer is None:
        printed = _tail(outcome.stdout, 200)
        return ("agent command printed no answer and never called finish"
                + (f" (stdout ends: {printed})" if printed else ""))
    return await submit_answer(session, answer, "agent command's answer on stdout")


async def submit_answer(session: Any, answer: dict[str, Any], what: str) -> str | None:
    """Submit `answer` through the entry's `finish` tool; the crash reason if refused.

    An object with the one key `result` is taken as `finish`'s own arguments.
    """
    arguments = answer if set(answer) == {"result"} else {"result": answer}
    outcome = await session.call_tool(None, "finish", arguments)
    if outcome.finished or session.answered:
        return None
    if session.ended is not None:
        return None
    return f"{what} was refused by finish: {_tail(outcome.text, 500)}"
