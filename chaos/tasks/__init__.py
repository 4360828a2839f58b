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

__all__ = ["EndState", "Expectation", "NoTaskParams", "Shipped", "TaskFacts",
           "TaskKind", "TaskVerdict", "Unmet", "task_kind", "task_kinds"]
