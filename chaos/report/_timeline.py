"""An episode's trace as a plotly figure: faults and agents as lanes over simulated time.

Lanes, top to bottom: one per injected fault (`fault <id>`: ▼ injected, ◆ first touched,
★ detected, ✕ its data sent out; a bar, coloured by the fault's final outcome, from injection to
where its fate was sealed), one per agent in the order it first ran (its invocations as bars,
its model calls as thin bars, its tool calls, the faults it touched, the issues it reported, the
sends that carried a propagated fault's data), and `(mailbox)`: the mails as the mailbox received
them. A propagated fault no send was seen carrying gets its ✕ at the end, with the oracle's
evidence.

A send (mail, upload, SMS, manifest, final answer) carries a propagated fault's data when its
arguments hold one of the fault's tainted paths, or a path or link its evidence names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chaos.report._escape import plot_text
from chaos.report._palette import OUTCOME_COLORS
from chaos.results import EpisodeResult
from chaos.sim._trace import (
    AgentFinished,
    AgentStarted,
    EpisodeFinished,
    FaultInjected,
    FaultTouched,
    IssueReported,
    MailReceived,
    ModelCalled,
    ModelFailed,
    ToolCalled,
    ToolReturned,
)

__all__ = ["MAILBOX_LANE", "fault_lane", "timeline_figure"]

MAILBOX_LANE = "(mailbox)"
#: Tools whose effect leaves the chain: what they carry can propagate a fault.
_SENDS = frozenset({"send_email", "publish_video", "send_sms", "write_file"})
_LANE_CHARS = 40
#: Hover text of a tool call's arguments and result: tool calls are most of a trace, and 160
#: characters say which file and what came back while 100 timelines stay ~2 MB.
_CALL_CHARS = 160


def fault_lane(fault_id: str) -> str:
    """The lane name of a fault (agent names hold no spaces, so lanes never clash)."""
    return f"fault {fault_id}"


def _s(ms: int) -> float:
    return round(ms / 1000, 3)


def _lines(*parts: str) -> str:
    """Hover text: already-escaped parts joined with plotly's line break."""
    return "<br>".join(p for p in parts if p)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _strings(value: Any) -> Iterable[str]:
    """Every string inside a tool call's arguments; JSON text (a manifest) is read too."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value
        if value.lstrip().startswith(("{", "[")):
            try:
                parsed = json.loads(value)
            except ValueError:
                return
            yield from _strings(parsed)


def _names_in(text: str) -> Iterable[str]:
    """What in a sent string can be named by evidence: the whole path, or links in text."""
    if text.startswith("/") and len(text) >= 8:
        yield text
    for word in text.split():
        if "://" in word:
            yield word.rstrip(".,;)\"'")


class _Trace:
    """One plotly trace: markers (scatter) or spans (horizontal bars) on lanes."""

    def __init__(self, name: str, color: str, *, symbol: str = "", size: int = 9,
                 width: float = 0.0) -> None:
        self.name, self.color, self.symbol, self.size, self.width = (name, color, symbol, size,
                                                                     width)
        self.x: list[float] = []
        self.base: list[float] = []
        self.y: list[str] = []
        self.text: list[str] = []
        self.colors: list[str] = []

    def add(self, t_ms: int, lane: str, text: str, color: str | None = None,
            end_ms: int | None = None) -> None:
        if end_ms is None:
            self.x.append(_s(t_ms))
        else:
            self.base.append(_s(t_ms))
            self.x.append(_s(max(end_ms - t_ms, 1)))
        self.y.append(plot_text(lane, _LANE_CHARS))
        self.text.append(text)
        self.colors.append(color or self.color)

    def figure_trace(self) -> dict[str, Any]:
        color: str | list[str] = self.colors if len(set(self.colors)) > 1 else self.color
        common = {"name": self.name, "x": self.x, "y": self.y, "hovertext": self.text,
                  "hoverinfo": "text"}
        if self.width:
            return {"type": "bar", "orientation": "h", "base": self.base, "width": self.width,
                    "marker": {"color": color}, **common}
        return {"type": "scatter", "mode": "markers", **common,
                "marker": {"symbol": self.symbol, "size": self.size, "color": color,
                           "line": {"width": 1, "color": "#333"}}}


class _Timeline:
    """Builds the figure event by event."""

    def __init__(self, episode: EpisodeResult, events: list[Any]) -> None:
        self.episode = episode
        self.faults = {f.id: f for f in episode.faults}
        self.propagated = [f for f in episode.faults if f.outcome == "propagated"]
        leaked = {f.id for f in self.propagated}
        # Only data of faults the oracle found propagated: a careful agent may send a tainted
        # file fixed (a JPEG image relabelled), and that send is no leak.
        self.tainted = {e.fault_id: set(e.paths) for e in events
                        if isinstance(e, FaultInjected) and e.fault_id in leaked}
        self.returns = {(e.invocation, e.call_id): e for e in events
                        if isinstance(e, ToolReturned)}
        self.fault_lanes: list[str] = []
        self.agents: list[str] = []
        self.invocations: dict[str, tuple[int, str]] = {}
        self.injected_at: dict[str, int] = {}
        self.touched_at: dict[str, int] = {}
        self.sent_at: dict[str, int] = {}
        self.mails: dict[int, list[MailReceived]] = {}
        self.last_lane = ""
        self.end_ms = max([episode.sim_time_ms, *(e.t_ms for e in events)])
        self.fates = _Trace("fault (colour: outcome)", "#999999", width=0.5)
        self.spans = _Trace("agent running", "#DDE3EA", width=0.8)
        self.thinking = _Trace("model call", "#9DB4CF", width=0.35)
        self.tools_ok = _Trace("tool call", "#4C6A8C", symbol="circle", size=7)
        self.tools_err = _Trace("tool error", OUTCOME_COLORS["propagated"],
                                symbol="circle-open", size=9)
        self.injected = _Trace("fault injected", "#999999", symbol="triangle-down", size=13)
        self.touched = _Trace("fault first touched", OUTCOME_COLORS["silent"], symbol="diamond",
                              size=11)
        self.caught = _Trace("issue reported / fault detected", OUTCOME_COLORS["detected"],
                             symbol="star", size=15)
        self.leaked = _Trace("propagated fault's data sent", OUTCOME_COLORS["propagated"],
                             symbol="x", size=14)
        self.mail = _Trace("mail received", "#4C6A8C", symbol="square", size=10)
        self.failures = _Trace("model call failed / crash", OUTCOME_COLORS["crashed"],
                               symbol="hexagon", size=12)
        for event in events:
            handler = getattr(self, f"_on_{event.type}", None)
            if handler is not None:
                handler(event)
        self._fault_fates()

    def _agent(self, agent: str) -> str:
        if agent not in self.agents:
            self.agents.append(agent)
        self.last_lane = agent
        return agent

    def _carried(self, value: Any) -> list[str]:
        """The propagated faults whose data `value` (a send's arguments, an answer) holds."""
        strings = list(_strings(value))
        names = [n for text in strings for n in _names_in(text)]
        return [f.id for f in self.propagated
                if any(path in text for path in self.tainted.get(f.id, ()) for text in strings)
                or any(name in evidence for name in names for evidence in f.evidence)]

    def _sent(self, t_ms: int, agent: str, what: str, value: Any) -> None:
        for fault_id in self._carried(value):
            self.sent_at.setdefault(fault_id, t_ms)
            text = _lines(f"<b>{plot_text(what)}</b> by {plot_text(agent)} carried data of "
                          f"<b>{plot_text(fault_id)}</b> (propagated)",
                          plot_text(_dumps(value), _CALL_CHARS))
            self.leaked.add(t_ms, agent, text)
            self.leaked.add(t_ms, fault_lane(fault_id), text)

    def _on_agent_started(self, event: AgentStarted) -> None:
        self.invocations[event.invocation] = (event.t_ms, event.task)
        self._agent(event.agent)

    def _on_agent_finished(self, event: AgentFinished) -> None:
        start, task = self.invocations.pop(event.invocation, (event.t_ms, ""))
        self.spans.add(start, self._agent(event.agent), _lines(
            f"<b>{plot_text(event.invocation)}</b>: {plot_text(event.status)}",
            f"task: {plot_text(task, 200)}", f"answer: {plot_text(_dumps(event.answer), 200)}"),
            end_ms=event.t_ms)
        if event.agent == self.agents[0]:  # the entry agent's answer leaves the chain
            self._sent(event.t_ms, event.agent, "final answer", event.answer)

    def _on_model_called(self, event: ModelCalled) -> None:
        self.thinking.add(event.t_ms - event.latency_ms, self._agent(event.agent), _lines(
            f"<b>{plot_text(event.agent)}</b> model call, step {event.step}, "
            f"{event.latency_ms} ms",
            f"tools: {plot_text(', '.join(event.tool_calls))}" if event.tool_calls else "",
            f"said: {plot_text(event.text, 200)}" if event.text else ""), end_ms=event.t_ms)

    def _on_model_failed(self, event: ModelFailed) -> None:
        retry = (f"retry in {event.retry_in_ms} ms" if event.retry_in_ms is not None
                 else "gave up")
        self.failures.add(event.t_ms, self._agent(event.agent), _lines(
            f"<b>model call failed</b> (attempt {event.attempt}, status {event.status})",
            plot_text(event.error, 200), retry))

    def _on_tool_called(self, event: ToolCalled) -> None:
        answer = self.returns.get((event.invocation, event.call_id))
        text = _lines(f"<b>{plot_text(event.tool)}</b> by {plot_text(event.agent)}",
                      f"args: {plot_text(_dumps(event.arguments), _CALL_CHARS)}",
                      f"result: {plot_text(answer.result, _CALL_CHARS)}" if answer
                      else "no result")
        trace = self.tools_ok if answer is None or answer.ok else self.tools_err
        trace.add(event.t_ms, self._agent(event.agent), text)
        if event.tool in _SENDS:
            self._sent(event.t_ms, event.agent, event.tool, event.arguments)

    def _on_fault_injected(self, event: FaultInjected) -> None:
        fault = self.faults.get(event.fault_id)
        lane = fault_lane(event.fault_id)
        if lane not in self.fault_lanes:
            self.fault_lanes.append(lane)
        self.injected_at.setdefault(event.fault_id, event.t_ms)
        outcome = fault.outcome if fault else "not in results"
        parts = [f"<b>{plot_text(event.fault_id)}</b> ({plot_text(event.kind)}) injected",
                 f"outcome: <b>{plot_text(outcome)}</b>",
                 *[f"target: {plot_text(t, 160)}" for t in event.targets[:3]],
                 *[f"evidence: {plot_text(e, 200)}" for e in (fault.evidence if fault else [])[:4]]]
        color = OUTCOME_COLORS.get(outcome)
        self.injected.add(event.t_ms, lane, _lines(*parts), color)

    def _on_fault_touched(self, event: FaultTouched) -> None:
        self.touched_at.setdefault(event.fault_id, event.t_ms)
        text = _lines(f"<b>{plot_text(event.agent)}</b> first touched "
                      f"<b>{plot_text(event.fault_id)}</b>",
                      f"via {plot_text(event.tool)}: {plot_text(event.path, 200)}")
        self.touched.add(event.t_ms, self._agent(event.agent), text)
        self.touched.add(event.t_ms, fault_lane(event.fault_id), text)

    def _on_issue_reported(self, event: IssueReported) -> None:
        self.caught.add(event.t_ms, self._agent(event.agent), _lines(
            f"<b>{plot_text(event.agent)}</b> reported issue #{event.number} "
            f"({plot_text(event.severity)})", plot_text(event.summary, 240),
            *[plot_text(p, 160) for p in event.paths[:3]]))

    def _on_mail_received(self, event: MailReceived) -> None:
        self.mails.setdefault(event.t_ms, []).append(event)

    def _mailbox(self) -> None:
        """One marker per moment the mailbox was read (mails arrive together at the end)."""
        for t_ms, mails in self.mails.items():
            lines, bad = [f"<b>{len(mails)} mail(s) received</b>"], False
            for mail in mails[:8]:
                found = "; ".join(f"{a.get('filename')}: {', '.join(map(str, a['findings']))}"
                                  for a in mail.attachments if a.get("findings"))
                bad = bad or bool(found)
                lines.append(f"#{mail.index} to {plot_text(', '.join(mail.to), 80)}: "
                             f"{plot_text(mail.subject, 80)}"
                             + (f" · <b>findings</b>: {plot_text(found, 160)}" if found else ""))
            if len(mails) > 8:
                lines.append(f"... and {len(mails) - 8} more")
            self.mail.add(t_ms, MAILBOX_LANE, _lines(*lines),
                          OUTCOME_COLORS["propagated"] if bad else None)

    def _on_episode_finished(self, event: EpisodeFinished) -> None:
        if event.status == "crashed":
            self.failures.add(event.t_ms, self.last_lane or MAILBOX_LANE,
                              _lines("<b>episode crashed</b>", plot_text(event.error or "", 240)))

    def _fault_fates(self) -> None:
        """Per fault: a bar from injection to detection, first leak, or the end; ★ detected."""
        for fault_id, start in self.injected_at.items():
            fault = self.faults.get(fault_id)
            outcome = fault.outcome if fault else "not_triggered"
            end = self.end_ms
            touched = self.touched_at.get(fault_id)
            if fault and touched is not None and fault.time_to_detection_ms is not None:
                end = touched + fault.time_to_detection_ms
                self.caught.add(end, fault_lane(fault_id), _lines(
                    f"<b>{plot_text(fault_id)}</b> detected by "
                    f"{plot_text(fault.detected_by or '?')}",
                    f"{fault.time_to_detection_ms} ms after it was first touched"))
            elif fault_id in self.sent_at:
                end = self.sent_at[fault_id]
            self.fates.add(start, fault_lane(fault_id), _lines(
                f"<b>{plot_text(fault_id)}</b>: {plot_text(outcome)}",
                *[plot_text(e, 200) for e in (fault.evidence if fault else [])[:4]]),
                OUTCOME_COLORS.get(outcome), end_ms=end)
        for fault in self.propagated:
            if fault.id not in self.sent_at:  # no send seen carrying it: the oracle's word
                self.leaked.add(self.end_ms, fault_lane(fault.id), _lines(
                    f"<b>{plot_text(fault.id)}</b> ({plot_text(fault.kind)}) propagated",
                    *[plot_text(e, 200) for e in fault.evidence[:4]]))

    def figure(self) -> dict[str, Any]:
        self._mailbox()
        lanes = self.fault_lanes + self.agents + ([MAILBOX_LANE] if self.mails else [])
        traces = (self.fates, self.spans, self.thinking, self.tools_ok, self.tools_err,
                  self.injected, self.touched, self.caught, self.mail, self.failures, self.leaked)
        end_s = _s(self.end_ms)
        return {
            "data": [t.figure_trace() for t in traces if t.x],
            "layout": {
                "barmode": "overlay",
                "height": 130 + 34 * max(len(lanes), 1),
                "xaxis": {"title": {"text": "simulated time (s)"},
                          "range": [-0.02 * end_s - 0.2, end_s * 1.02 + 0.2], "zeroline": False},
                "yaxis": {"type": "category", "categoryorder": "array", "automargin": True,
                          "categoryarray": [plot_text(x, _LANE_CHARS) for x in reversed(lanes)]},
            },
        }


def timeline_figure(episode: EpisodeResult, events: list[Any]) -> dict[str, Any]:
    """The plotly figure (data and layout, plain JSON) of one episode's trace."""
    return _Timeline(episode, events).figure()
