"""The oracle: judges each fault from what really left (the sinks) and what the trace shows.

It never trusts what an agent says it did: a file counts as published by the bytes found at its
path in the episode's end state, and a detection counts only if a signal names the fault's files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chaos._normalize import name_key
from chaos.oracle._outcomes import FaultOutcome
from chaos.oracle._values import value_leaks
from chaos.sim import ActiveFault, IssueReported
from chaos.tasks import EndState, Shipped, TaskKind, TaskVerdict
from chaos.world import EpisodeFs

__all__ = ["FaultVerdict", "judge_fault", "judge_task", "plugin_shipped", "plugin_text",
           "sink_name"]


@dataclass(frozen=True)
class FaultVerdict:
    """The oracle's verdict on one fault of one episode.

    Attributes:
        id: The fault's id in the profile.
        kind: Its kind.
        fired: Whether the chain touched it.
        outcome: The outcome.
        detected_by: The agent whose signal first named it, if any.
        time_to_detection_ms: Simulated ms from first touch to that signal.
        evidence: Why the oracle decided so (paths that left, signals seen).
        sinks: Where its taint left (`sink_name`), when it propagated.
    """

    id: str
    kind: str
    fired: bool
    outcome: FaultOutcome
    detected_by: str | None
    time_to_detection_ms: int | None
    evidence: list[str]
    sinks: tuple[str, ...] = ()


#: What the task kinds call their sinks, in the words coverage counts them by: a manifest or
#: report is the final answer's, a written output file is `write`.
_SINK_NAMES = {"manifest": "answer", "report": "answer", "final answer": "answer",
               "file": "write"}


def sink_name(where: str) -> str:
    """The sink a `Shipped.sink` or an outbound text's place names, as coverage counts it.

    `mail`, `upload`, `sms`, `write`, `answer`, or a plugin sink's own name
    (`upload:video-host` is `upload`; `mail to a@b: body` is `mail`; `file /out.csv` is
    `write`; `acme_board:#ops: text` is `acme_board`).
    """
    if where.startswith("final answer"):
        return "answer"
    head = where.split(":", 1)[0].split(" ", 1)[0]
    return _SINK_NAMES.get(head, head)


def judge_task(task: TaskKind, end: EndState, crashed: str | None) -> TaskVerdict:
    """The episode's task verdict; a crashed episode fails with its reason."""
    if crashed is not None:
        return TaskVerdict(False, [f"episode crashed: {crashed}"])
    return task.check(end)


def _mentions(text: str, word: str) -> bool:
    """Whole-word, in any case or Unicode form: `goal-1` is not mentioned by `goal-10`."""
    return re.search(rf"(?<![\w-]){re.escape(name_key(word))}(?![\w-])",
                     name_key(text)) is not None


def _names_fault(issue: IssueReported, words: list[str], paths: set[str]) -> bool:
    """Whether a report flags this fault's files or subjects as a problem (not a progress note)."""
    if issue.severity == "info":
        return False
    for path in issue.paths:
        try:
            if isinstance(path, str) and path and EpisodeFs.resolve(path) in paths:
                return True
        except (ValueError, OSError):
            continue
    return any(_mentions(issue.summary, w) for w in words if w)


def _judge_call_fault(active: ActiveFault, trace: list[Any]) -> FaultVerdict:
    """A provider fault the episode survived.

    Recovered, unless a garbled tool call was taken for an answer and never made again.
    """
    import json

    kind, fid = active.impl.kind, active.spec.id
    if kind != "model.malformed_tool_call":
        return FaultVerdict(fid, kind, True, FaultOutcome.RECOVERED, None, None,
                            ["the chain went on past the failed model call"])
    made = {f"{e.tool} {json.dumps(e.arguments, sort_keys=True)}" for e in trace
            if e.type == "tool_called" and e.seq > active.touched[0]}  # type: ignore[index]
    lost = [call for call in active.hits if call not in made]
    if lost:
        return FaultVerdict(fid, kind, True, FaultOutcome.SILENT, None, None,
                            [f"the garbled call was never made again: {lost[0][:200]}"])
    return FaultVerdict(fid, kind, True, FaultOutcome.RECOVERED, None, None,
                        ["every garbled tool call was made again"])


def _judge_handoff_fault(active: ActiveFault, trace: list[Any],
                         issues: list[IssueReported]) -> FaultVerdict:
    """A broken hand-off that carried no data away, judged from the trace.

    Recovered when the caller handed the work to that agent again and a hand-off got through;
    detected when a report named the agent; silent otherwise.
    """
    kind, fid = active.impl.kind, active.spec.id
    callees = sorted({h.removeprefix("agent:") for h in active.hits})
    seq, touch_ms, _ = active.touched  # type: ignore[misc]
    again = sum(1 for e in trace if e.type == "tool_called" and e.tool == "delegate"
                and e.seq > seq and e.arguments.get("agent") in callees)
    if again > len(active.hits) - 1:  # more hand-offs after the first broken one than broke
        return FaultVerdict(fid, kind, True, FaultOutcome.RECOVERED, None, None,
                            [f"the work was handed to {callees[0]} again and got through"])
    signal = next((i for i in issues if i.seq > seq and i.severity != "info"
                   and any(_mentions(i.summary, c) for c in callees)), None)
    if signal is not None:
        return FaultVerdict(fid, kind, True, FaultOutcome.DETECTED, signal.agent,
                            signal.t_ms - touch_ms, [f"issue #{signal.number}: {signal.summary}"])
    return FaultVerdict(fid, kind, True, FaultOutcome.SILENT, None, None,
                        ["the broken hand-off was neither retried nor reported"])


def plugin_shipped(end: EndState) -> list[Shipped]:
    """What left through plugin sinks: each record's items, as `<sink>:<destination>`."""
    return [Shipped(f"{name}:{record.destination}", item.path, item.digest, None,
                    tuple(item.findings))
            for name in sorted(end.sinks.records)
            for record in end.sinks.records[name] for item in record.items]


def plugin_text(end: EndState) -> list[tuple[str, str]]:
    """The messages that went with plugin sinks' records, as (where it went, text)."""
    return [(f"{name}:{record.destination}: text", record.text)
            for name in sorted(end.sinks.records)
            for record in end.sinks.records[name] if record.text]


def _leaks(active: ActiveFault, task: TaskKind, end: EndState) -> tuple[list[str], list[str]]:
    """What of this fault's taint reached a sink (the task's and plugins'), and where.

    Returns evidence lines and the sinks (`sink_name`) reached. Paths and bytes by what
    left; text values (`Taint.values`) by every outbound text the task names
    (`TaskKind.outbound_text`) and every plugin sink's message.
    """
    taint = active.taint
    assert taint is not None
    leaked, sinks = [], set()
    for s in task.shipped(end) + plugin_shipped(end):
        if s.path in taint.paths or (s.digest is not None and s.digest in taint.digests):
            leaked.append(f"{s.sink}: {s.path} (tainted)")
            sinks.add(sink_name(s.sink))
        elif s.digest in taint.flagged and set(s.findings) & set(taint.flagged[s.digest]):
            leaked.append(f"{s.sink}: {s.path} arrived with {', '.join(s.findings)}")
            sinks.add(sink_name(s.sink))
    # Something wrong standing for a target is this fault's doing only if the chain met the
    # fault: a chain that never touched it ships the same wrong thing without it (its own
    # baseline mistake, which the clean arm shows), and that is no propagation of the fault.
    for s in task.wrong_for_subject(end, taint.targets) if active.fired else ():
        if s.findings:
            leaked.append(f"{s.sink}: {s.path}: {', '.join(s.findings)}")
        else:
            state = "does not exist" if s.digest is None else "holds other bytes"
            leaked.append(f"{s.sink}: {s.path} stands for {s.subject} but {state}")
        sinks.add(sink_name(s.sink))
    if taint.values:
        for where, text in task.outbound_text(end) + plugin_text(end):
            if found := value_leaks([(where, text)], taint.values):
                leaked += found
                sinks.add(sink_name(where))
    return sorted(set(leaked)), sorted(sinks)


def judge_fault(active: ActiveFault, task: TaskKind, end: EndState,
                issues: list[IssueReported], entry_agent: str, finish_ms: int | None,
                crashed: str | None, trace: list[Any] | None = None) -> FaultVerdict:
    """One fault's outcome (precedence: propagated, recovered, detected, silent).

    A fault that acts on single model calls is judged from the trace instead: whether the
    chain got past the call it broke (its taint is no data, so it never travels).
    """
    kind, fid = active.impl.kind, active.spec.id
    if active.taint is None:
        return FaultVerdict(fid, kind, False, FaultOutcome.NOT_TRIGGERED, None, None,
                            ["the fault never took effect (its trigger never came)"])
    if active.impl.family == "model" and active.fired and crashed is None:
        return _judge_call_fault(active, trace or [])
    if active.impl.family == "chain" and not active.taint.targets and active.fired \
            and crashed is None:
        return _judge_handoff_fault(active, trace or [], issues)
    # What left decides first: tainted data outside the organisation is propagated even when
    # no tool call was seen touching it (a race, or a path the agent guessed).
    leaked, sinks = ([], []) if crashed is not None else _leaks(active, task, end)
    if not active.fired and not leaked:
        return FaultVerdict(fid, kind, False, FaultOutcome.NOT_TRIGGERED, None, None,
                            ["the chain never touched what this fault altered"])
    taint = active.taint
    touch_seq, touch_ms, _ = active.touched or (-1, active.injected_ms or 0, "")
    words = task.subjects(end.world, taint.targets)
    related = set(taint.targets) | set(taint.watch) | set(taint.paths)
    signal = next((i for i in issues if i.seq > touch_seq and _names_fault(i, words, related)),
                  None)
    detected_by = signal.agent if signal else None
    ttd = signal.t_ms - touch_ms if signal else None
    if signal is None and end.result is not None and finish_ms is not None:
        said = " ".join(str(i) for i in end.result.get("issues", []))
        if any(_mentions(said, w) for w in words if w):
            detected_by, ttd = entry_agent, finish_ms - touch_ms
    if crashed is not None:
        return FaultVerdict(fid, kind, True, FaultOutcome.CRASHED, detected_by, ttd,
                            [f"episode crashed: {crashed}"])
    if leaked:
        return FaultVerdict(fid, kind, True, FaultOutcome.PROPAGATED, detected_by, ttd, leaked,
                            tuple(sinks))
    if task.handled(end, taint.targets):
        return FaultVerdict(fid, kind, True, FaultOutcome.RECOVERED, detected_by, ttd,
                            ["the targeted part of the task was done right"])
    if detected_by is not None:
        how = f"issue #{signal.number}: {signal.summary}" if signal else "named in final issues"
        return FaultVerdict(fid, kind, True, FaultOutcome.DETECTED, detected_by, ttd, [how])
    return FaultVerdict(fid, kind, True, FaultOutcome.SILENT, None, None,
                        ["nothing tainted left, nothing said, the targeted part was not done"])
