"""One episode: materialise the world, inject faults, run the chain, let the oracle judge."""

from __future__ import annotations

import shlex
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simpy

from chaos._redact import redact
from chaos._seeding import derive_rng
from chaos.faults import fault_kinds
from chaos.mail import MailServer
from chaos.models import build_model
from chaos.models._faults import FaultTransport, FaultyModel, ModelFaultRules
from chaos.profile import Profile
from chaos.results import EpisodeResult, FaultResult, TaskResult, UsageResult
from chaos.sim._chain import ChainRunner
from chaos.sim._monitor import ActiveFault
from chaos.sim._plan import EpisodePlan
from chaos.sim._triggers import TriggerState
from chaos.sinks import EpisodeSinks
from chaos.tasks import EndState, task_kinds
from chaos.world import EpisodeFs, World

__all__ = ["EpisodeRun", "crashed_run", "finish_episode", "model_adapter", "plan_faults",
           "reproduce_command", "run_episode", "task_facts"]


@dataclass
class EpisodeRun:
    """An episode's result and its trace events."""

    result: EpisodeResult
    trace: list[Any]


def plan_faults(profile: Profile, world: World, seed: int,
                only: Collection[str] | None = None, facts: Any = None) -> list[ActiveFault]:
    """Resolve each fault's targets for this world; pure: the same seed gives the same plan.

    Args:
        profile: The profile whose faults to plan.
        world: The world of `seed`.
        seed: The episode seed.
        only: Keep only the faults with these ids (None: every fault). Every fault is planned
            first and the others dropped after, so that a kept fault hits the very targets it
            hit in the full run (faults avoid each other's targets while planning).
        facts: The task's facts in this world (`TaskFacts`; computed when None): what a
            target of `@needed` resolves to.
    """
    if facts is None:
        facts = task_facts(profile, world)
    planned: list[ActiveFault] = []
    taken: set[str] = set()
    for spec in profile.faults:
        impl = fault_kinds.get(spec.kind)(spec.params)
        rng = derive_rng(profile.name, seed, "fault", spec.id)
        targets = impl.resolve(world, spec.target, rng, frozenset(taken), facts)
        # A target's identical copies are taken too: two faults must not share one file.
        taken.update(world.with_copies(targets))
        trigger = TriggerState(spec.trigger, derive_rng(profile.name, seed, "trigger", spec.id))
        planned.append(ActiveFault(spec, impl, targets, rng, trigger))
    for active in planned:
        others = [a for a in planned if a is not active]
        active.taken = frozenset(p for a in others for p in world.with_copies(a.targets))
    if only is not None:
        planned = [active for active in planned if active.spec.id in only]
    return planned


def task_facts(profile: Profile, world: World) -> Any:
    """What the profile's task needs of `world` (`TaskFacts`): faults' `@needed` targets."""
    task = task_kinds.get(profile.task.kind)()
    return task.facts(world, task.params_of(profile.task))


def reproduce_command(plan: EpisodePlan, only_faults: Collection[str] | None = None) -> str:
    """The command that runs the episode again, with `--only-fault` for a subset of faults."""
    if only_faults is None:
        return plan.reproduce
    return plan.reproduce + "".join(f" --only-fault {shlex.quote(i)}" for i in only_faults)


async def run_episode(plan: EpisodePlan, profile: Profile, world: World,
                      mail: MailServer | None = None, record: Path | None = None,
                      replay: Path | None = None,
                      only_faults: Collection[str] | None = None) -> EpisodeRun:
    """Run one episode to its result; never raises for agent or model failures (crashed).

    Args:
        plan: What to run.
        profile: The profile.
        world: The world for the plan's seed (shared, never modified).
        mail: The process's mail server, when the chain can send mail.
        record: A folder to write each model's exchanges to (a cassette per model).
        replay: A folder of cassettes to answer every model from.
        only_faults: Inject only the faults with these ids (None: all); see `plan_faults`.
    """
    from chaos.models._remote import model_transports
    from chaos.tools import tools
    from chaos.tools._user import user_tools

    try:
        own_tools = user_tools(profile)
    except ValueError as exc:  # validated on load; the environment changed since
        return crashed_run(plan, str(exc))
    # The profile's own tools are seen by this episode (its asyncio task) only.
    with tools.scoped(own_tools):
        async with model_transports():  # the run's, or this episode's own when run alone
            return await _run(plan, profile, world, mail, record, replay, only_faults)


async def _run(plan: EpisodePlan, profile: Profile, world: World, mail: MailServer | None,
               record: Path | None, replay: Path | None,
               only_faults: Collection[str] | None) -> EpisodeRun:
    from chaos.sim._session import EpisodeSession

    session = EpisodeSession(plan, profile, world, mail, record, replay, only_faults)
    try:
        if profile.chain.runs_own_agent:
            from chaos.agents import run_own_agent

            return await run_own_agent(session, profile.chain)
        await session.run_chain()
    except BaseException:  # cancelled, or interrupted by the watchdog: release, then go on
        await session.discard()
        raise
    return await session.close()


def finish_episode(session: Any, crashed: str | None, **extra: Any) -> EpisodeRun:
    """The episode's trailing events, its judged result and trace (`EpisodeSession.close`)."""
    runner, sinks, entry = session.runner, session.sinks, session.entry
    sinks.close()
    if crashed is None and runner.final is None:
        crashed = f"entry agent '{entry}' ended without calling finish"
    finish_ms = next(
        (
            e.t_ms
            for e in reversed(runner.trace)
            if e.type == "agent_finished" and e.agent == entry and e.status == "finished"
        ),
        None,
    )
    for mail in sinks.mail:
        runner.emit("mail_received", index=mail.index, to=list(mail.envelope_to),
                    subject=mail.subject[:500], attachments=[
                        {"filename": a.filename, "declared": a.declared, "sniffed": a.sniffed,
                         "size": a.size, "findings": list(a.findings)}
                        for a in mail.attachments])
    runner.emit("episode_finished", status="crashed" if crashed else "completed", error=crashed)
    end = EndState(runner.final, session.fs, session.world, sinks, session.task_params,
                   runner.trace)
    try:
        return EpisodeRun(_result(session.plan, session.task, end, session.faults, runner,
                                  crashed, finish_ms, session.env, session.only_faults, extra),
                          runner.trace)
    finally:
        _untangle(session.fs, runner, sinks, session.provider_faults)


def _untangle(fs: EpisodeFs, runner: ChainRunner, sinks: EpisodeSinks,
              provider_faults: ModelFaultRules) -> None:
    """Break the episode's reference cycles once it is judged, so its memory returns at once.

    The runner and the fault monitor point at each other, faults' rules hold their context,
    which holds the lists they sit in, and a filesystem's folders and files point at each
    other. Left so, a finished episode (its filesystem, world, trace) waits for a full
    garbage collection: with 50 episodes in flight that was a 0.6-1 s stall of the event
    loop about once a minute, freeing ~400k objects at once, while 50 model answers waited.
    """
    fs.dispose()
    runner.monitor = None
    runner.hooks.on_task.clear()
    runner.hooks.on_answer.clear()
    sinks.smtp_rules.on_rcpt.clear()
    sinks.smtp_rules.on_data.clear()
    provider_faults.armed.clear()


def _result(plan: EpisodePlan, task: Any, end: EndState, faults: list[ActiveFault],
            runner: ChainRunner, crashed: str | None, finish_ms: int | None,
            env: simpy.Environment, only_faults: Collection[str] | None,
            extra: dict[str, Any]) -> EpisodeResult:
    """Judge the end state and the faults: the episode's result."""
    from chaos.coverage import fault_reach, never_reasons
    from chaos.oracle import judge_fault, judge_handled, judge_task
    from chaos.profile._roles import acting_agents

    entry = runner.profile.chain.entry
    reachable: set[str] | None = None  # only a fault that never fired needs the chain's reach
    verdict = judge_task(task, end, crashed)
    fault_results, judged = [], []
    for active in faults:
        v = judge_fault(active, task, end, runner.issues, entry, finish_ms, crashed,
                        runner.trace)
        judged.append((active, v))
        structural = None
        if not v.fired:
            reachable = reachable if reachable is not None else set(
                acting_agents(runner.profile.chain))
            structural = never_reasons(active.spec, runner.profile, reachable)
        fault_results.append(
            FaultResult(
                id=v.id,
                kind=v.kind,
                fired=v.fired,
                outcome=v.outcome.value,
                touched_by=active.touched[2] if active.touched else None,
                detected_by=v.detected_by,
                time_to_detection_ms=v.time_to_detection_ms,
                evidence=v.evidence,
                reached=fault_reach(active, v, end.world, crashed, int(env.now), structural),
            )
        )
    return EpisodeResult(
        key=plan.key,
        profile=plan.profile,
        model=plan.model,
        seed=plan.seed,
        arm=plan.arm,
        status="crashed" if crashed else "completed",
        error=crashed,
        task=TaskResult(passed=verdict.passed, reasons=verdict.reasons),
        handled=judge_handled(task, end, verdict, judged, crashed).handled,
        faults=fault_results,
        sim_time_ms=int(env.now),
        usage=UsageResult(model_calls=runner.model_calls, input_tokens=runner.usage[0],
                          output_tokens=runner.usage[1],
                          cost_usd=round(runner.cost_usd, 6)),
        trace=f"traces/{plan.key}.jsonl",
        reproduce=reproduce_command(plan, None if only_faults is None or plan.arm == "clean"
                                    else [active.spec.id for active in faults]),
        **extra,
    )


def crashed_run(plan: EpisodePlan, error: str) -> EpisodeRun:
    """The result of an episode that could not even start (its world failed to build)."""
    from chaos.sim._trace import EpisodeFinished

    result = EpisodeResult(
        key=plan.key, profile=plan.profile, model=plan.model, seed=plan.seed, arm=plan.arm,
        status="crashed", error=redact(error),
        task=TaskResult(passed=False, reasons=[f"episode crashed: {redact(error)}"]),
        handled=False, faults=[], sim_time_ms=0, usage=UsageResult(),
        trace=f"traces/{plan.key}.jsonl", reproduce=plan.reproduce)
    return EpisodeRun(result, [EpisodeFinished(seq=0, t_ms=0, status="crashed",
                                               error=result.error)])


def model_adapter(spec: Any, rules: ModelFaultRules, record: Path | None = None,
             replay: Path | None = None) -> Any:
    """A model adapter with the episode's provider faults between it and its provider."""
    from chaos.models import model_slug
    from chaos.models._cassette import Cassette, RecordingModel, ReplayModel

    if replay is not None:
        return ReplayModel(Cassette(replay / f"{model_slug(spec.id)}.jsonl"), rules, spec.id)
    if spec.provider == "replay":
        return ReplayModel(Cassette(Path(spec.cassette)), rules, spec.id)
    adapter = _direct_adapter(spec, rules)
    if record is not None:
        adapter = RecordingModel(adapter, Cassette(record / f"{model_slug(spec.id)}.jsonl"),
                                 spec.id)
    return adapter


def _direct_adapter(spec: Any, rules: ModelFaultRules) -> Any:
    from chaos.models import is_plugin_provider

    # No wire to break: provider faults act on the neutral request and turn.
    if spec.provider == "scripted" or is_plugin_provider(spec.provider):
        return FaultyModel(build_model(spec), rules)
    from chaos.models._remote import http_module, lease_transport, release_transport

    return build_model(spec, FaultTransport(lease_transport(), rules, spec.provider,
                                            http_module(), on_close=release_transport))
