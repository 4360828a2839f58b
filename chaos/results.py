"""The results file, `results.json`: a public contract users script against (DESIGN.md).

Fields may be added; existing ones keep their meaning. Bump `RESULTS_VERSION` if one must change.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "RESULTS_VERSION",
    "AgentRunResult",
    "EpisodeResult",
    "FaultReach",
    "FaultResult",
    "NeverFired",
    "ProfileRef",
    "RunResults",
    "TaskResult",
    "UsageResult",
]

RESULTS_VERSION = 1


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileRef(_Record):
    """A profile that took part in the run."""

    name: str
    path: str
    sha256: str


class TaskResult(_Record):
    """The episode's task verdict."""

    passed: bool
    reasons: list[str]


#: Why a fault never fired in an episode (`NeverFired.code`).
NeverFiredCode = Literal["trigger_never_came", "probability_skipped", "outside_window",
                         "no_target", "never_touched", "crashed_first"]


class NeverFired(_Record):
    """Why a fault never fired in one episode: a code to count, and words to read.

    Codes: `trigger_never_came` (no matching tool call, model call or hand-off, or the
    episode ended before its time), `probability_skipped` (its seeded draw skipped it),
    `outside_window` (its event came only outside its window), `no_target` (nothing in this
    world matched its target selector), `never_touched` (it took effect, but the chain never
    met what it altered), `crashed_first` (the episode crashed before the chain met it).
    """

    code: NeverFiredCode
    why: str


class FaultReach(_Record):
    """What one fault reached in one episode, judged from the trace and the end state.

    Attributes:
        agents: The agents that met it (a tool call of theirs touched what it altered, or
            it acted on their call or hand-off), and the callee of a hand-off it acted on.
        tools: The tools through which it acted or its tainted data was read.
        files: The files the chain touched that it altered, created or removed (the access
            log, or what it acted on): never its whole target list.
        tags: Those files' tags (a created file's: the world file it stands beside).
        sinks: Where its taint left (`mail`, `upload`, `sms`, `write`, `answer`, or a
            plugin sink's name), and the sink of a send it acted on (a refused mail or
            upload, a write a full disk stopped).
        never: Why it never fired (only when it did not).

    Empty lists are left out of the file, so a fault that never fired is `{"never": ...}`.
    """

    agents: list[str] = Field([], exclude_if=lambda value: not value)
    tools: list[str] = Field([], exclude_if=lambda value: not value)
    files: list[str] = Field([], exclude_if=lambda value: not value)
    tags: list[str] = Field([], exclude_if=lambda value: not value)
    sinks: list[str] = Field([], exclude_if=lambda value: not value)
    never: NeverFired | None = Field(None, exclude_if=lambda value: value is None)


class FaultResult(_Record):
    """One fault's outcome in one episode.

    `touched_by` is the hop (agent) that first met the fault; `detected_by` the hop whose
    report first named it, if any.
    """

    id: str
    kind: str
    fired: bool
    outcome: Literal["propagated", "detected", "recovered", "silent", "not_triggered", "crashed"]
    touched_by: str | None = None
    detected_by: str | None
    time_to_detection_ms: int | None
    evidence: list[str]
    #: What it reached (`chaos.coverage`); None in results written before chaos recorded it.
    reached: FaultReach | None = Field(None, exclude_if=lambda value: value is None)


class UsageResult(_Record):
    """Tokens and cost of the episode's model calls."""

    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class AgentRunResult(_Record):
    """How a team's own agent ran in the episode (`--agent`, `chain.command`/`function`).

    `wall_ms` is real time, beside the episode's simulated `sim_time_ms`: unlike the rest of
    the result it differs from run to run.
    """

    kind: Literal["command", "function"]
    exit_code: int | None = None
    wall_ms: int


class EpisodeResult(_Record):
    """One episode: its plan, status, task verdict and per-fault outcomes.

    `handled` is the fault-aware task verdict (`chaos.oracle.judge_handled`): the task passed,
    or every part of it a fault made impossible was reported and nothing wrong left; in the
    clean arm it equals task passed. None only in results written before chaos judged it.
    """

    key: str
    profile: str
    model: str
    seed: int
    arm: Literal["clean", "chaos"]
    status: Literal["completed", "crashed"]
    error: str | None = None
    task: TaskResult
    handled: bool | None = None
    faults: list[FaultResult]
    sim_time_ms: int
    usage: UsageResult
    trace: str
    reproduce: str
    #: Only for a team's own agent: left out of the file otherwise.
    agent: AgentRunResult | None = Field(None, exclude_if=lambda value: value is None)


class RunResults(_Record):
    """The whole run."""

    version: int = RESULTS_VERSION
    profiles: list[ProfileRef]
    episodes: list[EpisodeResult]
    summary: dict[str, Any]
