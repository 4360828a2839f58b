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
from typing import TYPE_CHECKING, Any

from chaos.models.scripted._acting import ACTION_ROLE, ACTION_TOOL, act, item_key, label, report
from chaos.models.scripted._common import Step, delegate, retrying
from chaos.models.scripted._finding import find_file, tag_problem, type_problem
from chaos.models.scripted._skills import skill
from chaos.models.scripted._values import compute, expression, refs

if TYPE_CHECKING:
    from chaos.models.scripted._policies import PolicyContext, Style

__all__ = ["expect"]

def _unresolved(items: list[dict[str, Any]]) -> bool:
    return any("path" not in ref and "failed" not in ref for item in items
               for ref, _ in refs(item))


def _find_all(items: list[dict[str, Any]], style: Style, issues: list[str]) -> Step:
    """Resolve every `find` of the items in place: `path`, or `failed` with why."""
    memo: dict[str, Any] = {}
    for item in items:
        for ref, attached in refs(item):
            if "path" in ref or "failed" in ref:
                continue
            spec = dict(ref["find"])
            found = yield from find_file(spec, item_key(item), style, attached, memo)
            if found is None:
                ref["failed"] = spec.get("why") or f"nothing matches {spec.get('glob')}"
                yield from report(f"{label(item)}: {ref['failed']}; left out",
                                   spec.get("aside") or [str(spec.get("glob", ""))], issues,
                                   style)
                continue
            ref["path"] = found.path
            ref.update({k: v for k, v in (("sniffed", found.sniffed),
                                          ("extension", found.extension)) if v})
            if found.left_aside:
                yield from report(
                    f"{label(item)}: took {found.path}; left aside " +
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
                yield from report(f"{label(item)}: rejected {ref['path']}: {problem}",
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


def _values(items: list[dict[str, Any]], style: Style, issues: list[str],
            sources: bool = False) -> Step:
    """Compute the items' values in place; a careful agent marks an item it cannot fill.

    With `sources`, each item keeps where its values came from (`_sources`), for the agent it
    answers to check.
    """
    for item in items:
        problems: list[str] = []
        for key in [k for k in item if k not in ("id", "action", "attachments", "files",
                                                    "_sources")]:
            if sources and _pending(item[key]):
                # Where each value came from, so whoever gets the answer can check it.
                item.setdefault("_sources", {})[key] = copy.deepcopy(item[key])
            item[key] = yield from _computed(item[key], style, problems)
        if problems and style.checks_files and not item.get("_cannot"):
            item["_cannot"] = problems
            new = [p for p in problems if not p.startswith("(reported) ")]
            if new:
                yield from report(f"{label(item)}: cannot compute: {'; '.join(new)}", [],
                                   issues, style)


def _recheck(items: list[dict[str, Any]], finder: str, style: Style,
             issues: list[str]) -> Step:
    """A careful agent reads again the values a finder computed, from the files it named.

    A value that disagrees with its file is reported (naming the finder) and replaced by the
    file's: a sub-agent's plausible wrong answer must not go out.
    """
    for item in items:
        for key, source in list((item.get("_sources") or {}).items()):
            problems: list[str] = []
            mine = yield from _computed(copy.deepcopy(source), style, problems)
            if problems or mine is None or mine == item.get(key):
                continue
            paths = sorted({ref["path"] for ref, _ in refs(source) if "path" in ref})
            yield from report(f"{label(item)}: {finder} gave {key} {item.get(key)!r}, but "
                              f"{', '.join(paths)} says {mine!r}; using the file's", paths,
                              issues, style)
            item[key] = mine


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
        yield from report(f"{agent} gave no usable answer", [], issues, style)
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
    ctx_checks = style.checks_files and "read_file" in ctx.tools
    answer = yield from _handed(finder, {"step": "expect", "part": "find", "work": items,
                                         "upstream": upstream},
                                "Find the files these work items need, as each `find` says; "
                                "answer JSON {work: the items with a path for each find, "
                                "issues}.", style, issues)
    issues += [str(i) for i in (answer or {}).get("issues", [])]
    work = (answer or {}).get("work")
    if isinstance(work, list) and all(isinstance(w, dict) for w in work):
        if ctx_checks:
            yield from _recheck(work, finder, style, issues)
        for item in work:
            item.pop("_sources", None)  # for the one who asked, not for whom it hands on
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
        yield from _values(items, style, issues, sources=part == "find")
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
                yield from report(f"{label(item)}: {why}; left out", [], issues, style)
            continue
        if action == "answer":
            fields.update(item.get("fields") or {})
            done.append(str(item.get("id")))
            continue
        tool = ACTION_TOOL.get(action)
        if tool is None:
            yield from report(f"{label(item)}: unknown action '{action}'", [], issues, style)
            continue
        # The chain's sender or writer first, else oneself, else anyone reachable with the tool.
        via = ctx.reach.route(ACTION_ROLE[action], (tool,), upstream, by_tools=False)
        if via is None and tool in ctx.tools:
            yield from act(item, style, issues, done)
        elif (via := via or ctx.reach.route(ACTION_ROLE[action], (tool,), upstream)) \
                is not None:
            handed.setdefault(via, []).append(item)
        else:
            yield from report(f"{label(item)}: no agent I can reach has {tool}", [], issues,
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

