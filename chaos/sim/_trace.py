"""Typed trace events: everything that happened in an episode, in simulated time and order."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AgentFinished",
    "AgentStarted",
    "EpisodeFinished",
    "EpisodeStarted",
    "FaultInjected",
    "FaultTouched",
    "IssueReported",
    "MailReceived",
    "ModelCalled",
    "ModelFailed",
    "ToolCalled",
    "ToolReturned",
    "TraceEvent",
]


class _Event(BaseModel):
    """Fields every event has.

    Attributes:
        seq: Order of the event in the episode, from 0.
        t_ms: Simulated time in milliseconds.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    seq: int
    t_ms: int


class EpisodeStarted(_Event):
    """The episode began."""

    type: Literal["episode_started"] = "episode_started"
    key: str
    model: str
    seed: int
    arm: str


class AgentStarted(_Event):
    """An agent invocation began (the entry agent, or a delegated one)."""

    type: Literal["agent_started"] = "agent_started"
    agent: str
    invocation: str
    parent: str | None = None
    task: str


class ModelCalled(_Event):
    """A model call finished."""

    type: Literal["model_called"] = "model_called"
    agent: str
    invocation: str
    step: int
    latency_ms: int
    text: str = ""
    tool_calls: list[str] = []
    input_tokens: int = 0
    output_tokens: int = 0
    finish_reason: str | None = None


class ModelFailed(_Event):
    """A model call failed at the provider; `retry_in_ms` is None when the chain gives up."""

    type: Literal["model_failed"] = "model_failed"
    agent: str
    invocation: str
    attempt: int
    status: int | None
    error: str
    retry_in_ms: int | None


class ToolCalled(_Event):
    """An agent called a tool."""

    type: Literal["tool_called"] = "tool_called"
    agent: str
    invocation: str
    call_id: str
    tool: str
    arguments: dict[str, Any]


class ToolReturned(_Event):
    """A tool answered (`ok` false: the agent got an error text)."""

    type: Literal["tool_returned"] = "tool_returned"
    agent: str
    invocation: str
    call_id: str
    tool: str
    ok: bool
    result: str


class FaultInjected(_Event):
    """A fault took effect on the world."""

    type: Literal["fault_injected"] = "fault_injected"
    fault_id: str
    kind: str
    targets: list[str]
    paths: list[str]
    detail: dict[str, Any] = {}


class FaultTouched(_Event):
    """The chain first touched what a fault altered: from here on, the fault has fired."""

    type: Literal["fault_touched"] = "fault_touched"
    fault_id: str
    agent: str
    tool: str
    call_id: str
    path: str


class IssueReported(_Event):
    """An agent called report_issue."""

    type: Literal["issue_reported"] = "issue_reported"
    agent: str
    number: int
    severity: str
    summary: str
    paths: list[str]


class MailReceived(_Event):
    """A message in the episode's mailbox, as the oracle inspected it (at the episode's end)."""

    type: Literal["mail_received"] = "mail_received"
    index: int
    to: list[str]
    subject: str
    attachments: list[dict[str, Any]]


class AgentFinished(_Event):
    """An agent invocation ended with an answer, an error, or its step limit."""

    type: Literal["agent_finished"] = "agent_finished"
    agent: str
    invocation: str
    status: Literal["finished", "step_limit", "no_answer"]
    answer: Any = None


class EpisodeFinished(_Event):
    """The episode ended."""

    type: Literal["episode_finished"] = "episode_finished"
    status: Literal["completed", "crashed"]
    error: str | None = None


TraceEvent = Annotated[
    EpisodeStarted
    | AgentStarted
    | ModelCalled
    | ModelFailed
    | ToolCalled
    | ToolReturned
    | FaultInjected
    | FaultTouched
    | IssueReported
    | MailReceived
    | AgentFinished
    | EpisodeFinished,
    Field(discriminator="type"),
]
