"""Doing one work item of an expect brief with one's own tools, in the agent's style.

Mail (attachments labelled by their bytes, by their extension, or not at all), publish, text,
write; retried where it is worth it, reported where it failed.
"""

from __future__ import annotations

import csv
import io
import json
import mimetypes
import re
from typing import TYPE_CHECKING, Any

from chaos.models.scripted._common import Step, retrying, sending
from chaos.models.scripted._finding import is_textual

if TYPE_CHECKING:
    from chaos.models.scripted._policies import Style

__all__ = ["ACTION_ROLE", "ACTION_TOOL", "act", "item_key", "label", "report"]

#: The tool each action needs, and the role of the agent that has it.
ACTION_TOOL = {"mail": "send_email", "publish": "publish", "sms": "send_sms",
               "write": "write_file"}
ACTION_ROLE = {"mail": "sender", "publish": "sender", "sms": "sender", "write": "writer"}
_WENT = {"send_email": ("sent",), "publish": ("published",), "send_sms": ("sms ",),
         "write_file": ("wrote",)}


def item_key(item: dict[str, Any]) -> str:
    """What the item is about: its row's key (`P003`), if the brief says."""
    key = item.get("key") or item.get("row")
    if isinstance(key, dict):
        key = next(iter(key.values()), "")
    if key:
        return str(key)
    found = re.search(r"\[([^\]]+)\]$", str(item.get("id", "")))
    return found.group(1) if found else ""


def label(item: dict[str, Any]) -> str:
    """How reports name the item: its id, with its row's key (`reports[P003]`)."""
    ident, key = str(item.get("id") or "work"), item_key(item)
    return ident if not key or f"[{key}]" in ident else f"{ident}[{key}]"


def report(summary: str, paths: list[str], issues: list[str], style: Style,
           severity: str = "error") -> Step:
    """Report a problem (careful styles) and keep it for the final answer."""
    if not style.reports:
        return
    yield "report_issue", {"severity": severity, "summary": summary, "paths": paths}
    if severity == "error":
        issues.append(summary)


def _paths(value: Any) -> list[dict[str, Any]]:
    refs_ = value if isinstance(value, list) else []
    return [r for r in refs_ if isinstance(r, dict) and r.get("path") and "failed" not in r]


def _attachment(ref: dict[str, Any], style: Style) -> dict[str, Any]:
    """An attachment as the style labels it: by its bytes, by its name, or not at all."""
    path = str(ref["path"])
    if style.checks_attachments:
        wanted = (ref.get("find") or {}).get("type")
        sniffed = ref.get("sniffed")
        declared = wanted if sniffed == "text/plain" and is_textual(wanted) else sniffed
        declared = declared or ref.get("extension")
        return {"path": path} | ({"content_type": declared} if declared else {})
    if style.checks_files:  # careless with types: the extension says what it is
        declared = mimetypes.guess_type(path, strict=False)[0]
        return {"path": path} | ({"content_type": declared} if declared else {})
    return {"path": path}


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _content(item: dict[str, Any], style: Style) -> Step:
    """What a `write` item's file holds."""
    if "json" in item:
        return json.dumps(item["json"], indent=2, ensure_ascii=False)
    if "csv" in item and isinstance(item["csv"], list) and item["csv"] and \
            all(isinstance(r, dict) for r in item["csv"]):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(item["csv"][0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(item["csv"])
        return out.getvalue()
    for key in ("same_as", "copy"):
        if isinstance(item.get(key), dict) and item[key].get("path"):
            read = (yield from retrying("read_file", item[key]["path"], style)) or {}
            return str(read.get("content", ""))
    return _text(item.get("text", item.get("content", item.get("csv"))))


def _call(item: dict[str, Any], style: Style) -> Step:
    """The tool call that does the item, or None when there is nothing to do it with."""
    action = item.get("action")
    if action == "mail":
        to = item.get("to")
        args: dict[str, Any] = {
            "to": [str(t) for t in to] if isinstance(to, list) else [str(to)],
            "subject": _text(item.get("subject")), "body": _text(item.get("body")),
            "attachments": [_attachment(r, style) for r in _paths(item.get("attachments"))]}
        if item.get("cc"):
            args["cc"] = [str(c) for c in item["cc"]]
        return "send_email", args
    if action == "publish":
        files = [str(r["path"]) for r in _paths(item.get("files"))]
        if not files:
            return None
        return "publish", {"platform": _text(item.get("platform")),
                           "title": _text(item.get("title")), "files": files}
    if action == "sms":
        return "send_sms", {"to": _text(item.get("to")), "text": _text(item.get("text"))}
    if action == "write":
        return "write_file", {"path": _text(item.get("path")),
                              "content": (yield from _content(item, style))}
    return None


def act(item: dict[str, Any], style: Style, issues: list[str], done: list[str]) -> Step:
    """Do one item with one's own tool, retrying what is worth it; report what failed."""
    call = yield from _call(item, style)
    if call is None:
        yield from report(f"{label(item)}: nothing to {item.get('action')}", [], issues,
                           style)
        return
    tool, args = call
    result = yield from sending(tool, args, style, _WENT[tool])
    went = result.startswith(_WENT[tool])
    if went and "refused:" in result:
        yield from report(f"{label(item)}: {result}", [], issues, style)
    if not went:
        yield from report(f"{label(item)}: {tool} failed: {result}",
                           [a["path"] for a in args.get("attachments", [])], issues, style)
    if went or not style.checks_files:  # who never checks an answer believes it went
        done.append(str(item.get("id")))
