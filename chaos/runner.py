"""Run profiles: plan episodes, build each world once per seed, run, write the run directory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaos._jsonl import jsonl_text
from chaos._output import write_atomic
from chaos._seeding import MAX_EPISODES, MAX_SEED
from chaos._watchdog import EpisodeHung, LoopWatchdog
from chaos._world_cache import WorldCache, build_world
from chaos.coverage import with_coverage, world_tags
from chaos.errors import InputError
from chaos.mail import MailServer
from chaos.metrics import summarize
from chaos.models import model_spec, require_key, run_models_problem
from chaos.models._remote import model_transports
from chaos.profile import LoadedProfile, Profile
from chaos.results import EpisodeResult, ProfileRef, RunResults
from chaos.sim import Arm, EpisodePlan, EpisodeRun, crashed_run, plan_episodes, run_episode

__all__ = [
    "RunOptions",
    "build_world",
    "judged_results",
    "run_profiles",
    "sends_mail",
    "start_order",
    "timeout_reason",
    "write_run",
]


@dataclass(frozen=True)
class RunOptions:
    """What to run beyond what the profiles say.

    Attributes:
        models: Replace the profiles' model lists.
        seed: First seed (alone: only this seed).
        episodes: Seeds per model, from `seed` or from each profile's seed.
        arms: Which arms to run.
        concurrency: Episodes in flight at once in this process (asyncio); results are the
            same bytes whatever the number.
        record: Write every model exchange to cassettes in this folder.
        replay: Answer every model from its cassette in this folder (no network).
        only_faults: Inject only the faults with these ids (None: every fault). Each kept
            fault hits the same targets as in a run with every fault (`chaos shrink` relies
            on it).
        episode_timeout_s: Wall-clock seconds an episode may run before it is crashed; None:
            each profile's `limits.episode_timeout_s`.
        agent: Run this command as every profile's agent (`--agent`; replaces the chain's
            own agent, a `chain.command` or `chain.function`), in the current folder.
        agent_function: Or this `module:attr` async function (`--agent-function`), imported
            from the current folder.
        agent_timeout_s: Wall-clock seconds the agent may run in an episode (`--agent-timeout`;
            default: `chain.timeout_s`, else `limits.episode_timeout_s`).
    """

    models: tuple[str, ...] = ()
    seed: int | None = None
    episodes: int | None = None
    arms: tuple[Arm, ...] = ("clean", "chaos")
    concurrency: int = 1
    record: Path | None = None
    replay: Path | None = None
    only_faults: tuple[str, ...] | None = None
    episode_timeout_s: float | None = None
    agent: tuple[str, ...] | None = None
    agent_function: str | None = None
    agent_timeout_s: float | None = None


def timeout_reason(timeout_s: float) -> str:
    """The crash reason of an episode that ran past its wall-clock timeout, and the way out."""
    return (f"episode timed out: still running after {timeout_s:g} s of wall-clock time; "
            "raise the limit with --episode-timeout SECONDS or limits.episode_timeout_s in the "
            "profile")


async def bounded_episode(plan: EpisodePlan, loaded: LoadedProfile, world: Any,
                          mail: MailServer | None, timeout_s: float,
                          watchdog: LoopWatchdog | None = None, **options: Any) -> EpisodeRun:
    """Run one episode, crashed with `timeout_reason` when it outlives `timeout_s`.

    A model that never answers (or answers a byte a minute) cannot hold the run: the
    episode is cancelled at its deadline and the others go on. Code that blocks the event
    loop itself is interrupted by `watchdog`, when there is one.
    """
    timer = asyncio.timeout(timeout_s)
    if watchdog is not None:
        watchdog.started(plan.key, timeout_s)
    try:
        async with timer:
            return await run_episode(plan, loaded.profile, world, mail, **options)
    except TimeoutError:
        if not timer.expired():
            raise
        return crashed_run(plan, timeout_reason(timeout_s))
    except EpisodeHung:
        return crashed_run(plan, timeout_reason(timeout_s))
    finally:
        if watchdog is not None:
            watchdog.finished(plan.key)


#: Seconds an own agent's episode gets past its agent's timeout: to end the process group
#: (SIGTERM, then SIGKILL), let an answered agent exit, and judge.
OWN_AGENT_MARGIN_S = 15.0


def episode_timeout(profile: Profile) -> float:
    """An episode's wall-clock bound in seconds.

    `limits.episode_timeout_s`; for a team's own agent, its timeout plus the time to end it
    and judge, so that its own timeout speaks first and its episode keeps its trace.
    """
    limit = profile.limits.episode_timeout_s
    if profile.chain.runs_own_agent:
        return (profile.chain.timeout_s or limit) + OWN_AGENT_MARGIN_S
    return limit


def sends_mail(profile: Profile) -> bool:
    """Whether some agent of the chain can send mail (the run then needs a mail server)."""
    return any("send_email" in agent.tools for agent in profile.chain.agents.values())


def _plans(loaded: LoadedProfile, options: RunOptions) -> list[EpisodePlan]:
    profile = loaded.profile
    models = list(options.models) or [m.id for m in profile.models]
    if found := run_models_problem(models, profile.models):
        raise InputError(f"--model {found[0]}: {found[1]}")
    for model in models:
        spec = model_spec(model, profile.models)
        if options.replay is None:
            require_key(spec)  # a model without its key fails here, before anything runs
    first = options.seed if options.seed is not None else profile.seed
    count = options.episodes or (1 if options.seed is not None else profile.episodes)
    if not 1 <= count <= MAX_EPISODES or first + count - 1 > MAX_SEED:
        raise InputError(f"seeds {first}..{first + count - 1}: a run plans 1 to "
                         f"{MAX_EPISODES:,} seeds, each at most {MAX_SEED}; lower --seed or "
                         "--episodes")
    seeds = list(range(first, first + count))
    from chaos.agents._options import reproduce_options

    return plan_episodes(profile.name, loaded.path, models, seeds,
                         planned_arms(profile, options), reproduce_options(options))


def planned_arms(profile: Profile, options: RunOptions) -> tuple[Arm, ...]:
    """The arms a run plans for `profile`.

    Without a fault left to inject (none written, or none kept by `--only-fault`), a chaos
    episode is its clean twin again: only the clean arm runs.
    """
    faults = [f for f in profile.faults
              if options.only_faults is None or f.id in options.only_faults]
    return options.arms if faults else tuple(a for a in options.arms if a == "clean")


def run_profiles(
    profiles: Sequence[LoadedProfile],
    options: RunOptions = RunOptions(),
    on_episode: Callable[[EpisodePlan, EpisodeRun], None] | None = None,
    on_planned: Callable[[int], None] | None = None,
) -> RunResults:
    """Run every planned episode of `profiles` and return the results.

    Args:
        profiles: Loaded profiles.
        options: Overrides (models, seed, episodes, arms).
        on_episode: Called after each episode (progress, streaming traces to disk).
        on_planned: Called once with the number of planned episodes.
    """
    names = [p.profile.name for p in profiles]
    if len(set(names)) != len(names):
        raise InputError("two profiles share a name; give each profile its own 'name'")
    _check_only_faults(profiles, options.only_faults)
    from chaos.agents._options import with_agent

    profiles = [with_agent(loaded, options) for loaded in profiles]
    work = [(loaded, plan) for loaded in profiles for plan in _plans(loaded, options)]
    if not work:
        raise InputError(f"nothing to run with --arm chaos: {', '.join(names)} has no faults, "
                         "so its chaos arm would be its clean arm again; use --arm clean or both")
    if on_planned:
        on_planned(len(work))
    results: list[EpisodeResult | None] = [None] * len(work)
    first_chaos: dict[str, int] = {}  # per profile, the seed whose world's tags coverage lists
    for loaded, plan in work:
        if plan.arm == "chaos":
            name = loaded.profile.name
            first_chaos[name] = min(first_chaos.get(name, plan.seed), plan.seed)
    tags: dict[str, list[str]] = {}
    order = start_order(work, options.concurrency)
    worlds = WorldCache([(work[i][0], work[i][1].seed) for i in order])

    async def one(index: int, loaded: LoadedProfile, plan: EpisodePlan,
                  mail: MailServer | None, gate: asyncio.Semaphore) -> None:
        async with gate:
            world = await worlds.take(loaded, plan.seed)
            if not isinstance(world, str) and plan.arm == "chaos" \
                    and plan.seed == first_chaos[loaded.profile.name]:
                # Coverage lists the tags of this world no fault touched: read them while the
                # world is at hand rather than build it again.
                tags[loaded.profile.name] = world_tags(world)
            if isinstance(world, str):
                run = crashed_run(plan, world)
            else:
                timeout = options.episode_timeout_s or episode_timeout(loaded.profile)
                run = await bounded_episode(plan, loaded, world, mail, timeout, watchdog,
                                            record=options.record, replay=options.replay,
                                            only_faults=options.only_faults)
            worlds.done(loaded, plan.seed)
        results[index] = run.result
        if on_episode:
            on_episode(plan, run)

    async def main() -> None:
        gate = asyncio.Semaphore(options.concurrency)
        async with model_transports(), worlds, mail_server(any(sends_mail(p.profile)
                                                               for p in profiles)) as mail, \
                watchdog.beating():
            await asyncio.gather(*(one(i, *work[i], mail, gate) for i in order))

    watchdog = LoopWatchdog()
    with fewer_collections(), watchdog:
        _run_loop(main())
    return judged_results(profiles, [r for r in results if r is not None], tags)


def judged_results(profiles: Sequence[LoadedProfile], episodes: list[EpisodeResult],
                   tags: Mapping[str, list[str]] | None = None) -> RunResults:
    """The run's results from its episodes: summary, gates, recommendation and coverage.

    Args:
        profiles: The loaded profiles the episodes ran.
        episodes: The episodes, in plan order.
        tags: Per profile, its first chaos seed's world tags, when at hand (coverage builds
            the world otherwise).
    """
    from chaos.gates import evaluate_gates, with_gates
    from chaos.recommend import with_recommendation

    refs = [ProfileRef(name=p.profile.name, path=p.path, sha256=p.sha256) for p in profiles]
    run = RunResults(profiles=refs, episodes=episodes, summary=summarize(episodes))
    run = with_recommendation(with_gates(run, evaluate_gates(run, profiles)))
    return with_coverage(run, profiles, tags)


def _check_only_faults(profiles: Sequence[LoadedProfile], only: tuple[str, ...] | None) -> None:
    """Every `--only-fault` id must name a fault of one of the profiles."""
    if only is None:
        return
    from chaos._registry import did_you_mean

    ids = sorted({f.id for p in profiles for f in p.profile.faults})
    for fault_id in only:
        if fault_id not in ids:
            raise InputError(f"--only-fault {fault_id}: no fault has this id"
                             f"{did_you_mean(fault_id, ids)} (fault ids: "
                             f"{', '.join(ids) or 'none'})")


def _run_loop(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run the episodes' event loop: uvloop's when installed (`[openai]`, `[anthropic]`).

    uvloop's libuv loop costs less per socket event; with 50 episodes waiting on remote
    models that is CPU the loop spends on episodes instead. Results are the same either way.
    """
    try:
        import uvloop
    except ImportError:
        asyncio.run(coroutine)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(coroutine)


@contextlib.asynccontextmanager
async def mail_server(wanted: bool) -> AsyncIterator[MailServer | None]:
    """The run's mail server on the running loop, or None when no chain sends mail."""
    if not wanted:
        yield None
        return
    async with MailServer() as mail:
        yield mail


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often during a run, and never walk what existed before it.

    Episodes allocate many short-lived objects (a filesystem tree each, traces, messages);
    with the default thresholds a full collection walks every episode in flight and stalls
    the event loop for 100-250 ms, a dozen times a run, while 50 remote calls wait to be
    read (measured: 14 % of the CPU of `benchmarks/concurrency.py`). The settings are
    restored afterwards.
    """
    threshold = gc.get_threshold()
    gc.freeze()  # modules, profiles, worlds' templates so far: never walked again
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def start_order(work: Sequence[tuple[LoadedProfile, EpisodePlan]], concurrency: int) -> list[int]:
    """The order episodes start in: the plan's, with chaos arms first in each block.

    Chaos episodes are the long ones (faults bring retries and detours: ~50 % more model
    calls in the ready profile). Starting them first within each block of 2 x concurrency
    episodes keeps the last wave from waiting on a long straggler (with 500 episodes at 50 in
    flight: 3 % over the ideal instead of 7 %), while a world is still needed only briefly.
    The first wave keeps the plan's seed-major order: a seed's episodes start together, so
    every slot is busy after half as many worlds are built. Results keep the plan's order
    whatever the start order.
    """
    block = max(1, 2 * concurrency)
    order = list(range(min(concurrency, len(work))))
    for first in range(len(order), len(work), block):
        indices = range(first, min(first + block, len(work)))
        order += sorted(indices, key=lambda i: work[i][1].arm != "chaos")
    return order


def write_trace(out_dir: Path, run: EpisodeRun) -> None:
    """Write an episode's trace as JSONL at its `trace` path under `out_dir`."""
    path = out_dir / run.result.trace
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, trace_text(run.trace))


def trace_text(events: list[Any]) -> str:
    """A trace's JSONL text: one event per line, whatever line separators its texts hold."""
    return jsonl_text(event.model_dump_json() for event in events)


def write_run(out_dir: Path, results: RunResults) -> Path:
    """Write `results.json` (stable bytes: fixed key order, indent, newline)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "results.json"
    payload = json.dumps(results.model_dump(mode="json"), indent=2, ensure_ascii=False)
    write_atomic(path, payload + "\n")
    return path
