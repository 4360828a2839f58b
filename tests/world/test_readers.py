"""Document readers on files chaos did not make: compressed PDFs, hostile bytes."""

from __future__ import annotations

import zlib

from hypothesis import given
from hypothesis import strategies as st

from chaos.world._formats import zip_bytes
from chaos.world._readers import document_tags, document_text


def _pdf(stream: bytes, compressed: bool) -> bytes:
    body = zlib.compress(stream) if compressed else stream
    head = b"<< /Length %d%s >>" % (len(body), b" /Filter /FlateDecode" if compressed else b"")
    return b"%PDF-1.7\n1 0 obj\n" + head + b"\nstream\n" + body + b"\nendstream\nendobj\n%%EOF\n"


def test_a_compressed_pdf_with_kerned_and_hex_text_reads_as_its_lines():
    content = b"BT /F1 12 Tf 72 720 Td [(Inv)-20(oice) 5 ( 42)] TJ 0 -14 Td <546f74616c> Tj ET"
    assert document_text(_pdf(content, compressed=True)) == ("pdf", "Invoice 42\nTotal")
    assert document_text(_pdf(content, compressed=False)) == ("pdf", "Invoice 42\nTotal")


def test_a_deflate_bomb_stops_at_the_bound():
    bomb = _pdf(b"BT (x) Tj ET" + b" " * (20 * 1024 * 1024), compressed=True)
    assert document_text(bomb) == ("pdf", "x")


def test_xml_with_entities_is_not_expanded():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">]>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
              b'main"><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>')
    archive = zip_bytes([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", laughs)])
    assert document_text(archive) is None


@given(st.binary(max_size=2000))
def test_readers_never_raise(data):
    for prefix in (b"", b"%PDF-1.4\n", b"PK\x03\x04", b"From: a@b\nTo: c@d\n\n"):
        document_text(prefix + data)
        document_tags(prefix + data)


def test_a_yaml_file_with_from_and_to_keys_is_not_read_as_a_mail():
    assert document_text(b"from: staging\nto: production\n\nsteps: 3\n") is None


def test_huge_page_content_is_read_up_to_the_bound():
    kind, text = document_text(_pdf(b"BT (x) Tj ET " * 1_000_000, compressed=True))
    lines = text.split("\n")
    assert kind == "pdf" and set(lines) == {"x"}
    assert 100_000 < len(lines) < 1_000_000  # the first 2 MiB of content, not all 12 MiB


def test_unbalanced_strings_and_hex_read_without_rescanning():
    for pattern in (b"((x)", b"(\\", b"<0 ", b"<<"):
        assert document_text(_pdf(b"BT " + pattern * 300_000 + b" Tj ET", compressed=True))


def test_a_zip_bomb_is_checked_within_a_bound_and_bad_crcs_are_corrupt():
    import io
    import zipfile

    from chaos.world._integrity import check_integrity

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(8):  # 8 x 32 MiB of zeros inflate from ~250 KiB
            archive.writestr(f"zeros{i}", b"\0" * (32 * 1024 * 1024))
    assert check_integrity(out.getvalue()) == "ok"
    assert document_text(out.getvalue())[0] == "zip"
    good = zip_bytes([("a.txt", b"hello world " * 100)])
    flipped = bytearray(good)
    flipped[40] ^= 0xFF  # inside the deflated data of the only member
    assert check_integrity(bytes(flipped)) == "corrupt"
