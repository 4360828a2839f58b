"""Function agents: `async def agent(task, tools, model_base_url)` run once per episode."""

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.errors import InputError
from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles, trace_text
from tests.agents.own_agents import RELEASE, release_profile


def run(loaded, **options):
    runs = []
    results = run_profiles([loaded], RunOptions(**options),
                           on_episode=lambda plan, run: runs.append(run))
    return results, runs


def test_a_function_agent_that_does_the_task_through_the_tools_passes_and_recovers():
    results, _ = run(load_profile(RELEASE))
    assert [(e.arm, e.status, e.task.passed) for e in results.episodes] == [
        ("clean", "completed", True), ("chaos", "completed", True)] * 2
    chaos = [e for e in results.episodes if e.arm == "chaos"]
    assert {f.outcome for e in chaos for f in e.faults} == {"recovered"}
    assert all(e.agent.kind == "function" and e.agent.exit_code is None
               for e in results.episodes)


def test_a_returned_dict_is_the_answer_submitted_through_finish(tmp_path):
    loaded = release_profile(tmp_path, function="release_agents:returns_answer",
                             cwd=str(RELEASE.parent))
    results, runs = run(loaded, seed=0, arms=("clean",))
    episode = results.episodes[0]
    assert episode.status == "completed" and episode.task.passed
    finishes = [e for e in runs[0].trace if e.type == "tool_called" and e.tool == "finish"]
    assert len(finishes) == 1


@pytest.mark.parametrize(("function", "timeout", "reason"), [
    ("raises", None, "agent function raised RuntimeError: the agent broke, holding key "
                     "[redacted]"),
    ("hangs", 0.5, "agent function did not return within 0.5 s (cancelled)"),
    ("returns_nothing", None, "agent function returned no answer and never called finish"),
])
def test_a_failing_function_crashes_its_episode_with_the_reason_and_the_run_goes_on(
        tmp_path, function, timeout, reason):
    loaded = release_profile(tmp_path, function=f"release_agents:{function}",
                             cwd=str(RELEASE.parent), **({"timeout_s": timeout} if timeout
                                                         else {}))
    results, _ = run(loaded, episodes=2, arms=("clean",))
    assert [(e.status, e.error) for e in results.episodes] == [("crashed", reason)] * 2
    assert all(e.agent.kind == "function" for e in results.episodes)


def test_a_function_that_cannot_be_imported_is_refused_before_anything_runs(tmp_path):
    loaded = release_profile(tmp_path, function="no_such_module:agent")
    with pytest.raises(InputError, match="module 'no_such_module' cannot be imported"):
        run(loaded)
    loaded = release_profile(tmp_path, function="release_agents:nope",
                             cwd=str(RELEASE.parent))
    with pytest.raises(InputError, match="release_agents has no attribute 'nope'"):
        run(loaded)


def test_the_tools_are_the_chains_and_an_agent_has_its_own_set():
    seen = {}

    async def agent(task, tools, model_base_url):
        seen["task"] = task
        seen["names"] = [s["function"]["name"] for s in tools.schemas]
        seen["types"] = {s["type"] for s in tools.schemas}
        seen["urls"] = (tools.mcp_url, model_base_url, tools.anthropic_base_url)
        seen["desk"] = tools.agent("desk").mcp_url
        with pytest.raises(KeyError):
            tools.agent("nobody")
        seen["bad"] = await tools.call("read_file", "not json")
        return {"done": [], "issues": ["looked only"], "version": "0"}

    results, runs = run(load_profile(RELEASE), seed=0, arms=("clean",),
                        agent_function=_register(agent))
    assert seen["names"] == ["find_files", "list_dir", "read_file", "write_file",
                             "report_issue", "finish"]
    assert seen["types"] == {"function"}
    assert "/desk/note.txt" in seen["task"]
    mcp, openai, anthropic = seen["urls"]
    assert mcp.startswith("http://127.0.0.1:") and mcp.endswith("/mcp")
    assert openai == anthropic + "/v1"
    assert seen["desk"] == anthropic + "/agents/desk/mcp"
    assert "JSON object" in seen["bad"]
    assert results.episodes[0].status == "completed"


def _register(function):
    from chaos.agents._function import register_function

    return register_function(function)


def test_same_seed_and_agent_give_the_same_trace_and_verdicts():
    loaded = load_profile(RELEASE)
    first = run(loaded, seed=3)
    second = run(loaded, seed=3)

    def stable(results):
        return [e.model_dump(exclude={"agent"}) for e in results.episodes]

    assert stable(first[0]) == stable(second[0])
    assert [trace_text(r.trace) for r in first[1]] == [trace_text(r.trace) for r in second[1]]


def test_the_run_episode_timeout_cancels_a_function_agent_and_the_run_goes_on(tmp_path):
    loaded = release_profile(tmp_path, function="release_agents:hangs",
                             cwd=str(RELEASE.parent))
    results, _ = run(loaded, seed=0, arms=("clean",), episode_timeout_s=0.5)
    assert results.episodes[0].status == "crashed"
    assert "episode timed out" in results.episodes[0].error


def test_the_pytest_fixture_runs_a_function_agent(chaos_run):
    async def agent(task, tools, model_base_url):
        from tests.agents.release_agents import careful

        await careful(task, tools, model_base_url)

    results = chaos_run(RELEASE, agent=agent, episodes=1)
    assert [e.task.passed for e in results.episodes] == [True, True]
    named = chaos_run(RELEASE, agent="tests.agents.release_agents:returns_answer", seed=0,
                      arms=["clean"])
    assert named.episodes[0].task.passed
    assert "--agent-function tests.agents.release_agents:returns_answer" in \
        named.episodes[0].reproduce


def test_an_episode_of_your_own_agent_shrinks_with_that_agent(tmp_path):
    import yaml

    from chaos.runner import write_run, write_trace
    from chaos.shrink import shrink_episode

    data = yaml.safe_load(RELEASE.read_text())
    data["chain"].pop("function")  # the profile's own chain: the built-in one
    data["faults"].append({"id": "stale", "kind": "fs.stale_version",
                           "target": {"glob": "/desk/release.json"}})
    (tmp_path / "release.yaml").write_text(yaml.safe_dump(data))
    out, naive = tmp_path / "run", "tests.agents.release_agents:naive"
    results = run_profiles([load_profile(tmp_path / "release.yaml")],
                           RunOptions(seed=0, arms=("chaos",), agent_function=naive),
                           on_episode=lambda plan, run: write_trace(out, run))
    write_run(out, results)
    key = "release-note/scripted-careful/seed-0/chaos"
    assert {f.id: f.outcome for f in results.episodes[0].faults}["stale"] == "propagated"
    with pytest.raises(InputError, match="ran your own agent.*--agent-function"):
        shrink_episode(out, key)
    shrunk = shrink_episode(out, key, agent_function=naive)
    assert shrunk.faults == ("stale",)
    assert shrunk.reproduce.endswith(f"--agent-function {naive} --only-fault stale")
    timed = CliRunner().invoke(main, ["shrink", str(out), "--episode", key, "--agent-function",
                                      naive, "--agent-timeout", "30", "--quiet"])
    assert timed.exit_code == 0, timed.output
    assert f"--agent-function {naive} --agent-timeout 30 --only-fault stale" in timed.output


def test_a_function_agent_with_the_openai_sdk_matches_the_built_in_chains_verdicts(tmp_path):
    built_in = release_profile(tmp_path)  # no own agent: the built-in chain
    for model in ("scripted/careful", "scripted/naive"):
        expected, _ = run(built_in, models=(model,), episodes=2)
        own, _ = run(built_in, models=(model,), episodes=2,
                     agent_function="tests.agents.release_agents:openai_loop")
        assert [(e.key, e.status, e.task, e.handled, e.faults) for e in own.episodes] == \
            [(e.key, e.status, e.task, e.handled, e.faults) for e in expected.episodes]
        assert own.episodes[0].usage.model_calls == expected.episodes[0].usage.model_calls


def test_a_function_agent_can_use_the_mcp_endpoint_in_process(tmp_path):
    results, _ = run(load_profile(RELEASE), seed=0,
                     agent_function="tests.agents.release_agents:over_mcp")
    assert [(e.status, e.task.passed) for e in results.episodes] == [("completed", True)] * 2


def test_a_function_that_is_not_async_or_takes_other_arguments_crashes_saying_so(tmp_path):
    loaded = release_profile(tmp_path, function="release_agents:not_async",
                             cwd=str(RELEASE.parent))
    results, _ = run(loaded, seed=0, arms=("clean",))
    assert results.episodes[0].error == (
        "agent function raised TypeError: the agent function returned dict, not a coroutine: "
        "write it as `async def agent(task, tools, model_base_url)`")
    loaded = release_profile(tmp_path, function="release_agents:takes_two",
                             cwd=str(RELEASE.parent))
    results, _ = run(loaded, seed=0, arms=("clean",))
    assert results.episodes[0].error.startswith("agent function raised TypeError: takes_two()")
