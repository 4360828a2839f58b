"""The sweep matrix: profiles x models x seeds x arms, expanded into episode plans and batches.

Plans keep `chaos run`'s order (per profile: seed, then model, then arm) and its stable keys
(`profile/model-slug/seed-N/arm`), so a sweep's results.json is the one `chaos run` writes for
the same episodes. A batch holds whole seeds of one profile: a worker builds each world once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from chaos.errors import InputError
from chaos.plugins import import_modules
from chaos.profile import LoadedProfile, load_profile
from chaos.sim import Arm, EpisodePlan, plan_episodes
from chaos.sweep._spec import SweepSpec

__all__ = ["Batch", "SweepMatrix", "expand"]


@dataclass(frozen=True)
class Batch:
    """Episodes handed to one worker at once: whole seeds of one profile.

    Attributes:
        profile: Index of the profile in the matrix.
        plans: The episodes, in plan order.
        attempt: 1 the first time; 2 when retried after its worker died.
    """

    profile: int
    plans: tuple[EpisodePlan, ...]
    attempt: int = 1


@dataclass(frozen=True)
class SweepMatrix:
    """What a sweep runs.

    Attributes:
        sweep_id: The sweep's id in the store.
        profiles: The loaded profiles, in the order given.
        models: Per profile, its models in order.
        seeds: Per profile, its seeds in order.
        arms: Per profile, its arms (a profile without faults runs only `clean`).
    """

    sweep_id: str
    profiles: tuple[LoadedProfile, ...]
    models: tuple[tuple[str, ...], ...]
    seeds: tuple[tuple[int, ...], ...]
    arms: tuple[tuple[Arm, ...], ...]

    @property
    def total(self) -> int:
        """How many episodes the sweep holds when complete."""
        return sum(len(m) * len(s) * len(a)
                   for m, s, a in zip(self.models, self.seeds, self.arms, strict=True))

    def seed_plans(self, index: int, seed: int) -> list[EpisodePlan]:
        """One seed's episodes of profile `index`, in plan order."""
        loaded = self.profiles[index]
        return plan_episodes(loaded.profile.name, loaded.path, list(self.models[index]), [seed],
                             self.arms[index])

    def plans(self) -> Iterator[EpisodePlan]:
        """Every episode, in plan order (lazily: a 100k-episode sweep is never a list)."""
        for index, seeds in enumerate(self.seeds):
            for seed in seeds:
                yield from self.seed_plans(index, seed)

    def batches(self, done: set[str], size: int) -> Iterator[Batch]:
        """Batches of the episodes not in `done`: whole seeds, about `size` episodes each."""
        for index, seeds in enumerate(self.seeds):
            pending: list[EpisodePlan] = []
            for seed in seeds:
                pending += [p for p in self.seed_plans(index, seed) if p.key not in done]
                if len(pending) >= size:
                    yield Batch(index, tuple(pending))
                    pending = []
            if pending:
                yield Batch(index, tuple(pending))


def _check_models(loaded: LoadedProfile, models: Sequence[str]) -> None:
    from chaos.models import model_spec, require_key, run_models_problem

    if found := run_models_problem(models, loaded.profile.models):
        raise InputError(f"{loaded.path}: model {found[0]}: {found[1]}")
    for model in models:
        spec = model_spec(model, loaded.profile.models)
        require_key(spec)  # a model without its key fails here, before anything runs


def expand(spec: SweepSpec) -> SweepMatrix:
    """Load the spec's profiles and expand the matrix; nothing runs yet.

    Raises:
        InputError: A profile does not load, two share a name, a model is unknown or lacks
            its key, or nothing is left to run.
    """
    import_modules(spec.plugins)
    profiles = tuple(load_profile(path) for path in spec.profiles)
    names = [p.profile.name for p in profiles]
    for name in names:
        if names.count(name) > 1:
            raise InputError(f"two profiles of the sweep are named {name!r}; give each "
                             "profile its own 'name'")
    models, seeds, arms = [], [], []
    for loaded in profiles:
        profile = loaded.profile
        chosen = tuple(spec.models) or tuple(m.id for m in profile.models)
        _check_models(loaded, chosen)
        models.append(chosen)
        seeds.append(tuple(spec.seeds) if spec.seeds is not None
                     else tuple(range(profile.seed, profile.seed + profile.episodes)))
        # Without faults a chaos episode is its clean twin again: only the clean arm says anything.
        arms.append(tuple(a for a in spec.arms if profile.faults or a == "clean"))
    matrix = SweepMatrix(spec.id or "sweep", profiles, tuple(models), tuple(seeds), tuple(arms))
    if matrix.total == 0:
        raise InputError(f"nothing to run with arms {', '.join(spec.arms)}: "
                         f"{', '.join(names)} has no faults, so its chaos arm would be its "
                         "clean arm again; run the clean arm or both")
    return matrix
