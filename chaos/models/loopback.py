"""A real HTTP server on 127.0.0.1 speaking OpenAI's and Anthropic's wire formats.

It answers Chat Completions and Messages requests from a scripted policy, after checking each
request as strictly as the real APIs document (`chaos.models._wire_checks`): a request they
would refuse gets their 400 and error body, and is counted in `refusals`. A `reshape` hook
lets tests answer in any shape a real provider or compatible server uses.

The model name in a request picks the policy (`careful`, `naive`...), so `openai/careful` with
`base_url: http://127.0.0.1:PORT/v1`, or `anthropic/careful` with `base_url:
http://127.0.0.1:PORT`, runs the real SDK, over real HTTP, against a known reference agent. The
tests and the concurrency benchmark use it; it needs no key and reaches no network.
`aliases={"cheap-careful": "careful"}` serves a policy under another model name too (answers
name the model asked for), so one run can hold several priced models of one behaviour, as in
`python -m chaos.models.loopback --alias cheap-careful=careful`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chaos.models._protocol import ModelTurn, ToolCall, Usage
from chaos.models._wire import (
    anthropic_response,
    messages_from_anthropic,
    messages_from_openai,
    openai_response,
    tools_from_anthropic,
    tools_from_openai,
)
from chaos.models._wire_checks import Issued, anthropic_problem, openai_problem
from chaos.models._wire_errors import error_body
from chaos.models.scripted import ScriptedModel, policies

__all__ = ["LoopbackServer", "Reshape"]

#: `reshape(provider, request, answer)`: the answer to send instead (a JSON body, or a
#: `(status, body)` pair with raw bytes or JSON), or None to send `answer` as it is.
Reshape = Callable[[str, dict[str, Any], dict[str, Any]], Any]


_MODELS: dict[str, ScriptedModel] = {}


def _answer(policy: str, messages: Any, tools: Any) -> ModelTurn:
    model = _MODELS.setdefault(policy, ScriptedModel(policy, memo=True))
    call = model.next_call(messages, tools, "remote")
    size = sum(len(m.content) for m in messages)
    if call is None:
        return ModelTurn(text="done", usage=Usage(size // 4, 1))
    # Unique ids, as real APIs issue them, and the same for the same conversation (no clock).
    seen = json.dumps([[m.role, m.content, m.tool_call_id] for m in messages])
    turns = sum(1 for m in messages if m.role == "assistant")
    calls = (ToolCall(f"call_{turns + 1}_{hashlib.sha256(seen.encode()).hexdigest()[:16]}",
                      call[0], call[1]),)
    return ModelTurn(tool_calls=calls, usage=Usage(size // 4, len(json.dumps(call[1])) // 4),
                     finish_reason="tool_calls")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs do
    disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms ACK stalls
    _due = 0.0  # when the answer leaves (monotonic seconds)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: requests carry keys in their headers, and nothing here is worth a log."""

    def _send(self, status: int, body: Any) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        # A remote model's latency includes its own work: the answer leaves `delay_s` after
        # the request arrived, however long computing it took.
        time.sleep(max(0.0, self._due - time.monotonic()))
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        self._due = time.monotonic() + self.server.delay_s
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        number = self.server.count()
        model = str(body.get("model", ""))
        openai = self.path.rstrip("/").endswith("/chat/completions")
        anthropic = self.path.rstrip("/").endswith("/messages")
        wire = "openai" if openai else "anthropic"
        if not (openai or anthropic):
            self._send(404, error_body("openai", 404, f"no route {self.path}"))
            return
        policy = self.server.aliases.get(model, model)
        if policy not in policies:
            message = f"The model `{model}` does not exist (scripted policies: "
            message += ", ".join(policies.names())
            if self.server.aliases:
                message += "; aliases: " + ", ".join(sorted(self.server.aliases))
            message += ")"
            self._send(404, error_body(wire, 404, message, "model_not_found"))
            return
        check = openai_problem if openai else anthropic_problem
        if problem := check(body, self.server.issued):
            self.server.refuse(problem)
            self._send(400, error_body(wire, 400, problem))
            return
        try:
            if openai:
                turn = _answer(policy, messages_from_openai(body), tools_from_openai(body))
                answer = openai_response(model, turn, number)
            else:
                turn = _answer(policy, messages_from_anthropic(body),
                               tools_from_anthropic(body))
                answer = anthropic_response(model, turn, number)
        except Exception as exc:  # a policy's bug: answered as a real API's 500, not a hang-up
            message = f"the scripted policy {policy} failed: {type(exc).__name__}: {exc}"
            self._send(500, error_body(wire, 500, message))
            return
        status, sent = 200, answer
        if self.server.reshape is not None:
            shaped = self.server.reshape("openai" if openai else "anthropic", body, answer)
            if shaped is not None:
                status, sent = shaped if isinstance(shaped, tuple) else (200, shaped)
        if status == 200:
            (self.server.issued.record_openai if openai else
             self.server.issued.record_anthropic)(sent)
        self._send(status, sent)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connects under load, and clients wait a second
    # to retry: far from a real API's behaviour.
    request_queue_size = 1024

    def __init__(self, delay_s: float, reshape: Reshape | None = None,
                 aliases: dict[str, str] | None = None, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.delay_s = delay_s
        self.aliases = dict(aliases or {})
        self.reshape = reshape
        self.requests = 0
        self.refusals: list[str] = []
        self.issued = Issued()
        self._lock = threading.Lock()

    def refuse(self, problem: str) -> None:
        with self._lock:
            self.refusals.append(problem)

    def count(self) -> int:
        with self._lock:
            self.requests += 1
            return self.requests


class LoopbackServer:
    """Serve both wire formats on an ephemeral loopback port.

    Args:
        delay_s: Wall-clock time each call takes (to stand in for a remote model).
        reshape: Rewrites each answer before it leaves (see `Reshape`).
        aliases: Model names served by a scripted policy: `{"cheap-careful": "careful"}`
            answers requests for `cheap-careful` as `careful` does (a priced stand-in).

    Raises:
        ValueError: An alias names no scripted policy.
    """

    def __init__(self, delay_s: float = 0.0, reshape: Reshape | None = None,
                 aliases: dict[str, str] | None = None) -> None:
        _check_aliases(aliases or {})
        self._server = _Server(delay_s, reshape, aliases)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The bound port."""
        return self._server.server_address[1]

    @property
    def openai_base_url(self) -> str:
        """`base_url` for OpenAI-compatible models."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """`base_url` for Anthropic models."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> int:
        """Requests served so far."""
        return self._server.requests

    @property
    def refusals(self) -> list[str]:
        """The requests refused as the real API would (its error messages), in order."""
        return list(self._server.refusals)

    def start(self) -> LoopbackServer:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _check_aliases(aliases: dict[str, str]) -> None:
    for name, policy in sorted(aliases.items()):
        if policy not in policies:
            raise ValueError(f"alias {name}={policy}: no scripted policy {policy!r} (policies: "
                             f"{', '.join(policies.names())})")


def _finite_delay(text: str) -> float:
    """DELAY_S: a finite number of seconds, at least 0 (nan would never answer)."""
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a finite number of seconds, at "
                                         "least 0, such as 0.2")
    return value


def serve(argv: list[str] | None = None) -> None:
    """`python -m chaos.models.loopback [DELAY_S] [--port N] [--alias NAME=POLICY]...`.

    Serves until killed, in its own process, on `--port` (default: any free one). Prints the
    port on its first line, so a parent process (a benchmark) can connect.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m chaos.models.loopback")
    parser.add_argument("delay_s", nargs="?", type=_finite_delay, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--alias", action="append", default=[], metavar="NAME=POLICY")
    args = parser.parse_args(argv)
    aliases = {}
    for alias in args.alias:
        name, sep, policy = alias.partition("=")
        if not sep or not name:
            parser.error(f"--alias {alias}: write NAME=POLICY, e.g. cheap-careful=careful")
        aliases[name] = policy
    try:
        _check_aliases(aliases)
    except ValueError as exc:
        parser.error(str(exc))
    server = _Server(args.delay_s, aliases=aliases, port=args.port)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve()
