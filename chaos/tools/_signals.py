"""Chain tools: hand work to a sub-agent, report an issue, finish with a structured answer."""

from __future__ import annotations

import contextlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chaos.tools._registry import ToolContext, ToolOutput, tool

__all__ = ["FinishRejected", "validate_finish"]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DelegateArgs(_Args):
    agent: str = Field(description="Name of the sub-agent")
    task: str = Field(description="What the sub-agent must do, with everything it needs")


class ReportArgs(_Args):
    severity: Literal["info", "warning", "error", "critical"]
    summary: str = Field(description="What is wrong, in one or two sentences")
    paths: list[str] = Field(default_factory=list, description="Files concerned")


class FinishArgs(_Args):
    result: Any = Field(description="The final answer")


class FinishRejected(Exception):
    """`finish` was called with a result that does not match the agent's result schema."""


def validate_finish(model: type[BaseModel] | None, result: Any) -> Any:
    """The finish payload as JSON-ready data, validated against `model` when there is one.

    Raises:
        FinishRejected: With the validation errors, for the agent to correct.
    """
    if model is None:
        return result
    if isinstance(result, str):
        with contextlib.suppress(json.JSONDecodeError):
            result = json.loads(result)
    try:
        return model.model_validate(result).model_dump(mode="json")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'result'}: {e['msg']}" for e in exc.errors()
        )
        raise FinishRejected(f"error: result rejected: {problems}") from None


@tool("delegate", args=DelegateArgs)
def delegate(ctx: ToolContext, args: DelegateArgs) -> ToolOutput:
    """Hand a task to a named sub-agent and wait for its answer."""
    if args.agent not in ctx.delegates_to:
        allowed = ", ".join(ctx.delegates_to) or "none"
        return f"error: you cannot delegate to '{args.agent}' (allowed: {allowed})"
    return ctx.chain.delegate(ctx.agent, args.agent, args.task)


@tool("report_issue", args=ReportArgs)
def report_issue(ctx: ToolContext, args: ReportArgs) -> str:
    """Report a problem you found (missing, wrong or suspicious files) to the operators."""
    number = ctx.chain.record_issue(ctx.agent, args.severity, args.summary, args.paths)
    return f"issue #{number} recorded"


@tool("finish", args=FinishArgs)
def finish(ctx: ToolContext, args: FinishArgs) -> str:
    """Finish with your final answer; for the chain's entry agent it must match the task schema."""
    ctx.answer = validate_finish(ctx.chain.result_model(ctx.agent), args.result)
    return "finished"
