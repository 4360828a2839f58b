"""Deterministic builders for small but genuine media files, and a tag reader.

Agents must meet files that real sniffers and decoders accept. Nothing here reads the
wall clock or global randomness: variation comes from a passed `random.Random`.
"""

from __future__ import annotations

import random
import re
import struct
import zlib

import filetype

__all__ = [
    "gif_bytes",
    "jpeg_bytes",
    "mp4_bytes",
    "pdf_bytes",
    "png_bytes",
    "read_media_tags",
    "sniff_mime",
]

_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_MP4_ATOMS = {"title": "©nam", "artist": "©ART", "date": "©day", "comment": "©cmt"}
_MP4_KEYS = {atom.encode("latin-1"): key for key, atom in _MP4_ATOMS.items()}
_MP4_LANG = 0x55C4  # packed ISO-639-2 "und": the language QuickTime writes
_PDF_INFO = re.compile(rb"/(Title|Author|Subject|Keywords|Creator)\s*\(((?:\\.|[^\\)])*)\)",
                       re.DOTALL)
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
# mvhd v0 with zero timestamps, so output never depends on the wall clock.
_MVHD_MATRIX = (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)  # identity
_MVHD = struct.pack(">5IIH10x9I24xI", 0, 0, 0, 1000, 0, 0x10000, 0x100, *_MVHD_MATRIX, 1)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    # The CRC covers the type as well as the body (PNG spec 5.3).
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_bytes(
    width: int,
    height: int,
    rgb: tuple[int, int, int],
    text: dict[str, str] | None = None,
) -> bytes:
    """Build a solid-colour truecolour PNG.

    Args:
        width: Pixels, at least 1.
        height: Pixels, at least 1.
        rgb: Fill colour, each channel 0-255.
        text: tEXt entries in insertion order; Latin-1, keys 1-79 chars.

    Raises:
        ValueError: On bad dimensions, colour, or text entries.

    """
    if width < 1 or height < 1:
        raise ValueError(f"PNG size must be positive, got {width}x{height}")
    if len(rgb) != 3 or any(not 0 <= c <= 255 for c in rgb):
        raise ValueError(f"rgb must be three 0-255 values, got {rgb!r}")
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = [_png_chunk(b"IHDR", ihdr)]
    for key, value in (text or {}).items():
        # tEXt is Latin-1 only and a NUL separates keyword from text.
        if not 1 <= len(key) <= 79 or "\0" in key:
            raise ValueError(f"invalid PNG text keyword {key!r}")
        try:
            body = key.encode("latin-1") + b"\0" + value.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise ValueError(f"PNG tEXt needs Latin-1 text: {key!r}") from exc
        chunks.append(_png_chunk(b"tEXt", body))
    row = b"\0" + bytes(rgb) * width  # filter type 0 (None) per scanline
    chunks.append(_png_chunk(b"IDAT", zlib.compress(row * height, 9)))
    chunks.append(_png_chunk(b"IEND", b""))
    return _PNG_SIG + b"".join(chunks)


def _jpeg_segment(marker: int, body: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body


# A flat 8x8 block needs just one DC value and an end-of-block, so each Huffman
# table holds a single 1-bit code (DC category 8, AC EOB) and quantisation is 1.
_JPEG_TABLES = b"".join(
    [
        _jpeg_segment(0xDB, b"\x00" + b"\x01" * 64),
        _jpeg_segment(0xC0, struct.pack(">BHHB3B", 8, 8, 8, 1, 1, 0x11, 0)),
        _jpeg_segment(0xC4, b"\x00\x01" + b"\x00" * 15 + b"\x08"),
        _jpeg_segment(0xC4, b"\x10\x01" + b"\x00" * 15 + b"\x00"),
        _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
    ]
)


def jpeg_bytes(comment: str, rng: random.Random) -> bytes:
    """Build a baseline 8x8 greyscale JPEG: one flat block, shade drawn from rng.

    Args:
        comment: Text stored UTF-8 encoded in a COM segment right after SOI.
        rng: Source of the grey shade.

    Raises:
        ValueError: If the encoded comment exceeds a segment's 65533 bytes.

    """
    body = comment.encode("utf-8")
    if len(body) > 0xFFFD:
        raise ValueError("JPEG comment longer than 65533 bytes")
    dc = rng.randrange(128, 256) * rng.choice((1, -1))
    extra = dc if dc > 0 else dc + 255  # JPEG's ones'-complement negatives
    # "0" (DC code) + 8 extra bits + "0" (EOB), padded with ones. Both bytes
    # contain a 0 bit, so neither is 0xFF and no byte stuffing is needed.
    scan = struct.pack(">H", extra << 7 | 0x3F)
    return b"\xff\xd8" + _jpeg_segment(0xFE, body) + _JPEG_TABLES + scan + b"\xff\xd9"


def gif_bytes(comment: str, rgb: tuple[int, int, int]) -> bytes:
    """Build a 1x1 GIF89a of one colour with a comment extension holding ``comment``.

    Args:
        comment: Stored UTF-8 encoded in 255-byte sub-blocks (readers show it as the comment).
        rgb: The pixel's colour, each channel 0-255.

    """
    body = comment.encode("utf-8")
    blocks = b"".join(bytes([len(body[i:i + 255])]) + body[i:i + 255]
                      for i in range(0, len(body), 255))
    head = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)  # global table of 2 colours
    palette = bytes(rgb) + b"\0\0\0"
    extension = b"\x21\xfe" + blocks + b"\0" if body else b""
    # One pixel, LZW minimum code size 2: clear, index 0, end (codes 4, 0, 5 in 3 bits).
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return head + palette + extension + image + b"\x3b"


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body) + 8) + kind + body


def mp4_bytes(tags: dict[str, str], payload_size: int, rng: random.Random) -> bytes:
    """Build an MP4 of ``ftyp``, ``moov`` (``mvhd`` + ``udta`` text atoms), ``mdat``.

    Args:
        tags: Any of ``title``, ``artist``, ``date``, ``comment``.
        payload_size: Number of pseudo-random ``mdat`` bytes.
        rng: Source of the payload bytes.

    Raises:
        ValueError: On an unknown or over-long tag, or a payload too big for
            a 32-bit box.

    """
    if not 0 <= payload_size <= 0xFFFFFFFF - 8:
        raise ValueError(f"payload_size out of range: {payload_size}")
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    atoms = []
    for key, value in tags.items():
        if key not in _MP4_ATOMS:
            raise ValueError(f"unsupported MP4 tag {key!r}; use {sorted(_MP4_ATOMS)}")
        text = value.encode("utf-8")
        if len(text) > 0xFFFF:
            raise ValueError(f"MP4 tag {key!r} longer than 65535 bytes")
        head = struct.pack(">HH", len(text), _MP4_LANG)
        atoms.append(_box(_MP4_ATOMS[key].encode("latin-1"), head + text))
    moov = _box(b"moov", _box(b"mvhd", _MVHD) + _box(b"udta", b"".join(atoms)))
    return ftyp + moov + _box(b"mdat", rng.randbytes(payload_size))


def _pdf_string(text: str) -> bytes:
    # Non-Latin-1 titles go in as UTF-16BE with a BOM, which PDF readers
    # recognise in text strings; either way the delimiters must be escaped.
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        raw = b"\xfe\xff" + text.encode("utf-16-be")
    for char in (b"\\", b"(", b")"):
        raw = raw.replace(char, b"\\" + char)
    return b"(" + raw.replace(b"\r", b"\\r") + b")"


_PDF_INFO_KEYS = ("Author", "Subject", "Keywords", "Creator", "CreationDate", "ModDate")


def pdf_bytes(title: str, lines: list[str], info: dict[str, str] | None = None) -> bytes:
    """Build a one-page PDF 1.4 document showing ``lines`` in Helvetica.

    Args:
        title: Stored as ``/Title`` in the Info dictionary.
        lines: Text lines drawn top-down; characters outside WinAnsi become
            ``?`` and lines past the bottom of the page are cut off.
        info: More Info entries (``Author``, ``Subject``, ``Keywords``, ``Creator``,
            ``CreationDate``, ``ModDate``), in this order whatever order they come in.

    Raises:
        ValueError: On an Info key outside that list.

    """
    info = info or {}
    unknown = sorted(set(info) - set(_PDF_INFO_KEYS))
    if unknown:
        raise ValueError(f"unsupported PDF Info key {unknown[0]!r}; use "
                         f"{', '.join(_PDF_INFO_KEYS)}")
    extra = b"".join(b" /" + key.encode() + b" " + _pdf_string(info[key])
                     for key in _PDF_INFO_KEYS if key in info)
    ops = [b"BT /F1 12 Tf 14 TL 72 720 Td"]
    for line in lines:
        # WinAnsiEncoding is what the font dictionary declares.
        raw = line.encode("cp1252", errors="replace").decode("latin-1")
        ops.append(_pdf_string(raw) + b" Tj T*")
    ops.append(b"ET")
    content = b"\n".join(ops)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Title " + _pdf_string(title) + extra + b" /Producer (chaos) >>",
    ]
    # The binary comment line tells transfer tools the file is not text.
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref, size = len(out), len(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (size, size - 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _read_mp4(data: bytes) -> dict[str, str]:
    tags: dict[str, str] = {}

    def walk(start: int, end: int) -> None:
        pos = start
        while pos + 8 <= end:
            size, kind = struct.unpack_from(">I4s", data, pos)
            head = 8
            if size == 1 and pos + 16 <= end:
                size, head = struct.unpack_from(">Q", data, pos + 8)[0], 16
            elif size == 0:
                size = end - pos  # size 0 means "runs to end of file"
            if size < head:
                return
            # A truncated box is clamped so its complete children still count.
            stop = min(pos + size, end)
            if kind in (b"moov", b"udta"):
                walk(pos + head, stop)
            elif kind in _MP4_KEYS and stop - pos >= 12:
                length, _lang = struct.unpack_from(">HH", data, pos + 8)
                if pos + 12 + length <= stop:
                    text = data[pos + 12 : pos + 12 + length]
                    tags[_MP4_KEYS[kind]] = text.decode("utf-8", errors="replace")
            pos += size

    walk(0, len(data))
    return tags


def _read_png(data: bytes) -> dict[str, str]:
    tags: dict[str, str] = {}
    pos = len(_PNG_SIG)
    while pos + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8 : pos + 8 + length]
        crc = data[pos + 8 + length : pos + 12 + length]
        if len(crc) < 4 or struct.unpack(">I", crc)[0] != zlib.crc32(kind + body):
            break  # truncated or corrupt: keep what was already verified
        if kind == b"IHDR" and length >= 8:
            width, height = struct.unpack_from(">II", body)
            tags["width"], tags["height"] = str(width), str(height)
        elif kind == b"tEXt" and b"\0" in body:
            key, _, value = body.partition(b"\0")
            # Dimensions come from IHDR; a tEXt chunk must not override them.
            tags.setdefault(key.decode("latin-1"), value.decode("latin-1"))
        elif kind == b"IEND":
            break
        pos += 12 + length
    return tags


def _read_jpeg(data: bytes) -> dict[str, str]:
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker, length = data[pos + 1], struct.unpack_from(">H", data, pos + 2)[0]
        if marker == 0xFE and pos + 2 + length <= len(data) and length >= 2:
            body = data[pos + 4 : pos + 2 + length]
            return {"comment": body.decode("utf-8", errors="replace")}
        if marker == 0xDA:  # metadata segments all precede the scan
            break
        pos += 2 + length
    return {}


def _read_gif(data: bytes) -> dict[str, str]:
    width, height, flags = struct.unpack_from("<HHB", data, 6)
    tags = {"width": str(width), "height": str(height)}
    pos = 13 + (3 << (flags & 7) + 1 if flags & 0x80 else 0)
    # Extensions precede the first image; a comment is 0x21 0xFE then sub-blocks.
    while pos + 2 <= len(data) and data[pos] == 0x21:
        label, pos, body = data[pos + 1], pos + 2, b""
        while pos < len(data) and data[pos]:
            body += data[pos + 1:pos + 1 + data[pos]]
            pos += 1 + data[pos]
        pos += 1
        if label == 0xFE:
            tags["comment"] = body.decode("utf-8", errors="replace")
    return tags


def _unescape_pdf(raw: bytes) -> str:
    def sub(match: re.Match[bytes]) -> bytes:
        esc = match.group(1)
        if esc[:1].isdigit():
            return bytes([int(esc, 8) & 0xFF])
        if esc in (b"\n", b"\r"):
            return b""  # backslash-newline is a line continuation
        return _PDF_ESCAPES.get(esc, esc)

    text = re.sub(rb"\\([0-7]{1,3}|.)", sub, raw, flags=re.DOTALL)
    if text.startswith(b"\xfe\xff"):
        return text[2:].decode("utf-16-be", errors="replace")
    return text.decode("latin-1")


def read_media_tags(data: bytes) -> dict[str, str]:
    """Recover the metadata the builders in this module embed.

    Args:
        data: File bytes, possibly truncated or not media at all.

    Returns:
        For MP4, any of ``title``/``artist``/``date``/``comment``; for PNG,
        ``width``, ``height`` and the tEXt entries; for JPEG, ``comment``;
        for GIF, ``width``, ``height`` and ``comment``; for PDF, ``title`` and any of
        ``author``/``subject``/``keywords``/``creator``. Truncated files yield what could
        be parsed and unrecognised data yields ``{}``. Never raises.

    """
    data = bytes(data)
    try:
        if data.startswith(_PNG_SIG):
            return _read_png(data)
        if data.startswith(b"\xff\xd8\xff"):
            return _read_jpeg(data)
        if data.startswith(b"%PDF"):
            # The last entry wins, as with an incrementally updated PDF.
            return {key.decode().lower(): _unescape_pdf(raw)
                    for key, raw in _PDF_INFO.findall(data)}
        if data.startswith((b"GIF87a", b"GIF89a")):
            return _read_gif(data)
        if data[4:8] == b"ftyp":
            return _read_mp4(data)
    except (struct.error, ValueError, IndexError, RecursionError):
        pass  # parsers bounds-check, but hostile input must still not raise
    return {}


def sniff_mime(data: bytes) -> str | None:
    """Guess a MIME type from content alone.

    Returns:
        The ``filetype`` MIME type; else ``text/plain`` for NUL-free UTF-8
        (a BOM is allowed); else ``None``. Empty input gives ``None``.

    """
    data = bytes(data)
    kind = filetype.guess(data) if data else None
    if kind is not None:
        return kind.mime
    if not data or b"\0" in data:
        return None
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return "text/plain"
