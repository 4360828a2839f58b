"""What the MCP path adds per tool call, against calling the episode's session directly.

Calls `read_file` on a world file N times in one sports episode: straight through
`EpisodeSession.call_tool` (what the built-in chain pays), through the mcp SDK's client over
streamable HTTP (McpEndpoint under uvicorn on 127.0.0.1), and over stdio (`chaos mcp` in a
subprocess, the SDK's stdio client). Wall time per call, client and server in one machine.
Usage: python benchmarks/mcp_overhead.py [N]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import uvicorn
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from chaos.agents import McpEndpoint
from chaos.agents._mcp_episode import EpisodeChoice, open_episode, plan_one
from chaos.agents._server import loopback_socket
from chaos.profile import load_profile

PROFILE = Path(__file__).resolve().parent.parent / "profiles" / "sports-production.yaml"


async def timed(call, n: int) -> list[float]:
    await call()  # warm: first-call imports and connections
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return samples


async def direct_and_http(n: int) -> tuple[list[float], list[float]]:
    loaded = load_profile(PROFILE)
    async with open_episode(loaded, plan_one(loaded, EpisodeChoice(seed=0, arm="clean"))) as s:
        path = await some_file(s)
        direct = await timed(lambda: s.call_tool(None, "read_file", {"path": path}), n)
        endpoint = McpEndpoint(s)
        sock = loopback_socket()
        server = uvicorn.Server(uvicorn.Config(endpoint.app, lifespan="on",
                                               log_level="warning"))
        serving = asyncio.ensure_future(server.serve([sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        async with Client(f"http://127.0.0.1:{sock.getsockname()[1]}/mcp") as client:
            http = await timed(lambda: client.call_tool("read_file", {"path": path}), n)
        server.should_exit = True
        await serving
        await s.close()
    return direct, http


async def some_file(session) -> str:
    """A small world file to read (the first CSV the world has)."""
    found = await session.call_tool(None, "find_files", {"pattern": "/prod/**/*.csv"})
    import json

    return json.loads(found.text)["matches"][0]


async def stdio(n: int) -> list[float]:
    with tempfile.TemporaryDirectory() as out:
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "chaos.cli", "mcp", str(PROFILE), "--arm",
                                          "clean", "--out", str(Path(out) / "run")],
            env=dict(os.environ))
        with open(os.devnull, "w") as errlog:
            async with Client(stdio_client(params, errlog=errlog)) as client:
                found = await client.call_tool("find_files", {"pattern": "/prod/**/*.csv"})
                import json

                path = json.loads(found.content[0].text)["matches"][0]
                return await timed(lambda: client.call_tool("read_file", {"path": path}), n)


def line(name: str, samples: list[float], base: float | None = None) -> str:
    median = statistics.median(samples) * 1e6
    p90 = statistics.quantiles(samples, n=10)[-1] * 1e6
    extra = f"   (+{median - base:.0f} us over direct)" if base is not None else ""
    return f"  {name:<28} median {median:8.0f} us   p90 {p90:8.0f} us{extra}"


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    direct, http = asyncio.run(direct_and_http(n))
    over_stdio = asyncio.run(stdio(n))
    base = statistics.median(direct) * 1e6
    print(f"read_file of a world CSV, {n} calls each:")
    print(line("EpisodeSession.call_tool", direct))
    print(line("MCP streamable HTTP", http, base))
    print(line("MCP stdio (chaos mcp)", over_stdio, base))


if __name__ == "__main__":
    main()
