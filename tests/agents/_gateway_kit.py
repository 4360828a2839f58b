"""Serve a GatewayEndpoint with uvicorn on 127.0.0.1:0 in a thread of its own, for the SDKs.

The backend (an EpisodeSession, or a small fake) lives on the server's event loop; tests drive
it from outside with `Served.run(coro)`, and talk to the gateway over real HTTP with the
official SDKs (sync ones from the test's thread, async ones from their own loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from chaos.agents._gateway import GatewayEndpoint, new_gateway_key
from chaos.models import ModelTurn, ProviderError, ToolCall, Usage
from chaos.models._remote import model_transports
from chaos.runner import build_world
from chaos.sim import EpisodePlan


@dataclass
class Served:
    """A running gateway: its URLs, key, backend and loop."""

    port: int
    key: str
    backend: Any
    loop: asyncio.AbstractEventLoop
    endpoint: GatewayEndpoint

    @property
    def openai_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def agent_url(self, agent: str, provider: str = "openai") -> str:
        tail = "/v1" if provider == "openai" else ""
        return f"http://127.0.0.1:{self.port}/agents/{agent}{tail}"

    def run(self, coro: Any) -> Any:
        """Run `coro` on the server's loop (where the backend lives) and return its value."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)


@contextlib.contextmanager
def serve_gateway(make_backend: Callable[[], Any]) -> Iterator[Served]:
    """Serve a gateway in front of `make_backend()` (called on the server's loop)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    key = new_gateway_key()
    ready: dict[str, Any] = {}
    started = threading.Event()

    async def main() -> None:
        async with model_transports():
            backend = make_backend()
            endpoint = GatewayEndpoint(backend, key)
            # GATEWAY_LOG=info shows the server's own log when a test needs looking into.
            config = uvicorn.Config(endpoint.app, lifespan="off",
                                    log_level=os.environ.get("GATEWAY_LOG", "critical"))
            server = uvicorn.Server(config)
            ready.update(backend=backend, endpoint=endpoint, server=server,
                         loop=asyncio.get_running_loop())
            started.set()
            await server.serve(sockets=[sock])
            if hasattr(backend, "aclose"):
                await backend.aclose()

    def thread_main() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # shown to the test instead of a hang
            ready["error"] = exc
            started.set()

    thread = threading.Thread(target=thread_main, daemon=True)
    thread.start()
    started.wait(30)
    if "error" in ready:
        raise ready["error"]
    while not ready["server"].started:
        threading.Event().wait(0.005)
    try:
        yield Served(sock.getsockname()[1], key, ready["backend"], ready["loop"],
                     ready["endpoint"])
    finally:
        ready["server"].should_exit = True
        thread.join(30)
        sock.close()


def session_backend(profile: Any, model: str, seed: int = 0, arm: str = "clean",
                    **kwargs: Any) -> Callable[[], Any]:
    """A factory of an EpisodeSession (built on the server's loop)."""
    from chaos.sim._session import EpisodeSession

    world = build_world(profile, seed)

    def make() -> Any:
        plan = EpisodePlan(profile.name, "p.yaml", model, seed, arm)
        return EpisodeSession(plan, profile, world, **kwargs)

    return make


@dataclass
class FakeBackend:
    """Answers every call with the next of `turns` (or raises it, when it is an error)."""

    turns: list[Any]
    agents: tuple[str, ...] = ("boss", "helper")
    calls: list[dict[str, Any]] = field(default_factory=list)

    def model_name(self, agent: str | None) -> str:
        return f"fake/{agent or 'chain'}"

    async def call_model(self, agent, messages, tools, options=None) -> ModelTurn:
        self.calls.append({"agent": agent, "messages": messages, "tools": tools,
                           "options": dict(options or {})})
        turn = self.turns.pop(0) if len(self.turns) > 1 else self.turns[0]
        if isinstance(turn, ProviderError):
            raise turn
        return turn


WRITE = ToolCall("call_7", "write_file", {"path": "/out/a b.txt", "content": "é\n\"x\"" * 9})
TOOL_TURN = ModelTurn("Writing it now.", (WRITE,), Usage(120, 34), "tool_calls")
TEXT_TURN = ModelTurn("All done: " + "long answer " * 10, (), Usage(200, 50), "stop")
OPENAI_TOOLS = [{"type": "function", "function": {
    "name": "write_file", "description": "Write a file.",
    "parameters": {"type": "object", "properties": {"path": {"type": "string"},
                                                    "content": {"type": "string"}}}}}]
ANTHROPIC_TOOLS = [{"name": "write_file", "description": "Write a file.",
                    "input_schema": OPENAI_TOOLS[0]["function"]["parameters"]}]


def openai_tools(schemas: Any) -> list[dict[str, Any]]:
    """A session's tool schemas as Chat Completions tools."""
    return [{"type": "function", "function": {"name": t.name, "description": t.description,
                                              "parameters": t.parameters}} for t in schemas]


def arguments(text: str) -> Any:
    """Arguments text as JSON, or None when it does not parse."""
    try:
        return json.loads(text)
    except ValueError:
        return None
