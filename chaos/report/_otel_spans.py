"""Trace events to spans: the span tree of one episode.

What the spans hold is documented in `chaos.report.otel`, which writes them.
"""

from __future__ import annotations

import errno
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from chaos._redact import redact
from chaos.report._otlp_json import KIND_CLIENT, KIND_INTERNAL, Span
from chaos.results import EpisodeResult

__all__ = ["EpisodeSpans"]

_OUTCOMES = ("propagated", "detected", "recovered", "silent", "not_triggered", "crashed")
_EXCEPTION = re.compile(r"^(?:error: )?([A-Z][A-Za-z0-9]+)(?::|$)")
_ERRNO = re.compile(r"^\[Errno (\d+)\]")
#: The `tool` of a fault touched by a model call rather than a tool call.
_MODEL_CALL = "(model call)"
#: Most characters of a name a model chose (a tool name) kept in a span name.
_NAME_LIMIT = 128


@dataclass
class _OpenTool:
    """A tool call not yet returned; `adopted` once a delegated agent nests under it."""

    agent: str
    invocation: str
    call_id: str
    tool: str
    span: Span
    adopted: bool = False


class EpisodeSpans:
    """Builds an episode's spans from its trace events, taken in sequence order.

    Args:
        episode: The episode's result (root attributes, fault outcomes).
        pinned: Agents pinned to a model other than the episode's (agent -> model id).
        fingerprint: A digest of the trace events, hashed into the ids.
        include_content: Add content attributes (tasks, answers, arguments, results).
        content_limit: Most characters kept of each piece of content.
    """

    def __init__(self, episode: EpisodeResult, pinned: dict[str, str], fingerprint: bytes,
                 include_content: bool, content_limit: int) -> None:
        self.episode = episode
        self.pinned = pinned
        self.content = include_content
        self.limit = content_limit
        self._seed = hashlib.sha256(
            b"chaos-otel\0" + episode.key.encode() + b"\0" + fingerprint).digest()
        self._taken: set[str] = set()
        self.trace_id = self._id("trace", 16)
        self.outcomes = {f.id: f.outcome for f in episode.faults}
        self.root = Span(self._id("root"), "", f"episode {episode.model} {episode.arm}",
                         KIND_INTERNAL, 0, attributes=self._root_attributes())
        self._taken.add(self.root.span_id)
        self.spans = [self.root]
        self.agents: dict[str, Span] = {}
        self.agent_models: dict[str, str] = {}
        self.cursor: dict[str, int] = {}
        self.usage: dict[str, list[int]] = {}
        self.last_chat: dict[str, Span] = {}
        self.parts: dict[str, list[dict[str, Any]]] = {}
        self.reasons: dict[str, str] = {}
        self.open_tools: list[_OpenTool] = []
        # A model fault is touched just before the call it breaks: its event waits for the span.
        self.model_touches: dict[str, list[tuple[int, list[tuple[str, Any]]]]] = {}
        self.last_ms = 0

    def _id(self, anchor: str, size: int = 8) -> str:
        for salt in range(1000):
            digest = hashlib.sha256(self._seed + f"/{anchor}/{salt}".encode()).digest()[:size]
            value = digest.hex()
            if any(digest) and value not in self._taken:
                return value
        raise AssertionError("unreachable: no free span id")

    def _span(self, seq: int, parent: Span, name: str, kind: int, start_ms: int,
              attributes: list[tuple[str, Any]]) -> Span:
        span = Span(self._id(f"span/{seq}"), parent.span_id, name, kind, start_ms,
                    attributes=attributes)
        self._taken.add(span.span_id)
        self.spans.append(span)
        return span

    def _bounded(self, value: Any) -> Any:
        """Content cut to the limit, string by string, secrets masked."""
        if isinstance(value, str):
            value = redact(value)
            if len(value) > self.limit:
                return value[:self.limit] + f"... [{len(value) - self.limit} more characters]"
            return value
        if isinstance(value, dict):
            return {str(k): self._bounded(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._bounded(v) for v in value]
        return value

    def _json(self, value: Any) -> str:
        return json.dumps(self._bounded(value), ensure_ascii=False, sort_keys=True)

    def _text(self, value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                                sort_keys=True)

    def _root_attributes(self) -> list[tuple[str, Any]]:
        e = self.episode
        counts = {outcome: sum(f.outcome == outcome for f in e.faults) for outcome in _OUTCOMES}
        return [
            ("chaos.episode.key", e.key), ("chaos.profile", e.profile), ("chaos.model", e.model),
            ("chaos.seed", e.seed), ("chaos.arm", e.arm), ("chaos.status", e.status),
            ("chaos.error", e.error), ("chaos.task.passed", e.task.passed),
            ("chaos.task.reasons", list(e.task.reasons)), ("chaos.handled", e.handled),
            ("chaos.reproduce", e.reproduce),
            ("chaos.sim_time_ms", e.sim_time_ms),
            ("chaos.fault.ids", [f.id for f in e.faults]),
            ("chaos.fault.kinds", [f.kind for f in e.faults]),
            ("chaos.fault.outcomes", [f.outcome for f in e.faults]),
            *((f"chaos.faults.{outcome}", n) for outcome, n in counts.items()),
            ("chaos.usage.model_calls", e.usage.model_calls),
            ("chaos.usage.input_tokens", e.usage.input_tokens),
            ("chaos.usage.output_tokens", e.usage.output_tokens),
            ("chaos.usage.cost_usd", e.usage.cost_usd),
        ]

    def _model(self, agent: str) -> tuple[str, str, int]:
        """(provider, model name, span kind) of the model an agent runs."""
        provider, _, name = self.agent_models.get(agent, self.episode.model).partition("/")
        if provider in ("scripted", "replay"):
            return f"chaos.{provider}", name, KIND_INTERNAL
        return provider, name, KIND_CLIENT

    def _tool(self, agent: str, call_id: str | None = None) -> _OpenTool | None:
        """The innermost open tool call of `agent` (with `call_id`, when given)."""
        for open_tool in reversed(self.open_tools):
            if open_tool.agent == agent and call_id in (None, open_tool.call_id):
                return open_tool
        return None

    # -- events --------------------------------------------------------------------------------
    def add(self, event: Any) -> None:
        """Take one trace event into the spans."""
        self.last_ms = max(self.last_ms, event.t_ms)
        handler = getattr(self, f"_on_{event.type}", None)
        if handler is not None:
            handler(event)
        if hasattr(event, "invocation"):
            # A failed model call is retried after its backoff: the next attempt starts then.
            retry = getattr(event, "retry_in_ms", None) or 0
            self.cursor[event.invocation] = event.t_ms + retry

    def _on_agent_started(self, ev: Any) -> None:
        model = getattr(ev, "model", None) or self.pinned.get(ev.agent)
        if model:
            self.agent_models[ev.agent] = model
        parent = self.root
        if ev.parent is not None:
            for open_tool in reversed(self.open_tools):
                if (open_tool.agent == ev.parent and open_tool.tool == "delegate"
                        and not open_tool.adopted):
                    open_tool.adopted, parent = True, open_tool.span
                    break
        provider, name, _ = self._model(ev.agent)
        attributes = [("gen_ai.operation.name", "invoke_agent"),
                      ("gen_ai.provider.name", provider), ("gen_ai.request.model", name),
                      ("gen_ai.agent.name", ev.agent), ("chaos.agent.invocation", ev.invocation)]
        if self.content:
            attributes.append(("gen_ai.input.messages", self._json(
                [{"role": "user", "parts": [{"type": "text", "content": ev.task}]}])))
        self.agents[ev.invocation] = self._span(ev.seq, parent, f"invoke_agent {ev.agent}",
                                                KIND_INTERNAL, ev.t_ms, attributes)
        self.usage[ev.invocation] = [0, 0]

    def _chat(self, ev: Any, start_ms: int) -> Span:
        provider, name, kind = self._model(ev.agent)
        parent = self.agents.get(ev.invocation, self.root)
        span = self._span(ev.seq, parent, f"chat {name}", kind, max(start_ms, parent.start_ms),
                          [("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", provider),
                           ("gen_ai.request.model", name)])
        span.end_ms = ev.t_ms
        for t_ms, attributes in self.model_touches.pop(ev.agent, []):
            span.event("chaos.fault.touched", t_ms, attributes)
        return span

    def _on_model_called(self, ev: Any) -> None:
        # The call went out when the agent's previous step ended; the drawn latency is only
        # its last part when the provider's answer waited on other simulated events.
        span = self._chat(ev, min(self.cursor.get(ev.invocation, ev.t_ms), ev.t_ms - ev.latency_ms))
        span.attributes += [("gen_ai.usage.input_tokens", ev.input_tokens),
                            ("gen_ai.usage.output_tokens", ev.output_tokens),
                            ("chaos.step", ev.step), ("chaos.tool_calls", list(ev.tool_calls))]
        # Known only when the trace records it (ModelCalled.finish_reason, when present).
        if (reason := getattr(ev, "finish_reason", None)) is not None:
            span.attributes.append(("gen_ai.response.finish_reasons", [reason]))
            self.reasons[span.span_id] = reason
        if self.content:
            self.parts[span.span_id] = (
                [{"type": "text", "content": ev.text}] if ev.text else []
            ) + [{"type": "tool_call", "name": name} for name in ev.tool_calls]
        if ev.invocation in self.usage:
            self.usage[ev.invocation][0] += ev.input_tokens
            self.usage[ev.invocation][1] += ev.output_tokens
        self.last_chat[ev.invocation] = span

    def _on_model_failed(self, ev: Any) -> None:
        span = self._chat(ev, self.cursor.get(ev.invocation, ev.t_ms))
        span.attributes += [("chaos.attempt", ev.attempt), ("chaos.retry_in_ms", ev.retry_in_ms)]
        error_type = str(ev.status) if ev.status is not None else _error_type(ev.error)
        span.fail(self._bounded(ev.error), error_type)
        self.last_ms = max(self.last_ms, ev.t_ms + (ev.retry_in_ms or 0))

    def _on_tool_called(self, ev: Any) -> None:
        attributes = [("gen_ai.operation.name", "execute_tool"), ("gen_ai.tool.name", ev.tool),
                      ("gen_ai.tool.call.id", ev.call_id), ("gen_ai.tool.type", "function")]
        if self.content:
            attributes.append(("gen_ai.tool.call.arguments", self._json(ev.arguments)))
            chat = self.last_chat.get(ev.invocation)
            if chat is not None and chat.span_id in self.parts:
                _name_call(self.parts[chat.span_id], ev)
        # The tool name is the model's text: an unknown or garbled one can be anything.
        span = self._span(ev.seq, self.agents.get(ev.invocation, self.root),
                          f"execute_tool {ev.tool[:_NAME_LIMIT]}", KIND_INTERNAL, ev.t_ms,
                          attributes)
        self.open_tools.append(_OpenTool(ev.agent, ev.invocation, ev.call_id, ev.tool, span))

    def _on_tool_returned(self, ev: Any) -> None:
        for index in range(len(self.open_tools) - 1, -1, -1):
            open_tool = self.open_tools[index]
            if open_tool.invocation == ev.invocation and open_tool.call_id == ev.call_id:
                del self.open_tools[index]
                span = open_tool.span
                span.end_ms = ev.t_ms
                if self.content and ev.ok:
                    span.attributes.append(("gen_ai.tool.call.result", self._bounded(ev.result)))
                if not ev.ok:
                    error_type = _error_type(ev.result)
                    span.fail(self._bounded(ev.result) if self.content else error_type, error_type)
                return

    def _on_fault_injected(self, ev: Any) -> None:
        self.root.event("chaos.fault.injected", ev.t_ms, [
            ("chaos.fault.id", ev.fault_id), ("chaos.fault.kind", ev.kind),
            ("chaos.fault.outcome", self.outcomes.get(ev.fault_id)),
            ("chaos.fault.targets", list(ev.targets[:50]))])

    def _on_fault_touched(self, ev: Any) -> None:
        attributes = [("chaos.fault.id", ev.fault_id),
                      ("chaos.fault.outcome", self.outcomes.get(ev.fault_id)),
                      ("gen_ai.agent.name", ev.agent), ("chaos.fault.path", ev.path)]
        if ev.tool == _MODEL_CALL:
            self.model_touches.setdefault(ev.agent, []).append((ev.t_ms, attributes))
            return
        attributes.append(("gen_ai.tool.name", ev.tool))
        open_tool = self._tool(ev.agent, ev.call_id)
        (open_tool.span if open_tool else self.root).event("chaos.fault.touched", ev.t_ms,
                                                           attributes)

    def _on_issue_reported(self, ev: Any) -> None:
        open_tool = self._tool(ev.agent)
        attributes = [("gen_ai.agent.name", ev.agent), ("chaos.issue.number", ev.number),
                      ("chaos.issue.severity", ev.severity)]
        if self.content:
            attributes += [("chaos.issue.summary", self._bounded(ev.summary)),
                           ("chaos.issue.paths", self._bounded(list(ev.paths)))]
        (open_tool.span if open_tool else self.root).event("chaos.issue.reported", ev.t_ms,
                                                            attributes)

    def _on_mail_received(self, ev: Any) -> None:
        attachments = ev.attachments
        attributes = [
            ("chaos.mail.index", ev.index), ("chaos.mail.recipients", len(ev.to)),
            ("chaos.mail.attachment.declared", [str(a.get("declared")) for a in attachments]),
            ("chaos.mail.attachment.sniffed", [str(a.get("sniffed")) for a in attachments]),
            ("chaos.mail.attachment.findings",
             sorted({str(f) for a in attachments for f in a.get("findings", [])}))]
        if self.content:
            attributes += [("chaos.mail.to", self._bounded(list(ev.to))),
                           ("chaos.mail.subject", self._bounded(ev.subject))]
        self.root.event("chaos.mail.received", ev.t_ms, attributes)

    def _on_agent_finished(self, ev: Any) -> None:
        span = self.agents.get(ev.invocation)
        if span is None:
            return
        span.end_ms = ev.t_ms
        tokens = self.usage.get(ev.invocation, [0, 0])
        span.attributes += [("gen_ai.usage.input_tokens", tokens[0]),
                            ("gen_ai.usage.output_tokens", tokens[1]),
                            ("chaos.agent.status", ev.status)]
        if ev.status != "finished":
            span.fail(f"agent stopped without an answer: {ev.status}", ev.status)
        elif self.content and ev.answer is not None:
            span.attributes.append(("gen_ai.output.messages", self._json([{
                "role": "assistant", "finish_reason": "stop",
                "parts": [{"type": "text", "content": self._text(ev.answer)}]}])))

    def finish(self) -> list[Span]:
        """The spans, every one ended (those the episode cut short end with it, in error)."""
        end = max(self.episode.sim_time_ms, self.last_ms)
        self.root.end_ms = end
        e = self.episode
        propagated = [f.id for f in e.faults if f.outcome == "propagated"]
        if e.status == "crashed":
            self.root.fail(f"episode crashed: {e.error}", "crashed")
        elif propagated:
            self.root.fail(f"fault propagated: {', '.join(propagated)}", "propagated")
        for touches in self.model_touches.values():
            for t_ms, attributes in touches:
                self.root.event("chaos.fault.touched", t_ms, attributes)
        for span in self.spans:
            if span.end_ms is None:
                span.end_ms = end
                span.fail("unfinished: the episode ended first", "unfinished")
            if (parts := self.parts.get(span.span_id)) is not None:
                calls = any(p["type"] == "tool_call" for p in parts)
                reason = self.reasons.get(span.span_id, "tool_call" if calls else "stop")
                span.attributes.append(("gen_ai.output.messages", self._json([{
                    "role": "assistant", "parts": parts, "finish_reason": reason}])))
        return self.spans


def _name_call(parts: list[dict[str, Any]], ev: Any) -> None:
    """Give the chat's first output part calling `ev.tool` without an id its id and arguments."""
    for part in parts:
        if part["type"] == "tool_call" and part["name"] == ev.tool and "id" not in part:
            part |= {"id": ev.call_id, "arguments": ev.arguments}
            return


def _error_type(text: str) -> str:
    """A low-cardinality error class from an error text (`SMTPDataError`, `ENOENT`)."""
    if match := _ERRNO.match(text):
        return errno.errorcode.get(int(match.group(1)), "_OTHER")
    if match := _EXCEPTION.match(text):
        return match.group(1)
    return "_OTHER"
