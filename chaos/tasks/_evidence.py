"""What the trace proves an episode's chain did: files it really read, work it really handed on.

Task kinds judge from this, never from an agent's own account of its work.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from chaos.world import EpisodeFs

__all__ = ["read_ok", "used_sub_answers"]

#: Tool calls that are no work on the world: signals, hand-offs, waiting.
_NOT_WORK = frozenset({"finish", "report_issue", "delegate", "wait"})


def _resolves_to(value: Any, path: str) -> bool:
    try:
        return isinstance(value, str) and EpisodeFs.resolve(value) == path
    except (ValueError, OSError):
        return False


def read_ok(trace: list[Any], path: str) -> bool:
    """Whether any agent's `read_file` on `path` came back without an error."""
    calls = {(e.invocation, e.call_id): e for e in trace
             if e.type == "tool_called" and e.tool == "read_file"}
    for event in trace:
        if event.type == "tool_returned" and event.tool == "read_file" and event.ok:
            call = calls.get((event.invocation, event.call_id))
            if call is not None and _resolves_to(call.arguments.get("path"), path):
                return True
    return False


def _strings(value: Any) -> Iterator[str]:
    """Every string in an answer (a JSON text is read as JSON first)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            yield value
            return
        if isinstance(parsed, str):
            yield parsed
        else:
            yield from _strings(parsed)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def used_sub_answers(trace: list[Any], min_steps: int = 2) -> tuple[list[str], list[str]]:
    """The answers of the entry agent's sub-agents that did a multi-step task, as text.

    A sub-agent counts when the entry agent handed it work, it made at least `min_steps` tool
    calls on the world (signals, hand-offs and waits aside), and it finished with an answer.

    Returns:
        (one text per counted answer, holding every string of it; why none counted).
    """
    entry = next((e.agent for e in trace if e.type == "agent_started" and e.parent is None),
                 None)
    subs = [e for e in trace if e.type == "agent_started" and e.parent is not None
            and e.parent == entry]
    if not subs:
        return [], ["nothing was handed to a sub-agent (no delegation in the trace)"]
    work = Counter(e.invocation for e in trace
                   if e.type == "tool_called" and e.tool not in _NOT_WORK)
    answers = {e.invocation: e.answer for e in trace
               if e.type == "agent_finished" and e.status == "finished"}
    texts, shallow = [], []
    for sub in subs:
        if sub.invocation not in answers:
            continue
        if work[sub.invocation] < min_steps:
            shallow.append(f"{sub.agent} answered after {work[sub.invocation]} tool call(s) on "
                           "the files: that is no multi-step task")
            continue
        texts.append("\n".join(_strings(answers[sub.invocation])))
    if texts:
        return texts, []
    names = ", ".join(sorted({s.agent for s in subs}))
    return [], shallow or [f"no sub-agent ({names}) came back with an answer"]
