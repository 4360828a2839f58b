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
def serve_gateway(make_backend: Callable[[], Any], http: str = "auto",
                  log_level: str | None = None) -> Iterator[Served]:
    """Serve a gateway in front of `make_backend()` (called on the server's loop).

    Args:
        make_backend: Makes the backend, on the server's loop.
        http: uvicorn's HTTP implementation (`h11`, `httptools`, `auto`).
        log_level: uvicorn's (default: `GATEWAY_LOG`, else critical).
    """
    # IPPROTO_TCP, not 0: asyncio turns Nagle off only on sockets that say they are TCP, and
    # with Nagle on every JSON answer waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    key = new_gateway_key()
    ready: dict[str, Any] = {}
    started = threading.Event()

    async def main() -> None:
        async with model_transports():
            backend = make_backend()
            endpoint = GatewayEndpoint(backend, key)
            # GATEWAY_LOG=info shows the server's own log when a test needs looking into.
            # With a log level asked for, uvicorn's records go to the process's logging (as
            # `chaos run` serves it, log_config=None), where a test can read them.
            config = uvicorn.Config(endpoint.app, lifespan="off", http=http,
                                    log_level=log_level or os.environ.get("GATEWAY_LOG",
                                                                          "critical"),
                                    **({"log_config": None} if log_level else {}))
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
        if not thread.is_alive():  # the server failed to start: say why instead of waiting
            raise RuntimeError("the gateway's server did not start") from ready.get("error")
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


def profile_with(faults: str = "", model: str | None = None) -> Any:
    """The sports profile with only `faults` (YAML list items) and, first, `model` (YAML)."""
    from chaos.profile import parse_profile
    from tests.conftest import SPORTS

    text = SPORTS.read_text()
    head, rest = text.split("\nfaults:\n", 1)
    rest = rest[rest.index("\nmodels:\n"):]
    text = head + ("\nfaults:\n" + faults if faults else "\nfaults: []\n") + rest
    if model:
        text = text.replace("\nmodels:\n", f"\nmodels:\n  - {model}\n", 1)
    return parse_profile(text)


@dataclass
class Answer:
    """What an SDK made of one answer, in one shape for every way of asking."""

    text: str
    calls: list[tuple[str, str, Any]]  # id, name, arguments (parsed, or the text as sent)
    finish: str | None
    usage: tuple[int, int] | None


OPENAI_MODES = ("create", "stream", "helper", "async create", "async stream", "async helper")
ANTHROPIC_MODES = OPENAI_MODES


def _parsed(value: Any) -> Any:
    if isinstance(value, str):
        parsed = arguments(value)
        return value if parsed is None else parsed
    return value


def ask_openai(base_url: str, key: str, mode: str = "create", max_retries: int = 0,
               **request: Any) -> Answer:
    """One Chat Completions call through the official SDK, asked the way `mode` says."""
    import openai

    request.setdefault("model", "scripted/careful")
    if "stream" in mode or "helper" in mode:
        request.setdefault("stream_options", {"include_usage": True})

    def answer(completion: Any) -> Answer:
        message = completion.choices[0].message
        usage = completion.usage
        return Answer(message.content or "", [(c.id, c.function.name, _parsed(c.function.arguments))
                                              for c in message.tool_calls or []],
                      completion.choices[0].finish_reason,
                      (usage.prompt_tokens, usage.completion_tokens) if usage else None)

    def chunks(stream: Any) -> Answer:
        text, calls, finish, usage = "", {}, None, None
        for chunk in stream:
            if chunk.usage:
                usage = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
            for choice in chunk.choices:
                text += choice.delta.content or ""
                finish = choice.finish_reason or finish
                for call in choice.delta.tool_calls or []:
                    got = calls.setdefault(call.index, ["", "", ""])
                    got[0] += call.id or ""
                    got[1] += (call.function.name or "") if call.function else ""
                    got[2] += (call.function.arguments or "") if call.function else ""
        return Answer(text, [(i, n, _parsed(a)) for i, n, a in calls.values()], finish, usage)

    if mode.startswith("async"):
        async def go() -> Answer:
            async with openai.AsyncOpenAI(base_url=base_url, api_key=key,
                                          max_retries=max_retries) as client:
                if mode == "async create":
                    return answer(await client.chat.completions.create(**request))
                if mode == "async stream":
                    stream = await client.chat.completions.create(stream=True, **request)
                    items = [c async for c in stream]
                    return chunks(items)
                async with client.chat.completions.stream(**request) as stream:
                    async for _ in stream:
                        pass
                    return answer(await stream.get_final_completion())
        return asyncio.run(go())
    with openai.OpenAI(base_url=base_url, api_key=key, max_retries=max_retries) as client:
        if mode == "create":
            return answer(client.chat.completions.create(**request))
        if mode == "stream":
            return chunks(client.chat.completions.create(stream=True, **request))
        with client.chat.completions.stream(**request) as stream:
            for _ in stream:
                pass
            return answer(stream.get_final_completion())


def ask_anthropic(base_url: str, key: str, mode: str = "create", max_retries: int = 0,
                  **request: Any) -> Answer:
    """One Messages call through the official SDK, asked the way `mode` says."""
    import anthropic

    request.setdefault("model", "scripted/careful")
    request.setdefault("max_tokens", 1000)

    def answer(message: Any) -> Answer:
        text = "".join(b.text for b in message.content if b.type == "text")
        calls = [(b.id, b.name, _parsed(b.input)) for b in message.content
                 if b.type == "tool_use"]
        return Answer(text, calls, message.stop_reason,
                      (message.usage.input_tokens, message.usage.output_tokens))

    def events(stream: Any) -> Answer:
        text, calls, finish, usage = "", {}, None, [0, 0]
        for event in stream:
            if event.type == "message_start":
                usage[0] = event.message.usage.input_tokens
            elif event.type == "content_block_start" and event.content_block.type == "tool_use":
                calls[event.index] = [event.content_block.id, event.content_block.name, ""]
            elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                text += event.delta.text
            elif event.type == "content_block_delta" and event.delta.type == "input_json_delta":
                calls[event.index][2] += event.delta.partial_json
            elif event.type == "message_delta":
                finish, usage[1] = event.delta.stop_reason, event.usage.output_tokens
        return Answer(text, [(i, n, _parsed(a)) for i, n, a in calls.values()], finish,
                      tuple(usage))

    if mode.startswith("async"):
        async def go() -> Answer:
            async with anthropic.AsyncAnthropic(base_url=base_url, api_key=key,
                                                max_retries=max_retries) as client:
                if mode == "async create":
                    return answer(await client.messages.create(**request))
                if mode == "async stream":
                    stream = await client.messages.create(stream=True, **request)
                    return events([e async for e in stream])
                async with client.messages.stream(**request) as stream:
                    return answer(await stream.get_final_message())
        return asyncio.run(go())
    with anthropic.Anthropic(base_url=base_url, api_key=key, max_retries=max_retries) as client:
        if mode == "create":
            return answer(client.messages.create(**request))
        if mode == "stream":
            return events(client.messages.create(stream=True, **request))
        with client.messages.stream(**request) as stream:
            return answer(stream.get_final_message())


RESPONSES_TOOLS = [{"type": "function", "name": "write_file", "description": "Write a file.",
                    "strict": False,
                    "parameters": OPENAI_TOOLS[0]["function"]["parameters"]}]


def responses_tools(schemas: Any) -> list[dict[str, Any]]:
    """A session's tool schemas as Responses function tools (not strict: as MCP tools go)."""
    return [{"type": "function", "name": t.name, "description": t.description,
             "parameters": t.parameters, "strict": False} for t in schemas]


def ask_responses(base_url: str, key: str, mode: str = "create", max_retries: int = 0,
                  **request: Any) -> Answer:
    """One Responses call through the official SDK, asked the way `mode` says.

    `finish` is the response's status (`completed`, `incomplete`).
    """
    import openai

    request.setdefault("model", "scripted/careful")

    def answer(response: Any) -> Answer:
        text = "".join(p.text for item in response.output if item.type == "message"
                       for p in item.content if p.type == "output_text")
        calls = [(i.call_id, i.name, _parsed(i.arguments)) for i in response.output
                 if i.type == "function_call"]
        usage = response.usage
        return Answer(text, calls, response.status,
                      (usage.input_tokens, usage.output_tokens) if usage else None)

    def events(stream: Any) -> Answer:
        final, numbers = None, []
        for event in stream:
            numbers.append(event.sequence_number)
            if event.type in ("response.completed", "response.incomplete"):
                final = event.response
        assert numbers == list(range(len(numbers)))  # the SDK's accumulators rely on order
        return answer(final)

    if mode.startswith("async"):
        async def go() -> Answer:
            async with openai.AsyncOpenAI(base_url=base_url, api_key=key,
                                          max_retries=max_retries) as client:
                if mode == "async create":
                    return answer(await client.responses.create(**request))
                if mode == "async stream":
                    stream = await client.responses.create(stream=True, **request)
                    return events([e async for e in stream])
                async with client.responses.stream(**request) as stream:
                    async for _ in stream:
                        pass
                    return answer(await stream.get_final_response())
        return asyncio.run(go())
    with openai.OpenAI(base_url=base_url, api_key=key, max_retries=max_retries) as client:
        if mode == "create":
            return answer(client.responses.create(**request))
        if mode == "stream":
            return events(client.responses.create(stream=True, **request))
        with client.responses.stream(**request) as stream:
            for _ in stream:
                pass
            return answer(stream.get_final_response())
