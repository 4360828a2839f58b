"""`scripted/<policy>`: a model adapter that answers from a deterministic policy."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from chaos.models._protocol import Message, ModelRequest, ModelTurn, ToolCall, ToolSchema
from chaos.models.scripted._policies import PolicyContext, policies
from chaos.models.scripted._reading import brief_message, tool_result_text
from chaos.models.scripted._roles import shape_from_tools

__all__ = ["ScriptedModel"]

_BRIEF = "Brief:"
_BRIEF_TRIES = 8
_SPACE = re.compile(r"\s*")


def _brief(text: str) -> dict[str, Any]:
    """The JSON brief in a task or delegation text ({} when there is none).

    The brief is the last `Brief: {...}` whose object parses; any words a profile's
    `task.prompt` or a delegating agent put before or after it are left aside.
    """
    decoder = json.JSONDecoder()
    at = text.rfind(_BRIEF)
    # A few tries from the end: a text full of "Brief:" must not cost quadratic time.
    for _ in range(_BRIEF_TRIES):
        if at < 0:
            break
        start = _SPACE.match(text, at + len(_BRIEF)).end()  # type: ignore[union-attr]
        try:
            value, _end = decoder.raw_decode(text, start)
        except (json.JSONDecodeError, RecursionError):  # RecursionError: nested past Python's
            value = None
        if isinstance(value, dict):
            return value
        at = text.rfind(_BRIEF, 0, at)
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _holds_brief(text: str) -> bool:
    """Whether `text` holds a `Brief: {...}` (a framework's own user messages do not)."""
    return _BRIEF in text and bool(_brief(text))


class ScriptedModel:
    """A scripted model: answers each request from its policy, replaying the conversation.

    It keeps no state between calls: each request's messages are replayed through a fresh
    policy generator, so the same policy answers identically wherever the conversation comes
    from — this process, or an HTTP server speaking a provider's wire format.

    Args:
        policy: A registered policy name (`careful`, `naive`, `hallucinator`...).
    """

    def __init__(self, policy: str, memo: bool = False) -> None:
        self.model_id = f"scripted/{policy}"
        self._policy = policies.get(policy)
        # For a long-lived server: conversations resume where they stopped instead of being
        # replayed from the start (same answers; linear instead of quadratic cost).
        self._memo: OrderedDict[int, tuple[Any, tuple[str, dict[str, Any]]]] | None = (
            OrderedDict() if memo else None)

    def next_call(self, messages: Sequence[Message], tools: Sequence[ToolSchema],
                  agent: str) -> tuple[str, dict[str, Any]] | None:
        """The policy's next tool call after `messages`, or None when it has nothing to add."""
        first = brief_message(messages, _holds_brief)
        if first is None:
            return None
        if self._memo is not None and messages[-1].role == "tool":
            resumed = self._resume(messages, tools)
            if resumed is not False:
                return resumed
        context = PolicyContext(agent, _delegate_names(tools), tuple(t.name for t in tools),
                                shape_from_tools(tools))
        step = _resumable(self._policy(_brief(messages[first].content), context))
        try:
            call = next(step)
            ran: tuple[str, dict[str, Any]] | None = None
            for message in messages[first + 1:]:
                if message.role == "assistant" and message.tool_calls:
                    ran = (message.tool_calls[0].name, message.tool_calls[0].arguments)
                elif message.role == "tool":
                    call = self._advance(step, call, ran, tool_result_text(message.content))
        except StopIteration:
            return None
        self._remember(messages, tools, step, call)
        return call

    def _advance(self, step: Any, call: tuple[str, dict[str, Any]],
                 ran: tuple[str, dict[str, Any]] | None, result: str) -> tuple[str, Any]:
        """The policy's next call after `result`.

        When the call that ran is not the call the policy made (the API garbled it), a careful
        agent makes its call again; the others take the error as the answer.
        """
        resend = getattr(getattr(self._policy, "style", None), "retries", False)
        garbled = ran is not None and ran != call and result.startswith("error:")
        return call if resend and garbled else step.send(result)

    def _resume(self, messages: Sequence[Message],
                tools: Sequence[ToolSchema]) -> tuple[str, dict[str, Any]] | None | bool:
        """Continue a remembered conversation with its last tool result (False: unknown)."""
        assert self._memo is not None
        key = _key(messages[:-1], tools)
        entry = self._memo.pop(key, None)
        if entry is None:
            return False
        step, call = entry
        last = next((m for m in reversed(messages) if m.role == "assistant"), None)
        ran = (last.tool_calls[0].name, last.tool_calls[0].arguments) if last and \
            last.tool_calls else None
        try:
            call = self._advance(step, call, ran, tool_result_text(messages[-1].content))
        except StopIteration:
            return None
        self._remember(messages, tools, step, call)
        return call

    def _remember(self, messages: Sequence[Message], tools: Sequence[ToolSchema], step: Any,
                  call: tuple[str, dict[str, Any]]) -> None:
        if self._memo is None:
            return
        after = (*messages, Message("assistant", "", (ToolCall("", call[0], call[1]),)))
        self._memo[_key(after, tools)] = (step, call)
        while len(self._memo) > 20_000:
            self._memo.popitem(last=False)

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """The policy's next tool call for this conversation."""
        call = self.next_call(request.messages, request.tools, request.agent)
        if call is None:
            return ModelTurn(text="done")
        turns = sum(1 for m in request.messages if m.role == "assistant")
        return ModelTurn(tool_calls=(ToolCall(f"call_{turns + 1}", call[0], call[1]),),
                         finish_reason="tool_calls")


def _resumable(steps: Any) -> Any:
    """The policy's steps as a generator that tool results can be sent to.

    A plugin's policy may return a plain list or iterator of calls: its calls are made in
    order and the results it cannot take are dropped.
    """
    if hasattr(steps, "send"):
        return steps

    def in_order() -> Any:
        for call in steps:  # noqa: UP028 (`yield from` would send each result to the iterator)
            yield call

    return in_order()


def _key(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> int:
    """A conversation's identity, as any wire format carries it back (call ids aside)."""
    parts = [tuple(t.name for t in tools)]
    for m in messages:
        calls = tuple((c.name, json.dumps(c.arguments, sort_keys=True)) for c in m.tool_calls)
        parts.append((m.role, m.content if m.role != "assistant" else "", calls))
    return hash(tuple(parts))


def _delegate_names(tools: Sequence[ToolSchema]) -> tuple[str, ...]:
    for schema in tools:
        if schema.name == "delegate":
            return tuple(schema.parameters.get("properties", {}).get("agent", {}).get("enum", []))
    return ()
