"""Shrink a propagating chaos episode to the smallest set of faults that still propagates.

Delta debugging (`ddmin`, Zeller & Hildebrandt, "Simplifying and Isolating Failure-Inducing
Input", IEEE TSE 2002) over the episode's faults: the episode is run again with subsets of its
faults — same profile, seed and model — until no single fault can be left out without the
propagation going away (a 1-minimal set).

A subset run keeps every kept fault on the very targets it had in the full episode: all faults
are planned and the others dropped after (`plan_faults(only=...)`), because planning makes
faults avoid each other's targets and dropping one first could move another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from chaos._registry import did_you_mean
from chaos.errors import HarnessError, InputError
from chaos.results import EpisodeResult, RunResults

if TYPE_CHECKING:
    from chaos.profile import LoadedProfile, Profile

__all__ = ["ShrinkResult", "ShrinkStep", "ddmin", "shrink_episode"]

T = TypeVar("T")

#: Providers whose answers differ from one call to the next unless replayed from a cassette.
REMOTE_PROVIDERS = ("openai", "anthropic")


def _split(items: Sequence[T], n: int) -> list[tuple[T, ...]]:
    """`items` in `n` contiguous chunks of near-equal size, order kept."""
    chunks, start = [], 0
    for i in range(n):
        end = start + (len(items) - start) // (n - i)
        chunks.append(tuple(items[start:end]))
        start = end
    return chunks


def ddmin(items: Sequence[T], fails: Callable[[tuple[T, ...]], bool]) -> tuple[T, ...]:
    """A 1-minimal subsequence of `items` for which `fails` still holds.

    Zeller & Hildebrandt's ddmin: try each of n chunks, then each chunk's complement; on a
    failing one continue from it, else split finer, until chunks are single items. Each
    distinct subset is tested once. `fails(items)` is assumed to hold and is not called.

    Args:
        items: What to shrink, in a stable order (kept in the result).
        fails: Whether a subset still shows the failure; a run that could not tell (Zeller's
            "unresolved") answers False.

    Returns:
        A subsequence that fails and from which no single item can be removed.
    """
    seen: dict[tuple[T, ...], bool] = {}

    def test(subset: tuple[T, ...]) -> bool:
        if subset not in seen:
            seen[subset] = bool(subset) and fails(subset)
        return seen[subset]

    current, n = tuple(items), 2
    while len(current) >= 2:
        chunks = _split(current, n)
        smaller = next((c for c in chunks if test(c)), None)
        if smaller is not None:
            current, n = smaller, 2
            continue
        complements = [tuple(x for x in current if x not in chunk) for chunk in chunks]
        smaller = next((c for c in complements if test(c)), None)
        if smaller is not None:
            current, n = smaller, max(n - 1, 2)
            continue
        if n >= len(current):
            break
        n = min(len(current), 2 * n)
    return current


@dataclass(frozen=True)
class ShrinkStep:
    """One run of the episode with a subset of its faults.

    Attributes:
        faults: The fault ids injected.
        propagated: The ids among them whose outcome was `propagated`.
        crashed: The episode crashed (an unresolved test: it counts as not reproducing).
    """

    faults: tuple[str, ...]
    propagated: tuple[str, ...]
    crashed: bool


@dataclass(frozen=True)
class ShrinkResult:
    """What `shrink_episode` found.

    Attributes:
        key: The episode shrunk.
        original: Every fault id of the episode, in profile order.
        wanted: The ids whose propagation was to be kept (any one of them suffices).
        faults: The minimal set found, in profile order.
        kinds: Fault id to kind, for the ids in `faults`.
        propagated: The ids that propagate when only `faults` are injected.
        reproduce: The `chaos run` command with only those faults.
        steps: Every subset run, in order (the full episode first).
    """

    key: str
    original: tuple[str, ...]
    wanted: tuple[str, ...]
    faults: tuple[str, ...]
    kinds: dict[str, str]
    propagated: tuple[str, ...]
    reproduce: str
    steps: list[ShrinkStep] = field(default_factory=list)

    @property
    def unresolved(self) -> int:
        """Subset runs that crashed (with replayed models: the cassette lacked a request)."""
        return sum(step.crashed for step in self.steps)


def _episode(results: RunResults, run_dir: Path, key: str) -> EpisodeResult:
    episodes = {e.key: e for e in results.episodes}
    if key in episodes:
        return episodes[key]
    chaos_keys = [k for k, e in episodes.items() if e.arm == "chaos"]
    example = chaos_keys[0] if chaos_keys else "none: the run has no chaos episode"
    raise InputError(f"no episode '{key}' in {run_dir / 'results.json'}"
                     f"{did_you_mean(key, chaos_keys)} (keys are episodes[].key there; "
                     f"e.g. {example})")


def _wanted(episode: EpisodeResult, fault: str | None) -> tuple[str, ...]:
    propagated = tuple(f.id for f in episode.faults if f.outcome == "propagated")
    if episode.arm != "chaos":
        raise InputError(f"episode {episode.key} is a clean episode (no faults); shrink a "
                         "chaos one: its key ends in /chaos")
    if not propagated:
        outcomes = ", ".join(f"{f.id} {f.outcome}" for f in episode.faults) or "no faults"
        raise InputError(f"episode {episode.key} propagated no fault ({outcomes}); shrink "
                         "needs an episode in which a fault propagated")
    if fault is None:
        return propagated
    if fault not in propagated:
        raise InputError(f"--fault {fault}: that fault did not propagate in {episode.key}"
                         f"{did_you_mean(fault, list(propagated))} (propagated: "
                         f"{', '.join(propagated)})")
    return (fault,)


def _load_profile(results: RunResults, run_dir: Path, episode: EpisodeResult,
                  override: Path | None) -> LoadedProfile:
    from chaos.profile import load_profile

    ref = next((p for p in results.profiles if p.name == episode.profile), None)
    if ref is None:
        raise InputError(f"{run_dir}/results.json names no profile '{episode.profile}'; pass "
                         "the profile with --profile PATH")
    path = override or Path(ref.path)
    if not path.is_file():
        raise InputError(f"profile {ref.path} of this run is not found from here; run shrink "
                         "from the folder `chaos run` ran in, or pass --profile PATH")
    loaded = load_profile(path)
    if loaded.sha256 != ref.sha256:
        raise InputError(f"profile {path} changed since the run (its sha256 differs from the "
                         "one in results.json), so the episode would not be the same; shrink "
                         "a run of the current profile, or pass the original with --profile")
    return loaded


def _check_deterministic(profile: Profile, episode: EpisodeResult, run_dir: Path,
                         replay: Path | None) -> None:
    """Refuse models whose answers would change between subset runs."""
    from chaos.models import model_spec

    if replay is not None:
        return
    ids = {model_spec(a.model or episode.model, profile.models).id
           for a in profile.chain.agents.values()}
    remote = sorted(i for i in ids if i.partition("/")[0] in REMOTE_PROVIDERS)
    if not remote:
        return
    hint = (f"this run has cassettes: add --replay {run_dir}" if (run_dir / "cassettes").is_dir()
            else "record the run with `chaos run ... --record`, then shrink it with --replay "
                 "RUN_DIR")
    raise InputError(f"episode {episode.key} uses {', '.join(remote)}, whose answers differ from "
                     "run to run, so a smaller set of faults could not be told apart from "
                     f"chance; shrink needs scripted or replayed models: {hint}")


def _own_agent(loaded: LoadedProfile, episode: EpisodeResult, agent: tuple[str, ...] | None,
               agent_function: str | None, agent_timeout_s: float | None) -> LoadedProfile:
    """The profile with the run's own agent (`--agent`), which the episode needs again.

    Raises:
        InputError: The episode ran an agent the profile does not name, and none was given.
    """
    from chaos.agents._options import with_agent
    from chaos.runner import RunOptions

    if agent is None and agent_function is None and agent_timeout_s is None:
        if episode.agent is not None and not loaded.profile.chain.runs_own_agent:
            raise InputError(f"episode {episode.key} ran your own agent, which profile "
                             f"{loaded.path} does not name; pass it again as its reproduce "
                             f"command does ({episode.reproduce}): --agent \"CMD\" or "
                             "--agent-function MODULE:ATTR")
        return loaded
    return with_agent(loaded, RunOptions(agent=agent, agent_function=agent_function,
                                         agent_timeout_s=agent_timeout_s))


def shrink_episode(run_dir: Path, key: str, *, profile: Path | None = None,
                   replay: Path | None = None, fault: str | None = None,
                   on_step: Callable[[ShrinkStep], None] | None = None,
                   agent: tuple[str, ...] | None = None,
                   agent_function: str | None = None,
                   agent_timeout_s: float | None = None) -> ShrinkResult:
    """Find a minimal set of an episode's faults that still propagates.

    Args:
        run_dir: A run directory written by `chaos run` (its results.json is read).
        key: The chaos episode's key, e.g. `sports-production/scripted-naive/seed-3/chaos`.
        profile: The profile file, when the path recorded in the run does not reach it.
        replay: A folder of cassettes to answer every model from (needed for remote models).
        fault: Keep this fault's propagation (default: any fault that propagated).
        on_step: Called after each episode run (progress).
        agent: The command the run's own agent was (`chaos run --agent`).
        agent_function: Or its function (`chaos run --agent-function`).
        agent_timeout_s: Wall-clock seconds the own agent may run per episode
            (`--agent-timeout`; default: the chain's `timeout_s`, else the episode timeout).

    Returns:
        The minimal set, the command that reproduces it, and every run made.

    Raises:
        InputError: Unknown episode, no propagation, a changed profile, a remote model
            without `replay`.
        HarnessError: The full episode does not propagate again (it is not deterministic).
    """
    from chaos.mail import MailServer
    from chaos.report import load_results
    from chaos.runner import build_world
    from chaos.sim import EpisodePlan, run_episode
    from chaos.sim._episode import reproduce_command

    results = load_results(run_dir)
    episode = _episode(results, run_dir, key)
    wanted = _wanted(episode, fault)
    loaded = _own_agent(_load_profile(results, run_dir, episode, profile), episode, agent,
                        agent_function, agent_timeout_s)
    spec = loaded.profile
    if replay is not None and (replay / "cassettes").is_dir():
        replay = replay / "cassettes"
    _check_deterministic(spec, episode, run_dir, replay)
    from chaos.agents._options import reproduce_options
    from chaos.runner import RunOptions

    plan = EpisodePlan(spec.name, loaded.path, episode.model, episode.seed, "chaos",
                       reproduce_options(RunOptions(agent=agent, agent_function=agent_function,
                                                    agent_timeout_s=agent_timeout_s)))
    # The episode's own faults (a run made with --only-fault had fewer than the profile).
    original = tuple(f.id for f in episode.faults)
    missing = [i for i in original if i not in {f.id for f in spec.faults}]
    if missing:
        raise InputError(f"fault(s) {', '.join(missing)} of {key} are not in profile "
                         f"{loaded.path}; pass the profile of the run with --profile")
    world = build_world(spec, episode.seed)
    steps: list[ShrinkStep] = []
    sends_mail = any("send_email" in a.tools for a in spec.chain.agents.values())

    def run(subset: tuple[str, ...], mail: MailServer | None) -> ShrinkStep:
        outcome = asyncio.run(run_episode(plan, spec, world, mail, replay=replay,
                                          only_faults=subset)).result
        step = ShrinkStep(subset, tuple(f.id for f in outcome.faults
                                        if f.outcome == "propagated"),
                          outcome.status == "crashed")
        steps.append(step)
        if on_step is not None:
            on_step(step)
        return step

    def shrink(mail: MailServer | None) -> tuple[str, ...]:
        full = run(original, mail)
        if not set(wanted) & set(full.propagated):
            raise HarnessError(
                f"episode {key} did not propagate {', '.join(wanted)} when run again "
                f"(propagated now: {', '.join(full.propagated) or 'nothing'}); shrink needs an "
                "episode that gives the same result every time: scripted or replayed models "
                "and the profile of the run")
        return ddmin(original, lambda subset: bool(set(wanted) & set(run(subset, mail)
                                                                      .propagated)))

    if sends_mail:
        with MailServer() as mail:
            minimal = shrink(mail)
    else:
        minimal = shrink(None)
    last = next(s for s in reversed(steps) if s.faults == minimal)
    kinds = {f.id: f.kind for f in spec.faults if f.id in minimal}
    return ShrinkResult(key=key, original=original, wanted=wanted, faults=minimal, kinds=kinds,
                        propagated=last.propagated,
                        reproduce=reproduce_command(plan, list(minimal)), steps=steps)
