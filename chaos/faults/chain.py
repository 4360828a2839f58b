"""Chain faults: what goes wrong in the hand-off between agents.

They act on the task handed to a sub-agent and on the answer handed back, through the chain
runner's hooks, so the sub-agent's own model and tools stay as they are.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults._base import DelegationFailed, Fault, FaultContext, Taint, fault

__all__ = ["HandoffDrop", "MessageTruncated", "SubagentError", "SubagentWrong"]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agent: str | None = Field(None, description="The sub-agent whose hand-off is hit (any if "
                              "unset)")
    times: int = Field(1, ge=1, description="Hand-offs hit before they work again")


class _ChainFault(Fault):
    """Acts on hand-offs to `agent`, `times` times; its targets are the task's clips."""

    family = "chain"
    default_target = None
    Params = _Params

    def _hits(self, callee: str, left: list[int]) -> bool:
        if self.params.agent not in (None, callee) or left[0] <= 0:
            return False
        left[0] -= 1
        return True

    def _taint(self, ctx: FaultContext) -> Taint:
        """A hand-off fault's taint: no data; its targets are named as it acts."""
        return Taint(detail={"agent": self.params.agent or "any"}, touch="hit")


def _clip_path(ctx: FaultContext, clip_id: object) -> str | None:
    """The right file of a shot-list clip, by its id."""
    return next((c.path for c in ctx.world.truth.clips if c.clip_id == clip_id), None)


class ErrorParams(_Params):
    """Parameters of chain.subagent_error."""

    mode: Literal["error", "timeout"] = "error"
    timeout_ms: int = Field(300_000, ge=1, description="How long a timed-out hand-off takes")


@fault("chain.subagent_error")
class SubagentError(_ChainFault):
    """The delegated agent fails (its provider errors) or times out; the caller gets the error."""

    summary = "A delegated agent fails or times out instead of answering."
    Params = ErrorParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Fail the next `times` hand-offs to the agent."""
        assert ctx.chain is not None
        left = [self.params.times]

        def on_task(caller: str, callee: str, task: str) -> str:
            if not self._hits(callee, left):
                return task
            ctx.hit(f"agent:{callee}")
            if self.params.mode == "timeout":
                ctx.chain.delay_ms += self.params.timeout_ms
                raise DelegationFailed(f"agent '{callee}' timed out after "
                                       f"{self.params.timeout_ms // 1000} s")
            raise DelegationFailed(f"agent '{callee}' failed: 503 upstream model unavailable")

        ctx.chain.on_task.append(on_task)
        return self._taint(ctx)


def _clips(answer: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    try:
        value = json.loads(answer)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("clips"), list) \
            or not value["clips"]:
        return None
    return value, value["clips"]


@fault("chain.subagent_wrong")
class SubagentWrong(_ChainFault):
    """The delegated agent answers plausibly but wrongly: a stock clip in place of a match clip."""

    summary = "A delegated agent returns a plausible wrong answer (a stock clip in its list)."

    def inject(self, ctx: FaultContext) -> Taint:
        """Swap one clip of the next `times` clip lists for stock footage."""
        assert ctx.chain is not None
        left = [self.params.times]
        stock = sorted((f for f in ctx.world.files.values() if "stock_clip" in f.tags),
                       key=lambda f: f.path)
        taint = self._taint(ctx)

        def on_answer(caller: str, callee: str, answer: str) -> str:
            parsed = _clips(answer)
            if parsed is None or not stock or not self._hits(callee, left):
                return answer
            value, clips = parsed
            wrong = ctx.rng.choice(stock)
            victim = clips[ctx.rng.randrange(len(clips))]
            victim["path"] = wrong.path
            if (right := _clip_path(ctx, victim.get("clip_id"))) is not None:
                taint.targets.append(right)  # the clip the wrong answer stands in for
            taint.paths.append(wrong.path)
            taint.digests.append(wrong.digest)
            taint.watch.append(wrong.path)
            ctx.hit(f"agent:{callee}")
            return json.dumps(value, ensure_ascii=False)

        ctx.chain.on_answer.append(on_answer)
        return taint


class DropParams(_Params):
    """Parameters of chain.handoff_drop."""

    side: Literal["result", "task"] = Field("result", description="Lose part of the answer "
                                            "handed back, or of the task handed over")


@fault("chain.handoff_drop")
class HandoffDrop(_ChainFault):
    """Part of a hand-off is lost: a clip drops out of the answer, or a line out of the task."""

    summary = "Part of a delegated task or of its result is lost in the hand-off."
    Params = DropParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Drop a piece of the next `times` hand-offs."""
        assert ctx.chain is not None
        left = [self.params.times]

        taint = self._taint(ctx)

        def on_answer(caller: str, callee: str, answer: str) -> str:
            parsed = _clips(answer)
            if self.params.side != "result" or parsed is None or not self._hits(callee, left):
                return answer
            value, clips = parsed
            dropped = clips.pop(ctx.rng.randrange(len(clips)))
            if (right := _clip_path(ctx, dropped.get("clip_id"))) is not None:
                taint.targets.append(right)  # the clip lost in the hand-off
            ctx.hit(f"agent:{callee}")
            return json.dumps(value, ensure_ascii=False)

        def on_task(caller: str, callee: str, task: str) -> str:
            lines = task.split("\n")  # lines as a reader sees them, not at every U+2028
            if self.params.side != "task" or len(lines) < 2 or not self._hits(callee, left):
                return task
            ctx.hit(f"agent:{callee}")
            return "\n".join(lines[:-1])

        ctx.chain.on_answer.append(on_answer)
        ctx.chain.on_task.append(on_task)
        return taint


class TruncatedParams(_Params):
    """Parameters of chain.message_truncated."""

    keep: float = Field(0.5, gt=0, lt=1, description="Fraction of the message kept")
    side: Literal["result", "task"] = "result"


@fault("chain.message_truncated")
class MessageTruncated(_ChainFault):
    """A hand-off message is cut off mid-way (a context or transport limit)."""

    summary = "A delegated task or its answer is cut off part-way."
    Params = TruncatedParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Cut the next `times` hand-offs."""
        assert ctx.chain is not None
        left = [self.params.times]

        def cut(side: str, callee: str, text: str) -> str:
            if self.params.side != side or len(text) < 8 or not self._hits(callee, left):
                return text
            ctx.hit(f"agent:{callee}")
            return text[: int(len(text) * self.params.keep)]

        ctx.chain.on_task.append(lambda caller, callee, task: cut("task", callee, task))
        ctx.chain.on_answer.append(lambda caller, callee, answer: cut("result", callee, answer))
        return self._taint(ctx)
