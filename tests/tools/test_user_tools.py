import asyncio
import hashlib
import sys
import uuid
from pathlib import Path

import pytest

from chaos._clock import sim_seconds
from chaos.errors import ProfileError
from chaos.models.scripted import policy
from chaos.profile import parse_profile
from chaos.runner import build_world
from chaos.sim import EpisodePlan, run_episode

MODULE = "chaos_team_tools_for_tests"
#: Written by a user tool inside the episode: it must land in the fake world only.
REAL_NOTE_DIR = Path("/tmp") / f"chaos-user-tool-{uuid.uuid4().hex}"

TEAM_TOOLS = f'''
import hashlib
import os
from os.path import exists
from pathlib import Path

NOTES = Path("{REAL_NOTE_DIR}")  # made at import time, before any patching


def sha256_of(path):
    """The sha256 of a file, read with the builtin open()."""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def save_note(name, text):
    """Write a note with pathlib."""
    NOTES.mkdir(parents=True, exist_ok=True)
    (NOTES / name).write_text(text)
    return {{"written": str(NOTES / name), "size": os.stat(NOTES / name).st_size,
            "exists": exists(NOTES / name), "mtime": os.stat(NOTES / name).st_mtime}}


def explode(path):
    raise RuntimeError("the team's own bug at " + path)
'''

PROFILE = """
version: 1
name: team-tools
world:
  generator: sports_media
  params: {teams: 2, matches_per_team: 1, clips_per_match: 3, stock_clips: 4}
chain:
  entry: producer
  agents:
    producer:
      instructions: Check the shot list with the team's tools.
      tools: [sha256_of, save_note, explode, finish]
task:
  kind: highlight_package
tools:
  sha256_of:
    callable: MODULE:sha256_of
    parameters: {type: object, properties: {path: {type: string}}, required: [path]}
  save_note:
    callable: MODULE:save_note
    description: Keep a note.
    parameters:
      type: object
      properties: {name: {type: string}, text: {type: string}}
      required: [name, text]
      additionalProperties: false
  explode:
    callable: MODULE:explode
    parameters: {type: object, properties: {path: {type: string}}}
models: [scripted/test-team-tools]
""".replace("MODULE", MODULE)


@policy("test-team-tools")
def uses_the_team_tools(brief, ctx):
    digest = yield "sha256_of", {"path": brief["shotlist"]}
    yield "save_note", {"name": "shotlist.sha256", "text": digest}
    yield "save_note", {"name": "x", "text": "y", "colour": "red"}
    yield "explode", {"path": brief["match_dir"]}
    yield "finish", {"result": {"team": brief["team"], "match_date": brief["match_date"],
                                "clips": [], "issues": []}}


@pytest.fixture(autouse=True)
def team_module(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.getbasetemp() / "team-tools"
    folder.mkdir(exist_ok=True)
    (folder / f"{MODULE}.py").write_text(TEAM_TOOLS)
    monkeypatch.syspath_prepend(str(folder))
    yield
    assert not REAL_NOTE_DIR.exists(), "a user tool wrote to the real disk"


def episode(text, seed=0):
    profile = parse_profile(text)
    plan = EpisodePlan(profile.name, "p.yaml", "scripted/test-team-tools", seed, "chaos")
    world = build_world(profile, seed)
    return world, asyncio.run(run_episode(plan, profile, world))


def test_a_user_tool_reads_the_fake_worlds_bytes_with_open():
    world, run = episode(PROFILE)
    sha, *_ = [e for e in run.trace if e.type == "tool_returned" and e.tool == "sha256_of"]
    assert sha.ok
    assert sha.result == world.files[world.truth.shotlist_path].digest
    assert sha.result == hashlib.sha256(world.files[world.truth.shotlist_path].data).hexdigest()


def test_a_user_tool_writes_into_the_fake_world_never_the_real_disk():
    _, run = episode(PROFILE)
    note = next(e for e in run.trace if e.type == "tool_returned" and e.tool == "save_note")
    assert note.ok, note.result
    assert f'"written": "{REAL_NOTE_DIR}/shotlist.sha256"' in note.result
    assert '"exists": true' in note.result
    assert not REAL_NOTE_DIR.exists()


def test_user_tools_keep_episodes_deterministic():
    # pyfakefs stamps writes with the wall clock; under chaos they carry simulated time.
    _, first = episode(PROFILE)
    _, second = episode(PROFILE)
    assert [e.model_dump_json() for e in first.trace] == [e.model_dump_json()
                                                          for e in second.trace]
    called = next(e for e in first.trace if e.type == "tool_called" and e.tool == "save_note")
    note = next(e for e in first.trace if e.type == "tool_returned" and e.tool == "save_note")
    assert f'"mtime": {float(sim_seconds(called.t_ms))}' in note.result


def test_bad_arguments_and_a_raising_tool_reach_the_agent_as_error_text():
    _, run = episode(PROFILE)
    returned = [e for e in run.trace if e.type == "tool_returned"]
    bad_call = [e for e in returned if e.tool == "save_note"][1]
    assert not bad_call.ok
    assert bad_call.result == "error: unknown argument(s): colour (known: name, text)"
    boom = next(e for e in returned if e.tool == "explode")
    assert boom.result.startswith("error: RuntimeError: the team's own bug at /prod/")
    assert run.result.status == "completed"


def test_the_patch_is_undone_after_each_call():
    episode(PROFILE)
    import os

    assert type(os).__name__ == "module"
    assert Path(__file__).is_file()  # the real disk again
    assert sys.modules["builtins"].open is open


def _on_the_shotlist(fault_id, kind):
    """The profile with one fault on the shot list the user tool hashes."""
    return PROFILE.replace("models:", f"""faults:
  - id: {fault_id}
    kind: {kind}
    target: {{tag: task_shotlist}}
models:""")


def test_an_access_fault_meets_the_user_tool_and_fires():
    world, run = episode(_on_the_shotlist("locked-shotlist", "fs.permission_denied"))
    sha = next(e for e in run.trace if e.type == "tool_returned" and e.tool == "sha256_of")
    assert sha.result == f"[Errno 13] Permission denied: '{world.truth.shotlist_path}'"
    assert not sha.ok  # a failed call in the trace, as for a built-in tool
    (fault,) = run.result.faults
    assert fault.fired and fault.touched_by == "producer"


def test_a_content_fault_is_what_the_user_tool_reads():
    world, run = episode(_on_the_shotlist("shotlist-gone", "fs.missing"))
    sha = next(e for e in run.trace if e.type == "tool_returned" and e.tool == "sha256_of")
    assert sha.result == f"[Errno 2] No such file or directory: '{world.truth.shotlist_path}'"
    assert run.result.faults[0].fired


def test_a_user_tool_cannot_take_a_built_in_name():
    text = PROFILE.replace("  explode:\n", "  read_file:\n").replace(
        "tools: [sha256_of, save_note, explode, finish]", "tools: [sha256_of, save_note, finish]")
    with pytest.raises(ProfileError, match="tool 'read_file' is built in"):
        parse_profile(text)


def test_a_callable_that_does_not_import_is_a_located_error():
    text = PROFILE.replace(f"{MODULE}:sha256_of", f"{MODULE}:sha265_of")
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "team.yaml")
    message = str(caught.value)
    assert message.startswith("team.yaml:")
    assert f"{MODULE} has no 'sha265_of'; did you mean 'sha256_of'?" in message
    missing = PROFILE.replace(f"{MODULE}:sha256_of", "no_such_team_pkg.tools:sha256_of")
    with pytest.raises(ProfileError, match="cannot import no_such_team_pkg.tools"):
        parse_profile(missing)


def test_an_agent_may_name_a_user_tool_only_if_the_profile_defines_it():
    text = PROFILE.replace("save_note, explode, finish]", "save_note, explode, checksum, finish]")
    with pytest.raises(ProfileError, match="unknown tool 'checksum'"):
        parse_profile(text)
