"""The model gateway: OpenAI- and Anthropic-compatible endpoints in front of the model under test.

A team's own agent talks to its model through its usual SDK, with the base URL pointed here.
Each request is checked as strictly as the real API checks it, translated to chaos' neutral
messages, and answered by the backend (an episode's `call_model`: the model under test behind
the profile's provider faults, counted, traced and recorded like the built-in chain's calls).
The answer goes back in the provider's own format, streamed when asked; a provider error goes
back as the provider sends it (status, error body, `retry-after`), and a timeout or a lost
connection as a connection the gateway closes without answering.

| path | what |
|---|---|
| `POST /v1/chat/completions` | OpenAI Chat Completions (base URL `http://HOST:PORT/v1`) |
| `POST /v1/responses` | OpenAI Responses (the Agents SDK's default; `_gateway_responses`) |
| `POST /v1/messages` | Anthropic Messages (base URL `http://HOST:PORT`) |
| `GET /v1/models`, `GET /v1/models/{id}` | the model under test, in the asking SDK's format |
| `POST /v1/messages/count_tokens` | an estimate (four characters a token), no model call |
| `/agents/<name>/v1/...` | the same, for the chain's agent `<name>` |

Without the `/agents/<name>` prefix, calls are the whole chain's (agent None). Every request
carries the gateway's key (`Authorization: Bearer KEY` or `x-api-key: KEY`).

Plain ASGI: no framework is needed for six routes, and the app mounts beside any other.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import unquote

from chaos._redact import redact
from chaos.agents._asgi import route_path
from chaos.agents._gateway_http import (
    Refused,
    drop_connection,
    lifespan,
    read_body,
    send_events,
    send_json,
)
from chaos.models import Message, ModelTurn, ProviderError, ToolSchema
from chaos.models._options import options_from_anthropic, options_from_openai
from chaos.models._wire import (
    anthropic_response,
    messages_from_anthropic,
    messages_from_openai,
    openai_response,
    tools_from_anthropic,
    tools_from_openai,
)
from chaos.models._wire_checks import anthropic_problem, openai_problem
from chaos.models._wire_errors import error_body

__all__ = ["GatewayEndpoint", "ModelBackend", "new_gateway_key"]

#: Largest request body taken (a real API's limit is of this order; more is a 413).
MAX_BODY = 32 * 1024 * 1024
_AGENT_PATH = re.compile(r"/agents/([^/]+)(/.*)?")
#: The SDK's class and status that adapters put before the provider's words.
_ERROR_PREFIX = re.compile(r"^[A-Za-z]+(?:Error|Exception): (?:\d{3} )?")


def new_gateway_key() -> str:
    """A fresh key for one episode's gateway, shaped so `redact` masks it wherever it goes."""
    return "sk-chaos-" + secrets.token_urlsafe(24)


class ModelBackend(Protocol):
    """What the gateway forwards to (an `EpisodeSession` is one).

    It may also have `model_name(agent) -> str`: the model id `/v1/models` lists.
    """

    @property
    def agents(self) -> tuple[str, ...]:
        """The chain's agent names (`/agents/<name>/` takes these)."""
        ...

    async def call_model(self, agent: str | None, messages: Sequence[Message],
                         tools: Sequence[ToolSchema],
                         options: Mapping[str, Any] | None = None) -> ModelTurn:
        """One model call; raises `ProviderError` to pass on to the client."""
        ...


class GatewayEndpoint:
    """The gateway of one episode, as an ASGI app (`app`).

    Args:
        backend: Answers the model calls.
        key: The key every request must carry.
    """

    def __init__(self, backend: ModelBackend, key: str) -> None:
        self.backend = backend
        self._key = key.encode()
        self._answered = 0
        self._requests = 0

    # -- ASGI ----------------------------------------------------------------------------
    @property
    def app(self) -> GatewayEndpoint:
        """The ASGI application (the endpoint itself: servers see an ASGI 3 callable)."""
        return self

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve one ASGI connection scope."""
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        send = self._with_request_id(send)
        path = route_path(scope)
        agent: str | None = None
        if match := _AGENT_PATH.fullmatch(path):
            agent, path = unquote(match.group(1)), match.group(2) or "/"
        wire = "anthropic" if path.rstrip("/") == "/v1/messages" or (
            "anthropic-version" in headers and "/chat/" not in path) else "openai"
        try:
            route = _route(scope.get("method", "GET"), path.rstrip("/"))
            self._authorize(headers, wire)
            if agent is not None and agent not in self.backend.agents:
                raise Refused(404, f"the chain has no agent '{agent}' (agents: "
                                    f"{', '.join(self.backend.agents)}): use "
                                    "/agents/<name>/v1/... with one of them, or /v1/... for "
                                    "the whole chain")
            if route[0] == "models":
                await send_json(send, 200, self._models(agent, wire, route[1]))
                return
            body = await read_body(receive, MAX_BODY)
            if body is None:
                return  # the client went away
            if route[0] == "chat":
                await self._chat(agent, body, send)
            elif route[0] == "responses":
                from chaos.agents._gateway_responses import answer_responses

                await answer_responses(self.backend, agent, _parse(body, "openai"),
                                       self._next_number, send)
            elif route[0] == "count":
                await send_json(send, 200, _count_tokens(body))
            else:
                await self._messages(agent, body, send)
        except Refused as refused:
            await send_json(send, refused.status,
                        error_body(wire, refused.status, refused.message, refused.code))
        except ProviderError as exc:
            await _provider_error(send, wire, exc)
        except Exception as exc:  # a bug behind the gateway: the API's 500, not a hang-up
            message = redact(f"the chaos gateway failed: {type(exc).__name__}: {exc}")[:500]
            await send_json(send, 500, error_body(wire, 500, message))

    def _next_number(self) -> int:
        """The number of the answer about to go out (ids are numbered by it)."""
        self._answered += 1
        return self._answered

    def _with_request_id(self, send: Any) -> Any:
        """`send`, adding the request id both APIs put on every answer (SDK errors show it)."""
        self._requests += 1
        request_id = f"req_chaos_{self._requests}".encode()

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()),
                                                  (b"x-request-id", request_id),
                                                  (b"request-id", request_id)]}
            await send(message)

        return sending

    # -- the routes ------------------------------------------------------------------------
    async def _chat(self, agent: str | None, raw: bytes, send: Any) -> None:
        body = _parse(raw, "openai")
        if problem := openai_problem(body) or _openai_gateway_problem(body):
            raise Refused(400, problem)
        try:
            messages, tools = messages_from_openai(body), tools_from_openai(body)
        except (KeyError, TypeError, AttributeError) as exc:
            raise Refused(400, f"Invalid request: {exc}") from None
        turn = await self.backend.call_model(agent, messages, tools,
                                             options=options_from_openai(body))
        self._answered += 1
        if body.get("stream") is True:
            from chaos.agents._gateway_stream import openai_chunks

            usage = (body.get("stream_options") or {}).get("include_usage") is True
            await send_events(send, openai_chunks(body["model"], turn, self._answered, usage))
        else:
            await send_json(send, 200, openai_response(body["model"], turn, self._answered))

    async def _messages(self, agent: str | None, raw: bytes, send: Any) -> None:
        body = _parse(raw, "anthropic")
        if problem := anthropic_problem(body):
            raise Refused(400, problem)
        if "stream" in body and not isinstance(body["stream"], bool):
            raise Refused(400, "stream: Input should be a valid boolean")
        try:
            messages, tools = messages_from_anthropic(body), tools_from_anthropic(body)
        except (KeyError, TypeError, AttributeError) as exc:
            raise Refused(400, f"Invalid request: {exc}") from None
        turn = await self.backend.call_model(agent, messages, tools,
                                             options=options_from_anthropic(body))
        self._answered += 1
        if body.get("stream") is True:
            from chaos.agents._gateway_stream import anthropic_events

            await send_events(send, anthropic_events(body["model"], turn, self._answered))
        else:
            await send_json(send, 200, anthropic_response(body["model"], turn, self._answered))

    def _models(self, agent: str | None, wire: str, wanted: str | None) -> dict[str, Any]:
        name = self._model_name(agent)
        if wanted is not None and wanted != name:
            raise Refused(404, f"The model `{wanted}` does not exist (this gateway serves "
                                f"`{name}`)", "model_not_found")
        if wire == "anthropic":
            model = {"type": "model", "id": name, "display_name": name,
                     "created_at": "2026-01-01T00:00:00Z"}
            return model if wanted else {"data": [model], "has_more": False,
                                         "first_id": name, "last_id": name}
        model = {"id": name, "object": "model", "created": 1767225600, "owned_by": "chaos"}
        return model if wanted else {"object": "list", "data": [model]}

    def _model_name(self, agent: str | None) -> str:
        named = getattr(self.backend, "model_name", None)
        return str(named(agent)) if callable(named) else "chaos"

    def _authorize(self, headers: dict[str, str], wire: str) -> None:
        bearer = headers.get("authorization", "")
        given = bearer[7:].strip() if bearer[:7].lower() == "bearer " else ""
        given = given or headers.get("x-api-key", "").strip()
        if given and hmac.compare_digest(given.encode(), self._key):
            return
        if wire == "anthropic":
            raise Refused(401, "invalid x-api-key" if given else "x-api-key header is required")
        # Never echo what was sent: it may be a real key sent to the wrong place.
        raise Refused(401, "Incorrect API key provided. Use the episode's gateway key "
                            "(CHAOS_GATEWAY_KEY)." if given else
                       "You didn't provide an API key. You need to provide your API key in an "
                       "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                       "YOUR_KEY): the episode's gateway key (CHAOS_GATEWAY_KEY).")


def _route(method: str, path: str) -> tuple[str, str | None]:
    """The route of a request (`chat`, `responses`, `messages`, `count`, `models`) and model."""
    routes = {"/v1/chat/completions": ("POST", "chat"), "/v1/messages": ("POST", "messages"),
              "/v1/responses": ("POST", "responses"),
              "/v1/messages/count_tokens": ("POST", "count"), "/v1/models": ("GET", "models")}
    wanted = None
    if path.startswith("/v1/models/") and len(path) > len("/v1/models/"):
        path, wanted = "/v1/models", unquote(path[len("/v1/models/"):])
    if path == "/v1/completions" or path.startswith("/v1/responses/"):
        raise Refused(404, f"Invalid URL ({method} {path}): the chaos gateway speaks Chat "
                            "Completions (/v1/chat/completions), Responses (POST "
                            "/v1/responses; it keeps no responses to get, cancel or list) "
                            "and Messages (/v1/messages).")
    if path not in routes:
        raise Refused(404, f"Invalid URL ({method} {path})")
    allowed, name = routes[path]
    if method != allowed:
        raise Refused(405, f"Method {method} not allowed for {path} (use {allowed})")
    return name, wanted


def _count_tokens(raw: bytes) -> dict[str, Any]:
    """Messages' token count: an estimate (four characters a token); no model is called.

    Raises:
        Refused: A request the API refuses (as for `/v1/messages`, which takes `max_tokens`).
    """
    body = _parse(raw, "anthropic")
    if isinstance(body, dict):
        if "max_tokens" in body:
            raise Refused(400, "max_tokens: Extra inputs are not permitted")
        body = {**body, "max_tokens": 1}
    if problem := anthropic_problem(body):
        raise Refused(400, problem)
    shown = {k: body.get(k) for k in ("system", "messages", "tools")}
    return {"input_tokens": max(1, len(json.dumps(shown, ensure_ascii=False)) // 4)}


def _parse(raw: bytes, wire: str) -> Any:
    try:
        body = json.loads(raw)
        if b"\\u" in raw:  # an escape may hold half a surrogate pair: not text, refused
            json.dumps(body, ensure_ascii=False).encode()
        return body
    except (ValueError, RecursionError):
        raise Refused(400, "We could not parse the JSON body of your request. (HINT: This "
                            "likely means you aren't using your HTTP library correctly.)"
                       if wire == "openai" else
                       "There was an issue with the request body: it is not valid JSON") \
            from None


def _openai_gateway_problem(body: dict[str, Any]) -> str | None:
    """What Chat Completions (or this gateway) refuses that the shape checks leave."""
    if body.get("functions") is not None or body.get("function_call") is not None:
        return ("The chaos gateway takes `tools` and `tool_choice`, not the deprecated "
                "`functions` and `function_call`.")
    if "stream" in body and not isinstance(body["stream"], bool | None):
        return f"Invalid type for 'stream': expected a boolean, but got {body['stream']!r}."
    options = body.get("stream_options")
    if options is not None and body.get("stream") is not True:
        return "The 'stream_options' parameter is only allowed when 'stream' is enabled."
    if options is not None and not isinstance(options, dict):
        return "Invalid type for 'stream_options': expected an object."
    usage = (options or {}).get("include_usage")
    if usage is not None and not isinstance(usage, bool):
        return ("Invalid type for 'stream_options.include_usage': expected a boolean, but got "
                f"{usage!r} instead.")
    n = body.get("n")
    if n is not None and n != 1:
        return (f"Invalid 'n': the chaos gateway answers one choice per request (got {n!r}); "
                "leave n unset or 1.")
    return None


async def _provider_error(send: Any, wire: str, exc: ProviderError) -> None:
    """The provider's error as the provider sends it; a timeout as a connection dropped."""
    if exc.status is None:
        await drop_connection(send)
        return
    message = _ERROR_PREFIX.sub("", redact(exc.message), count=1)
    headers = [(b"x-should-retry", b"true" if exc.retryable else b"false")]
    if exc.retry_after_s is not None:
        # Both, as the APIs send them: the SDKs read the milliseconds first.
        headers += [(b"retry-after", f"{exc.retry_after_s:g}".encode()),
                    (b"retry-after-ms", str(round(exc.retry_after_s * 1000)).encode())]
    await send_json(send, exc.status, error_body(wire, exc.status, message), headers)


