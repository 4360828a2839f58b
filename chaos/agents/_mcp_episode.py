"""One episode opened for an outside client: its world built, its mail server up, its session.

What `chaos mcp` serves; tests open episodes with it too.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chaos.errors import InputError

if TYPE_CHECKING:
    from chaos.profile import LoadedProfile
    from chaos.sim import Arm, EpisodePlan
    from chaos.sim._session import EpisodeSession

__all__ = ["EpisodeChoice", "open_episode", "plan_one"]


@dataclass(frozen=True)
class EpisodeChoice:
    """Which episode of a profile to open.

    Attributes:
        seed: The seed (None: the profile's).
        arm: `chaos` (with the profile's faults) or `clean`.
        model: The model under test (None: the profile's first).
        only_faults: Inject only the faults with these ids (None: all).
    """

    seed: int | None = None
    arm: Arm = "chaos"
    model: str | None = None
    only_faults: tuple[str, ...] | None = None


def plan_one(loaded: LoadedProfile, choice: EpisodeChoice) -> EpisodePlan:
    """The plan of the chosen episode, its model's key checked.

    Raises:
        InputError: An unknown model or fault id, a missing key, a chaos arm without faults.
    """
    from chaos._registry import did_you_mean
    from chaos._seeding import MAX_SEED
    from chaos.models import model_problem, model_spec, require_key
    from chaos.sim import EpisodePlan

    profile = loaded.profile
    model = choice.model or profile.models[0].id
    if problem := model_problem(model):
        raise InputError(f"--model {model}: {problem}")
    try:
        require_key(model_spec(model, profile.models))
    except InputError as exc:
        raise InputError(f"{exc}; the model answers the chain's `delegate` only, so a client "
                         "that does the work itself can be served with --model "
                         "scripted/careful") from exc
    seed = profile.seed if choice.seed is None else choice.seed
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"--seed {seed}: a seed is 0 to {MAX_SEED}")
    ids = [f.id for f in profile.faults]
    for fault_id in choice.only_faults or ():
        if fault_id not in ids:
            raise InputError(f"--only-fault {fault_id}: no fault of {loaded.path} has this id"
                             f"{did_you_mean(fault_id, ids)} (fault ids: "
                             f"{', '.join(ids) or 'none'})")
    if choice.arm == "chaos" and not ids:
        raise InputError(f"{loaded.path} has no faults, so its chaos arm is its clean arm "
                         "again; use --arm clean")
    return EpisodePlan(profile.name, loaded.path, model, seed, choice.arm)


@contextlib.asynccontextmanager
async def open_episode(loaded: LoadedProfile, plan: EpisodePlan,
                       only_faults: tuple[str, ...] | None = None
                       ) -> AsyncIterator[EpisodeSession]:
    """The episode of `plan`, open for outside clients; close it (`session.close()`) inside.

    Builds the seed's world, starts a mail server when the chain can send mail, and keeps the
    profile's own tools and the model transports in scope while the episode is open.

    Raises:
        InputError: The seed's world cannot be built, or the profile's own tools cannot load.
    """
    from chaos._world_cache import build_world
    from chaos.models._remote import model_transports
    from chaos.runner import mail_server, sends_mail
    from chaos.sim._session import EpisodeSession
    from chaos.tools import tools
    from chaos.tools._user import user_tools
    from chaos.world import prepare_world

    profile = loaded.profile
    try:
        world = prepare_world(build_world(profile, plan.seed))
    except Exception as exc:  # a declared file or generator that fails for this seed
        raise InputError(f"{loaded.path}: the world for seed {plan.seed} cannot be built: "
                         f"{type(exc).__name__}: {exc}") from exc
    try:
        own_tools = user_tools(profile)
    except ValueError as exc:
        raise InputError(f"{loaded.path}: tools: {exc}") from exc
    with tools.scoped(own_tools):
        async with model_transports(), mail_server(sends_mail(profile)) as mail:
            yield EpisodeSession(plan, profile, world, mail, only_faults=only_faults)
