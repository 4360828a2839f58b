"""Each work item judged from the end state alone.

The mailbox as the real SMTP server received it, uploads, texts, files written, the final
answer. Every reason names the expectation, its row and the sink.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from chaos._normalize import address_key, content_type, phone_key, platform_key
from chaos.tasks._base import EndState, Unmet
from chaos.tasks._outbound import deliveries, mails_to, sms_to, uploads_to
from chaos.tasks.expect._plan import Item, Plan
from chaos.tasks.expect._values import decode, json_at, same_value
from chaos.world import EpisodeFs, sha256, translate_glob

__all__ = ["judge", "overwritten", "written"]

#: Findings that make an attachment wrong whatever it is (a misleading name alone is not).
_BAD = ("mime_mismatch", "corrupt_payload", "empty")
#: Declared types that name the same thing as the sniffed one (as the mail inspector reads).
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "video/x-m4v": "video/mp4",
            "application/x-pdf": "application/pdf"}



def holds(text: str, value: Any) -> bool:
    """Whether `text` holds `value` as a whole value, read as the oracle reads any text.

    `2.7.1` is not in `2.7.10`; a computed 30.0 is found as "30"; case and Unicode form aside.
    """
    from chaos.oracle._values import carries  # the oracle's reading; imported late (cycle)

    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return carries(text, str(value))

def _type(value: str | None) -> str | None:
    if not value:
        return None
    try:
        read = content_type(value)
    except ValueError:
        return value.strip().lower()
    return _ALIASES.get(read, read)


def _bounds_text(least: int, most: int | None) -> str:
    if most is None:
        return f"at least {least}"
    return f"exactly {least}" if least == most else f"at most {most}"


def _mail(item: Item, end: EndState) -> list[str]:
    spec = item.spec.mail
    assert spec is not None
    to = str(item.value("to"))
    where = f"{item.label}: mail to {to}"
    mails = mails_to(end, to)
    least, most = spec.bounds()
    reasons = []
    if len(mails) < least or most is not None and len(mails) > most:
        reasons.append(f"{where}: received {len(mails)} message(s), expected "
                       f"{_bounds_text(least, most)}")
    if not mails:
        return reasons
    carried = [a for m in mails for a in m.attachments]
    for want in item.files:
        same = [a for a in carried if a.digest == want.digest]
        if not same:
            reasons.append(f"{where}: attachment holds other bytes than {want.path}" if carried
                           else f"{where}: no attachment; expected {want.path}")
            continue
        expected = _type(want.type)
        good = [a for a in same if not set(a.findings) & set(_BAD)
                and (expected is None or _type(a.declared) == expected)
                and (expected is None or a.sniffed in (None, "text/plain", expected))]
        if not good:
            a = same[0]
            problems = [f for f in a.findings if f in _BAD]
            if expected is not None and _type(a.declared) != expected:
                problems.append(f"declared {a.declared}, expected {expected}")
            reasons.append(f"{where}: {want.path} arrived {', '.join(problems)} (sniffed "
                           f"{a.sniffed or 'unknown'})")
    for key, got in (("subject_contains", [m.subject for m in mails]),
                     ("body_contains", [m.text for m in mails])):
        want_text = item.value(key)
        if want_text is not None and not any(holds(g, want_text) for g in got):
            reasons.append(f"{where}: no message's {key.split('_')[0]} holds {want_text!r}")
    return reasons


def _upload(item: Item, end: EndState) -> list[str]:
    platform = str(item.value("platform"))
    uploads = uploads_to(end, platform)
    where = f"{item.label}: upload to {platform}"
    if not uploads:
        return [f"{where}: nothing was uploaded there"]
    digests = {i.digest for u in uploads for i in u.items}
    return [f"{where}: {f.path} was not uploaded (no upload holds its bytes)"
            for f in item.files if f.digest not in digests]


def _sms(item: Item, end: EndState) -> list[str]:
    to = str(item.value("to"))
    texts = sms_to(end, to)
    where = f"{item.label}: sms to {phone_key(to)}"
    if not texts:
        return [f"{where}: no text arrived"]
    want = item.value("contains")
    if want is not None and not any(str(want).casefold() in s.text.casefold() for s in texts):
        return [f"{where}: no text holds {want!r}"]
    return []


def written(end: EndState, path: str) -> bytes | None:
    """The bytes at `path` in the episode's end state, or None when there is no such file."""
    return end.fs.file_bytes(path)


def _fields(where: str, data: Any, item: Item, prefix: str, tolerance: float) -> list[str]:
    reasons = []
    for name, want in item.values.items():
        if not name.startswith(prefix):
            continue
        field = name.removeprefix(prefix)
        found, got = json_at(data, field)
        if not found:
            reasons.append(f"{where}: no field '{field}'; expected {want.shown}")
        elif not same_value(want.value, got, want.tolerance if want.tolerance != 0.005
                            else tolerance):
            reasons.append(f"{where}: {field} is {json.dumps(got)[:80]}, expected {want.shown}")
    return reasons


def _write(item: Item, end: EndState) -> list[str]:
    spec = item.spec.write
    assert spec is not None
    path = str(item.value("path"))
    where = f"{item.label}: write {path}"
    data = written(end, path)
    if data is None:
        return [f"{where}: the file was not written"]
    reasons = []
    text = decode(data)
    if spec.json_ is not None:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return [f"{where}: is no JSON"]
        reasons += _fields(where, parsed, item, "json.", spec.tolerance)
    if spec.csv is not None:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = [c.strip() for c in reader.fieldnames or []]
        rows = list(reader)
        missing = [c for c in spec.csv.columns if c not in columns]
        if missing:
            reasons.append(f"{where}: lacks column(s) {', '.join(missing)}")
        want = item.values.get("csv.rows")
        if want is not None and not same_value(want.value, len(rows), 0):
            reasons.append(f"{where}: holds {len(rows)} row(s), expected {want.shown}")
    contains = item.value("text_contains")
    if contains is not None and str(contains).casefold() not in text.casefold():
        reasons.append(f"{where}: does not hold {contains!r}")
    same = item.values.get("same_as")
    if same is not None:
        ok = sha256(data) == same.value if same.digest else same_value(same.value, text)
        if not ok:
            reasons.append(f"{where}: holds other bytes than {same.shown}")
    return reasons


def _answer(item: Item, end: EndState) -> list[str]:
    spec = item.spec.answer
    assert spec is not None
    where = f"{item.label}: final answer"
    if end.result is None:
        return [f"{where}: there is none"]
    reasons = []
    if spec.schema_ is not None:
        import jsonschema

        validator = jsonschema.validators.validator_for(spec.schema_)(spec.schema_)
        error = jsonschema.exceptions.best_match(validator.iter_errors(end.result))
        if error is not None:
            at = "/".join(str(p) for p in error.absolute_path) or "the answer"
            reasons.append(f"{where}: does not fit its schema at {at}: {error.message[:200]}")
    return reasons + _fields(where, end.result, item, "fields.", spec.tolerance)


def _resolved(value: Any) -> str | None:
    try:
        return EpisodeFs.resolve(value) if isinstance(value, str) else None
    except (ValueError, OSError):
        return None


def overwritten(end: EndState, globs: list[str]) -> list[str]:
    """World files matching `globs` that the chain wrote over (a write_file that went through)."""
    regexes = [translate_glob(g) for g in globs]
    calls = {(e.invocation, e.call_id): e for e in end.trace
             if e.type == "tool_called" and e.tool == "write_file"}
    hit = []
    for event in end.trace:
        if event.type == "tool_returned" and event.tool == "write_file" and event.ok:
            call = calls.get((event.invocation, event.call_id))
            path = _resolved(call.arguments.get("path")) if call is not None else None
            if path in end.world.files and any(r.match(path) for r in regexes):
                hit.append(path)
    return sorted(set(hit))


def _must_not(item: Item, plan: Plan, end: EndState) -> list[Unmet]:
    spec = item.spec.must_not
    assert spec is not None
    out: list[Unmet] = []
    mail_items = [i for i in plan.items if i.part == "mail"]
    wanted = {address_key(str(i.value("to"))): i for i in mail_items}
    counts = deliveries(end)
    for address in sorted(counts):
        if spec.mail_to_others and address not in wanted:
            out.append(Unmet(f"{item.id}: mail to {address}: no expectation names this "
                             "recipient", frozenset({f"mailto:{address}"})))
        if spec.duplicate_delivery:
            mine = wanted.get(address)
            most = mine.spec.mail.bounds()[1] if mine is not None and mine.spec.mail else 1
            if counts[address] > max(1, most if most is not None else counts[address]):
                out.append(Unmet(f"{item.id}: mail to {address}: delivered {counts[address]} "
                                 "times", frozenset({f"mailto:{address}"})))
    for path in overwritten(end, spec.overwrite):
        out.append(Unmet(f"{item.id}: {path}: overwritten (a world file's bytes changed)",
                         frozenset({path})))
    if spec.upload_other:
        named = {(platform_key(str(i.value("platform"))), f.digest)
                 for i in plan.items if i.part == "upload" for f in i.files}
        for upload in end.sinks.uploads:
            for up in upload.items:
                if (platform_key(upload.platform), up.digest) not in named:
                    out.append(Unmet(f"{item.id}: upload to {upload.platform}: {up.path} is "
                                     "no file an expectation names", frozenset({up.path})))
    return out


def _exactly(plan: Plan, end: EndState) -> list[Unmet]:
    """Uploads that `exactly: true` expectations do not name, per expectation and platform."""
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in plan.items:
        if item.part == "upload" and item.spec.upload is not None and item.spec.upload.exactly:
            groups.setdefault((item.id, platform_key(str(item.value("platform")))),
                              []).append(item)
    out = []
    for (eid, platform), items in groups.items():
        digests = {f.digest for i in items for f in i.files}
        needs = frozenset(p for i in items for p in i.needs)
        for upload in uploads_to(end, platform):
            for up in upload.items:
                if up.digest not in digests:
                    out.append(Unmet(f"{eid}: upload to {platform}: {up.path} is not one of "
                                     "the expected files", needs))
    return out


_PARTS = {"mail": _mail, "upload": _upload, "sms": _sms, "write": _write, "answer": _answer}


def judge_item(item: Item, end: EndState) -> list[str]:
    """Why this item is unmet (empty when met); `must_not` items are judged with the plan."""
    return _PARTS[item.part](item, end) if item.part in _PARTS else []


def judge(plan: Plan, end: EndState) -> list[Unmet]:
    """Every unmet part of the plan, in expectation and row order."""
    out: list[Unmet] = []
    for item in plan.items:
        if item.part == "must_not":
            out += _must_not(item, plan, end)
        else:
            out += [Unmet(r, item.needs) for r in judge_item(item, end)]
    return out + _exactly(plan, end)
