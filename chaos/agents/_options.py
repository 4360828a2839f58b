"""`--agent`, `--agent-function`, `--agent-timeout`: a run's own agent over the profiles' chains."""

from __future__ import annotations

import dataclasses
import os
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["agent_command", "agent_folder_of", "agent_function_option", "check_function",
           "check_installed", "reproduce_options", "with_agent"]


def agent_command(agent: str | None) -> tuple[str, ...] | None:
    """`--agent "CMD"` as arguments, split as a shell would.

    Raises:
        chaos.errors.InputError: Quotes that do not close, or an empty command.
    """
    from chaos.errors import InputError

    if agent is None:
        return None
    try:
        argv = tuple(shlex.split(agent))
    except ValueError as exc:
        raise InputError(f"--agent {agent!r}: cannot split it as a shell would ({exc}); check "
                         "its quotes") from None
    if not argv:
        raise InputError("--agent is empty; give the command that runs your agent, e.g. "
                         "--agent \"python my_agent.py\"")
    if problem := _shell_syntax(argv):
        raise InputError(f"--agent {agent!r}: {problem}")
    if problem := _missing_program(argv[0]):
        raise InputError(f"--agent {agent!r}: {problem}")
    return argv


#: Words a shell would read as its own syntax; chaos starts the command without a shell.
_SHELL_WORDS = {"|", "||", "&&", ";", "&", ">", ">>", "<", "2>", "2>&1", "&>", "$("}


def _shell_syntax(argv: Sequence[str]) -> str | None:
    """Why `argv` reads as shell syntax chaos would pass on as arguments, or None."""
    import re

    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", argv[0]):
        return (f"starts with a variable assignment ({argv[0]!r}), which only a shell "
                "understands; chaos runs the command without one: write `env "
                f"{argv[0]} ...`, or set it in chain.env")
    if words := [w for w in argv if w in _SHELL_WORDS]:
        return (f"holds {words[0]!r}, which only a shell understands; chaos runs the command "
                "without one: wrap it, --agent \"sh -c '...'\", or write a script")
    return None


def _missing_program(program: str) -> str | None:
    """Why `program` cannot be started from the current folder, or None."""
    import shutil

    if "/" in program:
        if not Path(program).is_file():
            return f"{program}: no such file (run from {os.getcwd()}); check the path"
        return None
    if shutil.which(program) is None:
        return (f"{program}: no such program on PATH; give its path, or activate the "
                "environment that has it")
    return None


def agent_function_option(agent: str | None, function: str | None) -> str | None:
    """`--agent-function MODULE:ATTR`, checked for its form (and against `--agent`).

    Raises:
        chaos.errors.InputError: Both options given, or a name not of the form MODULE:ATTR.
    """
    if function is None:
        return None
    import re

    from chaos.errors import InputError
    from chaos.profile._schema import FUNCTION_NAME

    if agent is not None:
        raise InputError("--agent and --agent-function both name the agent to run; keep one")
    if not re.fullmatch(FUNCTION_NAME, function):
        raise InputError(f"--agent-function {function!r}: write it as MODULE:ATTR, e.g. "
                         "my_agents:highlights")
    return function


def with_agent(loaded: Any, options: Any) -> Any:
    """`loaded` with the run's agent as its chain's (a copy), checked to be runnable.

    The chain keeps its agents (the tools served); its `command` or `function` becomes the
    run's, run in the current folder.

    Raises:
        chaos.errors.InputError: An agent option that cannot apply (a function that does not
            import, `--agent-timeout` for a chain with no own agent).
    """
    from chaos.errors import InputError

    chain = loaded.profile.chain
    update: dict[str, Any] = {}
    if options.agent is not None:
        update = {"command": list(options.agent), "function": None, "cwd": os.getcwd()}
    elif options.agent_function is not None:
        update = {"command": None, "function": options.agent_function, "cwd": os.getcwd()}
    if options.agent_timeout_s is not None:
        if not update and not chain.runs_own_agent:
            raise InputError(f"--agent-timeout: profile {loaded.profile.name} runs its "
                             "built-in chain, which has no agent command to time; add --agent "
                             "\"CMD\" (or chain.command in the profile), or bound the episode "
                             "with --episode-timeout")
        update["timeout_s"] = options.agent_timeout_s
    if update:
        chain = chain.model_copy(update=update)
        profile = loaded.profile.model_copy(update={"chain": chain})
        loaded = dataclasses.replace(loaded, profile=profile)
    if chain.runs_own_agent:
        check_installed()
    if chain.function is not None:
        check_function(chain.function, agent_folder_of(loaded.path, chain))
    return loaded


#: What serving an own agent imports: the MCP server, and the HTTP server both sides share.
SERVING_PACKAGES = ("mcp.server.lowlevel", "uvicorn", "starlette")


def check_installed(what: str = "running your own agent",
                    packages: tuple[str, ...] = SERVING_PACKAGES) -> None:
    """Fail before anything runs when the packages serving an own agent are missing.

    Args:
        what: What needs them, for the message.
        packages: The import names needed.

    Raises:
        chaos.errors.InputError: Naming the extra to install.
    """
    import importlib

    from chaos.errors import InputError

    missing = []
    for name in packages:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name.split(".")[0])
    if missing:
        raise InputError(f"{what} needs {', '.join(missing)}: pip install 'chaos-sim[agents]'")


def agent_folder_of(profile_path: str, chain: Any) -> Path:
    """Where a chain's own agent runs: `chain.cwd` from the profile's folder, or that folder."""
    folder = Path(profile_path).resolve().parent
    return folder / chain.cwd if chain.cwd else folder


def check_function(spec: str, folder: Path) -> None:
    """Fail before anything runs when the agent function cannot be loaded.

    Raises:
        chaos.errors.InputError: Saying why and how to fix it.
    """
    from chaos.agents._function import load_function
    from chaos.errors import InputError

    try:
        load_function(spec, folder)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def reproduce_options(options: Any) -> str:
    """The `chaos run` options that bring the run's agent back, for reproduce commands."""
    text = ""
    if options.agent is not None:
        text += f" --agent {shlex.quote(shlex.join(options.agent))}"
    elif options.agent_function is not None:
        text += f" --agent-function {shlex.quote(options.agent_function)}"
    if options.agent_timeout_s is not None:
        text += f" --agent-timeout {options.agent_timeout_s:g}"
    return text
