"""Filesystem tools: list, find, read, inspect and write files of the episode's fake world."""

from __future__ import annotations

import json
import mimetypes
import posixpath
import stat
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from chaos.tools._registry import ToolContext, tool
from chaos.world._assets import read_media_tags, sniff_mime
from chaos.world._integrity import check_integrity
from chaos.world._model import sha256
from chaos.world._readers import document_tags, document_text

__all__ = ["READ_CAP", "WRITE_CAP"]

READ_CAP = 256 * 1024
WRITE_CAP = 1024 * 1024
LIST_CAP = 500
FIND_CAP = 200
INTEGRITY_CAP = 64 * 1024 * 1024
#: Largest document (PDF, DOCX, XLSX, ZIP, mail) whose text read_file extracts.
DOCUMENT_CAP = 16 * 1024 * 1024
_DOCUMENT_NOTES = {
    "pdf": "text of the PDF's pages, as a PDF reader shows it",
    "docx": "text of the Word document, one paragraph a line",
    "xlsx": "cells of the workbook, one row a line, tab-separated",
    "zip": "the archive's members: name and size",
    "eml": "the mail as a mail client shows it: headers, body, attachment names",
}


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PathArgs(_Args):
    path: str = Field(description="Absolute path, e.g. /prod/teams")


class FindArgs(_Args):
    pattern: str = Field(description="Glob; ** crosses folders, e.g. /prod/**/*goal-1*.mp4")
    ignore_case: bool = Field(False, description="Match names in any letter case")
    limit: int = Field(FIND_CAP, ge=1, le=FIND_CAP, description="Most matches to return")


class ReadArgs(_Args):
    path: str = Field(description="Absolute path of the file")
    max_bytes: int = Field(16384, ge=1, description=f"Most bytes to read (capped at {READ_CAP})")


class WriteArgs(_Args):
    path: str = Field(description="Absolute path; the folder must exist")
    content: str = Field(description=f"UTF-8 text, at most {WRITE_CAP} bytes")


def _json(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@tool("list_dir", args=PathArgs)
def list_dir(ctx: ToolContext, args: PathArgs) -> str:
    """List a folder: each entry's name, whether it is a file or a folder, and its size."""
    folder = ctx.fs.resolve(args.path)
    names = ctx.fs.listdir(folder)
    entries = []
    for name in names[:LIST_CAP]:
        info = ctx.fs.os.stat(posixpath.join(folder, name))
        kind = "dir" if stat.S_ISDIR(info.st_mode) else "file"
        entries.append(
            {"name": name, "type": kind} | ({"size": info.st_size} if kind == "file" else {})
        )
    return _json({"path": folder, "entries": entries, "truncated": len(names) > LIST_CAP})


@tool("find_files", args=FindArgs)
def find_files(ctx: ToolContext, args: FindArgs) -> str:
    """Find files whose absolute path matches a glob pattern, sorted by path."""
    matches = ctx.fs.glob(args.pattern, ignore_case=args.ignore_case)
    return _json(
        {
            "pattern": args.pattern,
            "matches": matches[: args.limit],
            "truncated": len(matches) > args.limit,
        }
    )


@tool("read_file", args=ReadArgs)
def read_file(ctx: ToolContext, args: ReadArgs) -> str:
    """Read a file: text, a PDF/Word/Excel/mail file's text, a ZIP's list; else use file_info."""
    path = ctx.fs.resolve(args.path)
    limit = min(args.max_bytes, READ_CAP)
    size = ctx.fs.stat(path).st_size
    # One read of the whole (bounded) file: a document's text needs all of it.
    whole = ctx.fs.read(path, max(limit, DOCUMENT_CAP))
    data = whole[:limit]
    result: dict[str, object] = {"path": path, "size": size, "truncated": size > len(data)}
    if limit < args.max_bytes:
        result["note"] = f"max_bytes is capped at {READ_CAP}"
    document = document_text(whole) if len(whole) == size else None
    if document is not None:
        kind, text = document
        shown = text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
        return _json(result | {"truncated": len(shown) < len(text), "format": kind,
                               "sniffed_mime": sniff_mime(whole[:65536]),
                               "note": _DOCUMENT_NOTES[kind], "content": shown})
    if b"\x00" not in data[:8192]:
        try:
            result["content"] = data.decode("utf-8")
            return _json(result)
        except UnicodeDecodeError as exc:
            if result["truncated"] and exc.start >= len(data) - 3 and exc.end == len(data):
                # The limit cut a character in two: show the text up to it.
                result["content"] = data[:exc.start].decode("utf-8")
                return _json(result)
        if sniff_mime(data) is None:
            # Text in another encoding (Latin-1, cp1252): shown as a UTF-8 terminal shows it.
            result["content"] = data.decode("utf-8", errors="replace")
            result["encoding_note"] = ("not valid UTF-8: each undecodable byte is shown as "
                                       "\ufffd (the file may be Latin-1 or cp1252)")
            return _json(result)
    result |= {
        "binary": True,
        "sniffed_mime": sniff_mime(data),
        "content": "binary content not shown; use file_info",
    }
    return _json(result)


@tool("file_info", args=PathArgs)
def file_info(ctx: ToolContext, args: PathArgs) -> str:
    """Size, mtime, MIME type sniffed from the bytes and from the name, media tags, integrity."""
    path = ctx.fs.resolve(args.path)
    info = ctx.fs.stat(path)
    if stat.S_ISDIR(info.st_mode):
        return _json({"path": path, "type": "dir", "modified": _iso(info.st_mtime)})
    data = ctx.fs.read(path, INTEGRITY_CAP)
    head = data[:65536]
    return _json({
        "path": path,
        "type": "file",
        "size": info.st_size,
        "modified": _iso(info.st_mtime),
        "sniffed_mime": sniff_mime(head),
        "extension_mime": mimetypes.guess_type(path, strict=False)[0],
        "tags": read_media_tags(head) | document_tags(data),
        "integrity": check_integrity(data) if len(data) < INTEGRITY_CAP else "unknown",
        "sha256": sha256(data) if len(data) < INTEGRITY_CAP else None,
    })


@tool("write_file", args=WriteArgs)
def write_file(ctx: ToolContext, args: WriteArgs) -> str:
    """Write a UTF-8 text file (replacing it if it exists)."""
    data = args.content.encode("utf-8")
    if len(data) > WRITE_CAP:
        return f"error: content is {len(data)} bytes; write_file takes at most {WRITE_CAP}"
    path = ctx.fs.resolve(args.path)
    ctx.fs.write(path, data)
    return f"wrote {len(data)} bytes to {path}"
