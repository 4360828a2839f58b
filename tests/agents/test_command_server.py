"""The episode's server: one 127.0.0.1 port, MCP and gateway paths, cut cleanly at the end."""

import asyncio
import contextlib
import json
import socket
from pathlib import Path

import aiohttp
import pytest

from chaos.agents._gateway import new_gateway_key
from chaos.agents._server import Endpoints, serve_apps


def answering(name):
    async def app(scope, receive, send):
        body = json.dumps({"app": name, "path": scope["path"]}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
    return app


async def endless_stream(scope, receive, send):
    """An event stream that never ends (as an MCP GET stream a client left open)."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/event-stream")]})
    while True:
        await send({"type": "http.response.body", "body": b": ping\n\n", "more_body": True})
        await asyncio.sleep(0.05)


def test_mcp_and_gateway_paths_share_one_loopback_port():
    async def main():
        async with serve_apps(answering("mcp"), answering("gateway"), "k",
                              ("desk", "qa")) as endpoints:
            assert endpoints.url.startswith("http://127.0.0.1:")
            async with aiohttp.ClientSession() as client:
                seen = {}
                for url in [endpoints.mcp_url, endpoints.agent_mcp_urls["qa"],
                            endpoints.openai_base_url + "/chat/completions",
                            endpoints.anthropic_base_url + "/v1/messages",
                            endpoints.of("qa").openai_base_url + "/chat/completions",
                            endpoints.url + "/agents/qa/v1/messages", endpoints.url + "/other"]:
                    async with client.get(url) as response:
                        seen[url.removeprefix(endpoints.url)] = (await response.json())["app"]
        return seen

    assert asyncio.run(main()) == {
        "/mcp": "mcp", "/agents/qa/mcp": "mcp", "/v1/chat/completions": "gateway",
        "/v1/messages": "gateway", "/agents/qa/v1/chat/completions": "gateway",
        "/agents/qa/v1/messages": "gateway", "/other": "gateway"}


def test_the_server_listens_on_loopback_only_and_is_gone_after_the_episode():
    async def main():
        async with serve_apps(answering("mcp"), answering("gateway"), "k") as endpoints:
            port = int(endpoints.url.rsplit(":", 1)[1])
            listening = [s for s in _listeners() if s[1] == port]
        return port, listening

    port, listening = asyncio.run(main())
    assert listening == [("127.0.0.1", port)]
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def _listeners():
    """(address, port) of the TCP sockets listening on this machine (from /proc)."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A":  # LISTEN
            address, port = local.split(":")
            octets = [str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)]
            found.append((".".join(octets), int(port, 16)))
    return found


def test_streams_and_connections_the_agent_left_open_do_not_hold_the_end():
    async def main():
        client = aiohttp.ClientSession()
        async with asyncio.timeout(30):  # a bound, not a measurement: a hang fails here
            async with serve_apps(endless_stream, answering("gateway"), "k") as endpoints:
                stream = await client.get(endpoints.mcp_url)
                assert await stream.content.readany()
                async with client.get(endpoints.openai_base_url + "/models") as kept_alive:
                    await kept_alive.read()
            with contextlib.suppress(aiohttp.ClientError):  # the stream is cut: it ends
                while await stream.content.readany():
                    pass
        await client.close()

    asyncio.run(main())


def test_many_episodes_in_a_row_leave_no_server_behind():
    async def main():
        ports = []
        for _ in range(20):
            async with serve_apps(answering("mcp"), answering("gateway"), "k") as endpoints:
                async with aiohttp.ClientSession() as client, \
                        client.get(endpoints.mcp_url) as response:
                    assert response.status == 200
                ports.append(int(endpoints.url.rsplit(":", 1)[1]))
        return ports

    ports = asyncio.run(main())
    assert not {port for _, port in _listeners()} & set(ports)


def test_each_episode_has_its_own_key_shaped_to_be_masked():
    from chaos._redact import redact

    first, second = new_gateway_key(), new_gateway_key()
    assert first != second
    assert redact(f"the key is {first}") == "the key is [redacted]"
    assert Endpoints("http://127.0.0.1:1", first).key == first
