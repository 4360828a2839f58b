"""The simulated episode: simpy clock, chain runner, fault monitor, typed trace."""

from chaos.sim._chain import ChainRunner, StepLimitReached
from chaos.sim._driver import DeadlineExceeded, SimDriver
from chaos.sim._episode import EpisodeRun, crashed_run, plan_faults, run_episode, task_facts
from chaos.sim._latency import draw_latency
from chaos.sim._monitor import ActiveFault, FaultMonitor
from chaos.sim._plan import Arm, EpisodePlan, plan_episodes
from chaos.sim._trace import (
    AgentFinished,
    AgentStarted,
    EpisodeFinished,
    EpisodeStarted,
    FaultInjected,
    FaultTouched,
    IssueReported,
    MailReceived,
    ModelCalled,
    ToolCalled,
    ToolReturned,
    TraceEvent,
)

__all__ = [
    "ActiveFault",
    "AgentFinished",
    "AgentStarted",
    "Arm",
    "ChainRunner",
    "DeadlineExceeded",
    "EpisodeFinished",
    "EpisodePlan",
    "EpisodeRun",
    "EpisodeStarted",
    "FaultInjected",
    "FaultMonitor",
    "FaultTouched",
    "IssueReported",
    "MailReceived",
    "ModelCalled",
    "SimDriver",
    "StepLimitReached",
    "ToolCalled",
    "ToolReturned",
    "TraceEvent",
    "crashed_run",
    "draw_latency",
    "plan_episodes",
    "plan_faults",
    "run_episode",
    "task_facts",
]
