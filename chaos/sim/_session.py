"""One episode's world, open to any client: the built-in chain, an MCP client, a model gateway.

The session holds what an episode is made of — the world's filesystem, the sinks, the planned
faults and their monitor, the models behind provider faults, the simulated clock and the trace —
and lets clients act on it: the built-in chain runs as a simpy process (`run_chain`); a team's
own agent calls tools (`call_tool`, what the MCP server serves) and models (`call_model`, what
the model gateway serves) from outside. Every call goes through the same `ChainRunner` code as
the built-in chain's, so faults fire, taints are recorded and the trace reads the same. `close`
judges the end state with the same oracle, whoever acted.

Calls from outside are taken one at a time, in the order they arrive: simulated time moves by
each call's own latency, as in a chain whose agents act in turn.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simpy

from chaos._clock import sim_seconds
from chaos._redact import redact
from chaos._seeding import derive_rng
from chaos.mail import MailServer
from chaos.models import Message, ModelTurn, ProviderError, ToolCall, ToolSchema, model_spec
from chaos.models._faults import ModelFaultRules
from chaos.profile import AgentSpec, Profile
from chaos.sim._chain import ChainRunner, StepLimitReached, _cap
from chaos.sim._driver import DeadlineExceeded, SimDriver
from chaos.sim._monitor import FaultMonitor
from chaos.sim._plan import EpisodePlan
from chaos.sinks import EpisodeSinks
from chaos.tasks import task_kinds
from chaos.world import World, materialize_world

__all__ = ["EpisodeSession", "ToolOutcome", "UNION_EXCLUDES"]

#: Tools the all-tools set leaves out: it stands for the whole chain done by one outside
#: agent, which hands work over in its own way (an agent's own set keeps its `delegate`).
UNION_EXCLUDES = frozenset({"delegate"})


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool call gave back.

    Attributes:
        text: The text the agent reads (a result, or an error as the built-in chain words it).
        ok: False when the call failed (an error text, a fault, a refused answer).
        finished: True when it was an accepted `finish`.
    """

    text: str
    ok: bool
    finished: bool = False


class EpisodeSession:
    """One episode, built and waiting for its clients.

    Args:
        plan: What to run.
        profile: The profile.
        world: The world of the plan's seed (shared, never modified).
        mail: The process's mail server, when the chain can send mail.
        record: A folder to write each model's exchanges to (a cassette per model).
        replay: A folder of cassettes to answer every model from.
        only_faults: Inject only the faults with these ids (None: all).
    """

    def __init__(self, plan: EpisodePlan, profile: Profile, world: World,
                 mail: MailServer | None = None, record: Path | None = None,
                 replay: Path | None = None,
                 only_faults: Collection[str] | None = None) -> None:
        from chaos.sim._episode import model_adapter, plan_faults

        self.plan = plan
        self.profile = profile
        self.world = world
        self.only_faults = only_faults
        # Closures below see `env` and `monitor`, never `self`: a session must not sit in a
        # reference cycle, or each finished episode waits for a full garbage collection.
        self.env = env = simpy.Environment()
        self.driver = SimDriver(env)
        self.fs = materialize_world(world, profile.limits.disk_quota_mb * 1024 * 1024)
        self.fs.clock = lambda: sim_seconds(int(env.now))
        self.task = task_kinds.get(profile.task.kind)()
        self.adapters: dict[str, Any] = {}
        self.provider_faults = ModelFaultRules()
        models, prices = {}, {}
        for name, agent in profile.chain.agents.items():
            spec = model_spec(agent.model or plan.model, profile.models)
            if spec.id not in self.adapters:
                self.adapters[spec.id] = model_adapter(spec, self.provider_faults, record, replay)
            models[name] = self.adapters[spec.id]
            prices[name] = getattr(spec, "price", None)
        self.task_params = self.task.params_of(profile.task)
        self.facts = self.task.facts(world, self.task_params)
        self.faults = plan_faults(profile, world, plan.seed, only_faults, self.facts) \
            if plan.arm == "chaos" else []
        self.sinks = EpisodeSinks(plan.key, lambda: int(env.now), mail)
        self.runner = ChainRunner(profile, self.env, self.driver, self.fs, models, None,
                                  self.task.Result,
                                  derive_rng(profile.name, plan.seed, plan.arm, "latency"),
                                  self.sinks)
        self.runner.prices = prices
        self.monitor = monitor = FaultMonitor(self.faults, world, self.fs, self.runner.emit,
                                    self.sinks.smtp_rules, self.runner.hooks,
                                    self.provider_faults, self.facts, self.sinks.upload_rules)
        self.runner.monitor = self.monitor
        #: Why the episode stopped taking calls (a crash reason), once it has.
        self.ended: str | None = None
        #: Set once the entry agent's answer is in, or the episode has ended.
        self.done = asyncio.Event()
        self._lock = asyncio.Lock()
        self._open: dict[str, str] = {}  # outside agent -> its invocation in progress
        self._model_calls = 0
        self._tool_calls = 0
        self._closed = False
        #: The task text the entry agent is told.
        self.brief = ""
        self.runner.emit("episode_started", key=plan.key, model=plan.model, seed=plan.seed,
                         arm=plan.arm)
        try:
            monitor.start(0)
            for at_ms, active in monitor.timed():
                env.process(_at(env, at_ms, lambda a=active: monitor.at_time(a, int(env.now))))
            self.brief = self.task.brief(world, self.task_params, profile.task.prompt)
        except Exception as exc:  # a seed's world the task cannot be set in: this episode only
            if os.environ.get("CHAOS_DEBUG"):
                raise
            self.end(f"{type(exc).__name__}: {exc}")

    # -- what clients see ------------------------------------------------------------------
    @property
    def entry(self) -> str:
        """The entry agent: whose `finish` is the episode's answer."""
        return self.profile.chain.entry

    @property
    def agents(self) -> tuple[str, ...]:
        """The chain's agent names, entry first."""
        names = list(self.profile.chain.agents)
        return (self.entry, *[n for n in names if n != self.entry])

    def agent_spec(self, agent: str | None) -> tuple[str, AgentSpec]:
        """The name calls are recorded under and the tools offered, for `agent`.

        None stands for the whole chain done by one outside agent: recorded as the entry
        agent, offered every tool of the chain but `UNION_EXCLUDES`, in the chain's order.

        Raises:
            KeyError: An agent the chain does not have.
        """
        if agent is not None:
            return agent, self.profile.chain.agents[agent]
        seen: dict[str, None] = {}
        for name in self.agents:
            for tool in self.profile.chain.agents[name].tools:
                if tool not in UNION_EXCLUDES:
                    seen.setdefault(tool)
        entry = self.profile.chain.agents[self.entry]
        return self.entry, entry.model_copy(update={"tools": list(seen), "delegates_to": []})

    def model_name(self, agent: str | None = None) -> str:
        """The id of the model that answers `agent`'s calls (its own, or the run's)."""
        _name, spec = self.agent_spec(agent)
        return spec.model or self.plan.model

    def tool_schemas(self, agent: str | None = None) -> tuple[ToolSchema, ...]:
        """The tools `agent` is offered (see `agent_spec`), exactly as the built-in chain's."""
        name, spec = self.agent_spec(agent)
        return self.runner.schemas(name, spec)

    # -- the built-in chain ------------------------------------------------------------------
    async def run_chain(self) -> None:
        """Run the profile's own chain on the brief, to its end (a crash is kept in `ended`)."""
        if self.ended is not None:
            return
        process = self.env.process(self.runner.run_agent(self.entry, self.brief))
        await self._drive(process)
        self.done.set()

    # -- outside clients ---------------------------------------------------------------------
    async def call_tool(self, agent: str | None, name: str, arguments: Any,
                        call_id: str | None = None) -> ToolOutcome:
        """Run one tool call from an outside agent, as the built-in chain runs it.

        Args:
            agent: The chain agent acting (None: the whole chain, see `agent_spec`).
            name: The tool.
            arguments: Its arguments (validated by the tool, as for a model's call).
            call_id: The client's id for the call (one is made when None).
        """
        async with self._lock:
            if refused := self._refusal(agent, [name, call_id, arguments]):
                return ToolOutcome(refused, False)
            who, spec = self.agent_spec(agent)
            invocation = self._invocation(who, agent)
            self._tool_calls += 1
            call = ToolCall(call_id or f"call_{self._tool_calls}", name,
                            arguments if isinstance(arguments, dict) else {},
                            None if isinstance(arguments, dict) or arguments is None else
                            "arguments must be a JSON object")
            process = self.env.process(self.runner.run_tool(who, invocation, spec, call))
            if not await self._drive(process):
                return ToolOutcome(f"error: the episode is over: {self.ended}", False)
            text, finished, answer = process.value
            if finished:
                self._finish(who, invocation, answer, outermost=agent is None or who == self.entry)
            return ToolOutcome(text, not _failed(self.runner.trace), finished)

    async def call_model(self, agent: str | None, messages: Sequence[Message],
                         tools: Sequence[ToolSchema],
                         options: Mapping[str, Any] | None = None) -> ModelTurn:
        """One model call from an outside agent, to the model under test, faults between.

        One attempt: the agent's own client retries, as it would against the provider.
        `options` (max_tokens, temperature...: see `ModelRequest.options`) go to a remote
        model; scripted ones ignore them.

        Raises:
            ProviderError: The provider's (or a provider fault's) error, to pass on as is.
        """
        async with self._lock:
            if self._closed or self.ended is not None:
                raise ProviderError(f"the episode is over: {self.ended or 'it is judged'}",
                                    409)
            who, _spec = self.agent_spec(agent)
            self._model_calls += 1
            limit = self.profile.limits.steps_per_agent * len(self.profile.chain.agents)
            if self._model_calls > limit:
                self.end(f"the agent made more than {limit} model calls (limits."
                         "steps_per_agent for each of the chain's agents) without finishing")
                raise ProviderError(f"the episode is over: {self.ended}", 409)
            invocation = self._invocation(who, agent)
            from chaos.models import ModelRequest

            request = ModelRequest(invocation, who, tuple(messages), tuple(tools),
                                   dict(options or {}))
            process = self.env.process(self.runner.model_step(
                who, invocation, self._model_calls, request, attempts=1))
            if not await self._drive(process, provider_errors=True):
                raise ProviderError(f"the episode is over: {self.ended}", 409)
            return process.value

    def _refusal(self, agent: str | None, arguments: Any) -> str | None:
        """Why an outside tool call cannot run (the text the client gets), or None."""
        if self._closed:
            return "error: the episode is over: it has been judged"
        if self.ended is not None:
            return f"error: the episode is over: {self.ended}"
        if self.runner.final is not None and (agent is None or agent == self.entry):
            # As in the built-in chain, the entry's finish ends its work: nothing after it
            # may change what is judged.
            return "error: the episode is over: the entry agent has answered (finish)"
        return _arguments_problem(arguments)

    def end(self, reason: str) -> None:
        """Stop taking calls: the episode has crashed for `reason` (the first reason stays)."""
        if self.ended is None:
            self.ended = redact(reason)
        self.done.set()

    @property
    def answered(self) -> bool:
        """Whether the entry agent's answer is in."""
        return self.runner.final is not None

    def _invocation(self, who: str, agent: str | None) -> str:
        """The invocation an outside agent's call belongs to (a new one after a finish)."""
        key = who if agent is not None else ""
        if key not in self._open:
            count = self.runner._invocations[who] = self.runner._invocations.get(who, 0) + 1
            self._open[key] = f"{who}#{count}"
            entry = who == self.entry
            self.runner.emit("agent_started", agent=who, invocation=self._open[key],
                             parent=None, task=_cap(self.brief) if entry else "")
        return self._open[key]

    def _finish(self, who: str, invocation: str, answer: Any, outermost: bool) -> None:
        self.runner.emit("agent_finished", agent=who, invocation=invocation, status="finished",
                         answer=answer)
        self._open = {k: v for k, v in self._open.items() if v != invocation}
        if outermost and who == self.entry and self.runner.final is None:
            self.runner.final = answer
            self.done.set()

    async def _drive(self, process: simpy.Process, provider_errors: bool = False) -> bool:
        """Step the clock until `process` is done; False when the episode ended on the way.

        Raises:
            ProviderError: With `provider_errors`, a model call's failure (the caller's).
        """
        try:
            await self.driver.run(process, self.profile.limits.deadline_ms)
        except DeadlineExceeded as exc:
            self.end(str(exc))
        except StepLimitReached as exc:
            self.end(f"entry agent '{self.entry}' stopped without an answer: {exc}")
        except ProviderError as exc:
            if provider_errors:
                raise
            self.end(f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # an agent's or provider's failure must not stop a sweep
            if os.environ.get("CHAOS_DEBUG"):
                raise
            self.end(f"{type(exc).__name__}: {exc}")
        return self.ended is None

    # -- the end ---------------------------------------------------------------------------
    async def discard(self) -> None:
        """Let go of an episode that will not be judged (its run was interrupted).

        Calls still awaited are cancelled, the sinks closed and the models' connections
        released, as `close` does; nothing is judged.
        """
        if self._closed:
            return
        self._closed = True
        self.driver.cancel()
        self.sinks.close()
        await self._close_adapters()

    async def _close_adapters(self) -> None:
        for adapter in self.adapters.values():
            if hasattr(adapter, "aclose"):
                await adapter.aclose()

    async def close(self, crashed: str | None = None, **extra: Any) -> Any:
        """Judge the end state and return the episode's `EpisodeRun` (once only).

        Args:
            crashed: Why the episode crashed, when its client says so (the session's own
                reason, `ended`, comes first).
            extra: Fields for the result beyond the chain's (`agent_wall_ms`).
        """
        from chaos.sim._episode import finish_episode

        assert not self._closed, "an episode is judged once"
        self._closed = True
        reason = self.ended or (redact(crashed) if crashed else None)
        self.driver.cancel()
        try:
            return finish_episode(self, reason, **extra)
        finally:
            await self._close_adapters()


#: Deepest nesting of an outside call's arguments (no tool takes more than a few levels).
MAX_ARGUMENT_DEPTH = 64


def _arguments_problem(value: Any) -> str | None:
    """Why no tool could take these arguments, or None.

    Nested past `MAX_ARGUMENT_DEPTH`, or text that is not Unicode (a lone surrogate, which
    JSON allows and no file, mail or trace can hold).
    """
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_ARGUMENT_DEPTH:
            return (f"error: arguments nested deeper than {MAX_ARGUMENT_DEPTH} levels; no tool "
                    "takes such arguments")
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return ("error: arguments hold text that is not Unicode (a lone surrogate "
                        "such as \\ud800); send valid UTF-8 text")
        elif isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1) for v in item)
    return None


def _failed(trace: list[Any]) -> bool:
    """Whether the last tool call in `trace` returned not ok."""
    last = next((e for e in reversed(trace) if e.type == "tool_returned"), None)
    return last is not None and not last.ok


def _at(env: simpy.Environment, at_ms: int, action: Any) -> Any:
    """A simpy process that runs `action` at simulated `at_ms`."""
    yield env.timeout(max(0, at_ms - int(env.now)))
    action()
