"""The oracle: outcomes per fault and a task verdict per episode, from what really happened."""

from chaos.oracle._handled import HandledVerdict, judge_handled
from chaos.oracle._judge import (
    FaultVerdict,
    judge_fault,
    judge_task,
    plugin_shipped,
    plugin_text,
    sink_name,
)
from chaos.oracle._outcomes import SCORED_OUTCOMES, FaultOutcome
from chaos.oracle._values import carries, value_leaks

__all__ = ["SCORED_OUTCOMES", "FaultOutcome", "FaultVerdict", "HandledVerdict", "carries",
           "judge_fault", "judge_handled", "judge_task", "plugin_shipped", "plugin_text",
           "sink_name", "value_leaks"]
