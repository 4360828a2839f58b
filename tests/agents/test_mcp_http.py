"""The episode's world over MCP streamable HTTP, seen by the `mcp` SDK's own client."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import uuid
from pathlib import Path

import pytest

pytest.importorskip("mcp")

import uvicorn  # noqa: E402
from mcp import Client  # noqa: E402

from chaos.agents._mcp import McpEndpoint  # noqa: E402
from chaos.agents._mcp_episode import EpisodeChoice, open_episode, plan_one  # noqa: E402
from chaos.agents._server import loopback_socket  # noqa: E402
from chaos.explain import explain_profile  # noqa: E402
from chaos.profile import load_profile  # noqa: E402
from tests.conftest import SPORTS  # noqa: E402


@contextlib.asynccontextmanager
async def served(path=SPORTS, seed=0, arm="chaos"):
    """An episode of `path` served by McpEndpoint under uvicorn on 127.0.0.1:<free port>."""
    loaded = load_profile(path)
    plan = plan_one(loaded, EpisodeChoice(seed=seed, arm=arm))
    async with open_episode(loaded, plan) as session:
        endpoint = McpEndpoint(session)
        sock = loopback_socket()
        server = uvicorn.Server(uvicorn.Config(endpoint.app, lifespan="on",
                                               log_level="warning"))
        serving = asyncio.ensure_future(server.serve([sock]))
        while not server.started:
            assert not serving.done(), "the server did not start"
            await asyncio.sleep(0.01)
        try:
            yield session, f"http://127.0.0.1:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
            await serving
            sock.close()


def run(coroutine):
    return asyncio.run(coroutine)


def missing_clip(seed=0):
    plan = explain_profile(load_profile(SPORTS), seed, None)
    (fault,) = [f for f in plan.faults if f.kind == "fs.missing"]
    return fault.targets[0]


def as_served(schemas):
    return [(s.name, s.description, s.parameters) for s in schemas]


def test_every_endpoint_lists_the_tools_the_built_in_chain_offers():
    async def main():
        async with served() as (session, base):
            async with Client(f"{base}/mcp") as client:
                union = (await client.list_tools()).tools
            seen = {}
            for agent in session.agents:
                async with Client(f"{base}/agents/{agent}/mcp") as client:
                    seen[agent] = (await client.list_tools()).tools
            return session, union, seen

    session, union, seen = run(main())
    listed = [(t.name, t.description, t.input_schema) for t in union]
    assert listed == as_served(session.tool_schemas(None))
    assert "delegate" not in [t.name for t in union]
    chain = session.profile.chain.agents
    for agent, tools in seen.items():
        # What the built-in chain's runner offers that agent's model, delegate included.
        offered = session.runner.schemas(agent, chain[agent])
        assert [(t.name, t.description, t.input_schema) for t in tools] == as_served(offered)
    finish = next(t for t in union if t.name == "finish").input_schema
    assert finish["required"] == ["result"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])  # 2026-07-28 era, initialize handshake
def test_a_missing_clip_is_the_error_text_the_built_in_chain_gets(mode):
    target = missing_clip()

    async def main():
        async with served() as (session, base), \
                Client(f"{base}/agents/editor/mcp", mode=mode) as client:
            answer = await client.call_tool("read_file", {"path": target})
            direct = await session.call_tool("editor", "read_file", {"path": target})
            return answer, direct

    answer, direct = run(main())
    assert answer.is_error is True
    (item,) = answer.content
    assert item.type == "text"
    assert item.text.startswith("[Errno 2] No such file or directory")
    assert item.text == direct.text and direct.ok is False


def test_a_bad_call_is_an_error_result_with_the_chain_s_words():
    async def main():
        async with served() as (_session, base), Client(f"{base}/agents/editor/mcp") as client:
            unknown = await client.call_tool("send_email", {"to": ["a@example.org"]})
            invalid = await client.call_tool("read_file", {})
            return unknown, invalid

    unknown, invalid = run(main())
    assert unknown.is_error and unknown.content[0].text.startswith(
        "error: unknown tool 'send_email' (your tools: list_dir, find_files")
    assert invalid.is_error and invalid.content[0].text.startswith(
        "error: invalid arguments for read_file: path:")


def test_writes_outside_the_world_land_in_the_fake_filesystem_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = f"chaos-mcp-{uuid.uuid4().hex}"
    # The real /tmp and /etc exist; the episode's world has neither.
    outside = [f"../../etc/{name}", f"/tmp/{name}", f"/etc/{name}"]
    inside = [f"/prod/{name}", f"/prod/../../../prod/{name}.2"]

    async def main():
        async with served() as (_session, base), Client(f"{base}/mcp") as client:
            refused = [await client.call_tool("write_file", {"path": p, "content": "x"})
                       for p in outside]
            written = [await client.call_tool("write_file", {"path": p, "content": "x"})
                       for p in inside]
            read = await client.call_tool("read_file", {"path": f"/prod/{name}.2"})
            return refused, written, read

    refused, written, read = run(main())
    assert [r.content[0].text for r in refused] == [
        "[Errno 2] No such file or directory: '/etc'",
        "[Errno 2] No such file or directory: '/tmp'",
        "[Errno 2] No such file or directory: '/etc'"]
    assert all(r.is_error for r in refused)
    assert not any(w.is_error for w in written)
    assert json.loads(read.content[0].text)["content"] == "x"  # in the episode's world
    for p in outside + inside:
        assert not (tmp_path / p).resolve().exists()
        assert not Path(p).exists()
    assert not Path("/prod").exists()


def test_the_trace_records_each_call_under_the_agent_it_came_through():
    async def main():
        async with served() as (session, base):
            async with Client(f"{base}/agents/qa/mcp") as client:
                await client.call_tool("list_dir", {"path": "/"})
            async with Client(f"{base}/mcp") as client:
                await client.call_tool("list_dir", {"path": "/prod"})
            return await session.close()

    episode = run(main())
    calls = [(e.type, e.agent, e.tool) for e in episode.trace
             if e.type in ("tool_called", "tool_returned")]
    assert calls == [("tool_called", "qa", "list_dir"), ("tool_returned", "qa", "list_dir"),
                     ("tool_called", "producer", "list_dir"),
                     ("tool_returned", "producer", "list_dir")]
    assert episode.result.status == "crashed"
    assert "without calling finish" in episode.result.error


def test_several_clients_at_once_act_on_one_world():
    name = f"/prod/shared-{uuid.uuid4().hex}.txt"

    async def main():
        async with served() as (session, base), Client(f"{base}/mcp") as one, \
                Client(f"{base}/mcp") as two, Client(f"{base}/agents/editor/mcp") as editor:
            await one.call_tool("write_file", {"path": name, "content": "from one"})
            seen = await asyncio.gather(two.call_tool("read_file", {"path": name}),
                                        editor.call_tool("read_file", {"path": name}),
                                        one.call_tool("list_dir", {"path": "/prod"}))
            return session, seen

    session, seen = run(main())
    assert [json.loads(r.content[0].text)["content"] for r in seen[:2]] == ["from one"] * 2
    returned = [e for e in session.runner.trace if e.type == "tool_returned"]
    assert len(returned) == 4 and all(e.ok for e in returned)


def test_finish_with_the_answer_completes_the_episode_and_the_oracle_judges_it():
    async def main():
        async with served() as (session, base), Client(f"{base}/mcp") as client:
            early = await client.call_tool("finish", {"result": {"nothing": 1}})
            assert not session.done.is_set()
            answer = {"team": "?", "match_date": "2026-02-12", "clips": [],
                      "issues": ["gave up at once"]}
            result = await client.call_tool("finish", {"result": answer})
            assert session.done.is_set() and session.answered
            return early, result, await session.close()

    early, result, episode = run(main())
    assert early.is_error  # the task's schema refused it, as for the built-in chain
    assert not result.is_error
    assert episode.result.status == "completed"
    assert episode.result.task.passed is False  # the oracle's: nothing was done
    assert episode.result.task.reasons
    assert [f.id for f in episode.result.faults] == [
        "missing-clip", "near-duplicates", "stock-decoy", "logo-is-jpeg", "first-mail-451",
        "second-mail-drops"]


def raw_post(base, path, headers):
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}})
    connection.request("POST", path, body, {"content-type": "application/json",
                                            "accept": "application/json, text/event-stream",
                                            **headers})
    response = connection.getresponse()
    return response.status, response.read().decode()


def test_unknown_agents_and_paths_answer_404_and_foreign_hosts_are_refused():
    async def main():
        async with served() as (_session, base):
            return await asyncio.gather(
                asyncio.to_thread(raw_post, base, "/agents/nobody/mcp", {}),
                asyncio.to_thread(raw_post, base, "/elsewhere", {}),
                asyncio.to_thread(raw_post, base, "/mcp", {"host": "evil.example:80"}),
                asyncio.to_thread(raw_post, base, "/mcp", {"origin": "http://evil.example"}),
                asyncio.to_thread(raw_post, base, "/agents/editor/mcp", {}))

    nobody, elsewhere, host, origin, editor = run(main())
    assert nobody[0] == 404 and "no agent 'nobody'" in nobody[1] and "editor" in nobody[1]
    assert elsewhere[0] == 404 and "/agents/<name>/mcp" in elsewhere[1]
    assert host[0] == 421
    assert origin[0] == 403
    assert editor[0] == 200


def test_connections_to_the_served_socket_do_not_wait_on_nagle():
    # With Nagle on, each answer waited ~40 ms for the client's delayed ACK (44 ms a call).
    import socket

    async def main():
        accepted = asyncio.get_running_loop().create_future()

        def connected(reader, writer):
            sock = writer.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        sock = loopback_socket()
        address = sock.getsockname()
        async with await asyncio.start_server(connected, sock=sock):
            _reader, writer = await asyncio.open_connection(*address)
            nodelay = await accepted
            writer.close()
        return address[0], nodelay

    host, nodelay = run(main())
    assert host == "127.0.0.1"
    assert nodelay != 0


def test_the_app_composes_with_other_routes_in_one_server():
    """As the episode server serves it: beside the gateway's routes, mounted at / or a prefix."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    async def models(_request):
        return JSONResponse({"data": []})

    async def main():
        loaded = load_profile(SPORTS)
        async with open_episode(loaded, plan_one(loaded, EpisodeChoice(seed=0))) as session:
            endpoint = McpEndpoint(session)
            app = Starlette(routes=[Route("/v1/models", models, methods=["GET", "POST"]),
                                    Mount("/x", endpoint.app),
                                    Mount("/", endpoint.app)])
            sock = loopback_socket()
            server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
            async with endpoint.running():
                serving = asyncio.ensure_future(server.serve([sock]))
                while not server.started:
                    await asyncio.sleep(0.01)
                base = f"http://127.0.0.1:{sock.getsockname()[1]}"
                try:
                    names = []
                    for url in (f"{base}/mcp", f"{base}/x/agents/qa/mcp"):
                        async with Client(url) as client:
                            names.append([t.name for t in (await client.list_tools()).tools])
                    other = await asyncio.to_thread(raw_post, base, "/v1/models", {})
                finally:
                    server.should_exit = True
                    await serving
            await session.close()
            return session, names, other

    session, (union, qa), other = run(main())
    assert union == [s.name for s in session.tool_schemas(None)]
    assert qa == [s.name for s in session.tool_schemas("qa")]
    assert other == (200, '{"data":[]}')


def test_a_server_that_forgot_running_gets_a_503_that_says_so():
    async def main():
        loaded = load_profile(SPORTS)
        async with open_episode(loaded, plan_one(loaded, EpisodeChoice(seed=0))) as session:
            endpoint = McpEndpoint(session)
            sock = loopback_socket()
            server = uvicorn.Server(uvicorn.Config(endpoint.app, lifespan="off",
                                                   log_level="warning"))
            serving = asyncio.ensure_future(server.serve([sock]))
            while not server.started:
                await asyncio.sleep(0.01)
            try:
                return await asyncio.to_thread(
                    raw_post, f"http://127.0.0.1:{sock.getsockname()[1]}", "/mcp", {})
            finally:
                server.should_exit = True
                await serving
                await session.close()

    status, body = run(main())
    assert status == 503 and "McpEndpoint.running()" in body


def test_an_agent_s_delegate_runs_the_built_in_sub_agent_on_the_model_under_test():
    async def main():
        async with served() as (session, base):
            async with Client(f"{base}/agents/producer/mcp") as client:
                answer = await client.call_tool("delegate", {
                    "agent": "editor", "task": "Find clip goal-1 of the match."})
            return answer, await session.close()

    answer, episode = run(main())
    assert not answer.is_error and answer.content[0].text  # the editor's answer, as text
    started = [e for e in episode.trace if e.type == "agent_started" and e.agent == "editor"]
    assert [e.parent for e in started] == ["producer"]
    assert any(e.type == "model_called" and e.agent == "editor" for e in episode.trace)
    assert episode.result.usage.model_calls >= 1
