"""The oracle: outcomes per fault and a task verdict per episode, from what really happened."""

from chaos.oracle._judge import FaultVerdict, judge_fault, judge_task, plugin_shipped
from chaos.oracle._outcomes import SCORED_OUTCOMES, FaultOutcome

__all__ = ["SCORED_OUTCOMES", "FaultOutcome", "FaultVerdict", "judge_fault", "judge_task",
           "plugin_shipped"]
