"""Task kinds: what the chain is asked to do, and how the oracle judges it."""

from chaos.tasks import expect, highlight, rubric  # noqa: F401  (registers built-ins)
from chaos.tasks._base import (
    EndState,
    NoTaskParams,
    Shipped,
    TaskFacts,
    TaskKind,
    TaskVerdict,
    Unmet,
    task_kind,
    task_kinds,
)

__all__ = ["EndState", "NoTaskParams", "Shipped", "TaskFacts", "TaskKind", "TaskVerdict",
           "Unmet", "task_kind", "task_kinds"]
