"""The model gateway's HTTP plumbing, in plain ASGI.

Bodies in (bounded), JSON and server-sent events out, and a connection dropped without an
answer.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

__all__ = ["Refused", "drop_connection", "lifespan", "read_body", "send_events", "send_json"]


class Refused(Exception):
    """A request answered with an error before it reaches the model."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


async def read_body(receive: Any, limit: int) -> bytes | None:
    """The request body (None when the client disconnected first).

    Raises:
        Refused: More than `limit` bytes (413).
    """
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"Request too large: the gateway takes at most "
                                f"{limit // 2**20} MiB per request")
        parts.append(chunk)
        if not message.get("more_body"):
            return b"".join(parts)


async def send_json(send: Any, status: int, body: Any,
                headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body).encode()  # ASCII: a lone surrogate a model sent cannot break it
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
        *headers]})
    await send({"type": "http.response.body", "body": data})


async def send_events(send: Any, events: Iterable[bytes]) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]})
    for event in events:
        await send({"type": "http.response.body", "body": event, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


#: Set while a connection is dropped on purpose: the server's complaint about it is not news.
_DROPPING: ContextVar[bool] = ContextVar("chaos_gateway_dropping", default=False)


class _QuietDrops(logging.Filter):
    """Leaves out uvicorn's "returned without completing response" for dropped connections."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _DROPPING.get()


_QUIET = _QuietDrops()


async def drop_connection(send: Any) -> None:
    """Close the connection without a byte of answer, as a server that timed out or crashed.

    ASGI has no message for this; a response start the server must refuse does it: uvicorn
    (both its HTTP implementations) validates header names before writing anything, and
    closes the connection when the app returns without a response. It logs an error then,
    from the same task: left out here, or every `model.timeout` would print one.
    """
    server_log = logging.getLogger("uvicorn.error")
    if _QUIET not in server_log.filters:
        server_log.addFilter(_QUIET)
    _DROPPING.set(True)  # this request's task only
    with contextlib.suppress(Exception):  # the refusal is the point: nothing went out
        await send({"type": "http.response.start", "status": 504,
                    "headers": [(b"connection dropped", b"by chaos")]})


async def lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
