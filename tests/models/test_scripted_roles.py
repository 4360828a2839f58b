"""Scripted agents follow the chain as written: roles, hand-offs along delegates_to."""

import pytest

from chaos.profile import parse_profile
from chaos.runner import RunOptions, run_profiles
from chaos.world import WorldFile
from chaos.world._assets import pdf_bytes
from tests.conftest import SPORTS
from tests.models.scripted_probe import profile_text, run

MAY = 1777593600
REPORT = WorldFile("/in/reports/P001.pdf", pdf_bytes("Lab report P001", ["P001"]), MAY)
PRICES = WorldFile("/shop/prices.csv", b"sku,price\nA1,10.50\nB2,4.25\n", MAY)
WORK = [{"id": "report", "action": "mail", "to": "ana@example.org", "subject": "Report",
         "body": "Attached.", "attachments": [{"find": {"glob": "/in/**/*P001*.pdf",
                                                        "type": "application/pdf"}}]},
        {"id": "summary", "action": "write", "path": "/out/total.json",
         "json": {"total": {"sum": {"find": {"glob": "/shop/*.csv"}}, "column": "price"}}},
        {"id": "answer", "action": "answer",
         "fields": {"rows": {"count": {"find": {"glob": "/shop/*.csv"}}}}}]
FILES = [REPORT, PRICES, WorldFile("/out/.keep", b"", MAY)]

THREE = """    desk:
      instructions: Hand each part to the agent for it.
      tools: [delegate, report_issue, finish]
      delegates_to: [mailer, archivist, finder]
    finder:
      instructions: Find and check files.
      tools: [find_files, file_info, read_file, report_issue, finish]
    mailer:
      instructions: Mail.
      tools: [send_email, wait, report_issue, finish]
    archivist:
      instructions: Write files.
      tools: [write_file, report_issue, finish]"""


@pytest.mark.parametrize("model", ["scripted/careful", "scripted/naive"])
def test_the_entry_hands_each_part_to_the_agent_whose_tools_fit(model):
    episode = run(profile_text(THREE, WORK, read_back=("/out/total.json",)), model, FILES)
    assert [m.envelope_to for m in episode.mail] == [("ana@example.org",)]
    assert episode.files["/out/total.json"] is not None
    assert episode.calls("find_files", "finder") and episode.calls("send_email", "mailer")
    assert episode.calls("write_file", "archivist")
    assert sorted(episode.result["done"]) == ["answer", "report", "summary"]
    assert episode.result["rows"] == 2


def test_a_sub_agent_hands_on_along_its_own_delegates():
    deep = """    desk:
      instructions: Hand the work on.
      tools: [delegate, finish]
      delegates_to: [finder]
    finder:
      instructions: Find files, then hand mail on.
      tools: [find_files, file_info, read_file, delegate, report_issue, finish]
      delegates_to: [mailer]
    mailer:
      instructions: Mail.
      tools: [send_email, wait, report_issue, finish]"""
    episode = run(profile_text(deep, WORK[:1]), "scripted/careful", FILES)
    assert len(episode.mail) == 1
    started = {(e.agent, e.parent) for e in episode.trace if e.type == "agent_started"}
    assert ("mailer", "finder") in started and ("mailer", "desk") not in started
    assert episode.result["done"] == ["report"]


def test_declared_roles_win_over_what_the_tools_suggest():
    # Both sub-agents could search; the profile says which one checks.
    declared = """    desk:
      instructions: Find, have it checked, mail.
      tools: [send_email, wait, delegate, report_issue, finish]
      delegates_to: [qa, scout]
    qa:
      role: checker
      instructions: Check.
      tools: [find_files, file_info, report_issue, finish]
    scout:
      instructions: Find.
      tools: [find_files, file_info, read_file, report_issue, finish]"""
    episode = run(profile_text(declared, WORK[:1]), "scripted/careful", [REPORT])
    assert episode.calls("find_files", "scout") and not episode.calls("find_files", "qa")
    assert episode.calls("file_info", "qa") == [{"path": REPORT.path}]
    assert len(episode.mail) == 1 and episode.calls("send_email", "desk")


# -- the sports producer follows roles too --------------------------------------------------
def sports(**replace):
    text = SPORTS.read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def clean_runs(text, models=("scripted/careful", "scripted/naive"), episodes=2):
    from chaos.profile import LoadedProfile

    loaded = LoadedProfile(parse_profile(text), str(SPORTS), "0" * 64)
    return run_profiles([loaded], RunOptions(models=models, episodes=episodes,
                                             arms=("clean",))).episodes


def test_a_producer_with_a_selector_and_a_distributor_still_mails():
    text = sports(**{"delegates_to: [editor, qa, distributor]":
                     "delegates_to: [editor, distributor]"})
    text = text[:text.index("    qa:\n")] + text[text.index("    distributor:\n"):]
    for episode in clean_runs(text):
        assert episode.task.passed, (episode.model, episode.task.reasons)


def test_a_producer_alone_with_every_tool_does_the_whole_job():
    text = sports(**{"tools: [read_file, write_file, delegate, report_issue, finish]\n"
                     "      delegates_to: [editor, qa, distributor]":
                     "tools: [list_dir, find_files, read_file, file_info, write_file, "
                     "publish_video, send_email, send_sms, wait, report_issue, finish]"})
    text = text[:text.index("    editor:\n")] + text[text.index("\ntask:"):]
    for episode in clean_runs(text):
        assert episode.task.passed, (episode.model, episode.task.reasons)


def test_a_careful_entry_heeds_its_checker_over_a_naive_finder():
    chain = """    desk:
      instructions: Find, have it checked, mail.
      tools: [send_email, wait, delegate, report_issue, finish]
      delegates_to: [scout, qa]
    scout:
      instructions: Find.
      tools: [find_files, read_file, report_issue, finish]
      model: scripted/naive
    qa:
      instructions: Check.
      tools: [file_info, report_issue, finish]"""
    decoy = WorldFile("/in/reports/LATEST P001.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, MAY)
    episode = run(profile_text(chain, WORK[:1]), "scripted/careful", [decoy, REPORT])
    assert episode.calls("file_info", "qa") == [{"path": decoy.path}]
    assert episode.mail == []
    assert any(decoy.path in i for i in episode.result["issues"])


def test_an_entry_that_could_do_it_all_still_uses_the_agents_the_profile_gave_it():
    chain = """    desk:
      instructions: Hand the finding and the mail to your team.
      tools: [find_files, file_info, read_file, send_email, wait, delegate, report_issue, finish]
      delegates_to: [scout, mailer]
    scout:
      instructions: Find.
      tools: [find_files, file_info, read_file, report_issue, finish]
    mailer:
      instructions: Mail.
      tools: [send_email, wait, report_issue, finish]"""
    episode = run(profile_text(chain, WORK[:1]), "scripted/careful", FILES)
    assert len(episode.mail) == 1
    assert episode.calls("find_files", "scout") and not episode.calls("find_files", "desk")
    assert episode.calls("send_email", "mailer") and not episode.calls("send_email", "desk")


def test_roles_reach_a_scripted_agent_over_a_providers_wire(monkeypatch):
    from chaos.models.loopback import LoopbackServer

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback")
    with LoopbackServer() as server:
        text = profile_text(THREE, WORK, read_back=("/out/total.json",)).replace(
            "models: [scripted/careful]", "models:\n  - {provider: openai, model: careful, "
            f"base_url: '{server.openai_base_url}'}}")
        episode = run(text, "openai/careful", FILES)
    assert server.refusals == []
    assert [m.envelope_to for m in episode.mail] == [("ana@example.org",)]
    assert episode.calls("send_email", "mailer") and episode.calls("write_file", "archivist")



def test_the_rubric_producer_asks_its_finder_for_the_clip_table_wherever_it_is_listed():
    from chaos.profile import LoadedProfile
    from tests.conftest import REPO

    rubric = REPO / "profiles" / "sports-rubric.yaml"
    text = rubric.read_text().replace("delegates_to: [researcher]",
                                      "delegates_to: [archivist, researcher]")
    text = text.replace("\ntask:", """    archivist:
      instructions: File what you are given.
      tools: [write_file, finish]

task:""", 1)
    loaded = LoadedProfile(parse_profile(text), str(rubric), "0" * 64)
    episodes = run_profiles([loaded], RunOptions(models=("scripted/careful", "scripted/naive"),
                                                 episodes=1, arms=("clean",))).episodes
    for episode in episodes:
        assert episode.task.passed, (episode.model, episode.task.reasons)


def test_a_producer_without_write_file_has_its_writer_save_the_manifest():
    text = sports(**{"tools: [read_file, write_file, delegate, report_issue, finish]\n"
                     "      delegates_to: [editor, qa, distributor]":
                     "tools: [read_file, delegate, report_issue, finish]\n"
                     "      delegates_to: [editor, qa, distributor, archivist]"})
    text = text.replace("\ntask:", """    archivist:
      instructions: Save what you are given.
      tools: [write_file, report_issue, finish]

task:""", 1)
    for episode in clean_runs(text):
        assert episode.task.passed, (episode.model, episode.task.reasons)
