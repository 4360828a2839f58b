"""Tests for chaos.world._assets: real bytes, real sniffing, tag round-trips."""

from __future__ import annotations

import io
import random
import struct
import zlib

import filetype
import pytest

from chaos.world._assets import (
    jpeg_bytes,
    mp4_bytes,
    pdf_bytes,
    png_bytes,
    read_media_tags,
    sniff_mime,
)

MP4_TAGS = {
    "title": "Launch día",
    "artist": "Chaos Crew",
    "date": "2024-05-01",
    "comment": "rolled (back) \\ twice",
}


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes, int]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", data, pos + 8 + length)
        chunks.append((kind, body, crc))
        pos += 12 + length
    assert pos == len(data)
    return chunks


def _sample(kind: str, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    if kind == "png":
        return png_bytes(64, 64, (10, 200, 30), {"Title": "cat"})
    if kind == "jpeg":
        return jpeg_bytes("hello", rng)
    if kind == "mp4":
        return mp4_bytes(MP4_TAGS, 256, rng)
    return pdf_bytes("Report", ["line one", "line two"])


@pytest.mark.parametrize(
    ("kind", "mime"),
    [
        ("png", "image/png"),
        ("jpeg", "image/jpeg"),
        ("mp4", "video/mp4"),
        ("pdf", "application/pdf"),
    ],
)
def test_each_format_sniffs_as_its_real_mime(kind: str, mime: str) -> None:
    data = _sample(kind)
    assert filetype.guess(data).mime == mime
    assert sniff_mime(data) == mime


def test_png_structure_and_crcs() -> None:
    data = png_bytes(64, 32, (1, 2, 3), {"Title": "a", "Author": "b"})
    chunks = _png_chunks(data)
    assert [c[0] for c in chunks] == [b"IHDR", b"tEXt", b"tEXt", b"IDAT", b"IEND"]
    for kind, body, crc in chunks:
        assert zlib.crc32(kind + body) == crc, kind
    assert struct.unpack(">IIBBBBB", chunks[0][1]) == (64, 32, 8, 2, 0, 0, 0)
    raw = zlib.decompress(chunks[3][1])
    assert raw == (b"\0" + bytes((1, 2, 3)) * 64) * 32
    assert chunks[1][1] == b"Title\0a"


def test_png_tags_round_trip_in_order() -> None:
    text = {"Title": "Kitten", "Comment": "café", "width": "999"}
    tags = read_media_tags(png_bytes(64, 48, (0, 0, 0), text))
    # IHDR is authoritative for the dimensions even if a tEXt key collides.
    assert tags == {"width": "64", "height": "48", "Title": "Kitten", "Comment": "café"}


def test_png_decodes_with_pillow() -> None:
    image_mod = pytest.importorskip("PIL.Image")
    img = image_mod.open(io.BytesIO(png_bytes(64, 64, (12, 34, 56), {"k": "v"})))
    img.load()
    assert img.size == (64, 64)
    assert img.mode == "RGB"
    assert img.getpixel((63, 63)) == (12, 34, 56)
    assert img.info["k"] == "v"


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((0, 1, (0, 0, 0)), None),
        ((1, 1, (0, 0, 256)), None),
        ((1, 1, (0, 0, 0)), {"": "x"}),
        ((1, 1, (0, 0, 0)), {"k": "snowman ☃"}),
    ],
)
def test_png_rejects_bad_input(args: tuple, text: dict[str, str] | None) -> None:
    with pytest.raises(ValueError):
        png_bytes(*args, text=text)


def test_jpeg_comment_round_trips_and_follows_soi() -> None:
    data = jpeg_bytes("snap ☃ (1)", random.Random(3))
    assert data[:4] == b"\xff\xd8\xff\xfe"
    assert data.endswith(b"\xff\xd9")
    assert read_media_tags(data) == {"comment": "snap ☃ (1)"}


def test_jpeg_decodes_with_pillow_and_varies_with_seed() -> None:
    image_mod = pytest.importorskip("PIL.Image")
    shades = set()
    for seed in range(8):
        img = image_mod.open(io.BytesIO(jpeg_bytes("c", random.Random(seed))))
        img.load()
        assert img.format == "JPEG"
        assert img.size == (8, 8)
        assert img.mode == "L"
        pixels = set(img.tobytes())
        assert len(pixels) == 1  # one flat block
        shades |= pixels
        assert img.info.get("comment") == b"c"
    assert len(shades) > 1
    assert jpeg_bytes("c", random.Random(5)) == jpeg_bytes("c", random.Random(5))


def test_mp4_layout() -> None:
    data = mp4_bytes({"title": "t"}, 100, random.Random(0))
    assert data[:32] == (
        struct.pack(">I", 32) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    )
    pos, kinds = 0, []
    while pos < len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        kinds.append(kind)
        pos += size
    assert pos == len(data)
    assert kinds == [b"ftyp", b"moov", b"mdat"]
    assert struct.unpack(">I", data[-108:-104])[0] == 108  # mdat = 8 + 100
    assert b"\xa9nam\x00\x01\x55\xc4t" in data


def test_mp4_tags_round_trip() -> None:
    assert read_media_tags(mp4_bytes(MP4_TAGS, 1000, random.Random(9))) == MP4_TAGS
    assert read_media_tags(mp4_bytes({}, 0, random.Random(9))) == {}


def test_mp4_determinism() -> None:
    first = mp4_bytes(MP4_TAGS, 512, random.Random(42))
    assert first == mp4_bytes(MP4_TAGS, 512, random.Random(42))
    assert first != mp4_bytes(MP4_TAGS, 512, random.Random(43))


def test_mp4_rejects_unknown_tag() -> None:
    with pytest.raises(ValueError, match="genre"):
        mp4_bytes({"genre": "x"}, 0, random.Random(0))


def test_truncated_mp4_never_raises_and_keeps_complete_tags() -> None:
    data = mp4_bytes(MP4_TAGS, 64, random.Random(1))
    # Truncating inside mdat loses nothing: all tags precede it.
    assert read_media_tags(data[:-10]) == MP4_TAGS
    seen_partial = False
    for cut in range(len(data) + 1):
        tags = read_media_tags(data[:cut])
        assert isinstance(tags, dict)
        assert all(MP4_TAGS[k] == v for k, v in tags.items())
        seen_partial |= 0 < len(tags) < len(MP4_TAGS)
    assert seen_partial


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"hello world",
        b"\x00\x00\x00\x01ftyp",
        b"\x00\x00\x00\x01ftyp" + b"\xff" * 8,
        b"\x00\x00\x00\x00ftypisom" + b"\x00\x00\x00\x08moov" * 3,
        b"\x89PNG\r\n\x1a\n\xff\xff\xff\xffIHDR",
        b"\xff\xd8\xff\xfe\xff\xff",
        b"%PDF-1.4 /Title (unterminated",
    ],
)
def test_read_media_tags_tolerates_junk(junk: bytes) -> None:
    assert read_media_tags(junk) == {}


def test_pdf_title_round_trips_with_escapes() -> None:
    for title in ["Quarterly (draft) \\ v2", "Résumé", "日本語 (test)", ""]:
        data = pdf_bytes(title, ["x"])
        assert read_media_tags(data) == {"title": title}


def test_pdf_xref_offsets_point_at_objects() -> None:
    data = pdf_bytes("T", ["a", "b (c)"])
    assert data.startswith(b"%PDF-1.4\n")
    assert data.endswith(b"%%EOF\n")
    startxref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[startxref:].startswith(b"xref\n0 7\n")
    rows = data[startxref:].split(b"\n")[3:9]
    for number, row in enumerate(rows, start=1):
        assert len(row) == 19  # 20 bytes with the newline
        offset = int(row[:10])
        assert data[offset:].startswith(b"%d 0 obj" % number)


def test_pdf_parses_with_pypdf() -> None:
    pypdf = pytest.importorskip("pypdf")
    lines = ["Hello agent", "Balance: (42) \\ ok", "naïve café"]
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes("Ledger (Q3)", lines)), strict=True)
    assert reader.metadata.title == "Ledger (Q3)"
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for line in lines:
        assert line in text


def test_sniff_mime_text_and_binary() -> None:
    assert sniff_mime(b"") is None
    assert sniff_mime(b"plain words\n") == "text/plain"
    assert sniff_mime("\ufeffwith bom ✓".encode()) == "text/plain"
    assert sniff_mime(b"nul\x00inside") is None
    assert sniff_mime(b"\xc3\x28 invalid utf8") is None
    assert sniff_mime(bytearray(b"abc")) == "text/plain"


@pytest.mark.parametrize("kind", ["png", "jpeg", "pdf"])
def test_other_formats_survive_truncation(kind: str) -> None:
    data = _sample(kind)
    for cut in range(0, len(data), 7):
        assert isinstance(read_media_tags(data[:cut]), dict)
    # PNG keeps the dimensions once IHDR is intact.
    if kind == "png":
        assert read_media_tags(data[:40]) == {"width": "64", "height": "64"}
