"""Provider faults: what model APIs do in production — 429s, 5xx, timeouts, broken answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults._base import Fault, FaultContext, Taint, fault

__all__ = ["EmptyResponse", "MalformedToolCall", "RateLimit", "ServerError", "Timeout",
           "Truncated"]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    times: int = Field(1, ge=1, description="Model calls hit, from the trigger on")


class _ModelFault(Fault):
    """Arms the episode's provider-fault rules; the next `times` model calls meet it."""

    family = "model"
    default_target = None
    Params = _Params
    action: str

    def _arm(self, ctx: FaultContext, **settings: object) -> Taint:
        from chaos.models._faults import Armed

        assert ctx.model is not None, "model faults need the episode's provider rules"
        ctx.model.armed.append(Armed(self.action, self.params.times, hit=ctx.hit,  # type: ignore[arg-type]
                                     **settings))  # type: ignore[arg-type]
        # A provider failure stands between the chain and everything the task needs.
        needed = list(getattr(ctx.facts, "needed", ()) or ())
        return Taint(targets=needed, touch="hit",
                     detail={"action": self.action, "times": self.params.times})

    def inject(self, ctx: FaultContext) -> Taint:
        """Arm the fault for the next model calls."""
        return self._arm(ctx)


class RateParams(_Params):
    """Parameters of model.rate_limit."""

    retry_after_s: float = Field(2.0, ge=0, description="The Retry-After the 429 carries")


@fault("model.rate_limit")
class RateLimit(_ModelFault):
    """429 Too Many Requests with Retry-After, in the provider's own error body."""

    summary = "The model API answers 429 (rate limit) with a Retry-After."
    Params = RateParams
    action = "rate_limit"

    def inject(self, ctx: FaultContext) -> Taint:
        """Arm the 429s."""
        return self._arm(ctx, retry_after_s=self.params.retry_after_s, status=429)


class ServerParams(_Params):
    """Parameters of model.server_error."""

    status: Literal[500, 502, 503] = 503


@fault("model.server_error")
class ServerError(_ModelFault):
    """500/502/503 from the model API, in the provider's own error body."""

    summary = "The model API answers 5xx (server error or overloaded)."
    Params = ServerParams
    action = "server_error"

    def inject(self, ctx: FaultContext) -> Taint:
        """Arm the 5xx."""
        return self._arm(ctx, status=self.params.status)


@fault("model.timeout")
class Timeout(_ModelFault):
    """The model API never answers: the SDK's read timeout."""

    summary = "The model call times out."
    action = "timeout"


@fault("model.truncated")
class Truncated(_ModelFault):
    """The answer is cut by the token limit (finish_reason length / stop_reason max_tokens)."""

    summary = "The model's answer stops at the token limit, its tool calls lost."
    action = "truncated"


class MalformedParams(_Params):
    """Parameters of model.malformed_tool_call."""

    mode: Literal["json", "unknown_tool"] = Field(
        "json", description="Arguments that are not valid JSON, or a tool name that does "
        "not exist")


@fault("model.malformed_tool_call")
class MalformedToolCall(_ModelFault):
    """The model's tool call cannot run: broken JSON arguments, or an unknown tool name."""

    summary = "The model emits a tool call with invalid JSON arguments or an unknown tool."
    Params = MalformedParams
    action = "malformed_tool_call"

    def inject(self, ctx: FaultContext) -> Taint:
        """Arm the malformed calls."""
        return self._arm(ctx, mode=self.params.mode)


@fault("model.empty_response")
class EmptyResponse(_ModelFault):
    """The model answers nothing: no text, no tool call."""

    summary = "The model returns an empty answer."
    action = "empty_response"
