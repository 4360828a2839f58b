"""Transport errors said plainly: `cannot connect to http://127.0.0.1:9/v1 (connection refused)`.

The SDKs name transport failures after their own classes, and their aiohttp transport maps
every connection error to a connect *timeout* ("APITimeoutError ... ssl:default" for a refused
plain-HTTP connection). What happened is at the bottom of the exception chain (an `OSError`, an
`ssl.SSLError`, the HTTP parser's complaint): this module reads it there, the same way for both
SDKs and both transports (httpx, aiohttp).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from chaos._redact import redact

__all__ = ["connection_problem", "endpoint"]


def endpoint(url: Any) -> str:
    """`url` as it can be shown: no credentials, query or fragment, no trailing slash."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = host + (f":{parts.port}" if parts.port else "")
        shown = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        shown = str(url).split("?")[0]
    return redact(shown.rstrip("/"))


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(out) < 16 and all(seen is not e for e in out):
        out.append(seen)
        seen = seen.__cause__ or seen.__context__
    return out


def _names(chain: list[BaseException]) -> set[str]:
    return {cls.__name__ for e in chain for cls in type(e).__mro__}


def _first(chain: list[BaseException], kind: type[BaseException]) -> Any:
    """The deepest exception of `kind`: the one the operating system or ssl raised.

    (aiohttp's own errors subclass `ssl.SSLError` and `OSError` without their fields.)
    """
    return next((e for e in reversed(chain) if isinstance(e, kind)), None)


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__


def connection_problem(exc: BaseException, url: str, timeout_s: float) -> str:
    """What went wrong between chaos and the endpoint at `url`, in one plain sentence.

    Args:
        exc: The SDK's exception (its cause chain holds the transport's).
        url: The endpoint, as `endpoint()` shows it.
        timeout_s: The timeout of one call (for a timeout's message).
    """
    chain = _chain(exc)
    names = _names(chain)
    if (cert := _first(chain, ssl.SSLCertVerificationError)) is not None:
        why = getattr(cert, "verify_message", None) or getattr(cert, "reason", None) \
            or _detail(cert)
        return f"cannot connect to {url} (TLS certificate not accepted: {why})"
    if (tls := _first(chain, ssl.SSLError)) is not None:
        why = getattr(tls, "reason", None) or _detail(tls)
        hint = ("; the server speaks plain HTTP: use http://"
                if why in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST")
                else "")
        return f"cannot connect to {url} (TLS handshake failed: {why}{hint})"
    if (dns := _first(chain, socket.gaierror)) is not None:
        return f"cannot connect to {url} (host name not found: {dns.strerror or _detail(dns)})"
    if _first(chain, ConnectionRefusedError) is not None:
        return f"cannot connect to {url} (connection refused)"
    if _first(chain, ConnectionResetError) is not None:
        return f"lost the connection to {url} (reset by the server before it answered)"
    if names & {"ServerDisconnectedError", "BrokenPipeError", "ConnectionAbortedError"} or any(
            "disconnected" in str(e).lower() for e in chain):
        return f"lost the connection to {url} (the server closed it without answering)"
    if names & {"UnsupportedProtocol", "InvalidURL", "InvalidUrlClientError",
                "NonHttpUrlClientError"}:
        return (f"cannot connect to {url} (not a URL chaos can call: base_url must start with "
                "http:// or https://)")
    if (body := _first(chain, json.JSONDecodeError)) is not None:
        return f"{url} answered with a body that is not JSON ({body.msg})"
    if names & {"BadStatusLine", "LocalProtocolError", "RemoteProtocolError",
                "HttpProcessingError", "ClientResponseError", "TransferEncodingError",
                "ContentLengthError", "ClientPayloadError"}:
        why = _detail(next(e for e in reversed(chain) if type(e).__name__ in names))
        return f"{url} answered with something that is not valid HTTP ({why})"
    if names & {"TimeoutError", "TimeoutException", "ServerTimeoutError", "SocketTimeoutError",
                "ConnectionTimeoutError"}:
        if names & {"ConnectTimeout", "ConnectionTimeoutError"} and not names & {
                "ReadTimeout", "SocketTimeoutError", "WriteTimeout", "PoolTimeout"}:
            return f"cannot connect to {url} (no answer to the connection within {timeout_s:g} s)"
        return f"no answer from {url} within {timeout_s:g} s (timed out)"
    if (error := next((e for e in chain if isinstance(e, OSError) and e.errno), None)):
        return f"cannot connect to {url} ({os.strerror(error.errno).lower()})"
    deepest = chain[-1]
    return f"cannot reach {url} ({type(deepest).__name__}: {_detail(deepest)})"
