"""`make:` files: real bytes every sniffer and reader takes, read back through the tools."""

from __future__ import annotations

import io
import json
import zipfile

import filetype
import pytest

from chaos.runner import build_world
from tests.world._profiles import check, with_files
from tests.world.test_declared_files import caller

MIMES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "mp4": "video/mp4",
}
FILES = """
- {path: /d/r.pdf, make: pdf, title: "Lab report P001", text: "Patient Zoë Adams\\nHb 13.2",
   meta: {author: Lab, subject: Bloods}}
- {path: /d/r.docx, make: docx, title: Contract, text: "Clause 1\\nSIGNED by Zoë",
   meta: {author: Counsel}}
- {path: /d/r.xlsx, make: xlsx, title: Prices, text: "sku,price\\nA1,3.50\\nB2,12"}
- {path: /d/r.zip, make: zip, title: notes.txt, text: "read me", meta: {"data/a.csv": "x,y"}}
- {path: /d/r.png, make: png, title: Logo, text: "Product shot", meta: {width: 4, height: 3}}
- {path: /d/r.jpeg, make: jpeg, title: "Supplier photo", text: "SKU-1"}
- {path: /d/r.gif, make: gif, title: Spinner}
- {path: /d/r.mp4, make: mp4, title: Demo, text: "cut 2", meta: {author: Studio}}
- {path: /d/r.csv, make: csv, text: "a,b\\n1,2\\n"}
- {path: /d/r.json, make: json, title: Build, meta: {version: "1.4.2"}}
- {path: /d/r.eml, make: eml, title: "Your invoice", text: "Dear Zoë, attached.",
   meta: {from: billing@shop.example, to: zoe@example.org}}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    result = check(tmp_path_factory.mktemp("made"), with_files(FILES))
    assert result.ok, [str(e) for e in result.errors]
    return build_world(result.loaded.profile, 7)


@pytest.fixture
def call(world):
    return caller(world)


@pytest.mark.parametrize("fmt", sorted(MIMES))
def test_binary_formats_sniff_as_what_they_are(world, call, fmt):
    data = world.files[f"/d/r.{fmt}"].data
    assert filetype.guess(data).mime == MIMES[fmt]
    info = call("file_info", path=f"/d/r.{fmt}")
    assert info["sniffed_mime"] == MIMES[fmt]
    assert info["integrity"] == "ok"


@pytest.mark.parametrize("fmt", ["csv", "json", "eml"])
def test_text_formats_sniff_as_text(world, call, fmt):
    assert filetype.guess(world.files[f"/d/r.{fmt}"].data) is None  # filetype knows no text
    assert call("file_info", path=f"/d/r.{fmt}")["sniffed_mime"] == "text/plain"


def test_read_file_shows_a_pdf_as_its_text(call):
    read = call("read_file", path="/d/r.pdf")
    assert read["format"] == "pdf" and read["content"] == "Patient Zoë Adams\nHb 13.2"
    tags = call("file_info", path="/d/r.pdf")["tags"]
    assert tags == {"title": "Lab report P001", "author": "Lab", "subject": "Bloods"}


def test_the_pdf_reads_the_same_in_pypdf(world):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(world.files["/d/r.pdf"].data))
    assert reader.metadata.title == "Lab report P001" and reader.metadata.author == "Lab"
    assert reader.pages[0].extract_text().rstrip("\n") == "Patient Zoë Adams\nHb 13.2"


def test_read_file_shows_a_docx_as_its_paragraphs(call):
    read = call("read_file", path="/d/r.docx")
    assert (read["format"], read["content"]) == ("docx", "Clause 1\nSIGNED by Zoë")
    tags = call("file_info", path="/d/r.docx")["tags"]
    assert tags["title"] == "Contract" and tags["author"] == "Counsel"


def test_read_file_shows_an_xlsx_as_rows_of_cells(call):
    read = call("read_file", path="/d/r.xlsx")
    assert (read["format"], read["content"]) == ("xlsx", "sku\tprice\nA1\t3.50\nB2\t12")
    assert call("file_info", path="/d/r.xlsx")["tags"]["title"] == "Prices"


def test_read_file_lists_a_zip(world, call):
    read = call("read_file", path="/d/r.zip")
    assert read["format"] == "zip"
    assert read["content"] == "notes.txt\t7 bytes\ndata/a.csv\t3 bytes"
    with zipfile.ZipFile(io.BytesIO(world.files["/d/r.zip"].data)) as archive:
        assert archive.read("data/a.csv") == b"x,y"


def test_read_file_shows_a_mail_as_a_mail_client_does(call):
    read = call("read_file", path="/d/r.eml")
    assert read["format"] == "eml"
    assert read["content"].startswith("From: billing@shop.example\nTo: zoe@example.org\n"
                                      "Subject: Your invoice\n")
    assert read["content"].endswith("\n\nDear Zoë, attached.")
    tags = call("file_info", path="/d/r.eml")["tags"]
    assert tags["subject"] == "Your invoice" and tags["to"] == "zoe@example.org"


def test_media_carry_their_title_and_text(call):
    assert call("file_info", path="/d/r.png")["tags"] == {
        "width": "4", "height": "3", "Title": "Logo", "Description": "Product shot"}
    assert call("file_info", path="/d/r.jpeg")["tags"] == {"comment": "Supplier photo\nSKU-1"}
    assert call("file_info", path="/d/r.gif")["tags"]["comment"] == "Spinner"
    assert call("file_info", path="/d/r.mp4")["tags"] == {
        "title": "Demo", "comment": "cut 2", "artist": "Studio"}


def test_made_pillow_images_decode(world):
    image = pytest.importorskip("PIL.Image")
    for fmt in ("png", "jpeg", "gif"):
        with image.open(io.BytesIO(world.files[f"/d/r.{fmt}"].data)) as picture:
            picture.load()


def test_text_formats_hold_their_content(world):
    assert world.files["/d/r.csv"].data == b"a,b\n1,2\n"
    assert json.loads(world.files["/d/r.json"].data) == {"title": "Build", "version": "1.4.2"}


def test_made_files_are_the_same_bytes_for_the_same_seed(tmp_path, world):
    again = build_world(check(tmp_path, with_files(FILES)).loaded.profile, 7)
    assert {p: f.data for p, f in again.files.items() if p.startswith("/d/")} == {
        p: f.data for p, f in world.files.items() if p.startswith("/d/")}


def test_a_truncated_document_is_described_not_misread(world, call):
    data = world.files["/d/r.docx"].data
    call.fs.create("/d/cut.docx", data[: len(data) // 2], 0)
    read = call("read_file", path="/d/cut.docx")
    assert read["binary"] is True and "format" not in read
    assert call("file_info", path="/d/cut.docx")["integrity"] == "truncated"
