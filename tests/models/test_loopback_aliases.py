"""The loopback server serves a scripted policy under another model name (a priced stand-in)."""

from __future__ import annotations

import subprocess
import sys

import openai
import pytest

from chaos.models.loopback import LoopbackServer

TOOLS = [{"type": "function", "function": {"name": "list_dir", "description": "List a folder.",
          "parameters": {"type": "object", "properties": {"path": {"type": "string"}},
                         "required": ["path"]}}}]


def test_an_alias_answers_as_its_policy_under_its_own_name():
    with LoopbackServer(aliases={"mini-careful": "careful"}) as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="unused")
        asked = [{"role": "user", "content": "List /data."}]
        alias = client.chat.completions.create(model="mini-careful", messages=asked,
                                               tools=TOOLS)
        policy = client.chat.completions.create(model="careful", messages=asked, tools=TOOLS)
        assert alias.model == "mini-careful"
        assert alias.choices[0].message.tool_calls[0].function.name == (
            policy.choices[0].message.tool_calls[0].function.name)
        with pytest.raises(openai.NotFoundError, match="aliases: mini-careful"):
            client.chat.completions.create(model="mini-carefull", messages=asked, tools=TOOLS)


def test_an_alias_of_no_policy_is_refused_up_front():
    with pytest.raises(ValueError, match="alias x=carful: no scripted policy 'carful'"):
        LoopbackServer(aliases={"x": "carful"})
    done = subprocess.run([sys.executable, "-m", "chaos.models.loopback", "--alias", "x"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--alias x: write NAME=POLICY" in done.stderr
