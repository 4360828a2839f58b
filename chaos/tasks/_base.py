"""Task kinds: the prompt an entry agent gets, the schema of its answer, and the checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel

from chaos._registry import Registry
from chaos.world import EpisodeFs, World

__all__ = ["Shipped", "TaskKind", "TaskVerdict", "task_kind", "task_kinds"]


@dataclass(frozen=True)
class TaskVerdict:
    """Whether the episode's task was done right, and why not."""

    passed: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Shipped:
    """One artifact that left the organisation, as the oracle found it in the end state.

    Attributes:
        sink: Where it went (`manifest` for v1; `mail`, `upload`, `sms` later).
        path: The path it names.
        digest: SHA-256 of the bytes at that path, or None if no such file exists.
        subject: What it stands for in the task (a clip id), if anything.
    """

    sink: str
    path: str
    digest: str | None
    subject: str | None = None


class TaskKind:
    """Base of task kinds; subclasses are registered with `@task_kind`."""

    name: ClassVar[str]
    Result: ClassVar[type[BaseModel]]

    def brief(self, world: World, extra: str = "") -> str:
        """The task text the entry agent receives."""
        raise NotImplementedError

    def shipped(self, result: dict[str, Any] | None, fs: EpisodeFs) -> list[Shipped]:
        """Artifacts the final result sends out of the organisation."""
        raise NotImplementedError

    def check(self, result: dict[str, Any] | None, fs: EpisodeFs, world: World) -> TaskVerdict:
        """Judge the episode's task from the end state."""
        raise NotImplementedError

    def handled(
        self, result: dict[str, Any] | None, fs: EpisodeFs, world: World, targets: list[str]
    ) -> bool:
        """Whether the part of the task that needs `targets` was done right."""
        raise NotImplementedError

    def subjects(self, world: World, targets: list[str]) -> list[str]:
        """Words that name these targets in a report (clip ids, file names)."""
        raise NotImplementedError

    def wrong_for_subject(
        self, result: dict[str, Any] | None, fs: EpisodeFs, world: World, targets: list[str]
    ) -> list[Shipped]:
        """Shipped artifacts that stand for the targets but do not hold their right bytes."""
        raise NotImplementedError


task_kinds: Registry[type[TaskKind]] = Registry("task kind")


def task_kind(name: str):  # noqa: ANN201
    """Register a TaskKind subclass as `name`."""

    def decorate(cls: type[TaskKind]) -> type[TaskKind]:
        cls.name = name
        return task_kinds.register(name)(cls)

    return decorate
