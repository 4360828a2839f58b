"""Command agents: `--agent "CMD"` / `chain.command`, run once per episode in a process group."""

import json
import os
import signal
import sys

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.runner import RunOptions, run_profiles, write_run, write_trace
from tests.agents.own_agents import RELEASE, alive, release_profile, script

ANSWER = {"done": ["answer"], "issues": ["the note was not written"], "version": "2.4.1"}


def run(loaded, out=None, **options):
    def keep(plan, run):
        if out is not None:
            write_trace(out, run)

    results = run_profiles([loaded], RunOptions(**options), on_episode=keep)
    if out is not None:
        write_run(out, results)
    return results


def test_a_json_object_printed_last_on_stdout_is_the_answer(tmp_path):
    command = script(tmp_path, "answer.py", f"""
import json
print("thinking...")
print(json.dumps({ANSWER!r}, indent=2))
print("bye")
""")
    out = tmp_path / "run"
    results = run(release_profile(tmp_path, command=command), out, seed=0, arms=("clean",))
    episode = results.episodes[0]
    assert episode.status == "completed", episode.error
    assert episode.task.reasons == ["note: write /desk/note.txt: the file was not written"]
    assert episode.agent.kind == "command" and episode.agent.exit_code == 0
    trace = [json.loads(line) for line in (out / episode.trace).read_text().splitlines()]
    finish = [e for e in trace if e["type"] == "tool_called" and e["tool"] == "finish"]
    assert finish[0]["arguments"] == {"result": ANSWER}


def test_an_answer_finish_refuses_crashes_the_episode_with_finishs_reason(tmp_path):
    command = script(tmp_path, "bad_answer.py", 'print(\'{"done": 5}\')\n')
    results = run(release_profile(tmp_path, command=command), seed=0, arms=("clean",))
    error = results.episodes[0].error
    assert error.startswith("agent command's answer on stdout was refused by finish: ")
    assert "done" in error


def test_a_command_that_hangs_is_ended_with_its_whole_process_group(tmp_path):
    pids = tmp_path / "pids"
    command = script(tmp_path, "hang.py", f"""
import os, subprocess, sys, time
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open({str(pids)!r}, "w") as f:
    f.write(f"{{os.getpid()}} {{helper.pid}}")
time.sleep(600)
""")
    results = run(release_profile(tmp_path, command=command, timeout_s=1), seed=0,
                  arms=("clean",))
    episode = results.episodes[0]
    assert episode.status == "crashed"
    assert episode.error.startswith(
        "agent command did not exit within 1 s (process group ended); raise")
    assert episode.agent.exit_code is None
    for pid in map(int, pids.read_text().split()):
        assert not alive(pid)


def test_a_command_that_ignores_sigterm_is_killed(tmp_path):
    pids = tmp_path / "pid"
    command = script(tmp_path, "stubborn.py", f"""
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
open({str(pids)!r}, "w").write(str(os.getpid()))
while True:
    time.sleep(1)
""")
    results = run(release_profile(tmp_path, command=command, timeout_s=0.5), seed=0,
                  arms=("clean",))
    assert results.episodes[0].error.startswith("agent command did not exit within 0.5 s")
    assert not alive(int(pids.read_text()))


def test_a_crash_is_the_exit_status_and_the_tail_of_stderr_with_keys_masked(tmp_path):
    command = script(tmp_path, "crash.py", """
import sys, traceback
def deep():
    raise ValueError("upstream refused key sk-live-0123456789abcdef")
try:
    deep()
except ValueError:
    traceback.print_exc()
    sys.exit(3)
""")
    results = run(release_profile(tmp_path, command=command), seed=0, arms=("clean",))
    episode = results.episodes[0]
    assert episode.status == "crashed" and episode.agent.exit_code == 3
    assert episode.error.startswith("agent command exited with status 3: Traceback")
    assert episode.error.endswith("ValueError: upstream refused key [redacted]")


def test_a_command_killed_by_a_signal_says_which(tmp_path):
    command = script(tmp_path, "killed.py", "import os, signal\nos.kill(os.getpid(), signal."
                                            "SIGKILL)\n")
    results = run(release_profile(tmp_path, command=command), seed=0, arms=("clean",))
    assert results.episodes[0].error == ("agent command was killed by signal SIGKILL "
                                         "(nothing on stderr)")
    assert results.episodes[0].agent.exit_code == -signal.SIGKILL


def test_fifty_megabytes_of_garbage_is_read_to_the_end_and_no_answer(tmp_path):
    command = script(tmp_path, "garbage.py", """
import random, sys
noise = random.Random(7)
for _ in range(50):
    sys.stdout.buffer.write(noise.randbytes(1024 * 1024))
    sys.stderr.buffer.write(noise.randbytes(1024 * 1024))
""")
    results = run(release_profile(tmp_path, command=command), seed=0, arms=("clean",))
    error = results.episodes[0].error
    assert error.startswith("agent command printed no answer and never called finish")
    assert len(error) < 400
    assert results.episodes[0].agent.exit_code == 0


def test_a_failure_after_garbage_quotes_a_bounded_tail(tmp_path):
    command = script(tmp_path, "garbage_fail.py", """
import sys
sys.stderr.write("x" * 10_000_000 + "\\nfinal words\\n")
sys.exit(1)
""")
    results = run(release_profile(tmp_path, command=command), seed=0, arms=("clean",))
    error = results.episodes[0].error
    assert error.startswith("agent command exited with status 1: ...")
    assert error.endswith("final words") and len(error) < 2000


def test_a_command_that_cannot_start_says_why(tmp_path):
    missing = str(tmp_path / "no-such-agent")
    results = run(release_profile(tmp_path, command=[missing]), seed=0, arms=("clean",))
    episode = results.episodes[0]
    assert episode.error == (f"agent command could not start: [Errno 2] No such file or "
                             f"directory: '{missing}'")
    assert episode.agent.exit_code is None


def test_every_episode_runs_whatever_the_ones_before_did(tmp_path):
    command = script(tmp_path, "moody.py", f"""
import json, os, sys, time
seed = int(os.environ["CHAOS_SEED"])
if seed == 0:
    sys.exit("cannot work on seed 0")
if seed == 1:
    time.sleep(600)
print(json.dumps({ANSWER!r}))
""")
    results = run(release_profile(tmp_path, command=command, timeout_s=1), episodes=3,
                  arms=("clean",))
    assert [(e.seed, e.status) for e in results.episodes] == [
        (0, "crashed"), (1, "crashed"), (2, "completed")]
    assert results.episodes[0].error == "agent command exited with status 1: cannot work on seed 0"


def test_the_environment_names_the_episode_and_holds_no_real_key(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-openai-0123456789")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-real-0123456789")
    dump = tmp_path / "env.json"
    command = script(tmp_path, "env.py", f"""
import json, os
json.dump(dict(os.environ), open({str(dump)!r}, "w"))
key = os.environ["CHAOS_GATEWAY_KEY"]
print(json.dumps({{"done": [], "issues": ["gateway key " + key], "version": key}}))
""")
    (tmp_path / "work").mkdir()
    loaded = release_profile(tmp_path, command=command, cwd="work", env={"TEAM_FLAG": "on"})
    out = tmp_path / "run"
    results = run(loaded, out, seed=4, arms=("chaos",))
    env = json.loads(dump.read_text())
    key = env["CHAOS_GATEWAY_KEY"]
    assert env["OPENAI_API_KEY"] == env["ANTHROPIC_API_KEY"] == key
    assert "real" not in key
    assert env["CHAOS_MCP_URL"].startswith("http://127.0.0.1:")
    root = env["CHAOS_MCP_URL"].removesuffix("/mcp")
    assert json.loads(env["CHAOS_AGENT_MCP_URLS"]) == {"desk": f"{root}/agents/desk/mcp"}
    assert env["OPENAI_BASE_URL"] == f"{root}/v1" and env["ANTHROPIC_BASE_URL"] == root
    assert env["CHAOS_MODEL"] == "scripted/careful"
    assert "/desk/note.txt" in env["CHAOS_TASK"]
    assert env["CHAOS_EPISODE"] == "release-note/scripted-careful/seed-4/chaos"
    assert (env["CHAOS_SEED"], env["CHAOS_ARM"], env["CHAOS_ENTRY"]) == ("4", "chaos", "desk")
    assert env["CHAOS_PROFILE"] == str(tmp_path / "release.yaml")
    assert env["TEAM_FLAG"] == "on"
    assert not os.path.exists(env["CHAOS_TASK_FILE"])  # removed with the episode
    episode = results.episodes[0]
    assert episode.status == "completed"
    for path in [out / "results.json", *(out / "traces").rglob("*.jsonl")]:
        text = path.read_text()
        assert key not in text and "real-openai" not in text


def test_the_command_runs_in_chain_cwd_from_the_profiles_folder(tmp_path):
    (tmp_path / "agent").mkdir()
    command = script(tmp_path, "where.py", """
import json, os
print(json.dumps({"done": [], "issues": [os.getcwd()], "version": "0"}))
""")
    runs = []
    run_profiles([release_profile(tmp_path, command=command, cwd="agent")],
                 RunOptions(seed=0, arms=("clean",)), on_episode=lambda p, r: runs.append(r))
    answer = next(e.answer for e in runs[0].trace if e.type == "agent_finished")
    assert answer["issues"] == [str(tmp_path / "agent")]


def test_cli_agent_replaces_the_chain_and_prints_the_usual_table(tmp_path, monkeypatch):
    command = script(tmp_path, "answer.py", f"import json\nprint(json.dumps({ANSWER!r}))\n")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    cli = f"{sys.executable} answer.py"  # in the current folder
    result = CliRunner().invoke(main, ["run", str(RELEASE), "--agent", cli, "--seed", "0",
                                       "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "release-note" in result.output and "fs.io_error" in result.output
    episodes = json.loads((out / "results.json").read_text())["episodes"]
    assert {e["agent"]["kind"] for e in episodes} == {"command"}
    assert all(e["status"] == "completed" for e in episodes)
    assert episodes[0]["reproduce"].endswith(f" --agent '{cli}'")
    assert command  # written where --agent runs it


def test_cli_agent_options_are_checked(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["run", str(RELEASE), "--agent", "python 'open"])
    assert result.exit_code == 2 and "cannot split it as a shell would" in result.output
    result = runner.invoke(main, ["run", str(RELEASE), "--agent", sys.executable,
                                  "--agent-function", "m:f"])
    assert result.exit_code == 2 and "keep one" in result.output
    result = runner.invoke(main, ["run", str(RELEASE), "--agent-function", "not a function"])
    assert result.exit_code == 2 and "MODULE:ATTR" in result.output
    # Started without a shell: what only a shell reads is refused with the way out, as is a
    # program that is not there (before any episode runs).
    for command, says in [("LEVEL=1 python a.py", "env LEVEL=1"), ("python a.py > log", "sh -c"),
                          ("no-such-agent-program-x", "no such program on PATH"),
                          ("./no/such/agent.py", "no such file")]:
        result = runner.invoke(main, ["run", str(RELEASE), "--agent", command])
        assert result.exit_code == 2 and says in result.output, (command, result.output)
    sports = str(RELEASE.parent.parent.parent / "profiles" / "sports-production.yaml")
    result = runner.invoke(main, ["run", sports, "--agent-timeout", "5"])
    assert result.exit_code == 2 and "has no agent command to time" in result.output


@pytest.mark.parametrize("agent", ["command", "list"])
def test_the_pytest_fixture_runs_a_command_agent(chaos_run, tmp_path, agent):
    command = script(tmp_path, "answer.py", f"import json\nprint(json.dumps({ANSWER!r}))\n")
    results = chaos_run(RELEASE, agent=" ".join(command) if agent == "command" else command,
                        seed=0, arms=["clean"])
    assert results.episodes[0].agent.kind == "command"
    assert results.episodes[0].status == "completed"


@pytest.mark.parametrize(("stdout", "answer"), [
    ('{"a": 1}\n{"b": [\n  {"c": 2}\n]}\n', {"b": [{"c": 2}]}),
    ('log {"x": 1}\n{"a": 1}\n', {"a": 1}),
    ('{"a": 1}\n{"b": 2} and more\n', {"a": 1}),
    ('{"a": 1}\n{}\n', {"a": 1}),
    ("no json here\n[1, 2]\n", None),
    ('{"a": 1', None),
])
def test_the_answer_is_the_last_object_printed_on_lines_of_its_own(stdout, answer):
    from chaos.agents._command import answer_on_stdout

    assert answer_on_stdout(stdout) == answer


def test_the_runs_episode_timeout_ends_the_agents_process_group_too(tmp_path):
    pids = tmp_path / "pids"
    command = script(tmp_path, "hang.py", f"""
import os, subprocess, sys, time
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open({str(pids)!r}, "w") as f:
    f.write(f"{{os.getpid()}} {{helper.pid}}")
time.sleep(600)
""")
    results = run(release_profile(tmp_path, command=command), seed=0, arms=("clean",),
                  episode_timeout_s=1)
    assert results.episodes[0].error.startswith("episode timed out: still running after 1 s")
    for pid in map(int, pids.read_text().split()):
        assert not alive(pid)


def test_helpers_an_agent_leaves_behind_are_ended_with_its_group(tmp_path):
    pid_file = tmp_path / "helper"
    command = script(tmp_path, "leaves_helper.py", f"""
import json, subprocess, sys
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
open({str(pid_file)!r}, "w").write(str(helper.pid))
print(json.dumps({ANSWER!r}))
""")
    results = run(release_profile(tmp_path, command=command), seed=0, arms=("clean",))
    assert results.episodes[0].status == "completed"
    assert results.episodes[0].agent.exit_code == 0
    assert not alive(int(pid_file.read_text()))


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="strays are found through /proc")
def test_helpers_that_leave_the_group_are_ended_too(tmp_path):
    # setsid (a session of its own) and a daemon's double fork both escape the process group.
    pid_file = tmp_path / "helpers"
    command = script(tmp_path, "escapes.py", f"""
import json, os, subprocess, sys, time
sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
alone = subprocess.Popen(sleeper, start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
read, write = os.pipe()
if os.fork() == 0:  # a daemon: fork, new session, fork again, the middle one exits
    os.setsid()
    if os.fork() == 0:
        os.write(write, str(os.getpid()).encode())
        time.sleep(600)
    os._exit(0)
daemon = int(os.read(read, 32))
open({str(pid_file)!r}, "w").write(f"{{alone.pid}} {{daemon}}")
print(json.dumps({ANSWER!r}))
""")
    results = run(release_profile(tmp_path, command=command), seed=0, arms=("clean",))
    assert results.episodes[0].status == "completed"
    pids = [int(p) for p in pid_file.read_text().split()]
    assert len(pids) == 2
    for pid in pids:
        assert not alive(pid)


def test_control_characters_an_agent_prints_do_not_reach_the_reason(tmp_path):
    command = script(tmp_path, "escape.py", r"""
import sys
sys.stderr.write("\x1b[2J\x1b]0;owned\x07 it broke\n")
sys.exit(2)
""")
    results = run(release_profile(tmp_path, command=command), seed=0, arms=("clean",))
    error = results.episodes[0].error
    assert error.startswith("agent command exited with status 2: ") and error.endswith("it broke")
    assert "\x1b" not in error and "\x07" not in error


def test_agent_timeout_overrides_the_chains_and_stays_in_the_reproduce_command(tmp_path):
    command = script(tmp_path, "slow.py", "import time\ntime.sleep(600)\n")
    loaded = release_profile(tmp_path, command=["never-run"], timeout_s=600)
    results = run(loaded, seed=0, arms=("clean",), agent=tuple(command), agent_timeout_s=0.5)
    episode = results.episodes[0]
    assert episode.error.startswith(
        "agent command did not exit within 0.5 s (process group ended); raise")
    assert episode.reproduce.endswith(" --agent-timeout 0.5")
    assert "--agent " in episode.reproduce and "slow.py" in episode.reproduce


def test_the_key_of_a_remote_model_under_test_is_kept_from_the_agent(tmp_path, monkeypatch):
    import yaml

    from chaos.profile import load_profile

    monkeypatch.setenv("TEAM_LLM_KEY", "team-secret-0123456789")
    monkeypatch.setenv("COPY_OF_THE_KEY", "team-secret-0123456789")
    dump = tmp_path / "env.json"
    command = script(tmp_path, "env.py", f"""
import json, os
json.dump(dict(os.environ), open({str(dump)!r}, "w"))
print(json.dumps({ANSWER!r}))
""")
    data = yaml.safe_load(RELEASE.read_text())
    data["chain"].pop("function")
    data["chain"]["command"] = command
    data["models"] = [{"provider": "openai", "model": "team-model", "api_key_env": "TEAM_LLM_KEY",
                       "base_url": "http://127.0.0.1:9/v1"}]
    (tmp_path / "remote.yaml").write_text(yaml.safe_dump(data))
    results = run(load_profile(tmp_path / "remote.yaml"), seed=0, arms=("clean",))
    assert results.episodes[0].status == "completed", results.episodes[0].error
    env = json.loads(dump.read_text())
    assert "TEAM_LLM_KEY" not in env and "COPY_OF_THE_KEY" not in env
    assert env["CHAOS_MODEL"] == "openai/team-model"
