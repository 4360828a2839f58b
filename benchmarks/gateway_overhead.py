"""What the model gateway adds per model call, against the same call made in process.

One episode (sports profile, scripted/careful); the entry agent's first model call (the brief
and the chain's tools) is made N times: by `EpisodeSession.call_model` directly (the built-in
chain's path: provider faults, simulated latency, usage, trace), then through the gateway with
the official SDKs (OpenAI Chat Completions and Responses, Anthropic; plain and streaming) over
HTTP on 127.0.0.1. A Responses answer echoes the request's tools (as the API does: three times
in a stream), which the SDK parses each time: its calls cost more on the client side. The
gateway runs under uvicorn in a thread of this process, as `chaos run --agent` serves it; the
SDK clients share the process (the GIL) here, where an agent's process would not.
Usage: python benchmarks/gateway_overhead.py [N]
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import sys
import threading
import time
from typing import Any

from chaos.agents import GatewayEndpoint, new_gateway_key
from chaos.models import Message
from chaos.profile import parse_profile
from chaos.runner import build_world
from chaos.sim import EpisodePlan
from chaos.sim._session import EpisodeSession


def _session() -> EpisodeSession:
    from pathlib import Path

    text = (Path(__file__).parent.parent / "profiles" / "sports-production.yaml").read_text()
    # Room for every call: model calls and the simulated time they take.
    text = text.replace("steps_per_agent: 60", "steps_per_agent: 10000")
    profile = parse_profile(text.replace("deadline_ms: 1800000", "deadline_ms: 86400000"))
    plan = EpisodePlan(profile.name, "p.yaml", "scripted/careful", 0, "clean")
    return EpisodeSession(plan, profile, build_world(profile, 0))


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    import anthropic
    import openai
    import uvicorn

    # IPPROTO_TCP, not 0: asyncio turns Nagle off only on sockets that say they are TCP; with
    # Nagle on, each JSON answer waits ~40 ms for the client's delayed ACK (measured: 44 ms a
    # call instead of 1.7 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    key = new_gateway_key()
    state: dict[str, Any] = {}
    ready = threading.Event()

    async def serve() -> None:
        session = _session()
        messages = (Message("user", session.brief),)
        tools = session.tool_schemas(None)
        direct = []
        for _ in range(n):
            start = time.perf_counter()
            await session.call_model(None, messages, tools)
            direct.append(time.perf_counter() - start)
        server = uvicorn.Server(uvicorn.Config(GatewayEndpoint(session, key).app,
                                               log_level="critical", lifespan="off"))
        state.update(direct=direct, server=server, session=session)
        ready.set()
        await server.serve(sockets=[sock])

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    ready.wait()
    while not state["server"].started:
        time.sleep(0.01)
    session, port = state["session"], sock.getsockname()[1]
    schemas = session.tool_schemas(None)
    oa_tools = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                                  "parameters": t.parameters}} for t in schemas]
    rs_tools = [{"type": "function", "name": t.name, "description": t.description,
                 "parameters": t.parameters, "strict": False} for t in schemas]
    an_tools = [{"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in schemas]
    brief = [{"role": "user", "content": session.brief}]
    oa = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key, max_retries=0)
    an = anthropic.Anthropic(base_url=f"http://127.0.0.1:{port}", api_key=key, max_retries=0)
    ways = {
        "openai": lambda: oa.chat.completions.create(model="m", messages=brief, tools=oa_tools),
        "openai stream": lambda: list(oa.chat.completions.create(
            model="m", messages=brief, tools=oa_tools, stream=True)),
        "responses": lambda: oa.responses.create(model="m", input=session.brief,
                                                 tools=rs_tools),
        "responses stream": lambda: list(oa.responses.create(
            model="m", input=session.brief, tools=rs_tools, stream=True)),
        "anthropic": lambda: an.messages.create(model="m", max_tokens=100, messages=brief,
                                                tools=an_tools),
        "anthropic stream": lambda: list(an.messages.create(
            model="m", max_tokens=100, messages=brief, tools=an_tools, stream=True)),
    }
    direct = _median_ms(state["direct"])
    print(f"per model call, median of {n} (scripted/careful, the brief and "
          f"{len(schemas)} tools):")
    print(f"  in process (EpisodeSession.call_model): {direct:6.2f} ms")
    for name, call in ways.items():
        call()  # the connection and the SDK's first-call setup
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
        median = _median_ms(samples)
        print(f"  through the gateway, {name + ':':18} {median:6.2f} ms  "
              f"(+{median - direct:.2f} ms; p90 "
              f"{statistics.quantiles(samples, n=10)[-1] * 1000:.2f} ms)")
    state["server"].should_exit = True
    thread.join(10)


if __name__ == "__main__":
    main()
