"""One HTTP server per episode: the MCP endpoint and the model gateway on one 127.0.0.1 port.

The team's agent reaches the episode through one port of its own: `/mcp` and
`/agents/<name>/mcp` are the episode's tools over MCP, `/v1/...` and `/agents/<name>/v1/...`
the model gateway. The port lives only as long as the episode; nothing else listens on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["Endpoints", "loopback_socket", "serve_apps", "serve_episode"]

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                   Awaitable[None]]

#: Seconds a request cut at the episode's end gets to wind down before it is cancelled.
_SHUTDOWN_GRACE_S = 1.0


@dataclass(frozen=True)
class Endpoints:
    """Where an episode is served, and the key its gateway asks for.

    Attributes:
        url: The server's root, `http://127.0.0.1:PORT`.
        key: The gateway key (`Authorization: Bearer KEY` or `x-api-key: KEY`).
        agents: The chain's agent names, entry first (each has its own paths).
        agent: Whose view this is: None for the whole chain as one agent, else one agent's
            (its own tools and gateway paths under `/agents/<name>`; see `of`).
    """

    url: str
    key: str
    agents: tuple[str, ...] = ()
    agent: str | None = None

    @property
    def _root(self) -> str:
        return self.url if self.agent is None else f"{self.url}/agents/{self.agent}"

    @property
    def mcp_url(self) -> str:
        """MCP (streamable HTTP): every tool of the chain, or this agent's own."""
        return f"{self._root}/mcp"

    @property
    def agent_mcp_urls(self) -> dict[str, str]:
        """Each agent's own MCP endpoint: its tools, calls recorded under its name."""
        return {name: f"{self.url}/agents/{name}/mcp" for name in self.agents}

    @property
    def openai_base_url(self) -> str:
        """The gateway's base URL for OpenAI clients (`.../v1`)."""
        return f"{self._root}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """The gateway's base URL for Anthropic clients (they add `/v1/messages`)."""
        return self._root

    def of(self, agent: str | None) -> Endpoints:
        """The same server as one agent of the chain sees it (None: the whole chain).

        Raises:
            KeyError: An agent the chain does not have.
        """
        if agent is not None and agent not in self.agents:
            raise KeyError(agent)
        return replace(self, agent=agent)


def _routes(mcp_app: ASGIApp, gateway_app: ASGIApp) -> ASGIApp:
    """One ASGI app: MCP paths to `mcp_app`, everything else to the gateway (404s its own)."""

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        parts = path.strip("/").split("/")
        is_mcp = parts[0] == "mcp" or (len(parts) >= 3 and parts[0] == "agents"
                                       and parts[2] == "mcp")
        await (mcp_app if is_mcp else gateway_app)(scope, receive, send)

    return app


def loopback_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to 127.0.0.1 only (never every interface), for an ASGI server.

    Made with `IPPROTO_TCP` named: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    connections of such a socket. From `socket.socket()` (protocol 0) every answer of an
    HTTP server waited ~40 ms for the client's delayed ACK (44 ms a call instead of 0.4 ms).

    Raises:
        OSError: The port is taken (or not ours to take).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


@contextlib.asynccontextmanager
async def serve_apps(mcp_app: ASGIApp, gateway_app: ASGIApp, key: str,
                     agents: tuple[str, ...] = ()) -> AsyncIterator[Endpoints]:
    """Serve `mcp_app` and `gateway_app` side by side on a fresh 127.0.0.1 port.

    The socket is bound before the server starts, so the port is known and taken from the
    first moment; the server runs on the running loop. On exit it stops listening and cuts
    what the agent left open (idle keep-alive connections, streams never read to their end).

    Args:
        mcp_app: Serves `/mcp` and `/agents/<name>/mcp`.
        gateway_app: Serves every other path (`/v1/...`, `/agents/<name>/v1/...`).
        key: The gateway key the endpoints carry.
        agents: The chain's agents, entry first.
    """
    sock = loopback_socket()
    try:
        async with serve_asgi(_routes(mcp_app, gateway_app), sock) as port:
            yield Endpoints(f"http://127.0.0.1:{port}", key, agents)
    finally:
        sock.close()


@contextlib.asynccontextmanager
async def serve_asgi(app: ASGIApp, sock: socket.socket) -> AsyncIterator[int]:
    """Serve `app` on the running loop from the bound socket `sock`; yields its port.

    On exit it stops listening and cuts what clients left open (idle keep-alive
    connections, streams never read to their end): whoever needed the answers is gone.
    """
    import uvicorn

    sock.listen(128)
    sock.setblocking(False)
    # No logging config (uvicorn's would replace the process's), no lifespan (the MCP
    # endpoint's runs outside), no proxy headers (nothing stands in front of it).
    config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False,
                            lifespan="off", proxy_headers=False, server_header=False,
                            ws="none", http="h11", timeout_graceful_shutdown=1)
    config.load()
    server = uvicorn.Server(config)
    # `serve()` would take over SIGINT/SIGTERM and tick every 0.1 s: starting and stopping
    # by hand leaves Ctrl-C to chaos and keeps the server quick to end.
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    try:
        yield sock.getsockname()[1]
    finally:
        await _stop(server)


async def _stop(server: Any) -> None:
    """Stop listening and cut every connection: the agent is gone, nobody awaits an answer.

    A dead agent's streams (an MCP event stream, a half-read completion) would otherwise
    hold the shutdown until they time out; cut, their requests end at once.
    """
    for listener in server.servers:
        listener.close()
    state = server.server_state
    for connection in list(state.connections):
        transport = getattr(connection, "transport", None)
        if transport is not None and not transport.is_closing():
            transport.abort()
    tasks = list(state.tasks)
    if tasks:
        _done, pending = await asyncio.wait(tasks, timeout=_SHUTDOWN_GRACE_S)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=_SHUTDOWN_GRACE_S)
    for listener in server.servers:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(listener.wait_closed(), _SHUTDOWN_GRACE_S)


@contextlib.asynccontextmanager
async def serve_episode(session: Any, key: str) -> AsyncIterator[Endpoints]:
    """Serve one episode's MCP endpoint and model gateway on a port of its own.

    Args:
        session: The episode (`chaos.sim.EpisodeSession`).
        key: The gateway key every model request must carry (`new_gateway_key`).

    Yields:
        Where the episode is served.
    """
    from chaos.agents._gateway import GatewayEndpoint
    from chaos.agents._mcp import McpEndpoint

    mcp = McpEndpoint(session)
    gateway = GatewayEndpoint(session, key)
    async with mcp.running(), serve_apps(mcp.app, gateway.app, key,
                                         tuple(session.agents)) as endpoints:
        yield endpoints
