"""What serving an episode to a team's own agent costs, beside the agent itself.

- the episode's server (MCP + gateway on one 127.0.0.1 port): start and stop, and one HTTP
  round trip to it (stand-in apps, so only the server's own share is measured);
- a command agent's episode end to end: a Python process that prints its answer (the floor
  of any command agent: interpreter start, the process group ended, the answer submitted),
  against a function agent doing the same in process.

Usage: python benchmarks/own_agent_episode.py [N]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from chaos.agents._server import serve_apps
from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles

PROFILE = Path(__file__).resolve().parent.parent / "tests" / "agents" / "release.yaml"


async def _ok(scope, receive, send):  # noqa: ANN001
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def _server(n: int) -> None:
    import aiohttp

    starts, stops = [], []
    for _ in range(n):
        began = time.perf_counter()
        async with serve_apps(_ok, _ok, "k"):
            started = time.perf_counter()
        stops.append(time.perf_counter() - started)
        starts.append(started - began)
    print(f"server start: median {statistics.median(starts) * 1e3:.3f} ms, "
          f"stop: median {statistics.median(stops) * 1e3:.3f} ms ({n} episodes)")
    async with serve_apps(_ok, _ok, "k") as endpoints, aiohttp.ClientSession() as client:
        began = time.perf_counter()
        for _ in range(n):
            async with client.get(endpoints.mcp_url) as response:
                await response.read()
        took = (time.perf_counter() - began) / n
    print(f"one request through the server (keep-alive): {took * 1e3:.2f} ms")


def _episodes(chain: dict, n: int) -> float:
    data = yaml.safe_load(PROFILE.read_text())
    data["chain"].pop("function")
    data["chain"].update(chain)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "release.yaml"
        path.write_text(yaml.safe_dump(data))
        began = time.perf_counter()
        results = run_profiles([load_profile(path)],
                               RunOptions(episodes=n, arms=("clean",)))
        took = (time.perf_counter() - began) / n
    assert all(e.status == "completed" for e in results.episodes), results.episodes[0].error
    return took


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    asyncio.run(_server(n))
    answer = 'print(\'{"done": [], "issues": ["none"], "version": "0"}\')'
    command = _episodes({"command": [sys.executable, "-S", "-c", answer]}, n)
    function = _episodes({"function": "release_agents:returns_answer",
                          "cwd": str(PROFILE.parent)}, n)
    built_in = _episodes({}, n)
    print(f"episode with a command agent (python -S printing its answer): {command * 1e3:.1f} ms")
    print(f"episode with a function agent doing the task in process (its server started and "
          f"stopped): {function * 1e3:.1f} ms")
    print(f"episode of the built-in chain (scripted/careful, no server): {built_in * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
