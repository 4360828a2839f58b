"""The entry agent's brief: the profile's prompt, a line per expectation, and the JSON work list.

The work list says what a person would be told: whom to mail, where to publish, what to write,
and for each file how to find it (the hints), never the right path the hints do not give.
Values computed from files are given as how to compute them (a `find` and a column or field),
never as the value itself.
"""

from __future__ import annotations

import json
from typing import Any

from chaos.tasks.expect._plan import Attachment, Item, Plan
from chaos.tasks.expect._spec import Expectation, ExpectParams, item_values
from chaos.tasks.expect._values import AGGREGATES, OPS, Scope, ValueError_, fill
from chaos.world import World

__all__ = ["brief_text", "named_values", "work_list"]


class _Keep(dict[str, Any]):
    """Named values a brief leaves as `{name}`: the chain computes them."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return _Literal("{" + key + "}")


class _Literal(str):
    pass


def _row_fill(text: str, item: Item, world: World) -> str:
    """A template with the row's values filled in and named values left to compute."""
    try:
        return fill(text, Scope(world, item.row, _Keep()), compute=False)
    except ValueError_:
        return text


def _how(value: Any, name: str, item: Item, world: World) -> Any:
    """How the brief gives a value: a literal, a filled template, or how to compute it."""
    if isinstance(value, dict):
        op = next((k for k in value if k in OPS), None)
        if op is None:
            return {k: _how(v, k, item, world) for k, v in value.items()}
        _, _, at = str(value[op]).partition("#")
        find = item.finds.get(name) or {"glob": _row_fill(str(value[op]).partition("#")[0],
                                                           item, world), "pick": "only"}
        how: dict[str, Any] = {op: {"find": find}}
        if at:
            how["column" if op in AGGREGATES else "at"] = at
        return how
    if isinstance(value, str):
        return _row_fill(value, item, world)
    if isinstance(value, list):
        return [_how(v, name, item, world) for v in value]
    return value


def _files(files: tuple[Attachment, ...]) -> list[dict[str, Any]]:
    out = []
    for f in files:
        entry: dict[str, Any] = {"find": f.find}
        if f.type:
            entry["type"] = f.type
        out.append(entry)
    return out


def _work(item: Item, world: World) -> dict[str, Any] | None:
    spec = item.spec
    raw = {".".join(map(str, where[1:])): value for where, value in item_values(spec)}
    work: dict[str, Any] = {"id": item.id}
    if item.key is not None:
        work["key"] = item.key
    if item.part == "mail":
        mail = spec.mail
        assert mail is not None
        least, most = mail.bounds()
        work |= {"action": "mail", "to": _how(raw["to"], "to", item, world),
                 "subject": _how(raw.get("subject_contains") or f"{item.id} {item.key or ''}",
                                 "subject_contains", item, world).strip(),
                 "body": _how(raw.get("body_contains") or "", "body_contains", item, world),
                 "attachments": _files(item.files)}
        if (least, most) != (1, 1):
            work["count"] = {"at_least": least, "at_most": most}
    elif item.part == "upload":
        work |= {"action": "publish", "platform": _how(raw["platform"], "platform", item, world),
                 "title": f"{item.id} {item.key or ''}".strip(), "files": _files(item.files)}
    elif item.part == "sms":
        work |= {"action": "sms", "to": _how(raw["to"], "to", item, world),
                 "text": _how(raw.get("contains") or "", "contains", item, world)}
    elif item.part == "write":
        write = spec.write
        assert write is not None
        work |= {"action": "write", "path": item.value("path")}
        if write.json_ is not None:
            work["json"] = {k: _how(v, k, item, world) for k, v in write.json_.items()}
        if write.csv is not None:
            work["csv"] = {"columns": list(write.csv.columns),
                           "rows": _how(write.csv.rows, "rows", item, world)}
        if write.text_contains is not None:
            work["text"] = _how(write.text_contains, "text_contains", item, world)
        if write.same_as is not None:
            work["copy"] = _how(write.same_as, "same_as", item, world)
    elif item.part == "answer":
        answer = spec.answer
        assert answer is not None
        work |= {"action": "answer",
                 "fields": {k: _how(v, k, item, world) for k, v in answer.fields.items()}}
        if answer.schema_ is not None:
            work["schema"] = answer.schema_
    else:
        return None
    return work


def work_list(plan: Plan, world: World) -> list[dict[str, Any]]:
    """The brief's `work`: one entry per expectation and row (what must not happen aside)."""
    return [w for item in plan.items if (w := _work(item, world)) is not None]


def named_values(plan: Plan, world: World) -> dict[str, Any]:
    """How to compute each `{name}` a brief leaves in its texts (answer and JSON fields)."""
    named: dict[str, Any] = {}
    for item in plan.items:
        if item.key is not None or item.part not in ("answer", "write"):
            continue
        for where, value in item_values(item.spec):
            if where[1] in ("fields", "json"):
                named.setdefault(str(where[-1]), _how(value, str(where[-1]), item, world))
    return {k: v for k, v in named.items() if k in plan.names}


def _find_words(find: dict[str, Any]) -> str:
    words = f"the {find.get('pick', 'only')} file matching {find['glob']}"
    if find.get("type"):
        words += f" that really is {find['type']}"
    if find.get("contains"):
        words += f" holding '{find['contains']}'"
    return words


def _file_words(item: Expectation, refs: list[Any], key: str) -> str:
    """The files of an expectation in words: how to find each, as the hints say."""
    hints = item.hints.get(key)
    words = []
    for i, ref in enumerate(refs):
        hint = hints[i] if isinstance(hints, list) and i < len(hints) else None
        find = hint.model_dump(exclude_none=True) if hint is not None else \
            {"glob": ref.file, "pick": "only"}
        words.append(_find_words(find | ({"type": ref.type} if ref.type else {})))
    return ", ".join(words)


def _words(item: Expectation) -> str:
    """One line in words about an expectation."""
    each = f"for each row of {item.for_each}, " if item.for_each else ""
    if item.mail is not None:
        files = _file_words(item, item.mail.attachments, "attachments")
        return (f"- {item.id}: {each}mail {item.mail.to}"
                + (f", attaching {files}" if files else "")
                + (" (exactly once)" if item.mail.bounds() == (1, 1) else ""))
    if item.upload is not None:
        files = _file_words(item, item.upload.files, "files")
        return f"- {item.id}: {each}publish to {item.upload.platform}: {files}"
    if item.sms is not None:
        return f"- {item.id}: {each}text {item.sms.to}"
    if item.write is not None:
        return f"- {item.id}: {each}write {item.write.path}"
    if item.answer is not None:
        return f"- {item.id}: give the answer fields {', '.join(item.answer.fields) or 'asked'}"
    return (f"- {item.id}: do nothing else: no mail to anyone else, no duplicate, no "
            "overwritten file, no other upload")


def brief_text(plan: Plan, params: ExpectParams, world: World) -> str:
    """The whole brief: prompt, a line per expectation, the final-answer rule, the JSON brief."""
    lines = [plan.prompt] if plan.prompt else []
    lines += [_words(spec) for spec in params.expect]
    lines.append("When done, call finish with {\"done\": [ids of what you did], \"issues\": "
                 "[what you could not do, and why]} and any answer fields asked for.")
    brief: dict[str, Any] = {"step": "expect", "work": work_list(plan, world)}
    if named := named_values(plan, world):
        brief["values"] = named
    return "\n".join(lines) + f"\nBrief: {json.dumps(brief)}"
