"""Record and replay: a run's model exchanges in cassettes (JSONL), answered again later.

Replay needs no network and is deterministic.

A request is known by the hash of what the model saw (model, messages, tools); the cassette
holds the turn it answered, or the provider error it raised. Secrets are masked on the way in.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from chaos._jsonl import dumps_line, read_lines
from chaos._redact import redact
from chaos.errors import InputError
from chaos.models._protocol import ModelRequest, ModelTurn, ProviderError, ToolCall, Usage

__all__ = ["Cassette", "RecordingModel", "ReplayModel", "request_key"]

VERSION = 1


def request_key(model_id: str, request: ModelRequest) -> str:
    """The identity of a request: what the model saw, call ids aside, with secrets masked.

    Masked as the cassette masks the answers it holds: a key the endpoint echoed into the
    conversation while recording reads `[redacted]` on replay, and the requests still match.
    """
    messages = [[m.role, m.content, m.tool_call_id is not None,
                 [[c.name, c.arguments] for c in m.tool_calls]] for m in request.messages]
    tools = [[t.name, t.parameters] for t in request.tools]
    # Options only when asked (the gateway's agents): the built-in chain sends none, and
    # cassettes recorded before options existed keep their keys.
    parts = [model_id, messages, tools, *([dict(request.options)] if request.options else [])]
    text = redact(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str))
    return hashlib.sha256(text.encode()).hexdigest()


def _masked(value: Any) -> Any:
    """`value` with every string in it (keys of objects too) passed through `redact`."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {_masked(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def _turn_record(turn: ModelTurn) -> dict[str, Any]:
    # An endpoint may echo its key anywhere in an answer: text, a call's arguments, its error.
    return _masked({"text": turn.text, "finish_reason": turn.finish_reason,
                    "tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments,
                                    "error": c.error, **({"raw": c.raw} if c.raw else {})}
                                   for c in turn.tool_calls],
                    "usage": [turn.usage.input_tokens, turn.usage.output_tokens]})


def _turn(record: dict[str, Any]) -> ModelTurn:
    return ModelTurn(record["text"], tuple(ToolCall(c["id"], c["name"], c["arguments"],
                                                    c.get("error"), c.get("raw"))
                                           for c in record["tool_calls"]),
                     Usage(*record["usage"]), record["finish_reason"])


class Cassette:
    """One model's exchanges, in a JSONL file (a header line, then one line per exchange).

    Args:
        path: The file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, model_id: str, key: str, record: dict[str, Any]) -> None:
        """Add one exchange (the header first, when the file is new)."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            with self.path.open("a", encoding="utf-8", newline="\n") as handle:
                if new:
                    handle.write(dumps_line({"chaos_cassette": VERSION, "model": model_id})
                                 + "\n")
                handle.write(dumps_line({"key": key, **record}) + "\n")

    def load(self) -> tuple[str, dict[str, dict[str, Any]]]:
        """The recorded model id and the exchanges by key.

        Raises:
            InputError: A missing or unreadable cassette, named with the fix.
        """
        try:
            lines = [line for _, line in read_lines(self.path)]
            header = json.loads(lines[0])
            exchanges = {r["key"]: r for r in map(json.loads, lines[1:])}
        except (OSError, ValueError, IndexError, KeyError) as exc:
            raise InputError(f"cannot read cassette {self.path} ({exc}); --replay takes a run "
                             "recorded with `chaos run ... --record` (its directory or its "
                             "cassettes/ folder), with the same models") from None
        if header.get("chaos_cassette") != VERSION:
            raise InputError(f"{self.path} is not a chaos cassette (version {VERSION})")
        return str(header.get("model")), exchanges


class RecordingModel:
    """Wraps an adapter and writes every exchange it has to a cassette."""

    def __init__(self, inner: Any, cassette: Cassette, model_id: str) -> None:
        self.inner = inner
        self.cassette = cassette
        self.model_id = model_id

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """Answer through the real model, and record the answer (or the error)."""
        key = request_key(self.model_id, request)
        try:
            turn = await self.inner.complete(request)
        except ProviderError as exc:
            self.cassette.append(self.model_id, key, {"error": {
                "message": redact(exc.message), "status": exc.status,
                "retry_after_s": exc.retry_after_s, "retryable": exc.retryable}})
            raise
        self.cassette.append(self.model_id, key, {"turn": _turn_record(turn)})
        return turn

    async def aclose(self) -> None:
        """Close the wrapped adapter."""
        if hasattr(self.inner, "aclose"):
            await self.inner.aclose()


class ReplayModel:
    """Answers from a cassette; a request it lacks is a clear error, never a network call.

    Args:
        cassette: The recording.
        rules: The episode's provider-fault rules: consumed so faults still count as met, but
            their effect is already in the recording.
        model_id: The id to present (the recorded model's, for byte-identical results).
    """

    def __init__(self, cassette: Cassette, rules: Any = None, model_id: str | None = None) -> None:
        recorded, self._exchanges = cassette.load()
        self.cassette = cassette
        self.rules = rules
        self.recorded = recorded
        self.model_id = model_id or recorded

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """The recorded answer to this exact request."""
        if self.rules is not None:
            self.rules.take()
        record = self._exchanges.get(request_key(self.recorded, request))
        if record is None:
            raise ProviderError(
                f"ReplayMiss: {self.cassette.path} has no answer for this request (agent "
                f"{request.agent}, message {len(request.messages)}); the run differs from the "
                "recorded one: record it again with --record")
        if "error" in record:
            error = record["error"]
            raise ProviderError(error["message"], error["status"], error["retry_after_s"],
                                error["retryable"])
        return _turn(record["turn"])
