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

__all__ = ["READ_CAP", "WRITE_CAP"]

READ_CAP = 256 * 1024
WRITE_CAP = 1024 * 1024
LIST_CAP = 500
FIND_CAP = 200
INTEGRITY_CAP = 64 * 1024 * 1024


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
    """Read a file: text is returned as text, binary files are described (use file_info)."""
    path = ctx.fs.resolve(args.path)
    limit = min(args.max_bytes, READ_CAP)
    size = ctx.fs.stat(path).st_size
    data = ctx.fs.read(path, limit)
    result: dict[str, object] = {"path": path, "size": size, "truncated": size > len(data)}
    if limit < args.max_bytes:
        result["note"] = f"max_bytes is capped at {READ_CAP}"
    if b"\x00" not in data[:8192]:
        try:
            result["content"] = data.decode("utf-8")
            return _json(result)
        except UnicodeDecodeError:
            pass
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
        "tags": read_media_tags(head),
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
