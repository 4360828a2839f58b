"""Small helpers the scripted policies share: parsing, hand-offs, retries."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chaos.models.scripted._policies import Style

__all__ = ["ATTEMPTS", "Step", "brief_text", "checksum_lines", "delegate", "error_code",
           "inline", "load", "retrying", "rows", "sending", "transient"]

Step = Generator[tuple[str, dict[str, Any]], str, None]
#: Most tries of one delivery by an agent that retries.
ATTEMPTS = 5


def load(text: str) -> Any:
    """A tool result as JSON, or None when it is an error text."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None


def brief_text(brief: dict[str, Any], words: str) -> str:
    """A delegation message: words for a model, a JSON brief for a scripted agent."""
    return f"{words}\nBrief: {json.dumps(brief)}"


def rows(text: str) -> list[dict[str, str]]:
    """CSV text as dicts."""
    return list(csv.DictReader(io.StringIO(text)))


#: What a temporary failure's text says: an HTTP 429/502/503/504 (an upload), "try again".
_TEMPORARY = re.compile(r"(?<![\w/.])(429|502|503|504)(?![\w/.])|temporarily|try again later",
                        re.IGNORECASE)


def checksum_lines(text: str) -> dict[str, str]:
    """A SHA256SUMS file's {name as listed: sha256}, as `sha256sum -c` reads it.

    `<digest>  <name>` (text mode) or `<digest> *<name>` (binary mode); other lines skipped.
    """
    sums = {}
    for line in text.splitlines():
        digest, _, name = line.strip().partition(" ")
        name = name.strip().removeprefix("*")
        if name and re.fullmatch(r"[0-9a-fA-F]{64}", digest):
            sums[name] = digest.lower()
    return sums


def transient(text: str) -> bool:
    """Whether a tool's error text is worth a retry (EIO, a timeout, a busy server)."""
    if not text.startswith(("error", "[Errno")):
        return False
    return any(s in text for s in ("[Errno 5]", "[Errno 110]", "timed out")) or \
        _TEMPORARY.search(text) is not None


def error_code(text: str) -> str | None:
    """The SMTP reply code in a tool's error text ("451"), "drop" for a lost connection."""
    if "SMTPServerDisconnected" in text or "Connection" in text and "closed" in text:
        return "drop"
    found = re.search(r"\b([45]\d\d)\b", text)
    return found.group(1) if found else None


def delegate(agent: str, brief: dict[str, Any], words: str, style: Style) -> Step:
    """Hand work to `agent`; its JSON answer (None when there is none).

    A careful caller tries once more when the hand-off fails.
    """
    for _ in range(2 if style.checks_files else 1):
        text = yield "delegate", {"agent": agent, "task": brief_text(brief, words)}
        answer = load(text)
        if isinstance(answer, dict):
            return answer
    return None


def retrying(tool: str, path: str, style: Style) -> Step:
    """A file tool's parsed result, retried with backoff on transient errors when careful."""
    attempts = 4 if style.retries else 1
    for attempt in range(attempts):
        text = yield tool, {"path": path}
        if not transient(text) or attempt + 1 == attempts:
            return load(text)
        yield "wait", {"seconds": 2 ** attempt}
    return None


def _worth_retry(tool: str, text: str) -> bool:
    """Mail: a 4xx reply or a dropped connection; other tools: a transient error."""
    if tool != "send_email":
        return transient(text)
    if not text.startswith("error"):
        return False
    code = error_code(text)
    return code == "drop" or (code or "").startswith("4")


def sending(tool: str, arguments: dict[str, Any], style: Style, done: tuple[str, ...]) -> Step:
    """Call an outbound tool; an agent that retries waits and tries again on 4xx/drop/503.

    Args:
        tool: `send_email`, `publish`, `send_sms`...
        arguments: Its arguments.
        style: The agent's style.
        done: How the tool's answer starts when it went through ("sent", "published").

    Returns:
        The last answer's text.
    """
    result = ""
    for attempt in range(ATTEMPTS if style.retries else 1):
        result = yield tool, arguments
        if result.startswith(done) or not style.retries or not _worth_retry(tool, result) \
                or attempt + 1 == ATTEMPTS:
            break
        yield "wait", {"seconds": 5 * 2 ** attempt}
    return result


def inline(step: Step) -> Step:
    """Run another step's calls as one's own; its `finish` result is returned, not called."""
    try:
        call = next(step)
        while call[0] != "finish":
            call = step.send((yield call))
    except StopIteration:
        return None
    return call[1].get("result")
