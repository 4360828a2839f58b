"""A team's agent as a Python function, awaited once per episode in chaos' own process.

    async def agent(task: str, tools: EpisodeTools, model_base_url: str) -> dict | None

`task` is the brief, `tools` the episode's tools (call them directly, or hand `tools.mcp_url`
to an MCP client), `model_base_url` the model gateway for an OpenAI client (`tools.api_key`
is its key). The returned dict is the answer, unless the function called `finish` itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import itertools
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from chaos._redact import redact

__all__ = ["AgentFunction", "EpisodeTools", "load_function", "register_function",
           "run_function_agent"]

AgentFunction = Callable[[str, "EpisodeTools", str], Awaitable[Any]]

#: Functions handed over as objects (the pytest fixture, the Python API), by generated name:
#: a profile names its function as text, `chaos.agents._function:registered.agent_N`.
registered = SimpleNamespace()
_numbers = itertools.count(1)


class EpisodeTools:
    """One episode's tools, for a function agent: what the built-in chain's agents are offered.

    Attributes:
        agent_name: Whose tools these are (None: the whole chain, recorded as the entry).
        entry: The entry agent (whose `finish` is the answer).
        agents: The chain's agents, entry first.
        model: The model id to ask the gateway for (the model under test).
    """

    def __init__(self, session: Any, endpoints: Any, agent: str | None = None) -> None:
        self._session = session
        self._endpoints = endpoints.of(agent)
        self.agent_name = agent
        self.entry: str = session.entry
        self.agents: tuple[str, ...] = tuple(session.agents)
        self.model: str = session.model_name(None)

    @property
    def schemas(self) -> list[dict[str, Any]]:
        """The tools as OpenAI function tools (`{"type": "function", "function": {...}}`)."""
        return [{"type": "function",
                 "function": {"name": t.name, "description": t.description,
                              "parameters": t.parameters}}
                for t in self._session.tool_schemas(self.agent_name)]

    async def call(self, name: str, arguments: dict[str, Any] | str | None = None) -> str:
        """Call a tool and return the text a model would read (errors start with `error:`).

        Args:
            name: The tool.
            arguments: Its arguments: a dict, or their JSON text as a model writes them.
        """
        if isinstance(arguments, str):
            import json

            # Text that is no JSON goes on as is: the tool says what is wrong, as to a model.
            with contextlib.suppress(ValueError):
                arguments = json.loads(arguments) if arguments.strip() else {}
        outcome = await self._session.call_tool(self.agent_name, name,
                                                {} if arguments is None else arguments)
        return outcome.text

    def agent(self, name: str) -> EpisodeTools:
        """The tools of one agent of the chain (its own set; calls recorded under its name).

        Raises:
            KeyError: An agent the chain does not have.
        """
        self._session.agent_spec(name)
        return EpisodeTools(self._session, self._endpoints.of(None), name)

    @property
    def mcp_url(self) -> str:
        """The same tools over MCP (streamable HTTP), for an MCP client."""
        return self._endpoints.mcp_url

    @property
    def api_key(self) -> str:
        """The model gateway's key for this episode."""
        return self._endpoints.key

    @property
    def base_url(self) -> str:
        """The model gateway for OpenAI clients (the function's `model_base_url`)."""
        return self._endpoints.openai_base_url

    @property
    def anthropic_base_url(self) -> str:
        """The model gateway for Anthropic clients."""
        return self._endpoints.anthropic_base_url


def register_function(function: AgentFunction) -> str:
    """Make an in-process function nameable as `module:attr` (for `chain.function`).

    A function its module holds at top level is named where it lives (reproduce commands
    then name it too); any other (a closure, a lambda) gets a name valid in this process.
    """
    module = sys.modules.get(getattr(function, "__module__", "") or "")
    qualname = getattr(function, "__qualname__", "")
    value: Any = module
    for part in qualname.split("."):
        value = getattr(value, part, None)
    if module is not None and value is function:
        return f"{module.__name__}:{qualname}"
    name = f"agent_{next(_numbers)}"
    setattr(registered, name, function)
    return f"{__name__}:registered.{name}"


@contextlib.contextmanager
def _importable_from(folder: Path | None) -> Iterator[None]:
    """`folder` first on `sys.path` while importing (a module kept beside the profile)."""
    if folder is None:
        yield
        return
    entry = str(folder)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(entry)


def load_function(spec: str, folder: Path | None = None) -> AgentFunction:
    """The function `module:attr` names, imported with `folder` first on the path.

    Raises:
        ValueError: It cannot be imported, or is not an async function; the message says how
            to fix it.
    """
    module_name, _, attr = spec.partition(":")
    try:
        with _importable_from(folder):
            value: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise ValueError(f"agent function {spec}: module {module_name!r} cannot be imported "
                         f"({type(exc).__name__}: {exc}); put it beside the profile (or in "
                         "chain.cwd), on PYTHONPATH, or install it") from None
    for part in attr.split("."):
        if not hasattr(value, part):
            raise ValueError(f"agent function {spec}: {module_name} has no attribute "
                             f"{attr!r}; name an `async def agent(task, tools, "
                             "model_base_url)` function")
        value = getattr(value, part)
    if not callable(value):
        raise ValueError(f"agent function {spec} is not a function; name an `async def "
                         "agent(task, tools, model_base_url)` function")
    return value  # type: ignore[no-any-return]


async def run_function_agent(session: Any, spec: str, folder: Path | None, timeout_s: float,
                             key: str) -> Any:
    """Serve the episode, await the function, take its answer and judge: the `EpisodeRun`."""
    from chaos.agents._command import AFTER_ANSWER_GRACE_S, submit_answer
    from chaos.agents._server import serve_episode
    from chaos.results import AgentRunResult

    started = time.monotonic()
    reason: str | None = None
    try:
        function = load_function(spec, folder)
    except ValueError as exc:
        reason = str(exc)
    else:
        async with serve_episode(session, key) as endpoints:
            tools = EpisodeTools(session, endpoints)
            try:
                call = function(session.brief, tools, endpoints.openai_base_url)
            except Exception as exc:  # a signature that does not take the three arguments
                ran: Any = f"agent function raised {type(exc).__name__}: {exc}"[:1600]
            else:
                if not inspect.isawaitable(call):
                    call = _not_awaitable(call)
                ran = await _await_agent(call, session, timeout_s, AFTER_ANSWER_GRACE_S)
            if isinstance(ran, dict):
                reason = await submit_answer(session, ran, "agent function's answer")
            elif ran is None and not session.answered and session.ended is None:
                reason = "agent function returned no answer and never called finish"
            else:
                reason = ran
    wall_ms = int((time.monotonic() - started) * 1000)
    agent = AgentRunResult(kind="function", exit_code=None, wall_ms=wall_ms)
    return await session.close(crashed=reason and redact(reason), agent=agent)


class AgentExited(Exception):
    """The agent function called `sys.exit` (argparse, click): its episode ends, not the run."""


async def _guarded(call: Awaitable[Any]) -> Any:
    """Await the agent, its `SystemExit` turned into an error of its own episode."""
    try:
        return await call
    except SystemExit as exc:
        raise AgentExited(f"SystemExit({exc.code!r}): the function called sys.exit") from None


async def _not_awaitable(value: Any) -> Any:
    raise TypeError(f"the agent function returned {type(value).__name__}, not a coroutine: "
                    "write it as `async def agent(task, tools, model_base_url)`")


async def _await_agent(call: Awaitable[Any], session: Any, timeout_s: float,
                       grace_s: float) -> Any:
    """Await the agent: the answer it returned (a dict), a crash reason (a str), or None.

    None: it returned nothing, or its answer is in (or the episode ended) already.
    """
    task = asyncio.ensure_future(_guarded(call))
    started = time.monotonic()
    done_waiter = asyncio.ensure_future(session.done.wait())
    try:
        finished, _ = await asyncio.wait({task, done_waiter}, timeout=timeout_s,
                                         return_when=asyncio.FIRST_COMPLETED)
        if task not in finished and done_waiter in finished:
            await asyncio.wait({task}, timeout=grace_s)
        if not task.done():
            if session.answered or session.ended is not None:
                return None  # its work is done; it is cancelled below
            return f"agent function did not return within {timeout_s:g} s (cancelled)"
        if task.cancelled():
            return "agent function was cancelled"
        if (exc := task.exception()) is not None:
            text = f"{type(exc).__name__}: {exc}"
            return f"agent function raised {text[:1500]}"
        value = task.result()
        if (blocked := time.monotonic() - started) > timeout_s:
            # It returned, but only after blocking the loop past its time (no await to
            # cancel it at): its answer came too late, as a command's would.
            return (f"agent function did not return within {timeout_s:g} s (it held the "
                    f"event loop {blocked:.0f} s: await, never block)")
        if session.answered or session.ended is not None:
            return None
        if value is None or isinstance(value, dict):
            return value
        return (f"agent function returned {type(value).__name__}, not an answer (a dict), "
                "and never called finish")
    finally:
        for pending in (task, done_waiter):
            if not pending.done():
                pending.cancel()
        await asyncio.wait({task}, timeout=grace_s)
