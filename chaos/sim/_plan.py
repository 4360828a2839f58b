"""Episode plans: pure descriptions of what to run, with stable keys."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Literal

from chaos.models import model_slug

__all__ = ["Arm", "EpisodePlan", "plan_episodes"]

Arm = Literal["clean", "chaos"]


@dataclass(frozen=True)
class EpisodePlan:
    """One episode to run: a profile, a model, a seed and an arm.

    Attributes:
        profile: Profile name.
        profile_path: The profile file as the user named it (for reproduce commands).
        model: Model id under test.
        seed: Episode seed (the world and every random draw derive from it).
        arm: `clean` (no faults: the benchmark) or `chaos` (with the profile's faults).
        options: More `chaos run` options the episode needs to run again (an `--agent`),
            shell-quoted, appended to its reproduce command.
    """

    profile: str
    profile_path: str
    model: str
    seed: int
    arm: Arm
    options: str = ""

    @property
    def key(self) -> str:
        """Stable key: `profile/model-slug/seed-N/arm`."""
        return f"{self.profile}/{model_slug(self.model)}/seed-{self.seed}/{self.arm}"

    @property
    def reproduce(self) -> str:
        """The command that runs exactly this episode again."""
        return (
            f"chaos run {shlex.quote(self.profile_path)} --model {shlex.quote(self.model)} "
            f"--seed {self.seed} --arm {self.arm}{self.options}"
        )


def plan_episodes(
    profile: str,
    profile_path: str,
    models: list[str],
    seeds: list[int],
    arms: tuple[Arm, ...] = ("clean", "chaos"),
    options: str = "",
) -> list[EpisodePlan]:
    """Every (seed, model, arm) episode, in a stable order: seed, then model, then arm.

    Seed-major order lets a runner build each world once and hand it to every model. A model,
    seed or arm named twice runs once: every episode key is unique.
    """
    models, seeds = list(dict.fromkeys(models)), list(dict.fromkeys(seeds))
    arms = tuple(dict.fromkeys(arms))
    return [
        EpisodePlan(profile, profile_path, m, s, a, options)
        for s in seeds for m in models for a in arms
    ]
