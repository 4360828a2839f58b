"""Task kinds: what the chain is asked to do, and how the oracle judges it."""

from chaos.tasks import expect  # noqa: F401  (registers the core task kind)
from chaos.tasks._base import (
    EndState,
    Expectation,
    NoTaskParams,
    Shipped,
    TaskFacts,
    TaskKind,
    TaskVerdict,
    Unmet,
    task_kind,
    task_kinds,
)
from chaos.tasks._handled import FaultFootprint, episode_handled

__all__ = ["EndState", "Expectation", "FaultFootprint", "NoTaskParams", "Shipped", "TaskFacts",
           "TaskKind", "TaskVerdict", "Unmet", "episode_handled", "task_kind", "task_kinds"]
