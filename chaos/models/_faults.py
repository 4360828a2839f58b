"""Provider faults between the adapter and the provider, the same for every provider.

For remote models they act in an HTTP transport wrapped around the SDK's own, answering with the
provider's real status codes and error bodies, or rewriting its real responses. Scripted models
have no wire: the same rules act on the neutral request and turn instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from chaos.models._protocol import ModelRequest, ModelTurn, ProviderError, ToolCall
from chaos.models._turns import content_text, parse_arguments
from chaos.models._wire import unparseable
from chaos.models._wire_errors import error_body

__all__ = ["Armed", "FaultTransport", "FaultyModel", "ModelFaultRules"]

Action = Literal["rate_limit", "server_error", "timeout", "truncated", "malformed_tool_call",
                 "empty_response"]


@dataclass
class Armed:
    """A provider fault waiting for the next `times` model calls.

    Attributes:
        action: What the provider does.
        times: Calls it still hits.
        status: HTTP status for errors (429, 500, 503).
        retry_after_s: Retry-After for a 429.
        mode: For malformed_tool_call: `json` (arguments that do not parse) or `unknown_tool`.
        hit: Called when it acts (the fault fires).
    """

    action: Action
    times: int = 1
    status: int = 500
    retry_after_s: float = 2.0
    mode: str = "json"
    hit: Callable[[str], None] = lambda what: None


@dataclass
class ModelFaultRules:
    """The provider faults armed for an episode, consumed call by call, in order."""

    armed: list[Armed] = field(default_factory=list)

    def take(self) -> Armed | None:
        """The fault that hits the call being made now, if any."""
        for item in self.armed:
            if item.times > 0:
                item.times -= 1
                if item.action != "malformed_tool_call":
                    item.hit(item.action)
                return item
        return None


def garbled(name: str, arguments: Any) -> str:
    """How a garbled call is remembered: the call the model meant, `name {json arguments}`."""
    return f"{name} {json.dumps(arguments, sort_keys=True)}"


def _error_body(provider: str, armed: Armed) -> dict[str, Any]:
    message = {429: "Rate limit reached for requests. Please try again in "
                    f"{armed.retry_after_s:g}s.",
               503: "The server is overloaded. Please try again later."}.get(
        armed.status, "The server had an error while processing your request.")
    return error_body(provider, armed.status, message)


def _garble(raw: Any) -> str:
    """Arguments cut in half: JSON text that no longer parses, whatever shape they came in."""
    text = raw if isinstance(raw, str) else json.dumps(raw)
    return text[: max(1, len(text) // 2)]


def _rewrite(provider: str, body: dict[str, Any], armed: Armed) -> dict[str, Any]:
    """A real response body, broken the way the fault says (in whichever shape it came)."""
    if provider == "anthropic":
        content = body.get("content")
        blocks = [b for b in (content if isinstance(content, list) else [])
                  if isinstance(b, dict)]
        if armed.action == "empty_response":
            body["content"] = []
        elif armed.action == "truncated":
            text = content_text(content)
            body["content"] = [{"type": "text", "text": text[: len(text) // 2] or "The"}]
            body["stop_reason"] = "max_tokens"
        elif armed.action == "malformed_tool_call":
            for block in blocks:
                if block.get("type") == "tool_use":
                    name = str(block.get("name"))
                    armed.hit(garbled(name, parse_arguments(name, block.get("input"))[0]))
                    if armed.mode == "unknown_tool":
                        block["name"] = name + "_v2"
                    else:
                        block["input"] = "{'path': " + json.dumps(block.get("input"))[:20]
        return body
    choices = body.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(
        choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    if armed.action == "empty_response":
        message.update(content="", tool_calls=None)
    elif armed.action == "truncated":
        text = content_text(message.get("content"))
        message.update(content=text[: len(text) // 2] or "The", tool_calls=None)
        choice["finish_reason"] = "length"
    elif armed.action == "malformed_tool_call":
        calls = message.get("tool_calls")
        for call in calls if isinstance(calls, list) else []:
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict):
                continue
            name = str(function.get("name"))
            armed.hit(garbled(name, parse_arguments(name, function.get("arguments"))[0]))
            if armed.mode == "unknown_tool":
                function["name"] = name + "_v2"
            else:
                function["arguments"] = _garble(function.get("arguments"))
    return body


class FaultTransport:
    """An HTTP transport that lets provider faults answer, or rewrite, real calls.

    Args:
        inner: The real transport.
        rules: The episode's armed provider faults.
        provider: `openai` or `anthropic` (the error and response formats).
        httpx: The HTTP library module the SDK uses.
        on_close: Called with `inner` when the episode's client closes (the real transport
            outlives the episode: it goes back to a pool), at most once.
    """

    def __init__(self, inner: Any, rules: ModelFaultRules, provider: str, httpx: Any,
                 on_close: Callable[[Any], None] | None = None) -> None:
        self.inner = inner
        self.rules = rules
        self.provider = provider
        self.httpx = httpx
        self._on_close = on_close

    async def handle_async_request(self, request: Any) -> Any:
        """Send `request`, unless a fault answers first; rewrite the answer if one says so."""
        armed = self.rules.take()
        if armed is None:
            return await self.inner.handle_async_request(request)
        if armed.action == "timeout":
            raise self.httpx.ReadTimeout("timed out", request=request)
        if armed.action in ("rate_limit", "server_error"):
            status = 429 if armed.action == "rate_limit" else armed.status
            headers = {"retry-after": f"{armed.retry_after_s:g}"} if status == 429 else {}
            return self.httpx.Response(status, json=_error_body(self.provider, armed),
                                       headers=headers, request=request)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            return response  # nothing to break: the adapter reads the error as it is
        body = _rewrite(self.provider, body, armed)
        return self.httpx.Response(response.status_code, json=body, request=request)

    async def aclose(self) -> None:
        """Leave the real transport open: the run's later episodes reuse it."""
        if self._on_close is not None:
            self._on_close(self.inner)
            self._on_close = None


class FaultyModel:
    """The same provider faults for a model with no wire (scripted): on the neutral turn."""

    def __init__(self, inner: Any, rules: ModelFaultRules) -> None:
        self.inner = inner
        self.rules = rules
        self.model_id = inner.model_id

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """Answer, unless a fault answers first; break the answer if one says so."""
        armed = self.rules.take()
        if armed is None:
            return await self.inner.complete(request)
        if armed.action == "timeout":
            raise ProviderError("APITimeoutError: the request timed out", None, None, True)
        if armed.action in ("rate_limit", "server_error"):
            status = 429 if armed.action == "rate_limit" else armed.status
            message = _error_body("openai", Armed(armed.action, status=status,
                                                  retry_after_s=armed.retry_after_s))
            name = "RateLimitError" if status == 429 else "InternalServerError"
            raise ProviderError(f"{name}: {status} {message['error']['message']}", status,
                                armed.retry_after_s if status == 429 else None, True)
        turn = await self.inner.complete(request)
        if armed.action == "malformed_tool_call":
            for call in turn.tool_calls:
                armed.hit(garbled(call.name, call.arguments))
        if armed.action == "empty_response":
            return ModelTurn(usage=turn.usage, finish_reason="stop")
        if armed.action == "truncated":
            return ModelTurn(text=turn.text[: len(turn.text) // 2] or "The", usage=turn.usage,
                             finish_reason="length")
        calls = tuple(
            ToolCall(c.id, c.name + "_v2", c.arguments) if armed.mode == "unknown_tool" else
            ToolCall(c.id, c.name, {}, f"the arguments of {c.name} are not valid JSON "
                                      "(Expecting ',' delimiter)", unparseable(c.arguments))
            for c in turn.tool_calls)
        return ModelTurn(turn.text, calls, turn.usage, turn.finish_reason)
