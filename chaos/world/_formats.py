"""Real-format bytes a profile asks for (`make: pdf`...), carrying its title, text and metadata.

Office files and archives are ZIPs written member by member with fixed timestamps and
attributes, so the same inputs give the same bytes on every machine. Nothing reads the clock.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default as default_policy
from xml.sax.saxutils import escape

from chaos.world._assets import gif_bytes, jpeg_bytes, mp4_bytes, pdf_bytes, png_bytes

__all__ = ["MAKE_FORMATS", "docx_bytes", "eml_bytes", "make_bytes", "xlsx_bytes", "zip_bytes"]

#: What a fixed ZIP member says of its time: the format's earliest date, never "now".
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_KEYS = {"title": "dc:title", "author": "dc:creator", "subject": "dc:subject",
              "description": "dc:description", "keywords": "cp:keywords"}
_OOXML = "application/vnd.openxmlformats-officedocument"


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    """A ZIP of `members` (name, bytes) in the given order, deflated, with fixed times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix: the same header bytes whatever the host
            archive.writestr(info, data)
    return out.getvalue()


def _core(title: str, meta: dict[str, str]) -> bytes:
    props = {"title": title, **meta} if title else dict(meta)
    unknown = sorted(set(props) - set(_CORE_KEYS))
    if unknown:
        raise ValueError(f"unsupported document property {unknown[0]!r}; use "
                         f"{', '.join(sorted(_CORE_KEYS))}")
    body = "".join(f"<{_CORE_KEYS[k]}>{escape(props[k])}</{_CORE_KEYS[k]}>"
                   for k in sorted(props))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"{body}</cp:coreProperties>").encode()


def _types(main: str, part: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{part}" ContentType="{main}"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.'
            'openxmlformats-package.core-properties+xml"/>'
            + ('<Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
               f'{_OOXML}.spreadsheetml.worksheet+xml"/>' if part.startswith("xl/") else "")
            + "</Types>").encode()


def _rels(targets: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
                    for i, (kind, target) in enumerate(targets, start=1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{items}</Relationships>").encode()


_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CORE_REL = ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
             "core-properties")


def docx_bytes(title: str, text: str, meta: dict[str, str]) -> bytes:
    """A Word document: one paragraph per line of `text`; title and `meta` as core properties.

    Raises:
        ValueError: On a property other than title, author, subject, description, keywords.
    """
    paragraphs = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
                         for line in text.split("\n"))
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document '
                'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{paragraphs}</w:body></w:document>").encode()
    # [Content_Types].xml first and word/ soon after: how sniffers tell a .docx from a ZIP.
    return zip_bytes([
        ("[Content_Types].xml", _types(f"{_OOXML}.wordprocessingml.document.main+xml",
                                       "word/document.xml")),
        ("_rels/.rels", _rels([(_DOC_REL, "word/document.xml"), (_CORE_REL,
                                                                 "docProps/core.xml")])),
        ("word/document.xml", document),
        ("docProps/core.xml", _core(title, meta)),
    ])


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cell(ref: str, value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None and value.strip() == value and value.lower() not in (
            "nan", "inf", "-inf", "infinity", "-infinity"):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def xlsx_bytes(title: str, rows: list[list[str]], meta: dict[str, str]) -> bytes:
    """An Excel workbook of one sheet; numbers are number cells, the rest inline strings.

    Raises:
        ValueError: On a property other than title, author, subject, description, keywords.
    """
    lines = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{_column(c)}{r}", v) for c, v in enumerate(row))
        + "</row>" for r, row in enumerate(rows, start=1))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
             '"http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f"<sheetData>{lines}</sheetData></worksheet>").encode()
    workbook = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns='
                b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r='
                b'"http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
                b"</workbook>")
    sheet_rel = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                 "worksheet")
    return zip_bytes([
        ("[Content_Types].xml", _types(f"{_OOXML}.spreadsheetml.sheet.main+xml",
                                       "xl/workbook.xml")),
        ("_rels/.rels", _rels([(_DOC_REL, "xl/workbook.xml"), (_CORE_REL,
                                                              "docProps/core.xml")])),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", _rels([(sheet_rel, "worksheets/sheet1.xml")])),
        ("xl/worksheets/sheet1.xml", sheet),
        ("docProps/core.xml", _core(title, meta)),
    ])


def _header_name(key: str) -> str:
    # `from`, `message_id` as written in YAML; `Message-ID` as a mail client writes it.
    return key.replace("_", "-").title().replace("-Id", "-ID") if key.islower() else key


def eml_bytes(title: str, text: str, meta: dict[str, str]) -> bytes:
    """A mail message as a `.eml` file: `meta` are its headers, title its Subject.

    A Date is always written (the meta's, else a fixed one): a mail client needs it and the
    bytes must not depend on the clock.
    """
    message = EmailMessage(policy=default_policy)
    headers = {"Subject": title} if title else {}
    headers |= {_header_name(k): v for k, v in meta.items()}
    headers.setdefault("Date", "Thu, 01 Jan 2026 00:00:00 +0000")
    first = ("From", "To", "Cc", "Subject", "Date")
    for key in sorted(headers, key=lambda k: (first.index(k) if k in first else len(first), k)):
        message[key] = headers[key]
    message.set_content(text)
    return message.as_bytes()


def _table_rows(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text)) if row]


def _sized(meta: dict[str, str], key: str, default: int, most: int) -> int:
    value = meta.pop(key, None)
    if value is None:
        return default
    if not str(value).isdigit() or not 1 <= int(value) <= most:
        raise ValueError(f"meta.{key} must be a whole number from 1 to {most}, not {value!r}")
    return int(value)


def _image_text(title: str, text: str, meta: dict[str, str]) -> str:
    return "\n".join(filter(None, [title, text, *(f"{k}: {v}" for k, v in sorted(meta.items()))]))


def _png(title: str, text: str, meta: dict[str, str], rng: random.Random) -> bytes:
    meta = dict(meta)
    width = _sized(meta, "width", 16, 1024)
    height = _sized(meta, "height", 16, 1024)
    entries = ({"Title": title} if title else {}) | ({"Description": text} if text else {})
    entries |= {k.title() if k.islower() else k: v for k, v in sorted(meta.items())}
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    return png_bytes(width, height, colour, entries)


def _mp4(title: str, text: str, meta: dict[str, str], rng: random.Random) -> bytes:
    meta = dict(meta)
    size = _sized(meta, "payload_bytes", 4096, 1024 * 1024)
    tags = ({"title": title} if title else {}) | ({"comment": text} if text else {})
    if "author" in meta:
        meta["artist"] = meta.pop("author")
    return mp4_bytes(tags | meta, size, rng)


def _json(title: str, text: str, meta: dict[str, str]) -> bytes:
    body = ({"title": title} if title else {}) | ({"text": text} if text else {}) | meta
    return (json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _zip(title: str, text: str, meta: dict[str, str]) -> bytes:
    members = [(title or "README.txt", text.encode())] if text else []
    members += [(name, str(meta[name]).encode()) for name in sorted(meta)]
    return zip_bytes(members)


_Builder = Callable[[str, str, dict[str, str], random.Random], bytes]
_BUILDERS: dict[str, _Builder] = {
    "pdf": lambda t, x, m, r: pdf_bytes(t, x.split("\n"), {k.title() if k.islower() else k: v
                                                           for k, v in m.items()}),
    "docx": lambda t, x, m, r: docx_bytes(t, x, m),
    "xlsx": lambda t, x, m, r: xlsx_bytes(t, _table_rows(x), m),
    "zip": lambda t, x, m, r: _zip(t, x, m),
    "png": _png,
    "jpeg": lambda t, x, m, r: jpeg_bytes(_image_text(t, x, m), r),
    "gif": lambda t, x, m, r: gif_bytes(_image_text(t, x, m), (r.randrange(256),
                                                               r.randrange(256),
                                                               r.randrange(256))),
    "mp4": _mp4,
    "csv": lambda t, x, m, r: x.encode(),
    "json": lambda t, x, m, r: _json(t, x, m),
    "eml": lambda t, x, m, r: eml_bytes(t, x, m),
}
#: Every format `make:` builds.
MAKE_FORMATS = tuple(_BUILDERS)


def make_bytes(fmt: str, title: str, text: str, meta: dict[str, str],
               rng: random.Random) -> bytes:
    """The bytes of a `fmt` file carrying `title`, `text` and `meta`.

    Args:
        fmt: One of MAKE_FORMATS.
        title: The document's title (PDF /Title, core property, PNG Title, Subject, member).
        text: Its body (PDF page lines, paragraphs, CSV rows of an xlsx, mail body...).
        meta: Format metadata (PDF Info, core properties, PNG tEXt, mail headers...).
        rng: Source of pixel colours and media payloads.

    Raises:
        ValueError: Metadata the format cannot carry, or text it cannot hold.
    """
    return _BUILDERS[fmt](title, text, dict(meta), rng)
