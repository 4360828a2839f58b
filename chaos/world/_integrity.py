"""Structural integrity of media bytes, as `pngcheck`, `jpeginfo` or `qtfaststart` would see it.

Sniffing reads a file's first bytes; a truncated or bit-flipped file still sniffs right. This
walks the whole structure: PNG chunk CRCs and IEND, JPEG SOI to EOI, MP4 box sizes, PDF %%EOF,
ZIP (DOCX, XLSX) member CRCs, GIF trailer.
"""

from __future__ import annotations

import struct
import zlib
from typing import Literal

__all__ = ["Integrity", "check_integrity"]

Integrity = Literal["ok", "truncated", "corrupt", "empty", "unknown"]


def _png(data: bytes) -> Integrity:
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            return "truncated"
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[pos + 4 : end - 4]) != crc:
            return "corrupt"
        if kind == b"IEND":
            return "ok"
        pos = end
    return "truncated"


def _jpeg(data: bytes) -> Integrity:
    return "ok" if data.rstrip(b"\x00").endswith(b"\xff\xd9") else "truncated"


def _mp4(data: bytes) -> Integrity:
    pos = 0
    while pos < len(data):
        if pos + 8 > len(data):
            return "truncated"
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        if size < 8:
            return "corrupt"
        pos += size
    return "ok" if pos == len(data) else "truncated"


def _pdf(data: bytes) -> Integrity:
    return "ok" if b"%%EOF" in data[-1024:] else "truncated"


#: Most bytes the ZIP check inflates (what lies beyond is taken on its structure alone).
_ZIP_INFLATE_BOUND = 64 * 1024 * 1024


def _zip(data: bytes) -> Integrity:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # CRCs of the members, as `unzip -t` checks them, up to a bound: a deflate bomb
            # would otherwise inflate gigabytes. Reading a member to its end checks its CRC.
            left = _ZIP_INFLATE_BOUND
            for info in archive.infolist():
                with archive.open(info) as member:
                    while left > 0 and (chunk := member.read(min(left, 1 << 20))):
                        left -= len(chunk)
                if left <= 0:
                    break
            return "ok"
    except zipfile.BadZipFile:
        return "truncated" if b"PK\x05\x06" not in data[-65558:] else "corrupt"
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zlib.error):
        return "corrupt"


def check_integrity(data: bytes) -> Integrity:
    """Whether a file's bytes hold together, for the formats chaos knows.

    Returns:
        `ok`, `truncated`, `corrupt`, `empty`, or `unknown` (a format this check does not know,
        text included).
    """
    if not data:
        return "empty"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data[4:8] == b"ftyp":
        return _mp4(data)
    if data.startswith(b"%PDF-"):
        return _pdf(data)
    if data.startswith(b"PK\x03\x04"):
        return _zip(data)
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "ok" if data.rstrip(b"\x00").endswith(b"\x3b") else "truncated"
    return "unknown"
