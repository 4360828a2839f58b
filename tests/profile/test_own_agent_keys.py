"""The chain keys for a team's own agent: command, function, timeout_s, env, cwd."""

from __future__ import annotations

import pytest

from chaos.errors import ProfileError
from chaos.profile import parse_profile

BASE = """
version: 1
name: own
world:
  generator: sports_media
  params: {teams: 2, matches_per_team: 1, clips_per_match: 3, stock_clips: 4}
chain:
  entry: producer
%s
  agents:
    producer:
%s      tools: [read_file, write_file, report_issue, finish]
    editor:
      tools: [list_dir, find_files, read_file, file_info, report_issue, finish]
task:
  kind: highlight_package
  params: {publish: false, mail_subscribers: false, text_desk: false, save_manifest: true}
models: [scripted/careful]
"""


def profile(chain_keys: str, instructions: str = "") -> str:
    return BASE % (chain_keys, instructions)


def test_a_command_string_is_split_as_a_shell_would():
    loaded = parse_profile(profile('  command: "python my agent.py --flag \'two words\'"'))
    assert loaded.chain.command == ["python", "my", "agent.py", "--flag", "two words"]
    assert loaded.chain.runs_own_agent


def test_an_own_agent_chain_serves_agents_no_delegation_reaches():
    # Each agent's tools have an endpoint of their own: no delegates_to is needed to reach them.
    loaded = parse_profile(profile("  command: [python, agent.py]\n  timeout_s: 30"))
    assert loaded.chain.timeout_s == 30


@pytest.mark.parametrize(("keys", "says"), [
    ("  command: [python, a.py]\n  function: pkg.mod:agent", "keep one"),
    ("  timeout_s: 5", "chain.timeout_s applies to chain.command"),
    ("  env: {A: b}", "chain.env applies to chain.command"),
    ("  function: not-a-ref", "function"),
    ('  command: "python \'unclosed"', "as a shell would"),
    ("  command: []", "command"),
])
def test_wrong_own_agent_keys_are_located_errors(keys, says):
    with pytest.raises(ProfileError) as caught:
        parse_profile(profile(keys, "      instructions: do it\n"))
    assert says in str(caught.value)


def test_a_chain_run_on_the_models_needs_instructions():
    with pytest.raises(ProfileError) as caught:
        parse_profile(profile(""))
    assert "chain.agents.producer.instructions is empty" in str(caught.value)


def test_without_an_own_agent_an_agent_no_delegation_reaches_is_still_an_error():
    text = profile("", "      instructions: x\n").replace(
        "    editor:\n      tools", "    editor:\n      instructions: y\n      tools")
    with pytest.raises(ProfileError) as caught:
        parse_profile(text)
    assert "agent 'editor' is never reached" in str(caught.value)
