"""`chaos mcp`'s library side: serve one episode over MCP until its client is done, then judge it.

Over stdio the episode lasts until the client closes the server's stdin (or a signal); over
streamable HTTP until the entry agent's `finish` is in (plus a short grace, so the client reads
the answer to its call) or a signal. Either way the episode is then judged by the oracle, as an
episode of the built-in chain is.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chaos.agents._mcp_episode import EpisodeChoice, open_episode, plan_one
from chaos.errors import InputError

if TYPE_CHECKING:
    from chaos.agents._mcp import McpEndpoint
    from chaos.profile import LoadedProfile
    from chaos.sim import EpisodeRun
    from chaos.sim._session import EpisodeSession

__all__ = ["McpServeOptions", "mcp_reproduce", "serve_mcp_episode"]

#: Seconds the HTTP server stays up after the entry's `finish`: the client reads its answer.
FINISH_GRACE_S = 1.0
#: Seconds a stdio server waits for its transport to wind down after a signal.
STDIO_STOP_S = 2.0


@dataclass(frozen=True)
class McpServeOptions:
    """How to serve the episode.

    Attributes:
        choice: Which episode (seed, arm, model, faults).
        agent: Serve this agent's own tools over stdio (None: the whole chain's); over HTTP
            every endpoint is served and this one's URL is announced first.
        http: Serve streamable HTTP on 127.0.0.1 instead of stdio.
        port: The HTTP port (0: a free one).
        finish_grace_s: Seconds the HTTP server stays up after the entry's `finish`.
    """

    choice: EpisodeChoice = field(default_factory=EpisodeChoice)
    agent: str | None = None
    http: bool = False
    port: int = 0
    finish_grace_s: float = FINISH_GRACE_S


def mcp_reproduce(run_reproduce: str, agent: str | None) -> str:
    """The command that serves the same episode again (from the `chaos run` one)."""
    command = "chaos mcp" + run_reproduce.removeprefix("chaos run")
    return command + (f" --agent {shlex.quote(agent)}" if agent else "")


def serve_mcp_episode(loaded: LoadedProfile, options: McpServeOptions,
                      announce: Callable[[str], None],
                      on_judged: Callable[[EpisodeRun], Any] | None = None) -> EpisodeRun:
    """Serve one episode of `loaded` over MCP and return it judged.

    Args:
        loaded: The profile.
        options: Which episode, which transport.
        announce: Called with each line to tell the user (the URLs served); never stdout in
            stdio mode.
        on_judged: Called with the judged episode while SIGINT and SIGTERM are still ours
            (write the run directory there): a stdio client that closes the server's stdin
            sends SIGTERM two seconds later, and it must not cut the writing short.

    Raises:
        InputError: An unknown agent, model or fault id, a bad seed, a port in use, a world
            that cannot be built.
    """
    agents = list(loaded.profile.chain.agents)
    if options.agent is not None and options.agent not in agents:
        from chaos._registry import did_you_mean

        raise InputError(f"--agent {options.agent}: the chain of {loaded.path} has no such "
                         f"agent{did_you_mean(options.agent, agents)} (agents: "
                         f"{', '.join(agents)})")
    plan = plan_one(loaded, options.choice)
    listener = _listen(options.port) if options.http else None
    return asyncio.run(_serve(loaded, plan, options, listener, announce, on_judged))


async def _serve(loaded: LoadedProfile, plan: Any, options: McpServeOptions,
                 listener: socket.socket | None, announce: Callable[[str], None],
                 on_judged: Callable[[EpisodeRun], Any] | None) -> EpisodeRun:
    stop = asyncio.Event()
    with _signals_set(stop):
        async with open_episode(loaded, plan, options.choice.only_faults) as session:
            try:
                if listener is not None:
                    await _serve_http(session, listener, options, stop, announce)
                else:
                    await _serve_stdio(session, options.agent, stop)
            finally:
                if listener is not None:
                    listener.close()
            run = await session.close(None if session.answered else _unanswered(
                session, stop.is_set(), listener is not None))
        run.result = run.result.model_copy(update={
            "reproduce": mcp_reproduce(run.result.reproduce, options.agent)})
        if on_judged is not None:
            on_judged(run)
        return run


def _unanswered(session: EpisodeSession, stopped: bool, http: bool) -> str:
    """Why the episode crashed when serving ended without the entry agent's answer."""
    why = ("chaos mcp was stopped (Ctrl-C or a signal)" if stopped or http else
           "the MCP client closed the connection")
    return f"{why} before the entry agent '{session.entry}' called finish"


async def _serve_stdio(session: EpisodeSession, agent: str | None, stop: asyncio.Event) -> None:
    """Serve over stdio until the client closes stdin, or a signal stops it."""
    from chaos.agents._mcp import serve_stdio

    serving = asyncio.ensure_future(serve_stdio(session, agent))
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not serving.done():
        serving.cancel()
        # The transport reads stdin in a thread that ends with the next line or EOF only:
        # the episode is judged now, whatever the client does with its end of the pipe.
        await asyncio.wait({serving}, timeout=STDIO_STOP_S)
    if serving.done() and not serving.cancelled() and serving.exception() is not None:
        raise serving.exception()  # type: ignore[misc]


async def _serve_http(session: EpisodeSession, listener: socket.socket,
                      options: McpServeOptions, stop: asyncio.Event,
                      announce: Callable[[str], None]) -> None:
    """Serve every endpoint over HTTP until the entry's finish (plus grace) or a signal."""
    from chaos.agents._mcp import McpEndpoint
    from chaos.agents._server import serve_asgi

    endpoint = McpEndpoint(session)
    async with endpoint.running(), serve_asgi(endpoint.app, listener) as port:
        for line in _urls(endpoint, port, options.agent):
            announce(line)
        done = asyncio.ensure_future(session.done.wait())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({done, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if done.done() and not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), options.finish_grace_s)
        done.cancel()
        stopping.cancel()


def _urls(endpoint: McpEndpoint, port: int, agent: str | None) -> list[str]:
    """What `chaos mcp --http` tells the user: the chosen endpoint's URL first, alone."""
    base = f"http://127.0.0.1:{port}"
    paths = endpoint.paths
    lines = [base + paths[agent]]
    lines.append(f"chaos mcp: serving episode {endpoint.session.plan.key} until the entry "
                 f"agent '{endpoint.session.entry}' calls finish, or Ctrl-C")
    lines += [f"  {'all tools' if a is None else 'agent ' + a}: {base}{p}"
              for a, p in paths.items()]
    return lines


def _listen(port: int) -> socket.socket:
    """`loopback_socket(port)`, a port that cannot be had being the user's to change.

    Raises:
        InputError: The port is taken (or not ours to take).
    """
    try:
        from chaos.agents._server import loopback_socket

        return loopback_socket(port)
    except OSError as exc:
        raise InputError(f"--port {port}: cannot listen on 127.0.0.1:{port}: "
                         f"{exc.strerror or exc}; choose another port, or 0 for a free one"
                         ) from exc


@contextlib.contextmanager
def _signals_set(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT and SIGTERM stop serving (the episode is then judged), instead of killing us."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    wanted = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]
    installed = []
    try:
        for sig in wanted:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
