"""Own-agent test helpers: the small release profile, its episode server, scripts.

Until the MCP endpoint and the gateway (other parts of issue 15) are in, episodes are served
by stand-in apps that answer 404: function agents call their tools directly meanwhile.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
RELEASE = HERE / "release.yaml"

REAL_SERVER = all(importlib.util.find_spec(f"chaos.agents.{name}") is not None
                   for name in ("_mcp", "_gateway"))


async def _not_found(scope, receive, send):
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@pytest.fixture(autouse=True)
def episode_server(monkeypatch):
    """The episode server: the real one once MCP and gateway exist, stand-ins until then."""
    if REAL_SERVER:
        yield
        return
    import chaos.agents._server as server

    @contextlib.asynccontextmanager
    async def stand_in(session, key):
        async with server.serve_apps(_not_found, _not_found, key,
                                     tuple(session.agents)) as endpoints:
            yield endpoints

    monkeypatch.setattr(server, "serve_episode", stand_in)
    yield


def alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie waiting to be reaped does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def release_profile(tmp_path: Path, **chain: object):
    """The release profile as a file in `tmp_path`, its chain's own agent replaced by `chain`."""
    import yaml

    from chaos.profile import load_profile

    data = yaml.safe_load(RELEASE.read_text())
    data["chain"].pop("function", None)
    data["chain"].update(chain)
    path = tmp_path / "release.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_profile(path)


def script(tmp_path: Path, name: str, body: str) -> list[str]:
    """A Python script in `tmp_path` and the command that runs it."""
    import sys

    path = tmp_path / name
    path.write_text(body)
    return [sys.executable, os.fspath(path)]
