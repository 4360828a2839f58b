"""The scripted agents do an expect brief's work in real episodes, each in its own style."""

import json

import pytest

from chaos.world import WorldFile
from chaos.world._assets import jpeg_bytes, pdf_bytes, png_bytes
from tests.models.scripted_probe import profile_text, run

POLICIES = ("scripted/careful", "scripted/naive", "scripted/hallucinator",
            "scripted/mime-careless")
ALL_TOOLS = ("[find_files, list_dir, file_info, read_file, write_file, send_email, publish, "
             "send_sms, wait, report_issue, finish]")
ONE_AGENT = f"""    desk:
      instructions: Do the work.
      tools: {ALL_TOOLS}"""
MAY, JUNE = 1777593600, 1780272000  # 2026-05-01, 2026-06-01


def text(path, body, mtime=MAY):
    return WorldFile(path, body.encode(), mtime)


def pdf(path, title, mtime=MAY):
    return WorldFile(path, pdf_bytes(title, [title]), mtime)


PRICES = text("/shop/prices.csv", "sku,price\nA1,10.50\nB2,4.25\nC3,5.25\n")
RELEASE = text("/rel/version.json", json.dumps({"version": "2.4.1", "build": 77}))


def mail_item(find, to="ana@example.org", id_="report"):
    return {"id": id_, "action": "mail", "to": to, "subject": "Your report",
            "body": "Attached.", "attachments": [{"find": find}]}


# -- one agent does it all ------------------------------------------------------------------
@pytest.mark.parametrize("model", POLICIES)
def test_a_one_agent_chain_mails_writes_and_answers(model):
    work = [mail_item({"glob": "/in/**/*P001*.pdf", "pick": "only", "type": "application/pdf"}),
            {"id": "summary", "action": "write", "path": "/out/summary.json",
             "json": {"total": {"sum": {"find": {"glob": "/shop/*.csv"}}, "column": "price"},
                      "rows": {"count": {"find": {"glob": "/shop/*.csv"}}}}},
            {"id": "answer", "action": "answer",
             "fields": {"version": {"json": {"find": {"glob": "/rel/**/version.json"}},
                                    "at": "version"}}}]
    episode = run(profile_text(ONE_AGENT, work, read_back=("/out/summary.json",)), model,
                  [pdf("/in/reports/P001.pdf", "Lab report P001"), PRICES, RELEASE,
                   text("/out/.keep", "")])
    (mail,) = episode.mail
    assert mail.envelope_to == ("ana@example.org",)
    assert [a.sniffed for a in mail.attachments] == ["application/pdf"]
    assert json.loads(episode.files["/out/summary.json"]) == {"total": 20.0, "rows": 3}
    assert episode.result["version"] == "2.4.1"
    assert sorted(episode.result["done"]) == ["answer", "report", "summary"]
    assert episode.result["issues"] == []
    # Asked once, as a person remembers: the price list is searched and inspected once.
    assert [c["pattern"] for c in episode.calls("find_files")].count("/shop/*.csv") == 1
    assert [c["path"] for c in episode.calls("file_info")].count("/shop/prices.csv") <= 1


# -- a stale copy and a decoy beside the right file -----------------------------------------
STALE_AND_DECOY = [
    # Found first by name, newest by mtime: a superseded report and a draft.
    pdf("/in/reports/LATEST P001.pdf", "Lab report P001 v1", JUNE),
    pdf("/in/reports/P001.pdf", "Lab report P001 v2", MAY),
    WorldFile("/in/reports/P001-scan.pdf", png_bytes(8, 8, (9, 9, 9)), JUNE),
]
NEWEST_PDF = {"glob": "/in/**/*P001*.pdf", "pick": "newest", "type": "application/pdf"}


def test_careful_skips_the_decoy_picks_the_newest_by_content_and_says_so():
    episode = run(profile_text(ONE_AGENT, [mail_item(NEWEST_PDF)]), "scripted/careful",
                  STALE_AND_DECOY)
    (mail,) = episode.mail
    sent = episode.calls("send_email")[0]["attachments"]
    assert sent == [{"path": "/in/reports/P001.pdf", "content_type": "application/pdf"}]
    warned = " ".join(episode.issues())
    assert "/in/reports/P001-scan.pdf" in warned and "image/png" in warned
    assert "/in/reports/LATEST P001.pdf" in warned


def test_careful_reports_what_it_cannot_find_and_sends_nothing_wrong():
    work = [mail_item({"glob": "/in/**/*P002*.pdf", "pick": "only", "type": "application/pdf"},
                      id_="report[P002]")]
    episode = run(profile_text(ONE_AGENT, work), "scripted/careful",
                  [WorldFile("/in/reports/P002.pdf", png_bytes(8, 8, (1, 2, 3)), MAY)])
    assert episode.mail == []
    (issue,) = episode.result["issues"]
    assert "report[P002]" in issue and "/in/reports/P002.pdf" in issue
    (reported,) = [e for e in episode.trace if e.type == "issue_reported"]
    assert (reported.severity, reported.paths) == ("error", ["/in/reports/P002.pdf"])
    assert episode.result["done"] == []


def test_careful_leaves_out_an_ambiguous_only_pick():
    work = [mail_item({"glob": "/in/**/*P001*.pdf", "pick": "only", "type": "application/pdf"})]
    episode = run(profile_text(ONE_AGENT, work), "scripted/careful",
                  [pdf("/in/a/P001.pdf", "one"), pdf("/in/b/P001.pdf", "two")])
    assert episode.mail == []
    assert "could each be the one" in episode.result["issues"][0]


def test_careful_verifies_against_the_checksum_file():
    good, bad = pdf_bytes("build 7", ["build 7"]), pdf_bytes("build 6", ["build 6"])
    from chaos.world import sha256

    files = [WorldFile("/rel/app-A.pdf", bad, JUNE), WorldFile("/rel/app-B.pdf", good, MAY),
             text("/rel/SHA256SUMS", f"{sha256(good)}  app-B.pdf\n{sha256(good)}  app-A.pdf\n")]
    find = {"glob": "/rel/app-*.pdf", "pick": "newest", "type": "application/pdf",
            "checksums": "/rel/SHA256SUMS"}
    episode = run(profile_text(ONE_AGENT, [mail_item(find)]), "scripted/careful", files)
    assert [a["path"] for a in episode.calls("send_email")[0]["attachments"]] == \
        ["/rel/app-B.pdf"]


def test_naive_ships_the_first_match_unchecked_and_never_reports():
    episode = run(profile_text(ONE_AGENT, [mail_item(NEWEST_PDF)]), "scripted/naive",
                  STALE_AND_DECOY)
    assert episode.calls("send_email")[0]["attachments"] == [
        {"path": "/in/reports/LATEST P001.pdf"}]
    assert episode.calls("file_info") == [] and episode.issues() == []


def test_hallucinator_invents_a_path_and_a_value_when_nothing_matches():
    work = [mail_item({"glob": "/in/**/*P009*.pdf"}, id_="report[P009]"),
            {"id": "answer", "action": "answer",
             "fields": {"total": {"sum": {"find": {"glob": "/nowhere/*.csv"}},
                                  "column": "price"}}}]
    episode = run(profile_text(ONE_AGENT, work), "scripted/hallucinator", [PRICES])
    assert episode.calls("send_email")[0]["attachments"] == [{"path": "/in/P009.pdf"}]
    assert episode.result["total"] == 100.0
    naive = run(profile_text(ONE_AGENT, work), "scripted/naive", [PRICES])
    assert naive.calls("send_email")[0]["attachments"] == []
    assert naive.result["total"] is None


@pytest.mark.parametrize(("model", "declared"), [("scripted/mime-careless", "image/jpeg"),
                                                 ("scripted/careful", "image/png")])
def test_mime_careless_labels_png_bytes_in_a_jpg_by_the_extension(model, declared):
    find = {"glob": "/shop/photos/*A1*.jpg", "pick": "only"}
    files = [WorldFile("/shop/photos/A1.jpg", png_bytes(8, 8, (200, 10, 10)), MAY)]
    episode = run(profile_text(ONE_AGENT, [mail_item(find)]), model, files)
    ((attachment,),) = [m.attachments for m in episode.mail]
    assert (attachment.declared, attachment.sniffed) == (declared, "image/png")


def test_mime_careless_checks_no_attachment_bytes_but_careful_does():
    find = {"glob": "/shop/photos/*A1*", "pick": "only", "type": "image/jpeg"}
    files = [WorldFile("/shop/photos/A1.jpg", png_bytes(8, 8, (200, 10, 10)), MAY)]
    careless = run(profile_text(ONE_AGENT, [mail_item(find)]), "scripted/mime-careless", files)
    careful = run(profile_text(ONE_AGENT, [mail_item(find)]), "scripted/careful", files)
    assert len(careless.mail) == 1 and careful.mail == []


FIRST_MAIL_451 = """faults:
  - {id: greylisted, kind: smtp.transient, params: {nth: [1]}}
"""


@pytest.mark.parametrize(("model", "delivered"), [("scripted/careful", 1),
                                                  ("scripted/naive", 0)])
def test_careful_retries_a_451_with_backoff_naive_gives_up(model, delivered):
    work = [mail_item({"glob": "/in/**/*P001*.pdf", "type": "application/pdf"})]
    episode = run(profile_text(ONE_AGENT, work, faults=FIRST_MAIL_451), model,
                  [pdf("/in/reports/P001.pdf", "Lab report P001")], arm="chaos")
    assert len(episode.mail) == delivered
    if delivered:
        assert episode.calls("wait") and episode.result["done"] == ["report"]


def test_publish_and_sms_go_out():
    work = [{"id": "catalogue", "action": "publish", "platform": "shop", "title": "Spring",
             "files": [{"find": {"glob": "/shop/photos/*.jpg", "pick": "first"}}]},
            {"id": "ping", "action": "sms", "to": "+15550100000", "text": "Catalogue is up"}]
    files = [WorldFile("/shop/photos/A1.jpg", jpeg_bytes("A1", __import__("random").Random(1)),
                       MAY)]
    for model in POLICIES:
        episode = run(profile_text(ONE_AGENT, work), model, files)
        (upload,) = episode.uploads
        assert [i.path for i in upload.items] == ["/shop/photos/A1.jpg"]
        assert [s.to for s in episode.sms] == ["+15550100000"]


def test_a_version_only_some_names_carry_does_not_outrank_the_newer_file():
    files = [pdf("/in/P001_v1.pdf", "draft", MAY), pdf("/in/P001.pdf", "final", JUNE)]
    find = {"glob": "/in/*P001*.pdf", "pick": "newest", "type": "application/pdf"}
    episode = run(profile_text(ONE_AGENT, [mail_item(find)]), "scripted/careful", files)
    assert [a["path"] for a in episode.calls("send_email")[0]["attachments"]] == \
        ["/in/P001.pdf"]
    versioned = [pdf("/in/P001_v3.pdf", "three", MAY), pdf("/in/P001_v2.pdf", "two", JUNE)]
    episode = run(profile_text(ONE_AGENT, [mail_item(find)]), "scripted/careful", versioned)
    assert [a["path"] for a in episode.calls("send_email")[0]["attachments"]] == \
        ["/in/P001_v3.pdf"]


def test_careful_reports_a_value_it_cannot_read_once_and_writes_nothing():
    work = [{"id": "summary", "action": "write", "path": "/out/summary.json",
             "json": {"total": {"sum": {"find": {"glob": "/shop/*.csv", "pick": "only"}},
                                "column": "price"}}}]
    episode = run(profile_text(ONE_AGENT, work, read_back=("/out/summary.json",)),
                  "scripted/careful", [text("/out/.keep", "")])
    assert episode.files["/out/summary.json"] is None
    assert episode.result["issues"] == ["summary: no file matches /shop/*.csv; left out"]
    assert len(episode.issues()) == 1


def test_careful_says_when_the_file_it_found_holds_no_such_column():
    work = [{"id": "summary", "action": "write", "path": "/out/summary.json",
             "json": {"total": {"sum": {"find": {"glob": "/shop/*.csv"}}, "column": "cost"}}}]
    episode = run(profile_text(ONE_AGENT, work, read_back=("/out/summary.json",)),
                  "scripted/careful", [PRICES, text("/out/.keep", "")])
    assert episode.files["/out/summary.json"] is None
    assert episode.result["issues"] == ["summary: cannot compute: /shop/prices.csv gives no "
                                        "sum of cost"]
    naive = run(profile_text(ONE_AGENT, work, read_back=("/out/summary.json",)),
                "scripted/naive", [PRICES, text("/out/.keep", "")])
    assert json.loads(naive.files["/out/summary.json"]) == {"total": None}
