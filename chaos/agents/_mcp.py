"""The episode's world as an MCP server: the chain's tools, bound to one episode, over MCP.

Built on the official `mcp` SDK (its lowlevel `Server`, its streamable-HTTP session manager and
its stdio transport), so any MCP client — an agent framework, an IDE, Claude Desktop — speaks to
it as to any other server. Every call goes to `EpisodeSession.call_tool`: the same tools, JSON
schemas, fault hooks, error texts and trace as the built-in chain's.

Paths of `McpEndpoint.app`:

- `/mcp`: every tool of the chain (`agent=None`: the whole chain done by one outside agent,
  recorded under the entry agent's name).
- `/agents/<name>/mcp`: agent `<name>`'s own tools, recorded under `<name>`.

Each path takes any number of MCP sessions at once (a framework opens one per agent, a client
may reconnect): they all act on the one episode, and the episode takes their calls one at a time,
in the order they arrive.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from chaos.agents._asgi import route_path

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from chaos.sim._session import EpisodeSession

__all__ = ["McpEndpoint", "mcp_server", "serve_stdio", "LOCAL_HOSTS", "LOCAL_ORIGINS"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: Host headers the endpoints answer (the SDK's DNS-rebinding protection for a local server):
#: a page on another site that resolves its own name to 127.0.0.1 is refused (421).
LOCAL_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*")
#: Origins a browser-based client may call from (any other origin: 403).
LOCAL_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chaos-sim")
    except PackageNotFoundError:  # run from a source tree
        return "0"


def mcp_server(session: EpisodeSession, agent: str | None) -> Server[Any]:
    """An MCP server (the SDK's lowlevel `Server`) serving `agent`'s tools in `session`.

    Args:
        session: The episode.
        agent: A chain agent, or None for every tool of the chain (see
            `EpisodeSession.agent_spec`).

    Raises:
        KeyError: An agent the chain does not have.
    """
    import mcp_types as types
    from mcp.server.lowlevel import Server

    schemas = session.tool_schemas(agent)  # KeyError for an unknown agent, before serving
    tools = [types.Tool(name=s.name, description=s.description, input_schema=s.parameters)
             for s in schemas]
    entry = agent is None or agent == session.entry

    async def list_tools(_ctx: Any, _params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool.model_copy(deep=True) for tool in tools])

    async def call_tool(_ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        # No arguments is an empty object for MCP clients; the tool validates the rest, with
        # the built-in chain's error texts. Call ids are the session's own (`call_<n>`), so a
        # trace does not depend on the client's request numbering.
        arguments = {} if params.arguments is None else params.arguments
        outcome = await session.call_tool(agent, params.name, arguments)
        return types.CallToolResult(content=[types.TextContent(text=outcome.text)],
                                    is_error=not outcome.ok)

    return Server(
        "chaos",
        version=_version(),
        title=f"chaos episode {session.plan.key}",
        # The task, for clients that show a server's instructions to their model: the entry
        # agent is told it; a sub-agent is told its task by whoever delegates to it.
        instructions=session.brief if entry else None,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def serve_stdio(session: EpisodeSession, agent: str | None) -> None:
    """Serve `agent`'s tools (None: the whole chain's) over stdin/stdout until stdin closes.

    While serving, the process's stdout carries the protocol only: the SDK points file
    descriptor 1 at stderr for anything else that prints.

    Raises:
        KeyError: An agent the chain does not have.
    """
    from mcp.server.stdio import stdio_server

    server = mcp_server(session, agent)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


class McpEndpoint:
    """The episode's MCP endpoints as one ASGI app: `/mcp` and `/agents/<name>/mcp`.

    Enter `running()` before the app serves a request (or let the ASGI server's lifespan
    do it: the app answers `lifespan` events by entering it). Other paths answer 404.

    Args:
        session: The episode.
    """

    def __init__(self, session: EpisodeSession) -> None:
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
        from mcp.server.transport_security import TransportSecuritySettings

        self.session = session
        security = TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                             allowed_hosts=list(LOCAL_HOSTS),
                                             allowed_origins=list(LOCAL_ORIGINS))
        self._managers: dict[str | None, StreamableHTTPSessionManager] = {
            agent: StreamableHTTPSessionManager(app=mcp_server(session, agent),
                                                security_settings=security)
            for agent in (None, *session.agents)
        }
        self._running = False

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await self._handle(scope, receive, send)

        #: The ASGI app (a plain coroutine function, as ASGI servers detect an ASGI 3 app).
        self.app = app

    @property
    def paths(self) -> dict[str | None, str]:
        """The path of each endpoint: None (the whole chain) -> `/mcp`, agent -> its own."""
        return {agent: "/mcp" if agent is None else f"/agents/{agent}/mcp"
                for agent in self._managers}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the endpoints' session managers (once per endpoint; enter before serving)."""
        async with contextlib.AsyncExitStack() as stack:
            for manager in self._managers.values():
                await stack.enter_async_context(manager.run())
            self._running = True
            try:
                yield
            finally:
                self._running = False

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI app: MCP streamable HTTP on the endpoints' paths, 404 elsewhere."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        agent, known = self._route(route_path(scope))
        if not known:
            await _error(send, 404, self._not_found_text(scope))
        elif not self._running:  # a composing server that did not enter `running()`
            await _error(send, 503, "the episode's MCP endpoints are not running (enter "
                         "McpEndpoint.running() before serving)")
        else:
            await self._managers[agent].handle_request(scope, receive, send)

    def _route(self, path: str) -> tuple[str | None, bool]:
        """(the agent a path serves, whether it is an endpoint's path)."""
        path = path.rstrip("/") or "/"
        if path == "/mcp":
            return None, True
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "agents" and parts[3] == "mcp" \
                and parts[2] in self._managers and parts[2]:
            return parts[2], True
        return None, False

    def _not_found_text(self, scope: Scope) -> str:
        path = route_path(scope)
        parts = path.rstrip("/").split("/")
        if len(parts) == 4 and parts[1] == "agents" and parts[3] == "mcp":
            return (f"no agent '{parts[2][:100]}' in this chain (agents: "
                    f"{', '.join(self.session.agents)})")
        return ("no MCP endpoint here; the chain's tools are at /mcp, an agent's own at "
                "/agents/<name>/mcp")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Answer an ASGI server's lifespan: run the session managers while it serves."""
        stack = contextlib.AsyncExitStack()
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if not self._running:  # a composing app may have entered it already
                        await stack.enter_async_context(self.running())
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await stack.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _error(send: Send, status: int, text: str) -> None:
    """A JSON-RPC error body with `status`, as the SDK answers an unknown session (404)."""
    body = json.dumps({"jsonrpc": "2.0", "id": None,
                       "error": {"code": -32600, "message": text}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
