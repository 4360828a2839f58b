"""The `expect` skill: work any chain as written, for an expect task's brief.

The brief (`{"step": "expect", "work": [...]}`) lists work items — `mail`, `publish`, `sms`,
`write`, `answer` — whose files are given as a `find` (how a person would look). Every agent
runs this same skill on the items it is handed:

1. find: it resolves each `find` itself when it has `find_files`, else hands the items to the
   finder it can reach (`"part": "find"`), which answers them with paths;
2. check: a reachable checker verifies what was found (`"part": "check"`); a careful agent
   drops what the checker rejects;
3. values: with `read_file` it computes the values asked for (a column's sum, a JSON field);
4. act: it mails, publishes, texts or writes what its own tools allow and hands the rest to the
   sender or writer it can reach (directly or through `delegates_to`); answer fields go into
   its final answer: `{"done": [ids], "issues": [...], <fields>}`.

How it looks, checks, retries and reports is the agent's style (`_finding`, `Style`).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import mimetypes
import re
from typing import TYPE_CHECKING, Any

from chaos.models.scripted._common import Step, delegate, retrying, sending
from chaos.models.scripted._finding import find_file, is_textual, tag_problem, type_problem
from chaos.models.scripted._skills import skill
from chaos.models.scripted._values import compute, expression, refs

if TYPE_CHECKING:
    from chaos.models.scripted._policies import PolicyContext, Style

__all__ = ["ACTION_ROLE", "ACTION_TOOL", "expect"]

#: The tool each action needs, and the role of the agent that has it.
ACTION_TOOL = {"mail": "send_email", "publish": "publish", "sms": "send_sms",
               "write": "write_file"}
ACTION_ROLE = {"mail": "sender", "publish": "sender", "sms": "sender", "write": "writer"}
_WENT = {"send_email": ("sent",), "publish": ("published",), "send_sms": ("sms ",),
         "write_file": ("wrote",)}


def _key(item: dict[str, Any]) -> str:
    """What the item is about: its row's key (`P003`), if the brief says."""
    key = item.get("key") or item.get("row")
    if isinstance(key, dict):
        key = next(iter(key.values()), "")
    if key:
        return str(key)
    found = re.search(r"\[([^\]]+)\]$", str(item.get("id", "")))
    return found.group(1) if found else ""


def _label(item: dict[str, Any]) -> str:
    ident, key = str(item.get("id") or "work"), _key(item)
    return ident if not key or f"[{key}]" in ident else f"{ident}[{key}]"


def _report(summary: str, paths: list[str], issues: list[str], style: Style,
            severity: str = "error") -> Step:
    """Report a problem (careful styles) and keep it for the final answer."""
    if not style.reports:
        return
    yield "report_issue", {"severity": severity, "summary": summary, "paths": paths}
    if severity == "error":
        issues.append(summary)


def _unresolved(items: list[dict[str, Any]]) -> bool:
    return any("path" not in ref and "failed" not in ref for item in items
               for ref, _ in refs(item))


def _find_all(items: list[dict[str, Any]], style: Style, issues: list[str]) -> Step:
    """Resolve every `find` of the items in place: `path`, or `failed` with why."""
    for item in items:
        for ref, attached in refs(item):
            if "path" in ref or "failed" in ref:
                continue
            spec = dict(ref["find"])
            found = yield from find_file(spec, _key(item), style, attached)
            if found is None:
                ref["failed"] = spec.get("why") or f"nothing matches {spec.get('glob')}"
                yield from _report(f"{_label(item)}: {ref['failed']}; left out",
                                   spec.get("aside") or [str(spec.get("glob", ""))], issues,
                                   style)
                continue
            ref["path"] = found.path
            ref.update({k: v for k, v in (("sniffed", found.sniffed),
                                          ("extension", found.extension)) if v})
            if found.left_aside:
                yield from _report(
                    f"{_label(item)}: took {found.path}; left aside " +
                    "; ".join(f"{p} ({why})" for p, why in found.left_aside),
                    [p for p, _ in found.left_aside], issues, style, "warning")


def _check_all(items: list[dict[str, Any]], style: Style, issues: list[str]) -> Step:
    """A checker's pass: each found file's bytes and type against its `find`."""
    for item in items:
        for ref, attached in refs(item):
            if "path" not in ref or "failed" in ref or not style.checks_files:
                continue
            info = (yield from retrying("file_info", ref["path"], style)) or {}
            problem = "it cannot be read" if not info else tag_problem(info, ref["find"])
            if problem is None and (style.checks_attachments or not attached):
                problem = type_problem(info, ref["find"])
            if problem is not None:
                ref["failed"] = f"{ref['path']}: {problem}"
                yield from _report(f"{_label(item)}: rejected {ref['path']}: {problem}",
                                   [ref["path"]], issues, style)


def _computed(value: Any, style: Style, problems: list[str]) -> Step:
    """`value` with every expression whose file is found replaced by what the file says."""
    op = expression(value)
    if op is not None:
        ref = value[op]
        if "failed" in ref:  # reported when it failed: the item is not ready, silently
            problems.append(f"(reported) {ref['failed']}")
            return None if not style.invents else (yield from compute(value, op, style))
        if "path" not in ref:
            return value
        result = yield from compute(value, op, style)
        if result is None:
            problems.append(f"{ref['path']} gives no {op} of {value.get('column') or 'it'}")
        return result
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            out[key] = yield from _computed(inner, style, problems)
        return out
    if isinstance(value, list):
        items = []
        for inner in value:
            items.append((yield from _computed(inner, style, problems)))
        return items
    return value


def _values(items: list[dict[str, Any]], style: Style, issues: list[str]) -> Step:
    """Compute the items' values in place; a careful agent marks an item it cannot fill."""
    for item in items:
        problems: list[str] = []
        for key in [k for k in item if k not in ("id", "action", "attachments", "files")]:
            item[key] = yield from _computed(item[key], style, problems)
        if problems and style.checks_files and not item.get("_cannot"):
            item["_cannot"] = problems
            new = [p for p in problems if not p.startswith("(reported) ")]
            if new:
                yield from _report(f"{_label(item)}: cannot compute: {'; '.join(new)}", [],
                                   issues, style)


def _pending(value: Any) -> bool:
    """Whether an expression is still waiting for its file."""
    if expression(value) is not None:
        return True
    if isinstance(value, dict):
        return any(_pending(v) for v in value.values())
    if isinstance(value, list):
        return any(_pending(v) for v in value)
    return False


def _ready(item: dict[str, Any], style: Style) -> str | None:
    """Why a careful agent will not do the item (None: it will)."""
    if not style.checks_files:
        return None
    if item.get("_cannot"):
        return "; ".join(p.removeprefix("(reported) ") for p in item["_cannot"])
    failed = [ref["failed"] for ref, _ in refs(item) if "failed" in ref]
    if failed:
        return "; ".join(failed)
    if any("path" not in ref for ref, _ in refs(item)) or _pending(item):
        return "no agent it can reach can look for its files"
    return None


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


def _act(item: dict[str, Any], style: Style, issues: list[str], done: list[str]) -> Step:
    """Do one item with one's own tool, retrying what is worth it; report what failed."""
    call = yield from _call(item, style)
    if call is None:
        yield from _report(f"{_label(item)}: nothing to {item.get('action')}", [], issues,
                           style)
        return
    tool, args = call
    result = yield from sending(tool, args, style, _WENT[tool])
    went = result.startswith(_WENT[tool])
    if went and "refused:" in result:
        yield from _report(f"{_label(item)}: {result}", [], issues, style)
    if not went:
        yield from _report(f"{_label(item)}: {tool} failed: {result}",
                           [a["path"] for a in args.get("attachments", [])], issues, style)
    if went or not style.checks_files:  # who never checks an answer believes it went
        done.append(str(item.get("id")))


def _merge(answer: dict[str, Any] | None, done: list[str], issues: list[str],
           fields: dict[str, Any]) -> None:
    if not isinstance(answer, dict):
        return
    done += [str(d) for d in answer.get("done", []) if str(d) not in done]
    issues += [str(i) for i in answer.get("issues", [])]
    fields.update({k: v for k, v in answer.items() if k not in ("done", "issues", "work")})


def _handed(agent: str, brief: dict[str, Any], words: str, style: Style,
            issues: list[str]) -> Step:
    answer = yield from delegate(agent, brief, words, style)
    if answer is None:
        yield from _report(f"{agent} gave no usable answer", [], issues, style)
    return answer


def _find_phase(items: list[dict[str, Any]], ctx: PolicyContext, style: Style,
                issues: list[str], upstream: list[str]) -> Step:
    """Resolve the items' finds, oneself or through the reachable finder."""
    if not _unresolved(items):
        return items
    # The chain's finder first (the profile made it for this), else oneself, else anyone
    # reachable who can search.
    finder = ctx.reach.route("finder", ("find_files",), upstream, by_tools=False)
    if finder is None and "find_files" in ctx.tools:
        yield from _find_all(items, style, issues)
        return items
    finder = finder or ctx.reach.route("finder", ("find_files",), upstream)
    if finder is None:
        return items
    answer = yield from _handed(finder, {"step": "expect", "part": "find", "work": items,
                                         "upstream": upstream},
                                "Find the files these work items need, as each `find` says; "
                                "answer JSON {work: the items with a path for each find, "
                                "issues}.", style, issues)
    issues += [str(i) for i in (answer or {}).get("issues", [])]
    work = (answer or {}).get("work")
    if isinstance(work, list) and all(isinstance(w, dict) for w in work):
        return work
    return items


def _check_phase(items: list[dict[str, Any]], ctx: PolicyContext, style: Style,
                 issues: list[str], upstream: list[str]) -> Step:
    """Hand what was found to the reachable checker; a careful agent heeds its verdict."""
    checker = ctx.reach.route("checker", avoid=upstream)
    if checker is None or not any("path" in ref for item in items for ref, _ in refs(item)):
        return items
    answer = yield from _handed(checker, {"step": "expect", "part": "check", "work": items,
                                          "upstream": upstream},
                                "Check that each file found is what its `find` asks for; "
                                "answer JSON {work: the items, failed ones marked, issues}.",
                                style, issues)
    work = (answer or {}).get("work")
    if style.checks_files and isinstance(work, list) and len(work) == len(items):
        issues += [str(i) for i in (answer or {}).get("issues", [])]
        return [w if isinstance(w, dict) else i for w, i in zip(work, items, strict=True)]
    return items


def expect(brief: dict[str, Any], ctx: PolicyContext, style: Style) -> Step:
    """Do the brief's work items (or the part of them asked for) and finish with the result."""
    items = [copy.deepcopy(w) for w in brief.get("work", []) if isinstance(w, dict)]
    part = brief.get("part")
    issues: list[str] = []
    # Who handed this on so far: never handed back to them (delegates_to may loop).
    upstream = [a for a in brief.get("upstream", []) if isinstance(a, str)] + [ctx.agent]
    if part == "check":
        yield from _check_all(items, style, issues)
        yield "finish", {"result": {"work": items, "issues": issues}}
        return
    items = yield from _find_phase(items, ctx, style, issues, upstream)
    if part is None:
        items = yield from _check_phase(items, ctx, style, issues, upstream)
    if "read_file" in ctx.tools:
        yield from _values(items, style, issues)
    if part == "find":
        yield "finish", {"result": {"work": items, "issues": issues}}
        return
    done: list[str] = []
    fields: dict[str, Any] = {}
    handed: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        action = str(item.get("action"))
        why = _ready(item, style)
        if why is not None:
            if not item.get("_cannot") and not any("failed" in r for r, _ in refs(item)):
                yield from _report(f"{_label(item)}: {why}; left out", [], issues, style)
            continue
        if action == "answer":
            fields.update(item.get("fields") or {})
            done.append(str(item.get("id")))
            continue
        tool = ACTION_TOOL.get(action)
        if tool is None:
            yield from _report(f"{_label(item)}: unknown action '{action}'", [], issues, style)
            continue
        # The chain's sender or writer first, else oneself, else anyone reachable with the tool.
        via = ctx.reach.route(ACTION_ROLE[action], (tool,), upstream, by_tools=False)
        if via is None and tool in ctx.tools:
            yield from _act(item, style, issues, done)
        elif (via := via or ctx.reach.route(ACTION_ROLE[action], (tool,), upstream)) \
                is not None:
            handed.setdefault(via, []).append(item)
        else:
            yield from _report(f"{_label(item)}: no agent I can reach has {tool}", [], issues,
                               style)
    for agent, work in handed.items():
        answer = yield from _handed(agent, {"step": "expect", "work": work,
                                            "upstream": upstream},
                                    "Do these work items with your tools; answer JSON "
                                    "{done: [ids], issues: [...]}.", style, issues)
        _merge(answer, done, issues, fields)
    yield "finish", {"result": {"done": done, "issues": issues, **fields}}


@skill("expect", task_kinds=("expect",))
def _expect(brief: dict[str, Any], ctx: PolicyContext, style: Style) -> Step:
    return expect(brief, ctx, style)

