"""Command agents over the real endpoints: MCP tools and the model gateway, as a team's agent.

The agents here are small scripts using the official clients (the `mcp` SDK's `Client`, the
`openai` SDK) with nothing but the environment chaos gives them.
"""

import json
import sys

from chaos.runner import RunOptions, run_profiles, write_run, write_trace
from tests.agents.own_agents import release_profile, script

MCP_AGENT = """
import asyncio, json, os
from mcp import Client

async def main():
    async with Client(os.environ["CHAOS_MCP_URL"]) as tools:
        names = [t.name for t in (await tools.list_tools()).tools]
        assert "finish" in names, names
        for _ in range(5):  # the first reads fail (fs.io_error)
            result = await tools.call_tool("read_file", {"path": "/desk/release.json"})
            if not result.is_error:
                break
        version = json.loads(json.loads(result.content[0].text)["content"])["version"]
        await tools.call_tool("write_file", {"path": "/desk/note.txt",
                                             "content": f"release {version}"})
        done = await tools.call_tool("finish", {"result": {
            "done": ["note", "answer"], "issues": [], "version": version}})
        assert not done.is_error, done.content[0].text

asyncio.run(main())
"""

#: A plain tool loop: the model through the gateway, the tools over MCP.
LOOP_AGENT = """
import asyncio, json, os
from mcp import Client
from openai import AsyncOpenAI

async def main():
    model = AsyncOpenAI()  # OPENAI_BASE_URL and OPENAI_API_KEY: the episode's gateway
    async with Client(os.environ["CHAOS_MCP_URL"]) as tools:
        offered = [{"type": "function", "function": {
            "name": t.name, "description": t.description or "", "parameters": t.input_schema}}
            for t in (await tools.list_tools()).tools]
        messages = [{"role": "user", "content": os.environ["CHAOS_TASK"]}]
        for _ in range(60):
            reply = await model.chat.completions.create(
                model=os.environ["CHAOS_MODEL"], messages=messages, tools=offered)
            message = reply.choices[0].message
            messages.append(message.model_dump(exclude_none=True))
            if not message.tool_calls:
                return
            for call in message.tool_calls:
                result = await tools.call_tool(call.function.name,
                                               json.loads(call.function.arguments or "{}"))
                messages.append({"role": "tool", "tool_call_id": call.id,
                                 "content": result.content[0].text})
                if call.function.name == "finish" and not result.is_error:
                    return

asyncio.run(main())
"""


def verdicts(results):
    return [(e.key, e.status, e.task.passed, e.handled,
             [(f.id, f.outcome) for f in e.faults]) for e in results.episodes]


def test_an_agent_over_mcp_does_the_task_and_the_oracle_judges_it(tmp_path):
    out = tmp_path / "run"
    loaded = release_profile(tmp_path, command=script(tmp_path, "agent.py", MCP_AGENT))
    results = run_profiles([loaded], RunOptions(seed=0),
                           on_episode=lambda plan, run: write_trace(out, run))
    write_run(out, results)
    assert [(e.arm, e.status, e.task.passed) for e in results.episodes] == [
        ("clean", "completed", True), ("chaos", "completed", True)], results.episodes[0].error
    assert [f.outcome for f in results.episodes[1].faults] == ["recovered"]
    trace = [json.loads(line) for line in
             (out / results.episodes[1].trace).read_text().splitlines()]
    calls = [(e["agent"], e["tool"]) for e in trace if e["type"] == "tool_called"]
    assert calls[0] == ("desk", "read_file") and calls[-1] == ("desk", "finish")
    assert any(e["type"] == "fault_injected" for e in trace)


def test_a_tool_loop_through_the_gateway_matches_the_built_in_chains_verdicts(tmp_path):
    built_in = release_profile(tmp_path)  # no own agent: the built-in chain
    command = script(tmp_path, "loop.py", LOOP_AGENT)
    for model in ("scripted/careful", "scripted/naive"):
        options = RunOptions(models=(model,), episodes=2)
        expected = run_profiles([built_in], options)
        own = run_profiles([built_in], RunOptions(models=(model,), episodes=2,
                                                  agent=tuple(command)))
        assert all(e.agent.kind == "command" for e in own.episodes)
        assert verdicts(own) == verdicts(expected), model


def test_cli_agent_with_a_scripted_model_prints_the_usual_table(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from chaos.cli import main

    script(tmp_path, "loop.py", LOOP_AGENT)
    monkeypatch.chdir(tmp_path)
    profile = tmp_path / "release.yaml"
    release_profile(tmp_path)  # the built-in chain's profile: --agent replaces it
    result = CliRunner().invoke(main, ["run", str(profile), "--agent",
                                       f"{sys.executable} loop.py", "--model",
                                       "scripted/careful", "--out", str(tmp_path / "run"),
                                       "--quiet"])
    assert result.exit_code == 0, result.output
    assert "scripted/careful" in result.output and "fs.io_error" in result.output
    episodes = json.loads((tmp_path / "run" / "results.json").read_text())["episodes"]
    assert {e["status"] for e in episodes} == {"completed"}
    assert {e["agent"]["kind"] for e in episodes} == {"command"}


def test_a_recorded_run_of_a_command_agent_replays_to_the_same_verdicts(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from chaos.cli import main

    script(tmp_path, "loop.py", LOOP_AGENT)
    monkeypatch.chdir(tmp_path)
    release_profile(tmp_path)
    agent = f"{sys.executable} loop.py"
    runner = CliRunner()
    recorded = runner.invoke(main, ["run", "release.yaml", "--agent", agent, "--model",
                                    "scripted/naive", "--episodes", "2", "--record",
                                    "--out", "recorded", "--quiet"])
    assert recorded.exit_code == 0, recorded.output
    replayed = runner.invoke(main, ["run", "release.yaml", "--agent", agent, "--model",
                                    "scripted/naive", "--episodes", "2", "--replay", "recorded",
                                    "--out", "replayed", "--quiet"])
    assert replayed.exit_code == 0, replayed.output

    def verdicts(run):
        episodes = json.loads((tmp_path / run / "results.json").read_text())["episodes"]
        return [(e["key"], e["status"], e["task"], [(f["id"], f["outcome"]) for f in e["faults"]])
                for e in episodes]

    assert verdicts("replayed") == verdicts("recorded")
    cassettes = list((tmp_path / "recorded" / "cassettes").glob("*.jsonl"))
    assert cassettes and all("sk-chaos-" not in c.read_text() for c in cassettes)


def test_a_sweep_runs_a_profile_with_chain_command_in_its_worker_processes(tmp_path):
    from chaos.sweep import SweepOptions, SweepSpec, run_sweep

    command = script(tmp_path, "agent.py", MCP_AGENT)
    release_profile(tmp_path, command=command)
    spec = SweepSpec(id="own", profiles=[str(tmp_path / "release.yaml")], seeds=[0, 1],
                     store=str(tmp_path / "history.db"), workers=2)
    run_sweep(spec, SweepOptions(out=tmp_path / "sweep"))
    episodes = json.loads((tmp_path / "sweep" / "results.json").read_text())["episodes"]
    assert [(e["status"], e["task"]["passed"], e["agent"]["kind"]) for e in episodes] == [
        ("completed", True, "command")] * 4


def test_same_seed_model_and_agent_give_byte_identical_traces(tmp_path):
    from chaos.runner import trace_text

    loaded = release_profile(tmp_path, command=script(tmp_path, "loop.py", LOOP_AGENT))
    traces, results = [[], []], []
    for attempt in traces:
        results.append(run_profiles([loaded], RunOptions(models=("scripted/careful",), seed=1),
                                    on_episode=lambda plan, run, kept=attempt: kept.append(
                                        trace_text(run.trace))))
    assert traces[0] == traces[1]
    assert [e.model_dump(exclude={"agent"}) for e in results[0].episodes] == \
        [e.model_dump(exclude={"agent"}) for e in results[1].episodes]


def test_an_agent_that_lingers_after_finish_is_ended_and_judged_on_its_answer(tmp_path):
    pid_file = tmp_path / "pid"
    lingering = MCP_AGENT + f"""
import os, sys, time
open({str(pid_file)!r}, "w").write(str(os.getpid()))
sys.stderr.write("finished, but staying around\\n")
time.sleep(600)
"""
    loaded = release_profile(tmp_path, command=script(tmp_path, "linger.py", lingering))
    results = run_profiles([loaded], RunOptions(seed=0, arms=("clean",)))
    episode = results.episodes[0]
    assert (episode.status, episode.task.passed, episode.agent.exit_code) == (
        "completed", True, None)
    from tests.agents.own_agents import alive

    assert not alive(int(pid_file.read_text()))


def test_concurrent_episodes_each_get_their_own_server_and_process(tmp_path):
    loaded = release_profile(tmp_path, command=script(tmp_path, "agent.py", MCP_AGENT))
    results = run_profiles([loaded], RunOptions(episodes=4, concurrency=4))
    assert [(e.status, e.task.passed) for e in results.episodes] == [("completed", True)] * 8


def test_an_agent_killed_with_its_mcp_session_open_leaves_the_run_going(tmp_path):
    hanging = """
import asyncio, os
from mcp import Client

async def main():
    async with Client(os.environ["CHAOS_MCP_URL"]) as tools:
        await tools.call_tool("list_dir", {"path": "/desk"})
        if os.environ["CHAOS_SEED"] == "0":
            await asyncio.sleep(600)  # killed here, its session and streams open
        await tools.call_tool("finish", {"result": {"done": [], "issues": ["x"],
                                                    "version": "0"}})

asyncio.run(main())
"""
    loaded = release_profile(tmp_path, command=script(tmp_path, "hang.py", hanging),
                             timeout_s=3)
    results = run_profiles([loaded], RunOptions(episodes=2, arms=("clean",)))
    assert [(e.seed, e.status) for e in results.episodes] == [(0, "crashed"), (1, "completed")]
    assert results.episodes[0].error.startswith("agent command did not exit within 3 s "
                                                "(process group ended); raise")
