"""What a person sees when opening a document: the text of a PDF, DOCX, XLSX or mail, a ZIP's list.

Readers take any bytes (a user's own files included) and never raise: what cannot be read
gives None. Every expansion is bounded (a deflate bomb stops at `_MOST` bytes).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from email import message_from_bytes
from email.policy import default as default_policy
from xml.etree import ElementTree

__all__ = ["document_tags", "document_text"]

#: Most bytes a reader inflates from one stream or member.
_MOST = 16 * 1024 * 1024
#: Most bytes of PDF page content read for text (~1.5 s of tokenising here, at worst), and
#: most characters of text gathered: past either, a reader has more than read_file shows.
_MOST_CONTENT = 2 * 1024 * 1024
_MOST_TEXT = 512 * 1024
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CORE = {"title": "title", "creator": "author", "subject": "subject",
         "description": "description", "keywords": "keywords"}
_STREAM = re.compile(rb"(?<![A-Za-z])stream\r?\n")
# One token at a time, no nested repetition: the scan stays linear on any bytes.
_SIMPLE = re.compile(rb"\s+|%[^\r\n]*|<<|>>|<[0-9A-Fa-f\s]*>|[\[\]{}]|/[^\s/\[\]()<>{}%]*|"
                     rb"[^\s/\[\]()<>{}%]+|.", re.DOTALL)
_STRING_STOP = re.compile(rb"[\\()]")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_HEADER = re.compile(rb"\A(?:[!-9;-~]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*)+\r?\n")


def _inflate(data: bytes) -> bytes | None:
    try:
        out = zlib.decompressobj().decompress(data, _MOST)
    except zlib.error:
        return None
    return out


def _pdf_string(token: bytes) -> bytes:
    if token.startswith(b"<"):
        digits = re.sub(rb"\s", b"", token[1:-1])
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
    return re.sub(rb"\\([0-7]{1,3}|.)", lambda m: (
        bytes([int(m.group(1), 8) & 0xFF]) if m.group(1)[:1] in b"01234567"
        else b"" if m.group(1) in (b"\n", b"\r") else _ESCAPES.get(m.group(1), m.group(1))),
        token[1:-1], flags=re.DOTALL)


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", errors="replace")
    return raw.decode("cp1252", errors="replace")


def _string_end(content: bytes, start: int) -> int:
    """Where the literal string opening at `start` ends: balanced brackets, escapes skipped."""
    depth, pos = 0, start
    while (stop := _STRING_STOP.search(content, pos)) is not None:
        char = content[stop.start()]
        if char == 0x5C:  # a backslash escapes the next byte
            pos = stop.start() + 2
            continue
        depth += 1 if char == 0x28 else -1
        pos = stop.start() + 1
        if depth == 0:
            return pos
    return len(content)


def _tokens(content: bytes) -> list[bytes]:
    tokens, pos = [], 0
    while pos < len(content):
        if content[pos] == 0x28:
            end = _string_end(content, pos)
        else:
            match = _SIMPLE.match(content, pos)
            end = match.end() if match else pos + 1
        token = content[pos:end]
        if not token[:1].isspace() and token[:1] != b"%":
            tokens.append(token)
        pos = end
    return tokens


def _pdf_lines(content: bytes) -> list[str]:
    lines: list[str] = []
    line = ""
    pending: list[bytes] = []
    in_text = False
    for token in _tokens(content):
        if token == b"BT":
            in_text = True
        elif token == b"ET":
            in_text = False
            if line:
                lines.append(line)
                line = ""
        elif not in_text:
            continue
        elif token[:1] == b"(" or (token[:1] == b"<" and token != b"<<"):
            pending.append(token if token.endswith((b")", b">")) else token + b")")
        elif token in (b"Tj", b"TJ", b"'", b'"'):
            if token in (b"'", b'"') and line:
                lines.append(line)
                line = ""
            line += "".join(_decode(_pdf_string(t)) for t in pending)
            pending = []
        elif token in (b"T*", b"Td", b"TD", b"Tm") and line:
            lines.append(line)
            line = ""
        elif token not in (b"[", b"]") and not token[:1].isdigit() and token[:1] not in b"-+./":
            pending = []
    if line:
        lines.append(line)
    return lines


def _pdf_text(data: bytes) -> str | None:
    if not data.startswith(b"%PDF"):
        return None
    lines: list[str] = []
    pos, budget = 0, _MOST_CONTENT
    while (match := _STREAM.search(data, pos)) is not None:
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        # The stream's dictionary: what stands between its object header and `stream`.
        head = data[max(0, match.start() - 2000):match.start()]
        head = head[head.rfind(b"obj"):] if b"obj" in head else head
        body: bytes | None = data[start:end]
        if b"/FlateDecode" in head:
            body = _inflate(body or b"")
        elif b"/Filter" in head:
            body = None  # an image or a filter this reader does not know: no text in it
        if body:
            lines += _pdf_lines(body[:budget])
            budget -= len(body)
            if budget <= 0 or sum(map(len, lines)) > _MOST_TEXT:
                break  # more than anyone is shown (read_file returns at most 256 KiB)
        pos = end + len(b"endstream")
    return "\n".join(lines)


def _member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        with archive.open(name) as handle:
            data = handle.read(_MOST + 1)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, zlib.error,
            NotImplementedError):
        return None
    return data if len(data) <= _MOST else None


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    data = _member(archive, name)
    if data is None or b"<!ENTITY" in data or b"<!DOCTYPE" in data:
        return None  # entity declarations are how XML bombs grow: a real .docx has none
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None


def _docx_text(archive: zipfile.ZipFile) -> str | None:
    root = _xml(archive, "word/document.xml")
    if root is None:
        return None
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        text = ""
        for node in paragraph.iter():
            if node.tag == f"{_W}t":
                text += node.text or ""
            elif node.tag == f"{_W}tab":
                text += "\t"
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                text += "\n"
        paragraphs.append(text)
    return "\n".join(paragraphs)


def _xlsx_text(archive: zipfile.ZipFile) -> str | None:
    shared: list[str] = []
    strings = _xml(archive, "xl/sharedStrings.xml")
    if strings is not None:
        shared = ["".join(t.text or "" for t in item.iter(f"{_S}t"))
                  for item in strings.iter(f"{_S}si")]
    sheets = sorted(n for n in archive.namelist()
                    if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    if not sheets:
        return None
    out: list[str] = []
    # Each sheet inflates at most _MOST bytes; together, the first few sheets up to about
    # that much: a workbook of a hundred 16 MiB sheets is not read to its end.
    read = 0
    for name in sheets:
        if read > _MOST:
            out.append(f"[{len(sheets) - sheets.index(name)} more sheets not shown]")
            break
        read += archive.getinfo(name).file_size
        root = _xml(archive, name)
        if root is None:
            return None
        if len(sheets) > 1:
            out.append(f"[{name.rsplit('/', 1)[1].removesuffix('.xml')}]")
        for row in root.iter(f"{_S}row"):
            cells = []
            for cell in row.iter(f"{_S}c"):
                kind = cell.get("t")
                value = cell.find(f"{_S}v")
                if kind == "inlineStr":
                    cells.append("".join(t.text or "" for t in cell.iter(f"{_S}t")))
                elif kind == "s" and value is not None and (value.text or "").isascii() \
                        and (value.text or "").isdigit():
                    index = int(value.text or 0)
                    cells.append(shared[index] if index < len(shared) else "")
                else:
                    cells.append(value.text or "" if value is not None else "")
            out.append("\t".join(cells))
    return "\n".join(out)


def _zip_listing(archive: zipfile.ZipFile) -> str:
    return "\n".join(f"{i.filename}\t{i.file_size} bytes" for i in archive.infolist())


def _open_zip(data: bytes) -> zipfile.ZipFile | None:
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None


def _looks_like_mail(data: bytes) -> bool:
    head = _HEADER.match(data[:65536])
    if head is None:
        return False
    names = {line.split(b":", 1)[0].lower() for line in head.group().splitlines() if b":" in line}
    # A YAML file of `from:` and `to:` keys is no mail: a mail also has a Date (RFC 5322
    # requires one) or declares its MIME version.
    return b"mime-version" in names or ({b"from", b"date"} <= names
                                        and bool(names & {b"to", b"subject"}))


def _mail_text(data: bytes) -> str | None:
    try:
        message = message_from_bytes(data, policy=default_policy)
        lines = [f"{name}: {message[name]}" for name in ("From", "To", "Cc", "Subject", "Date")
                 if message[name] is not None]
        body = message.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
        attached = [f"Attachment: {part.get_filename() or 'unnamed'} "
                    f"({part.get_content_type()})" for part in message.iter_attachments()]
    except Exception:  # a header or part the stdlib cannot read: show nothing, never fail
        return None
    return "\n".join([*lines, "", str(text).rstrip("\n"), *attached]).rstrip("\n")


def document_text(data: bytes) -> tuple[str, str] | None:
    """What a person sees opening `data`: (what it is, its text), or None for other files.

    PDF: the text of its pages; DOCX: its paragraphs; XLSX: each row's cells, tab-separated;
    other ZIPs: one line per member (name and size); a mail (`.eml`): its headers, body and
    attachment names. None for anything else, or a document too damaged to read.
    """
    data = bytes(data)
    if data.startswith(b"%PDF"):
        text = _pdf_text(data)
        return ("pdf", text) if text is not None else None
    archive = _open_zip(data)
    if archive is not None:
        with archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                text = _docx_text(archive)
                return ("docx", text) if text is not None else None
            if "xl/workbook.xml" in names:
                text = _xlsx_text(archive)
                return ("xlsx", text) if text is not None else None
            return "zip", _zip_listing(archive)
    if _looks_like_mail(data):
        text = _mail_text(data)
        return ("eml", text) if text is not None else None
    return None


def document_tags(data: bytes) -> dict[str, str]:
    """Metadata of a DOCX/XLSX (core properties), a ZIP (member count) or a mail (headers)."""
    data = bytes(data)
    archive = _open_zip(data)
    if archive is not None:
        with archive:
            tags = {"members": str(len(archive.infolist()))}
            core = _xml(archive, "docProps/core.xml") if "docProps/core.xml" in set(
                archive.namelist()) else None
            for node in core.iter() if core is not None else ():
                name = node.tag.rsplit("}", 1)[-1]
                if name in _CORE and node.text:
                    tags[_CORE[name]] = node.text
            return tags
    if _looks_like_mail(data):
        try:
            message = message_from_bytes(data, policy=default_policy)
            return {name.lower(): str(message[name]) for name in
                    ("From", "To", "Cc", "Subject", "Date", "Message-ID")
                    if message[name] is not None}
        except Exception:  # an unreadable header: no tags rather than a failed tool
            return {}
    return {}
