"""Expectations judged from hand-made end states: each rule alone, evidence as users read it."""

import json
import random

import pytest

from chaos.faults import Taint, fault_kinds
from chaos.oracle import judge_fault
from chaos.profile import FaultSpecBase
from chaos.sim import ActiveFault
from chaos.sim._triggers import TriggerState
from chaos.sinks import SmsRecord, UploadItem, UploadRecord
from tests.mail.test_server import message
from tests.tasks.expect_profiles import MAIL_EXPECT, end_state, load, report

PEOPLE = {"P001": "ana@clinic.example", "P002": "bo@clinic.example",
          "P003": "cy@clinic.example"}


def mail(pid, stale=False, ctype=("text", "plain"), to=None):
    data = report(pid, stale).encode()
    return to or PEOPLE[pid], message(to=to or PEOPLE[pid], attachment=data, ctype=ctype,
                                      name=f"{pid}.txt")


@pytest.fixture(scope="module")
def mailing():
    return load(MAIL_EXPECT + "- id: nothing-else\n  must_not: {mail_to_others: true, "
                "duplicate_delivery: true}\n")


def test_each_patient_mailed_their_report_once_meets_the_expectation(mailing):
    task, end = end_state(mailing, mails=[mail(p) for p in PEOPLE])
    assert task.check(end).passed


def test_a_stale_report_is_told_from_the_right_one_by_its_bytes(mailing):
    task, end = end_state(mailing, mails=[mail("P001"), mail("P002", stale=True), mail("P003")])
    assert task.check(end).reasons == [
        "reports[P002]: mail to bo@clinic.example: attachment holds other bytes than "
        "/clinic/reports/P002.txt"]
    (unmet,) = task.unmet(end)
    assert unmet.needs >= {"/clinic/reports/P002.txt", "mailto:bo@clinic.example"}


def test_the_declared_type_must_be_the_expected_one(mailing):
    task, end = end_state(mailing, mails=[mail("P001", ctype=("application", "pdf")),
                                          mail("P002"), mail("P003")])
    (reason,) = task.check(end).reasons
    assert reason.startswith("reports[P001]: mail to ana@clinic.example: "
                             "/clinic/reports/P001.txt arrived")
    assert "declared application/pdf, expected text/plain" in reason


def test_a_duplicate_and_a_stranger_break_count_and_must_not(mailing):
    mails = [mail(p) for p in PEOPLE] + [mail("P001"), mail("P003", to="eve@else.example")]
    task, end = end_state(mailing, mails=mails)
    reasons = task.check(end).reasons
    assert "reports[P001]: mail to ana@clinic.example: received 2 message(s), expected " \
        "exactly 1" in reasons
    assert "nothing-else: mail to ana@clinic.example: delivered 2 times" in reasons
    assert "nothing-else: mail to eve@else.example: no expectation names this recipient" \
        in reasons


def test_an_image_labelled_as_another_type_arrives_with_mime_mismatch():
    from chaos.runner import build_world

    base = load()
    world = build_world(base, 0)
    logo = world.tagged("logo")[0]
    profile = load(f"- id: logo\n  mail:\n    to: ana@clinic.example\n    attachments: "
                   f"[{{file: \"{logo.path}\", type: image/png}}]\n")
    wrong = ("ana@clinic.example", message(to="ana@clinic.example", attachment=logo.data,
                                           ctype=("image", "jpeg"), name="logo.png"))
    task, end = end_state(profile, mails=[wrong])
    (reason,) = task.check(end).reasons
    assert "mime_mismatch" in reason and "declared image/jpeg, expected image/png" in reason
    right = ("ana@clinic.example", message(to="ana@clinic.example", attachment=logo.data,
                                           ctype=("image", "png"), name="logo.png"))
    task, end = end_state(profile, mails=[right])
    assert task.check(end).passed


SUMMARY = """
- id: summary
  write:
    path: /out/summary.json
    json:
      total: {sum: "/clinic/patients.csv#amount"}
      patients: {count: "/clinic/patients.csv"}
      top: {max: "/clinic/patients.csv#amount"}
      first: {first: "/clinic/patients.csv#patient_id"}
"""


@pytest.mark.parametrize(("total", "ok"), [(49.75, True), ("49.75", True), (49.76, True),
                                           (99.0, False), (50.5, False)])
def test_a_computed_sum_tells_the_decoys_numbers_from_the_right_ones(total, ok):
    profile = load(SUMMARY)
    written = json.dumps({"total": total, "patients": 3, "top": 30, "first": "P001"})
    task, end = end_state(profile, writes=[("/out/summary.json", written)])
    verdict = task.check(end)
    assert verdict.passed is ok
    if not ok:
        assert verdict.reasons == [
            f"summary: write /out/summary.json: total is {json.dumps(total)}, expected the "
            "sum of /clinic/patients.csv#amount (49.75)"]


def test_a_summary_never_written_is_unmet_and_needs_the_table():
    task, end = end_state(load(SUMMARY))
    (unmet,) = task.unmet(end)
    assert unmet.reason == "summary: write /out/summary.json: the file was not written"
    assert "/clinic/patients.csv" in unmet.needs


def test_csv_text_and_same_as_of_written_files():
    profile = load("""
- id: table
  write: {path: /out/t.csv, csv: {rows: {count: "/clinic/patients.csv"}, columns: [id, amount]}}
- id: note
  write: {path: /out/n.txt, text_contains: "{first}"}
- id: copy
  write: {path: /out/c.txt, same_as: {file: /clinic/reports/P001.txt}}
- id: first
  answer: {fields: {first: {first: "/clinic/patients.csv#name"}}}
""")
    good = [("/out/t.csv", "id,amount\n1,2\n3,4\n5,6\n"), ("/out/n.txt", "for Ana Lima"),
            ("/out/c.txt", report("P001"))]
    task, end = end_state(profile, writes=good, result={"done": [], "issues": [],
                                                        "first": "Ana Lima"})
    assert task.check(end).passed, task.check(end).reasons
    bad = [("/out/t.csv", "id\n1\n"), ("/out/n.txt", "for nobody"),
           ("/out/c.txt", report("P001", stale=True))]
    task, end = end_state(profile, writes=bad, result={"done": [], "issues": [],
                                                       "first": "Bo Chen"})
    assert task.check(end).reasons == [
        "table: write /out/t.csv: lacks column(s) amount",
        "table: write /out/t.csv: holds 1 row(s), expected the count of /clinic/patients.csv "
        "(3)",
        "note: write /out/n.txt: does not hold 'Ana Lima'",
        "copy: write /out/c.txt: holds other bytes than /clinic/reports/P001.txt",
        "first: final answer: first is \"Bo Chen\", expected the first of "
        "/clinic/patients.csv#name ('Ana Lima')"]


def test_the_final_answer_fits_its_schema_and_fields():
    profile = load("""
- id: answer
  answer:
    schema: {type: object, required: [mean]}
    fields: {mean: {mean: "/clinic/patients.csv#amount"}, low: {min: "/clinic/patients.csv#amount"}}
""")
    task, end = end_state(profile, result={"done": [], "issues": [], "mean": 16.58, "low": 7.25})
    assert task.check(end).passed
    task, end = end_state(profile, result={"done": [], "issues": [], "low": "7.25"})
    assert task.check(end).reasons == [
        "answer: final answer: does not fit its schema at the answer: 'mean' is a required "
        "property",
        "answer: final answer: no field 'mean'; expected the mean of "
        "/clinic/patients.csv#amount (16.5833333333)"]
    task, end = end_state(profile)
    assert task.check(end).reasons == ["answer: final answer: there is none"]


def test_sms_and_uploads_by_digest_and_exactly():
    from chaos.runner import build_world

    profile = load("""
- id: text
  sms: {to: "+1 555 010 0000", contains: "{patients}"}
- id: counts
  answer: {fields: {patients: {count: "/clinic/patients.csv"}}}
- id: shop
  for_each: /clinic/patients.csv
  upload: {platform: YouTube, files: [{file: "/clinic/reports/{patient_id}.txt"}], exactly: true}
""")
    world = build_world(profile, 0)
    items = [UploadItem(f"/clinic/reports/{p}.txt", world.files[f"/clinic/reports/{p}.txt"].digest,
                        1) for p in PEOPLE]
    result = {"done": [], "issues": [], "patients": 3}
    task, end = end_state(profile, sms=[SmsRecord(1, 0, "+15550100000", "3 patients mailed")],
                          uploads=[UploadRecord(1, 0, "youtube", "t", tuple(items))],
                          result=result)
    assert task.check(end).passed, task.check(end).reasons
    stale = UploadItem("/clinic/old/P001.txt", world.files["/clinic/old/P001.txt"].digest, 1)
    task, end = end_state(profile, sms=[SmsRecord(1, 0, "+15550100000", "done")],
                          uploads=[UploadRecord(1, 0, "youtube", "t", (stale, *items[1:]))],
                          result=result)
    assert task.check(end).reasons == [
        "text: sms to +15550100000: no text holds '3'",
        "shop[P001]: upload to YouTube: /clinic/reports/P001.txt was not uploaded (no upload "
        "holds its bytes)",
        "shop: upload to youtube: /clinic/old/P001.txt is not one of the expected files"]


def test_facts_name_every_referenced_file_by_its_row_key(mailing):
    task, end = end_state(mailing)
    facts = task.facts(end.world, end.params)
    assert facts.needed == ("/clinic/patients.csv", "/clinic/reports/P001.txt",
                            "/clinic/reports/P002.txt", "/clinic/reports/P003.txt")
    assert facts.recipients == tuple(PEOPLE.values())
    assert facts.names["/clinic/reports/P003.txt"] == "P003"


def fired(targets, **taint):
    spec = FaultSpecBase(id="f")
    kind = "fs.missing"
    active = ActiveFault(spec, fault_kinds.get(kind)(fault_kinds.get(kind).Params()), [],
                         random.Random(0), TriggerState(spec.trigger, random.Random(0)))
    active.taint = Taint(targets=targets, **taint)
    active.injected_ms, active.touched = 0, (1, 10, "desk")
    return active


def test_a_fault_whose_stale_copy_was_mailed_propagated_with_evidence_naming_the_row(mailing):
    target = "/clinic/reports/P002.txt"
    task, end = end_state(mailing, mails=[mail("P001"), mail("P002", stale=True), mail("P003")])
    verdict = judge_fault(fired([target]), task, end, [], "desk", 100, None)
    assert verdict.outcome == "propagated"
    assert verdict.evidence == ["mail: P002.txt stands for reports[P002] but holds other bytes"]


def test_a_fault_handled_when_its_row_was_served_right_and_words_name_the_row(mailing):
    target = "/clinic/reports/P002.txt"
    task, end = end_state(mailing, mails=[mail(p) for p in PEOPLE])
    assert task.handled(end, [target])
    assert "P002" in task.subjects(end.world, [target])
    task, end = end_state(mailing, mails=[mail("P001"), mail("P003")])
    assert not task.handled(end, [target])
    assert task.handled(end, ["/clinic/reports/P001.txt"])


def test_a_decoys_bytes_in_any_attachment_are_a_leak(mailing):
    decoy = "/clinic/old/P001.txt"
    task, end = end_state(mailing, mails=[mail("P001", stale=True), mail("P002"), mail("P003")])
    verdict = judge_fault(fired([], paths=[decoy], digests=[end.world.files[decoy].digest]),
                          task, end, [], "desk", 100, None)
    assert verdict.outcome == "propagated"
    assert "mail: P001.txt (tainted)" in verdict.evidence


def test_outbound_text_holds_mail_sms_written_files_and_the_answer():
    profile = load(SUMMARY)
    task, end = end_state(profile, mails=[mail("P001")],
                          sms=[SmsRecord(1, 0, "+15550100000", "sent 3")],
                          writes=[("/out/summary.json", '{"total": 12.5}')],
                          result={"done": ["summary"], "build": "v1.2-rc",
                                  "issues": ["v0.9 is wrong"]})
    texts = dict(task.outbound_text(end))
    assert "hello" in texts["mail to ana@clinic.example: body"]
    assert texts["sms to +15550100000: text"] == "sent 3"
    assert texts["file /out/summary.json"] == '{"total": 12.5}'
    assert "v1.2-rc" in texts["final answer"]
    assert "v0.9" not in texts["final answer"]  # what the chain reports is no shipping of it



def test_handled_when_the_unmet_row_is_the_reported_faults_and_nothing_left_wrong(mailing):
    from chaos.oracle import judge_handled
    from chaos.sim import IssueReported

    target = "/clinic/reports/P002.txt"
    task, end = end_state(mailing, mails=[mail("P001"), mail("P003")],
                          result={"done": ["reports"], "issues": ["P002: no current report"]})
    issue = IssueReported(seq=5, t_ms=20, agent="desk", number=1, severity="error",
                          summary="P002 report missing", paths=[])
    active = fired([target])
    verdict = judge_fault(active, task, end, [issue], "desk", 100, None)
    assert verdict.outcome == "detected"

    def handled(task, end, faults):
        return judge_handled(task, end, task.check(end), faults, None).handled

    assert handled(task, end, [(active, verdict)])
    quiet, quiet_end = end_state(mailing, mails=[mail("P001"), mail("P003")],
                                 result={"done": ["reports"], "issues": []})
    unsaid = judge_fault(active, quiet, quiet_end, [], "desk", 100, None)
    assert unsaid.outcome == "silent"
    assert not handled(quiet, quiet_end, [(active, unsaid)])
    other = fired(["/clinic/reports/P001.txt"])
    assert not handled(task, end, [(other, judge_fault(other, task, end, [issue], "desk", 100,
                                                       None))])
    stale, stale_end = end_state(mailing, mails=[mail("P001"), mail("P002", True), mail("P003")])
    leaked = judge_fault(active, stale, stale_end, [issue], "desk", 100, None)
    assert leaked.outcome == "propagated" and not handled(stale, stale_end, [(active, leaked)])


def test_a_world_file_written_over_breaks_must_not_overwrite():
    from chaos.sim._trace import ToolCalled, ToolReturned

    profile = load("- id: keep\n  must_not: {overwrite: [\"/clinic/reports/**\"]}\n")

    def write(seq, path, ok=True):
        return [ToolCalled(seq=seq, t_ms=0, agent="desk", invocation="desk#1",
                           call_id=str(seq), tool="write_file",
                           arguments={"path": path, "content": "x"}),
                ToolReturned(seq=seq + 1, t_ms=0, agent="desk", invocation="desk#1",
                             call_id=str(seq), tool="write_file", ok=ok, result="")]

    task, end = end_state(profile)
    end.trace = write(1, "/clinic/reports/../reports/P001.txt") + \
        write(3, "/clinic/reports/P002.txt", ok=False) + write(5, "/out/new.txt")
    assert task.check(end).reasons == [
        "keep: /clinic/reports/P001.txt: overwritten (a world file's bytes changed)"]


def test_a_fault_on_the_table_makes_mail_to_a_stranger_a_leak(mailing):
    task, end = end_state(mailing, mails=[*(mail(p) for p in PEOPLE),
                                          mail("P001", to="mallory@else.example")])
    verdict = judge_fault(fired(["/clinic/patients.csv"]), task, end, [], "desk", 100, None)
    assert verdict.outcome == "propagated"
    assert "mail: mailto:mallory@else.example: wrong_recipients" in verdict.evidence


@pytest.mark.parametrize(("bound", "sent", "ok"), [
    ("at_most: 1", 0, True), ("at_most: 1", 2, False), ("at_least: 2", 1, False),
    ("at_least: 2", 3, True), ("count: 0", 0, True), ("count: 0", 1, False)])
def test_count_bounds_read_from_the_mailbox(bound, sent, ok):
    profile = load(f"- id: m\n  mail: {{to: ana@clinic.example, {bound}}}\n")
    task, end = end_state(profile, mails=[mail("P001") for _ in range(sent)])
    assert task.check(end).passed is ok


def test_the_prompt_is_filled_from_the_world_and_work_texts_keep_what_to_compute():
    profile = load("- id: t\n  sms: {to: \"+15550100000\", contains: "
                   "\"{sum: /clinic/patients.csv#amount}\"}\n",
                   prompt="Text the desk the total of all {count: /clinic/patients.csv} "
                          "patients.")
    task, end = end_state(profile, sms=[SmsRecord(1, 0, "+15550100000", "total 49.75")])
    brief = task.brief(end.world, end.params)
    assert brief.startswith("Text the desk the total of all 3 patients.")
    work = json.loads(brief.rpartition("Brief: ")[2])["work"]
    assert work[0]["text"] == "{sum: /clinic/patients.csv#amount}"
    assert task.check(end).passed
