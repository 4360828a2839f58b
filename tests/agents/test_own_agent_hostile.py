"""An own agent's hostile moves break only its own episode, never the run or the verdict."""

import sys
import time

from chaos.agents._function import register_function
from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles, write_run, write_trace
from tests.agents.own_agents import RELEASE, release_profile
from tests.agents.release_agents import read_version


def run(agent, tmp_path=None, **options):
    runs = []
    loaded = load_profile(RELEASE) if tmp_path is None else release_profile(
        tmp_path, function="x:y", cwd=str(RELEASE.parent), **options.pop("chain", {}))
    results = run_profiles([loaded], RunOptions(agent_function=register_function(agent),
                                                arms=("clean",), **options),
                           on_episode=lambda plan, run: runs.append(run))
    return results, runs


def test_sys_exit_in_a_function_agent_crashes_its_episode_and_the_run_goes_on():
    async def agent(task, tools, model_base_url):
        sys.exit(2)  # argparse, click in standalone mode

    results, _ = run(agent, episodes=3)
    assert [e.status for e in results.episodes] == ["crashed"] * 3
    assert all("SystemExit(2)" in e.error for e in results.episodes)


def test_text_that_is_not_unicode_is_refused_as_that_calls_error(tmp_path):
    said = []

    async def agent(task, tools, model_base_url):
        said.append(await tools.call("report_issue", {"severity": "high", "summary": "\ud800",
                                                       "paths": []}))
        said.append(await tools.call("finish", {"result": {"done": ["\udfff"], "issues": []}}))
        return {"done": [], "issues": ["gave up"], "version": "0"}

    results, runs = run(agent, seed=0)
    assert all(s.startswith("error: arguments hold text that is not Unicode") for s in said)
    write_trace(tmp_path, runs[0])  # the trace and results still write
    write_run(tmp_path, results)
    assert results.episodes[0].status == "completed"


def test_nothing_the_entry_does_after_its_finish_is_judged():
    after = []

    async def agent(task, tools, model_base_url):
        version = await read_version(tools)
        await tools.call("finish", {"result": {"done": ["note", "answer"], "issues": [],
                                               "version": version}})
        after.append(await tools.call("write_file", {"path": "/desk/note.txt",
                                                     "content": f"release {version}\n"}))
        after.append(await tools.call("finish", {"result": {"done": [], "issues": [],
                                                            "version": "9"}}))

    results, runs = run(agent, seed=0)
    assert all(a.startswith("error: the episode is over: the entry agent has answered")
               for a in after)
    episode = results.episodes[0]
    assert not episode.task.passed  # the note came after the answer: it does not count
    finished = [e for e in runs[0].trace if e.type == "agent_finished"]
    assert len(finished) == 1


def test_arguments_nested_past_any_tool_fail_that_call_only():
    said = []

    async def agent(task, tools, model_base_url):
        deep: dict = {}
        for _ in range(5000):
            deep = {"a": deep}
        said.append(await tools.call("list_dir", {"path": "/", "x": deep}))
        version = await read_version(tools)
        await tools.call("write_file", {"path": "/desk/note.txt",
                                        "content": f"release {version}\n"})
        await tools.call("finish", {"result": {"done": ["note", "answer"], "issues": [],
                                               "version": version}})

    results, _ = run(agent, seed=0)
    assert said[0].startswith("error: arguments nested deeper than")
    assert results.episodes[0].status == "completed" and results.episodes[0].task.passed


def test_a_function_that_blocks_past_its_timeout_is_crashed_even_if_it_returns(tmp_path):
    async def agent(task, tools, model_base_url):
        time.sleep(1.5)  # blocks the loop: nothing can cancel it
        return {"done": [], "issues": [], "version": "0"}

    results, _ = run(agent, seed=0, agent_timeout_s=0.2)
    assert results.episodes[0].status == "crashed"
    assert "held the event loop" in results.episodes[0].error
