"""Adapters on the official SDKs: `openai/<model>` and `anthropic/<model>`.

`openai/` reaches any OpenAI-compatible endpoint (OpenAI, OpenRouter, vLLM, Ollama). This module
is imported only when such a model runs.

The SDKs' own retries are off: the chain retries by the profile's policy, in simulated time.
Requests go through an httpx transport the episode may wrap (provider faults act there).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from chaos._redact import redact, remember_secret
from chaos.errors import InputError
from chaos.models._connection_errors import connection_problem, endpoint
from chaos.models._options import anthropic_params, openai_params
from chaos.models._protocol import ModelRequest, ModelTurn, ProviderError
from chaos.models._turns import ANTHROPIC_ID, WireMemory, anthropic_turn, openai_turn
from chaos.models._wire import anthropic_request, openai_request
from chaos.profile import RemoteModelSpec

__all__ = ["AnthropicModel", "OpenAIModel", "api_key",
           "http_module", "key_variable", "lease_transport", "model_transports",
           "release_transport"]

_NO_KEY = "not-needed"


def key_variable(spec: RemoteModelSpec) -> str:
    """The environment variable that holds the model's API key."""
    if spec.api_key_env:
        return spec.api_key_env
    if spec.provider == "anthropic":
        return "ANTHROPIC_API_KEY"
    return "OPENROUTER_API_KEY" if "openrouter" in (spec.base_url or "") else "OPENAI_API_KEY"


def api_key(spec: RemoteModelSpec) -> str:
    """The model's API key, from the environment (local endpoints need none).

    Raises:
        InputError: A hosted endpoint without its key.
    """
    variable = key_variable(spec)
    key = os.environ.get(variable)
    if key:
        remember_secret(key)  # masked everywhere, whatever the variable's name
        return key
    if spec.base_url and spec.provider == "openai":
        return _NO_KEY  # vLLM, Ollama, llama.cpp: no key
    raise InputError(f"model {spec.id} needs an API key: set {variable} (or name another "
                     "variable with api_key_env in the profile)")


def _retry_after(headers: Any) -> float | None:
    try:
        return float(headers.get("retry-after")) if headers is not None else None
    except (TypeError, ValueError):
        return None


def _status_message(exc: Any) -> str:
    """The provider's own words for an HTTP error, whichever shape its error body has."""
    body = exc.body
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        error = error.get("message") or error.get("type")
    if not error and isinstance(body, dict):
        error = body.get("message") or body.get("detail")
    text = error if isinstance(error, str) and error.strip() else exc.message
    return " ".join(str(text).split())


def _provider_error(exc: Exception, sdk: Any, url: str, timeout_s: float,
                    key: str) -> ProviderError:
    """The SDK's (or its transport's) exception as a ProviderError the retry policy reads.

    Everything the endpoint said is masked: a server may echo the key it was sent.
    """
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        message = f"{type(exc).__name__}: {status} {_status_message(exc)}"
        # Masked before it is shortened: a key cut in two would no longer be recognised.
        return ProviderError(_mask(message, key)[:500], status, _retry_after(exc.response.headers),
                             retryable=status in (408, 409, 429) or status >= 500)
    # Anything else between the request and a readable answer is the connection's: refused,
    # unknown host, TLS, a server that hangs up or answers something that is not HTTP/JSON.
    return ProviderError(_mask(connection_problem(exc, url, timeout_s), key), None, None,
                         retryable=True)


def _mask(text: str, key: str) -> str:
    if len(key) >= 4 and key != _NO_KEY:
        text = text.replace(key, "[redacted]")
    return redact(text)


def _max_tokens_name(base_url: str | None) -> str:
    """The name of the output-token limit the endpoint takes.

    OpenAI itself refuses `max_tokens` for its reasoning models and takes
    `max_completion_tokens` for all; compatible servers know `max_tokens`.
    """
    from urllib.parse import urlsplit

    host = urlsplit(base_url).hostname or "" if base_url else "api.openai.com"
    return "max_completion_tokens" if host == "api.openai.com" else "max_tokens"


def http_module() -> Any:
    """The HTTP library the installed SDKs are built on (`httpx2` in current releases)."""
    try:
        import httpx2 as httpx
    except ImportError:  # older SDK releases
        import httpx  # type: ignore[no-redef]
    return httpx


def _aiohttp_transport() -> Any:
    """The SDKs' own aiohttp transport for httpx (their `aiohttp` extra), if installed."""
    import importlib

    for sdk in ("openai", "anthropic"):
        try:
            return importlib.import_module(f"{sdk}._vendor.httpx_aiohttp.transport")
        except ImportError:
            continue
    return None


class _Transports:
    """The HTTP transports of one event loop's run.

    Building a transport costs ~20 ms (its TLS context): an episode must not pay that. With
    the SDKs' `aiohttp` extra installed, every episode shares one aiohttp transport: its C
    HTTP parser and connection pool cost about a third of httpx's per call. Without it, each
    episode in flight leases its own httpx transport, which holds the one connection its
    sequential calls need: one httpx pool shared by 50 episodes scans, and polls, every idle
    connection on each request.
    """

    def __init__(self) -> None:
        self.shared: Any = None
        self.idle: list[Any] = []
        self.all: list[Any] = []

    def lease(self) -> Any:
        if self.shared is None and not self.all and (module := _aiohttp_transport()):
            self.shared = module.AiohttpTransport(limits=http_module().Limits(
                max_connections=None))
            self.all.append(self.shared)
        if self.shared is not None:
            return self.shared
        if not self.idle:
            self.all.append(http_module().AsyncHTTPTransport())
            self.idle.append(self.all[-1])
        return self.idle.pop()

    def release(self, transport: Any) -> None:
        if transport is not self.shared:
            self.idle.append(transport)


_TRANSPORTS: dict[int, _Transports] = {}


@contextlib.asynccontextmanager
async def model_transports() -> AsyncIterator[None]:
    """Keep HTTP transports for the model calls made inside; close them at the end.

    Nested scopes share the outermost one: a run opens it once for all its episodes, and an
    episode run on its own opens it for itself.
    """
    import asyncio

    loop = id(asyncio.get_running_loop())
    if loop in _TRANSPORTS:
        yield
        return
    transports = _TRANSPORTS[loop] = _Transports()
    try:
        yield
    finally:
        del _TRANSPORTS[loop]
        for transport in transports.all:
            await transport.aclose()


def _loop_transports() -> _Transports:
    import asyncio

    try:
        return _TRANSPORTS[id(asyncio.get_running_loop())]
    except KeyError:
        raise RuntimeError("model calls outside `model_transports()`") from None


def lease_transport() -> Any:
    """An HTTP transport for one episode's model calls; give it back with `release_transport`."""
    return _loop_transports().lease()


def release_transport(transport: Any) -> None:
    """Give a leased transport back for the next episode (it stays open)."""
    _loop_transports().release(transport)


_GATES: dict[tuple[int, str, str], Any] = {}


def provider_gate(spec: RemoteModelSpec) -> Any:
    """The semaphore that bounds calls in flight to one provider endpoint (None: unbounded)."""
    import asyncio

    if spec.max_in_flight is None:
        return None
    key = (id(asyncio.get_running_loop()), spec.provider, spec.base_url or "")
    if key not in _GATES:
        _GATES[key] = asyncio.Semaphore(spec.max_in_flight)
    return _GATES[key]


class _Remote:
    """What both adapters share: the spec, the HTTP client, the provider's gate, the call."""

    _path = ""

    def __init__(self, spec: RemoteModelSpec, transport: Any = None) -> None:
        httpx = http_module()
        self.gate = provider_gate(spec)
        self.spec = spec
        self.model_id = spec.id
        self._key = api_key(spec)
        self._http = httpx.AsyncClient(transport=transport or httpx.AsyncHTTPTransport(),
                                       timeout=spec.timeout_s)
        self._sdk: Any = None
        self._client: Any = None
        self._memory = WireMemory("call")

    async def _post(self, body: dict[str, Any]) -> Any:
        """POST `body` with the SDK (its HTTP, auth and errors); the answer's JSON as sent.

        The answer is read by chaos, not cast to the SDK's types: servers answer in shapes
        those types do not hold (object arguments, content as a list of parts).

        Raises:
            ProviderError: An HTTP error status, or the connection failed.
        """
        try:
            # The SDK's low-level post, without re-walking every message through its
            # TypedDict transforms (~10 ms a call).
            async with self.gate or contextlib.nullcontext():
                return await self._client.post(self._path, body=body, cast_to=object)
        except Exception as exc:  # the aiohttp transport lets some of its own errors through
            raise _provider_error(exc, self._sdk, endpoint(self._client.base_url),
                                  self.spec.timeout_s, self._key) from None

    def _read(self, reader: Any, data: Any) -> ModelTurn:
        """The answer as a turn; an error it holds is masked like an HTTP error's."""
        try:
            return reader(data, self._memory)
        except ProviderError as exc:
            raise ProviderError(_mask(exc.message, self._key), exc.status, exc.retry_after_s,
                                exc.retryable) from None

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()


class OpenAIModel(_Remote):
    """Chat Completions through `openai.AsyncOpenAI`."""

    _path = "/chat/completions"

    def __init__(self, spec: RemoteModelSpec, transport: Any = None) -> None:
        import openai

        super().__init__(spec, transport)
        self._sdk = openai
        self._client = openai.AsyncOpenAI(api_key=self._key, base_url=spec.base_url,
                                          max_retries=0, timeout=spec.timeout_s,
                                          http_client=self._http)

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """One Chat Completions call."""
        extra: dict[str, Any] = {_max_tokens_name(self.spec.base_url): self.spec.max_tokens}
        if self.spec.temperature is not None:
            extra["temperature"] = self.spec.temperature
        if self.spec.seed is not None:
            extra["seed"] = self.spec.seed
        # What the agent asked (through the gateway) goes over the profile's settings.
        extra.update(openai_params(request.options, _max_tokens_name(self.spec.base_url),
                                   bool(request.tools)))
        body = {"model": self.spec.model,
                **openai_request(request.messages, request.tools, self._memory), **extra}
        return self._read(openai_turn, await self._post(body))


class AnthropicModel(_Remote):
    """Messages through `anthropic.AsyncAnthropic`."""

    _path = "/v1/messages"

    def __init__(self, spec: RemoteModelSpec, transport: Any = None) -> None:
        import anthropic

        super().__init__(spec, transport)
        self._sdk = anthropic
        self._memory = WireMemory("toolu", ANTHROPIC_ID)
        self._client = anthropic.AsyncAnthropic(api_key=self._key, base_url=spec.base_url,
                                                max_retries=0, timeout=spec.timeout_s,
                                                http_client=self._http)

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """One Messages call."""
        extra: dict[str, Any] = {"max_tokens": self.spec.max_tokens}
        if self.spec.temperature is not None:
            extra["temperature"] = min(1.0, self.spec.temperature)
        extra.update(anthropic_params(request.options, bool(request.tools)))
        body = {"model": self.spec.model,
                **anthropic_request(request.messages, request.tools, self._memory), **extra}
        return self._read(anthropic_turn, await self._post(body))
