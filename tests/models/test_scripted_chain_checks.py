"""A chain shape that cannot do the task is a located error on load, never a silent 0/N."""

import json

from chaos.profile import check_profile
from tests.models.scripted_probe import profile_text

MAIL = {"id": "reports", "mail": {"to": "a@x.org", "attachments": [{"file": "/in/a.pdf"}]}}
WRITE = {"id": "summary", "write": {"path": "/out/s.json",
                                    "json": {"total": {"sum": "/shop/p.csv#price"}}}}


def errors(tmp_path, agents, expect, models="[scripted/careful]"):
    text = profile_text(agents, []).replace('"read_back": []', '"read_back": [], "expect": '
                                            + json.dumps(expect))
    text = text.replace("models: [scripted/careful]", f"models: {models}")
    path = tmp_path / "p.yaml"
    path.write_text(text)
    lines = text.splitlines()
    return [(e.message, lines[e.line - 1].strip() if e.line else None)
            for e in check_profile(str(path)).errors]


FINDER_ONLY = """    desk:
      instructions: Hand it on.
      tools: [delegate, finish]
      delegates_to: [finder]
    finder:
      instructions: Find.
      tools: [find_files, file_info, read_file, write_file, finish]"""


def test_a_mail_no_reachable_agent_can_send_names_the_expectation_and_the_fix(tmp_path):
    (problem,) = errors(tmp_path, FINDER_ONLY, [MAIL])
    message, _line = problem
    # task.expect[0].mail once the expect task kind reads its own key; its params here
    assert message.startswith("task.params.expect[0].mail: expectation 'reports' needs")
    assert "send_email" in message and "reached: desk, finder" in message
    assert "add 'send_email' to the tools" in message


def test_an_agent_never_reached_is_named(tmp_path):
    agents = FINDER_ONLY + """
    writer:
      instructions: Write.
      tools: [write_file, finish]"""
    (problem,) = errors(tmp_path, agents, [WRITE])
    message, line = problem
    assert message.startswith("chain.agents.writer: agent 'writer' is never reached")
    assert "delegates_to" in message
    assert line == "instructions: Write."  # the agent's own block


def test_the_same_chain_is_fine_when_the_sender_is_reached(tmp_path):
    agents = FINDER_ONLY.replace("delegates_to: [finder]", "delegates_to: [finder, mailer]") + """
    mailer:
      instructions: Mail.
      tools: [send_email, finish]"""
    assert errors(tmp_path, agents, [MAIL, WRITE]) == []


def test_scripted_agents_need_someone_to_read_values(tmp_path):
    agents = """    desk:
      instructions: Do it.
      tools: [find_files, write_file, finish]"""
    (problem,) = errors(tmp_path, agents, [WRITE])
    assert problem[0].startswith("task.params.expect[0]: expectation 'summary' needs values "
                                 "read from files")
    assert "add 'read_file'" in problem[0]


def test_scripted_agents_need_someone_to_find_files(tmp_path):
    agents = """    desk:
      instructions: Do it.
      tools: [read_file, send_email, finish]"""
    (problem,) = errors(tmp_path, agents, [MAIL])
    assert "find_files" in problem[0]
    assert errors(tmp_path, agents, [MAIL], models="[openai/gpt-4o-mini]") == []


def test_a_sports_chain_that_cannot_mail_the_subscribers_is_refused(tmp_path):
    from tests.conftest import SPORTS

    text = SPORTS.read_text().replace("delegates_to: [editor, qa, distributor]",
                                      "delegates_to: [editor, qa]")
    text = text[:text.index("    distributor:\n")] + text[text.index("\ntask:"):]
    path = tmp_path / "p.yaml"
    path.write_text(text)
    messages = [e.message for e in check_profile(str(path)).errors]
    assert any(m.startswith("task.params.mail_subscribers: needs send_email") for m in messages)
    assert any(m.startswith("task.params.publish: needs publish_video") for m in messages)
