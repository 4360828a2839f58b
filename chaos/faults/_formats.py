"""Real bytes of the formats a fault can turn a file into (each sniffs as its format).

Small, deterministic files: a one-page PDF, a one-paragraph DOCX, a one-cell XLSX, a ZIP
with one text member, PNG/JPEG/GIF images and an MP4 header. Faults use them where a file's
bytes must become another format while its name stays.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from xml.sax.saxutils import escape

from chaos.world._assets import jpeg_bytes, mp4_bytes, pdf_bytes, png_bytes, sniff_mime

__all__ = ["FORMATS", "format_of", "make_format", "other_format"]

#: The formats a fault can make, by the name a profile uses, with their MIME types.
FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "mp4": "video/mp4",
}
#: What "another format" means for a file of each format: what a wrong export most often is.
_OTHER = {"png": "jpeg", "jpeg": "png", "gif": "png", "mp4": "jpeg", "pdf": "docx",
          "docx": "pdf", "xlsx": "zip", "zip": "pdf"}
#: A fixed stamp, so that the same seed gives the same bytes (zip entries carry a date).
_STAMP = (2026, 1, 2, 9, 0, 0)


def format_of(data: bytes) -> str | None:
    """The format name of `data` by its sniffed type (None: none of FORMATS, e.g. text)."""
    mime = sniff_mime(data)
    return next((name for name, known in FORMATS.items() if known == mime), None)


def other_format(data: bytes) -> str:
    """The format a file of these bytes most plausibly turns into by mistake."""
    current = format_of(data)
    return _OTHER.get(current, "jpeg") if current is not None else "pdf"


def _zip(members: list[tuple[str, str]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members:
            archive.writestr(zipfile.ZipInfo(name, _STAMP), text)
    return out.getvalue()


def _docx(text: str) -> bytes:
    body = escape(text)
    return _zip([
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
         'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
         'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
         '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
         'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
         'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="word/document.xml"/></Relationships>'),
        ("word/document.xml",
         '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
         'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
         f'{body}</w:t></w:r></w:p></w:body></w:document>'),
    ])


def _xlsx(text: str) -> bytes:
    cell = escape(text)
    return _zip([
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
         'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
         'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
         '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
         'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
         'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
         'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>'),
        ("xl/workbook.xml",
         '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
         '.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/></sheets>'
         '</workbook>'),
        ("xl/worksheets/sheet1.xml",
         '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
         'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" '
         f't="inlineStr"><is><t>{cell}</t></is></c></row></sheetData></worksheet>'),
    ])


def _gif(shade: int) -> bytes:
    """A 1x1 GIF89a of one grey shade."""
    return (b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)
            + bytes([shade, shade, shade, 0, 0, 0])
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
            + b"\x02\x02\x44\x01\x00\x3b")


def make_format(name: str, title: str, rng: random.Random) -> bytes:
    """Bytes of format `name` (a key of FORMATS) carrying `title`, drawn from `rng`."""
    if name == "jpeg":
        return jpeg_bytes(title, rng)
    if name == "png":
        return png_bytes(64, 64, (rng.randrange(256),) * 3, {"Title": title})
    if name == "gif":
        return _gif(rng.randrange(256))
    if name == "mp4":
        return mp4_bytes({"title": title}, 512, rng)
    if name == "pdf":
        return pdf_bytes(title, [title])
    if name == "docx":
        return _docx(title)
    if name == "xlsx":
        return _xlsx(title)
    if name == "zip":
        return _zip([("README.txt", title)])
    raise ValueError(f"unknown format '{name}' (formats: {', '.join(FORMATS)})")
