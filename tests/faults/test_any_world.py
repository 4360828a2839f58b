"""File and mail faults on a world of contracts, price lists, reports and release files: each
met the way an agent meets it, through its tools."""

import errno
import json
import random

import pytest

from chaos.faults import NEEDED, fault_kinds
from chaos.faults._formats import FORMATS
from chaos.profile._schema import TargetSpec
from chaos.world import World, WorldFile, sha256
from tests.faults.conftest import CONTRACT, FACTS, PRICES, Injected, office_world


# -- targets ----------------------------------------------------------------------------------
def test_the_default_target_is_the_files_the_task_needs():
    world = office_world()
    cls = fault_kinds.get("fs.missing")
    assert cls.default_target == TargetSpec(tag=NEEDED)
    everything = TargetSpec(tag=NEEDED, pick=100)
    picked = cls(cls.Params()).resolve(world, everything, random.Random(0), facts=FACTS)
    assert [f.path for f in picked] == sorted(FACTS.needed)
    # A task that needs nothing gives a needed-files fault nothing to act on.
    assert cls(cls.Params()).resolve(world, everything, random.Random(0)) == []


@pytest.mark.parametrize(("target", "expected"), [
    ({"tag": "report"}, ["/clinic/reports/P001.pdf", "/clinic/reports/P002.pdf"]),
    ({"glob": "/legal/**/*.txt"}, ["/legal/archive/contract-3.txt", "/legal/contract-7.txt"]),
    ({"tag": NEEDED, "glob": "/clinic/**"},
     ["/clinic/reports/P001.pdf", "/clinic/reports/P002.pdf"]),
])
def test_targets_by_tag_or_glob_on_any_world(target, expected):
    cls = fault_kinds.get("fs.truncated")
    spec = TargetSpec(**target, pick=10)
    picked = cls(cls.Params()).resolve(office_world(), spec, random.Random(0), facts=FACTS)
    assert [f.path for f in picked] == expected


# -- mail.mime_mismatch -------------------------------------------------------------------------
@pytest.mark.parametrize("to", sorted(FORMATS))
def test_mime_mismatch_becomes_any_format_under_the_same_name(inject, to):
    path = "/legal/contract-7.txt"
    hit = inject("mail.mime_mismatch", [path], to=to)
    info = hit.info(path)
    assert info["sniffed_mime"] == FORMATS[to]
    assert info["extension_mime"] == "text/plain"  # the name still says text
    assert hit.taint.flagged == {info["sha256"]: ["mime_mismatch", "extension_mismatch"]}


@pytest.mark.parametrize(("path", "becomes"), [
    ("/clinic/reports/P001.pdf", FORMATS["docx"]),
    ("/shop/photos/A-1.png", FORMATS["jpeg"]),
    ("/legal/contract-7.txt", FORMATS["pdf"]),
])
def test_mime_mismatch_other_is_the_wrong_export_a_person_would_expect(inject, path, becomes):
    assert inject("mail.mime_mismatch", [path]).info(path)["sniffed_mime"] == becomes


def test_mime_mismatch_accepts_the_old_becomes_key(inject):
    hit = inject("mail.mime_mismatch", ["/shop/photos/A-1.png"], becomes="gif")
    assert hit.info("/shop/photos/A-1.png")["sniffed_mime"] == "image/gif"


# -- fs.encoding ------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_encoding_writes_real_mojibake_a_utf8_reader_cannot_read(inject, encoding):
    hit = inject("fs.encoding", ["/shop/prices.csv"], encoding=encoding)
    data = hit.read("/shop/prices.csv")
    assert data == PRICES.encode(encoding)  # what a Windows export writes: é is one byte
    shown = json.loads(hit.call("read_file", path="/shop/prices.csv"))
    assert "Cr\ufffdme" in shown["content"] and "encoding_note" in shown  # marked, not hidden
    # The forms a reader makes of it must not leave: U+FFFD, or UTF-8 read as cp1252.
    assert "Cr\ufffdme" in hit.taint.values and "brÃ»lÃ©e" in hit.taint.values
    assert "Jalape\ufffdo" in hit.taint.values
    assert hit.taint.digests == [sha256(data)]


def test_encoding_some_rows_gives_a_mixed_file(inject):
    hit = inject("fs.encoding", ["/shop/prices.csv"], encoding="cp1252", rows=1)
    lines = hit.read("/shop/prices.csv").split(b"\n")
    assert lines[0] == b"sku,name,price"  # the header is spared
    encodings = []
    for line in lines[1:3]:
        try:
            line.decode("utf-8")
            encodings.append("utf-8")
        except UnicodeDecodeError:
            encodings.append("cp1252")
    assert sorted(encodings) == ["cp1252", "utf-8"]  # one non-ASCII row re-encoded, one not
    assert lines[3] == b"A-3,Plain bread,2.00"


def test_encoding_of_ascii_text_taints_no_bytes(inject):
    hit = inject("fs.encoding", ["/release/version.json"], encoding="latin-1")
    assert hit.read("/release/version.json") == b'{"name": "desk", "version": "1.4.2"}\n'
    assert hit.taint.digests == [] and hit.taint.values == []


@pytest.mark.parametrize("params", [{"encoding": "utf-16", "rows": 2},
                                    {"encoding": "cp1252", "rows": 0}])
def test_encoding_rows_that_make_no_sense_are_refused(params):
    with pytest.raises(ValueError, match="rows"):
        fault_kinds.get("fs.encoding").Params.model_validate(params)


# -- fs.disk_full -----------------------------------------------------------------------------
def test_disk_full_after_n_writes(inject):
    hit = inject("fs.disk_full", after_writes=2)
    for i in range(2):
        assert "wrote" in hit.call("write_file", path=f"/out/log-{i}.txt", content="x" * 100)
    with pytest.raises(OSError) as exc:
        hit.call("write_file", path="/out/summary.json", content="{}" * 50)
    assert exc.value.errno == errno.ENOSPC
    assert str(exc.value) == "[Errno 28] No space left on device: '/out/summary.json'"
    assert hit.hits == ["/out/summary.json"]
    assert hit.taint.targets == ["/out/summary.json"]  # what the task must write


def test_disk_full_after_n_bytes(inject):
    hit = inject("fs.disk_full", after_bytes=1000)
    hit.call("write_file", path="/out/a.txt", content="x" * 600)
    with pytest.raises(OSError) as exc:
        hit.call("write_file", path="/out/b.txt", content="x" * 600)
    assert exc.value.errno == errno.ENOSPC


def test_disk_full_at_once_as_before(inject):
    hit = inject("fs.disk_full")
    with pytest.raises(OSError) as exc:
        hit.call("write_file", path="/out/a.txt", content="x")
    assert exc.value.errno == errno.ENOSPC


def test_disk_full_takes_one_way_to_fill():
    with pytest.raises(ValueError, match="not both"):
        fault_kinds.get("fs.disk_full").Params(after_writes=1, after_bytes=10)


# -- fs.stale_version -------------------------------------------------------------------------
def test_stale_version_of_a_version_file_is_one_revision_back(inject):
    hit = inject("fs.stale_version", ["/release/version.json"])
    stale = "/release/LATEST version.json"
    assert json.loads(hit.call("read_file", path=stale))["content"] == \
        '{"name": "desk", "version": "1.4.1"}\n'
    assert hit.info(stale)["modified"] > hit.info("/release/version.json")["modified"]
    assert hit.taint.values == ["1.4.1"] and hit.taint.paths == [stale]


def test_stale_version_can_take_a_newer_looking_name_of_its_own(inject):
    hit = inject("fs.stale_version", ["/clinic/reports/P002.pdf"], name="{stem}-final{ext}",
                 newer_by_s=3600)
    assert hit.taint.paths == ["/clinic/reports/P002-final.pdf"]
    assert hit.info("/clinic/reports/P002-final.pdf")["sniffed_mime"] == "application/pdf"
    with pytest.raises(ValueError, match=r"only \{stem\} and \{ext\}"):
        fault_kinds.get("fs.stale_version").Params(name="{version}{ext}")


def test_stale_version_of_text_without_a_version_lacks_its_last_line(inject):
    hit = inject("fs.stale_version", ["/legal/contract-7.txt"], label="FINAL")
    content = json.loads(hit.call("read_file", path="/legal/FINAL contract-7.txt"))["content"]
    assert content == CONTRACT.splitlines(keepends=True)[0]


@pytest.mark.parametrize(("path", "mime"), [("/clinic/reports/P001.pdf", "application/pdf"),
                                            ("/shop/photos/A-1.png", "image/png")])
def test_stale_version_of_a_document_or_image_is_an_earlier_draft_in_its_format(inject, path,
                                                                               mime):
    hit = inject("fs.stale_version", [path])
    folder, name = path.rsplit("/", 1)
    info = hit.info(f"{folder}/LATEST {name}")
    assert info["sniffed_mime"] == mime and info["integrity"] == "ok"
    assert info["sha256"] != hit.info(path)["sha256"]
    assert hit.taint.digests == [info["sha256"]]


def test_stale_version_of_other_bytes_is_another_copy(inject):
    hit = inject("fs.stale_version", ["/shop/blob.bin"])
    stale = hit.read("/shop/LATEST blob.bin")
    assert len(stale) == 512 and stale != hit.read("/shop/blob.bin")


# -- fs.decoy and fs.ambiguous_name -------------------------------------------------------------
def test_decoy_carries_the_bytes_of_a_named_source(inject, world):
    hit = inject("fs.decoy", ["/clinic/reports/P001.pdf"], source={"tag": "stale"},
                 folder="archive")
    decoy = "/clinic/archive/P001.pdf"
    assert hit.read(decoy) == world.files["/clinic/old/P001.pdf"].data
    assert hit.taint.paths == [decoy] and hit.taint.targets == ["/clinic/reports/P001.pdf"]


def test_decoy_by_default_is_another_file_of_the_same_kind_the_task_does_not_need(inject,
                                                                                  world):
    hit = inject("fs.decoy", ["/legal/contract-7.txt"])
    (decoy,) = hit.taint.paths
    assert hit.read(decoy) == world.files["/legal/archive/contract-3.txt"].data


def test_ambiguous_names_beside_a_document_hold_other_versions_of_it(inject):
    hit = inject("fs.ambiguous_name", ["/clinic/reports/P002.pdf"], variants=3)
    # `P002.pdf` capitalised is itself: that name is taken, the world is never overwritten.
    assert hit.taint.paths == ["/clinic/reports/P002 copy.pdf", "/clinic/reports/P002_ALT.pdf"]
    digests = {hit.info("/clinic/reports/P002.pdf")["sha256"]}
    for path in hit.taint.paths:
        info = hit.info(path)
        assert info["sniffed_mime"] == "application/pdf"
        digests.add(info["sha256"])
    assert len(digests) == 3  # the original and two different drafts


# -- determinism --------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "target", "params"), [
    ("fs.encoding", "/shop/prices.csv", {"encoding": "cp1252", "rows": 1}),
    ("fs.stale_version", "/clinic/reports/P001.pdf", {}),
    ("fs.stale_version", "/shop/photos/A-1.png", {}),
    ("mail.mime_mismatch", "/clinic/reports/P002.pdf", {"to": "xlsx"}),
    ("fs.ambiguous_name", "/legal/contract-7.txt", {"variants": 4}),
    ("fs.decoy", "/clinic/reports/P002.pdf", {}),
])
def test_the_same_seed_gives_the_same_bytes(inject, kind, target, params):
    runs = [inject(kind, [target], seed=7, **params) for _ in range(2)]
    assert runs[0].taint == runs[1].taint
    changed = runs[0].taint.watch or [target]
    assert [runs[0].read(p) for p in changed] == [runs[1].read(p) for p in changed]


# -- fs.wrong_extension -------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "params", "mime"), [
    ("/shop/prices.csv", {"to": "xlsx"}, FORMATS["xlsx"]),
    ("/clinic/reports/P001.pdf", {}, FORMATS["docx"]),
    ("/clinic/reports/P001.pdf", {"to": "pdf"}, FORMATS["docx"]),  # its own format is no fault
])
def test_wrong_extension_holds_another_formats_bytes(inject, path, params, mime):
    hit = inject("fs.wrong_extension", [path], **params)
    assert hit.info(path)["sniffed_mime"] == mime


@pytest.mark.parametrize("kind", ["fs.corrupt", "fs.stale_version"])
def test_bit_flips_on_a_file_of_a_few_bytes_never_crash(kind):
    tiny = World("tiny", 0, {"/in/x.bin": WorldFile("/in/x.bin", b"\x00\x01\x02", 1)}, None)
    hit = Injected(tiny, kind, ["/in/x.bin"])
    assert hit.taint.digests  # something changed, nothing raised
