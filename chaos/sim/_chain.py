"""The chain runner: agents as simpy processes, tool calls, delegation, the trace."""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Generator
from typing import Any

import simpy
from pydantic import BaseModel, TypeAdapter, ValidationError

from chaos._redact import redact
from chaos.faults import ChainHooks, DelegationFailed
from chaos.models import (
    Message,
    ModelAdapter,
    ModelRequest,
    ModelTurn,
    ProviderError,
    ToolSchema,
)
from chaos.profile import AgentSpec, Profile, shape_text
from chaos.sim._driver import SimDriver
from chaos.sim._latency import draw_latency
from chaos.sim._monitor import FaultMonitor
from chaos.sim._trace import TraceEvent
from chaos.sim._triggers import Event
from chaos.sinks import EpisodeSinks
from chaos.tools import FinishRejected, ToolContext, json_schema, tools
from chaos.world import EpisodeFs

__all__ = ["ChainRunner", "StepLimitReached"]

_EVENT = TypeAdapter(TraceEvent)
TRACE_TEXT_CAP = 8192
#: Most characters of a tool result an agent gets back (a real tool's output is bounded too).
TOOL_TEXT_CAP = 65536


#: Most characters one agent invocation's conversation may hold (its model's text, tool-call
#: arguments and tool results). Several times what the largest model context takes, so no real
#: agent meets it; a model sending megabytes per call would otherwise hold them all in memory
#: (300 writes of 1 MiB: 300 MiB of arguments, ~760 MB of process with a remote model).
CONVERSATION_CAP = 32 * 1024 * 1024


class StepLimitReached(Exception):
    """An agent used its model calls (or its conversation's room) without finishing."""


def _chars(value: Any) -> int:
    """Characters of the strings in a tool call's arguments (no copy, unlike json.dumps)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(len(str(k)) + _chars(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return sum(_chars(v) for v in value)
    return 8


def _cap(text: str) -> str:
    """Trace text: secrets masked, bounded in size."""
    text = redact(text)
    return text if len(text) <= TRACE_TEXT_CAP else text[:TRACE_TEXT_CAP] + " [...]"


def _cap_arguments(value: Any) -> Any:
    """Tool arguments for the trace, every string bounded (a 1 MB write stays out)."""
    if isinstance(value, str):
        return _cap(value)
    if isinstance(value, dict):
        return {str(k)[:200]: _cap_arguments(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cap_arguments(v) for v in value[:1000]]
    return value


class ChainRunner:
    """Runs the profile's agent chain for one episode.

    Args:
        profile: The profile (chain, limits, latencies).
        env: The episode's simpy environment.
        driver: Bridges awaited model calls into simpy.
        fs: The episode's filesystem.
        models: Adapter per agent name.
        monitor: The episode's fault monitor.
        result_model: What the entry agent's `finish` must match.
        latency_rng: Seeded RNG for latencies.
        sinks: Where the episode's outbound tools deliver.
    """

    def __init__(
        self,
        profile: Profile,
        env: simpy.Environment,
        driver: SimDriver,
        fs: EpisodeFs,
        models: dict[str, ModelAdapter],
        monitor: FaultMonitor | None,
        result_model: type[BaseModel],
        latency_rng: Any,
        sinks: EpisodeSinks | None = None,
    ) -> None:
        self.profile = profile
        self.env = env
        self.driver = driver
        self.fs = fs
        self.models = models
        self.monitor = monitor
        self._result_model = result_model
        self.latency_rng = latency_rng
        self.sinks = sinks
        self.hooks = ChainHooks()
        self.prices: dict[str, Any] = {}
        self.cost_usd = 0.0
        self.model_calls = 0
        self.trace: list[Any] = []
        self.issues: list[Any] = []
        self.final: dict[str, Any] | None = None
        self.usage = [0, 0]
        self._invocations: dict[str, int] = {}

    # -- trace -----------------------------------------------------------------------------
    def emit(self, event_type: str, /, **fields: Any) -> Any:
        """Append a typed event stamped with simulated time and sequence number."""
        event = _EVENT.validate_python(
            {"type": event_type, "seq": len(self.trace), "t_ms": int(self.env.now), **fields}
        )
        self.trace.append(event)
        return event

    # -- ChainServices ---------------------------------------------------------------------
    def record_issue(self, agent: str, severity: str, summary: str, paths: list[str]) -> int:
        """Record a report_issue signal."""
        number = len(self.issues) + 1
        self.issues.append(
            self.emit(
                "issue_reported",
                agent=agent,
                number=number,
                severity=severity,
                summary=_cap(summary),
                paths=[str(p) for p in paths],
            )
        )
        return number

    def delegate(self, agent: str, to: str, task: str) -> Generator[Any, Any, str]:
        """Run sub-agent `to` and return its answer as text (errors as text, too).

        Chain faults act here, on the task handed over and on the answer handed back.
        """
        if self.monitor is not None:
            self.monitor.on_event(Event("delegation", agent, to=to), int(self.env.now))
        try:
            for hook in self.hooks.on_task:
                task = hook(agent, to, task)
            answer = yield self.env.process(self.run_agent(to, task, parent=agent))
            text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
            for hook in self.hooks.on_answer:
                text = hook(agent, to, text)
        except StepLimitReached as exc:
            return f"error: agent '{to}' stopped without an answer: {exc}"
        except DelegationFailed as exc:
            delay, self.hooks.delay_ms = self.hooks.delay_ms, 0
            yield self.env.timeout(delay)
            return f"error: {exc}"
        return text

    def sleep(self, ms: int) -> Generator[Any, Any, None]:
        """Let simulated time pass."""
        yield self.env.timeout(ms)

    def await_(self, awaitable: Awaitable[Any]) -> simpy.Event:
        """Wait for real I/O (an SMTP conversation) while other episodes go on."""
        return self.driver.await_(awaitable)

    def result_model(self, agent: str) -> type[BaseModel] | None:
        """The entry agent answers with the task's schema; sub-agents answer freely."""
        return self._result_model if agent == self.profile.chain.entry else None

    # -- agents ----------------------------------------------------------------------------
    def schemas(self, name: str, spec: AgentSpec) -> tuple[ToolSchema, ...]:
        """The tools agent `name` is offered, as its model sees them."""
        out = []
        for tool_name in spec.tools:
            definition = tools.get(tool_name)
            parameters = json_schema(definition.args)
            if tool_name == "delegate" and spec.delegates_to:
                parameters = copy.deepcopy(parameters)
                agent = parameters["properties"]["agent"]
                agent["enum"] = list(spec.delegates_to)
                # Which sub-agent finds, checks, sends or writes: for real and scripted models.
                agent["description"] += ". " + shape_text(self.profile.chain, name)
            if tool_name == "finish" and (model := self.result_model(name)) is not None:
                parameters = {
                    "type": "object",
                    "properties": {"result": json_schema(model)},
                    "required": ["result"],
                    "additionalProperties": False,
                }
            out.append(definition.schema(parameters))
        return tuple(out)

    def _system(self, name: str, spec: AgentSpec) -> str:
        text = spec.instructions.strip()
        if spec.delegates_to:
            text += f"\nYou can delegate to: {', '.join(spec.delegates_to)}."
        return text + "\nWork only through your tools. End by calling finish."

    def _call_model(self, name: str, invocation: str, request: ModelRequest,
                    attempts: int | None = None) -> Generator[Any, Any, ModelTurn]:
        """One model call, retried by the profile's policy in simulated time.

        Args:
            name: The agent.
            invocation: Its invocation (`editor#2`).
            request: What the model is asked.
            attempts: How many attempts (None: the profile's retry policy). The gateway makes
                one: the agent's own client retries, as it would against the provider.

        Raises:
            ProviderError: When the error is not retryable or the attempts run out.
        """
        retry = self.profile.limits.retry
        attempts = retry.attempts if attempts is None else attempts
        for attempt in range(1, attempts + 1):
            try:
                turn = yield self.driver.await_(self.models[name].complete(request))
                if self.monitor is not None:
                    self.monitor.after_model(name, len(self.trace), int(self.env.now))
                return turn
            except ProviderError as exc:
                if self.monitor is not None:
                    self.monitor.after_model(name, len(self.trace), int(self.env.now))
                last = attempt == attempts or not exc.retryable
                wait = min(retry.max_backoff_ms, retry.backoff_ms * 2 ** (attempt - 1))
                if exc.retry_after_s is not None:
                    wait = max(wait, round(exc.retry_after_s * 1000))
                self.emit("model_failed", agent=name, invocation=invocation, attempt=attempt,
                          status=exc.status, error=_cap(str(exc)),
                          retry_in_ms=None if last else wait)
                if last:
                    raise
                yield self.env.timeout(wait)
        raise AssertionError("unreachable")

    def model_step(self, name: str, invocation: str, step: int, request: ModelRequest,
                   attempts: int | None = None) -> Generator[Any, Any, ModelTurn]:
        """One model turn of an agent: the call, its simulated latency, usage, cost, trace.

        Raises:
            ProviderError: When the call fails for good (see `_call_model`).
        """
        if self.monitor is not None:
            self.monitor.on_event(Event("model_call", name), int(self.env.now))
        turn: ModelTurn = yield from self._call_model(name, invocation, request, attempts)
        latency = draw_latency(self.profile.limits.model_latency, self.latency_rng)
        yield self.env.timeout(latency)
        self.model_calls += 1
        self.usage[0] += turn.usage.input_tokens
        self.usage[1] += turn.usage.output_tokens
        price = self.prices.get(name)
        if price is not None:
            self.cost_usd += (turn.usage.input_tokens * price.input_per_mtok
                              + turn.usage.output_tokens * price.output_per_mtok) / 1e6
        self.emit(
            "model_called",
            agent=name,
            invocation=invocation,
            step=step,
            latency_ms=latency,
            text=_cap(turn.text),
            tool_calls=[c.name for c in turn.tool_calls],
            finish_reason=turn.finish_reason,
            input_tokens=turn.usage.input_tokens,
            output_tokens=turn.usage.output_tokens,
        )
        return turn

    def run_agent(
        self, name: str, task: str, parent: str | None = None
    ) -> Generator[Any, Any, Any]:
        """One agent invocation as a simpy process; returns its answer.

        Raises:
            StepLimitReached: When it uses its step limit without finishing.
        """
        spec = self.profile.chain.agents[name]
        count = self._invocations[name] = self._invocations.get(name, 0) + 1
        invocation = f"{name}#{count}"
        schemas = self.schemas(name, spec)
        messages = [Message("system", self._system(name, spec)), Message("user", task)]
        self.emit(
            "agent_started", agent=name, invocation=invocation, parent=parent, task=_cap(task)
        )
        limit = self.profile.limits.steps_per_agent
        held = len(messages[0].content) + len(task)
        for step in range(1, limit + 1):
            if held > CONVERSATION_CAP:
                self.emit("agent_finished", agent=name, invocation=invocation,
                          status="step_limit")
                raise StepLimitReached(
                    f"its conversation passed {CONVERSATION_CAP // 2**20} MiB of text and "
                    f"tool-call arguments after {step - 1} model calls (no model context holds "
                    "that much)")
            request = ModelRequest(invocation, name, tuple(messages), schemas)
            turn: ModelTurn = yield from self.model_step(name, invocation, step, request)
            messages.append(Message("assistant", turn.text, turn.tool_calls))
            held += len(turn.text or "") + sum(_chars(c.arguments) for c in turn.tool_calls)
            if not turn.tool_calls:
                if name != self.profile.chain.entry:
                    self.emit(
                        "agent_finished",
                        agent=name,
                        invocation=invocation,
                        status="finished",
                        answer=_cap(turn.text),
                    )
                    return turn.text
                messages.append(Message("user", "Call finish with your final answer."))
                continue
            for call in turn.tool_calls:
                text, finished, answer = yield from self.run_tool(name, invocation, spec, call)
                messages.append(Message("tool", text, tool_call_id=call.id, name=call.name))
                held += len(text)
                if finished:
                    self.emit(
                        "agent_finished",
                        agent=name,
                        invocation=invocation,
                        status="finished",
                        answer=answer,
                    )
                    if name == self.profile.chain.entry and parent is None:
                        self.final = answer
                    return answer
        self.emit("agent_finished", agent=name, invocation=invocation, status="step_limit")
        raise StepLimitReached(f"step limit of {limit} model calls reached")

    def run_tool(
        self, agent: str, invocation: str, spec: AgentSpec, call: Any
    ) -> Generator[Any, Any, tuple[str, bool, Any]]:
        """Run one tool call of `agent`: (the text it gets back, whether it finished, answer).

        Faults see the call before and after, the trace records both ends, and simulated tool
        latency passes. Tool errors come back as text, as the agent would read them.
        """
        self.emit(
            "tool_called",
            agent=agent,
            invocation=invocation,
            call_id=call.id,
            tool=call.name,
            arguments=_cap_arguments(call.arguments),
        )
        if self.monitor is not None:
            self.monitor.before_tool(agent, call.name, call.arguments, int(self.env.now))
        finished, answer, ok = False, None, True
        if call.error is not None:
            text, ok = f"error: {call.error}", False
        elif call.name not in spec.tools:
            text, ok = (
                (f"error: unknown tool '{call.name}' (your tools: {', '.join(spec.tools)})"),
                False,
            )
        else:
            definition = tools.get(call.name)
            try:
                args = definition.args.model_validate(call.arguments)
                ctx = ToolContext(agent, self.fs, self, tuple(spec.delegates_to), self.sinks)
                output = definition.run(ctx, args)
                text = (yield from output) if not isinstance(output, str) else output
                if call.name == "finish":
                    finished, answer = True, ctx.answer
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
                )
                text, ok = f"error: invalid arguments for {call.name}: {problems}", False
            except FinishRejected as exc:
                text, ok = str(exc), False
            except OSError as exc:
                text, ok = str(exc), False
            except ValueError as exc:
                text, ok = f"error: {exc}", False
            ok = ok and not text.startswith("error:")
        if len(text) > TOOL_TEXT_CAP:
            text = text[:TOOL_TEXT_CAP] + f" [... {len(text) - TOOL_TEXT_CAP} more characters]"
        if call.name != "delegate":
            # Slow storage adds its own simulated latency to the call.
            latency = draw_latency(self.profile.limits.tool_latency, self.latency_rng)
            yield self.env.timeout(latency + self.fs.take_delay())
        if self.monitor is not None:
            self.monitor.after_tool(agent, call.name, call.id, len(self.trace), int(self.env.now))
        self.emit(
            "tool_returned",
            agent=agent,
            invocation=invocation,
            call_id=call.id,
            tool=call.name,
            ok=ok,
            result=_cap(text),
        )
        return text, finished, answer
