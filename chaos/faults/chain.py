"""Chain faults: what goes wrong in the hand-off between agents.

They act on the task handed to a sub-agent and on the answer handed back, through the chain
runner's hooks, so the sub-agent's own model and tools stay as they are.
"""

from __future__ import annotations

import posixpath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults._answers import (
    Answer,
    lists,
    parse_answer,
    path_slots,
    path_words,
    stands_for,
    swap_value,
    text_paths,
)
from chaos.faults._base import (
    DelegationFailed,
    Fault,
    FaultContext,
    FileSelect,
    Taint,
    fault,
    select_files,
)
from chaos.world import WorldFile

__all__ = ["HandoffDrop", "MessageTruncated", "SubagentError", "SubagentWrong"]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agent: str | None = Field(None, description="The sub-agent whose hand-off is hit (any if "
                              "unset)")
    times: int = Field(1, ge=1, description="Hand-offs hit before they work again")


class _ChainFault(Fault):
    """Acts on hand-offs to `agent`, `times` times; its targets are named as it acts."""

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


class ValueSwap(BaseModel):
    """A value the wrong answer carries in place of the right one."""

    # `{from: 12.5, to: 13.5}` is YAML numbers: a value is compared as the answer writes it.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              serialize_by_alias=True, coerce_numbers_to_str=True)
    from_: str = Field(alias="from", min_length=1, max_length=1000,
                       description="The right value, as the answer writes it")
    to: str = Field(max_length=1000, description="The wrong value put in its place")


class WrongParams(_Params):
    """Parameters of chain.subagent_wrong."""

    decoy: FileSelect | None = Field(
        None, description="World files whose path replaces one path in the answer (unset: a "
        "file of the same extension that the task does not need)")
    values: ValueSwap | None = Field(
        None, description="Swap this value in the answer: {from: '1.4.2', to: '1.3.9'} (with "
        "no decoy named, instead of a path)")


@fault("chain.subagent_wrong")
class SubagentWrong(_ChainFault):
    """The delegated agent answers plausibly but wrongly: a decoy's path, or a wrong value.

    With `decoy` (the default), one absolute path in the answer (JSON of any shape, or text)
    becomes the path of a decoy file: `decoy: {tag: stale}` or `{glob: "/archive/**"}`; unset,
    a world file of the same extension that the task does not need. The decoy's path and
    bytes must not leave; the path it replaced is what the wrong answer stands in for. With
    `values: {from: "1.4.2", to: "1.3.9"}` the answer carries the wrong value instead
    (strings and equal numbers), which must not leave either.
    """

    summary = "A delegated agent returns a plausible wrong answer (a decoy's path or a value)."
    Params = WrongParams
    examples = (
        {"params": {"agent": "finder", "decoy": {"glob": "/release/old/**"}}},
        {"params": {"agent": "checker", "values": {"from": "1.4.2", "to": "1.3.9"}}},
    )

    def inject(self, ctx: FaultContext) -> Taint:
        """Swap a path or a value in the next `times` answers that hold one."""
        assert ctx.chain is not None
        left = [self.params.times]
        taint = self._taint(ctx)
        decoys = [] if self.params.decoy is None else \
            select_files(ctx.world, self.params.decoy, ctx.facts)
        if self.params.values is not None:
            taint.detail["values"] = {"from": self.params.values.from_,
                                      "to": self.params.values.to}

        def on_answer(caller: str, callee: str, text: str) -> str:
            if self.params.agent not in (None, callee) or left[0] <= 0:
                return text
            answer = parse_answer(text)
            swap = self.params.values
            swapped = swap is not None and swap_value(answer, swap.from_, swap.to)
            if swapped:
                assert swap is not None
                if swap.to not in taint.values:
                    taint.values.append(swap.to)
                taint.targets.extend(p for p in _holding(ctx, swap.from_)
                                     if p not in taint.targets)
            # A decoy path as well when one is named, or instead when no value is swapped.
            if (swap is None or self.params.decoy is not None) \
                    and self._swap_path(ctx, answer, decoys, taint):
                swapped = True
            if not swapped:
                return text
            self._hits(callee, left)
            ctx.hit(f"agent:{callee}")
            return answer.dump()

        ctx.chain.on_answer.append(on_answer)
        return taint

    def _swap_path(self, ctx: FaultContext, answer: Answer, decoys: list[WorldFile],
                   taint: Taint) -> bool:
        """Put a decoy's path in place of one path of the answer; False if none could be."""
        slots = path_slots(answer) if answer.is_json else text_paths(answer.text)
        if not slots or (self.params.decoy is not None and not decoys):
            return False
        wrong: WorldFile | None = None
        if self.params.decoy is not None:
            # The decoy is drawn before the place: the draws of a seed stay as they were.
            wrong = ctx.rng.choice(decoys)
        if answer.is_json:
            container, key, owner = slots[ctx.rng.randrange(len(slots))]
            original = container[key]
        else:
            match = slots[ctx.rng.randrange(len(slots))]
            original = match.group()
        if self.params.decoy is None:
            wrong = _same_kind(ctx, original)
        if wrong is None:
            return False
        if answer.is_json:
            container[key] = wrong.path
            right = stands_for(ctx.world, ctx.facts, original, owner)
        else:
            answer.text = answer.text[:match.start()] + wrong.path + answer.text[match.end():]
            right = stands_for(ctx.world, ctx.facts, original)
        if right is not None and right not in taint.targets:
            taint.targets.append(right)  # what the wrong answer stands in for
        taint.paths.append(wrong.path)
        taint.digests.append(wrong.digest)
        taint.watch.append(wrong.path)
        taint.detail.setdefault("swapped", []).append({"from": original, "to": wrong.path})
        return True


def _same_kind(ctx: FaultContext, original: str) -> WorldFile | None:
    """A world file like `original` (same extension) that the task does not need."""
    needed = set(getattr(ctx.facts, "needed", ()) or ())
    ext = posixpath.splitext(original)[1].lower()
    avoid = needed | {original}
    pool = [ctx.world.files[p] for p in sorted(ctx.world.files)
            if posixpath.splitext(p)[1].lower() == ext and p not in avoid]
    same = {f.digest for f in ctx.world.files.values() if f.path in avoid}
    pool = [f for f in pool if f.digest not in same]  # a copy of the right file is no decoy
    return ctx.rng.choice(pool) if pool else None


def _holding(ctx: FaultContext, value: str) -> list[str]:
    """The needed files whose bytes hold `value`: what a swapped value stands in for."""
    needle = value.encode()
    return [p for p in getattr(ctx.facts, "needed", ()) or ()
            if p in ctx.world.files and needle in ctx.world.files[p].data]


class DropParams(_Params):
    """Parameters of chain.handoff_drop."""

    side: Literal["result", "task"] = Field("result", description="Lose part of the answer "
                                            "handed back, or of the task handed over")


@fault("chain.handoff_drop")
class HandoffDrop(_ChainFault):
    """Part of a hand-off is lost: an item of a list in the answer, or a line of text.

    On the result side, an item drops out of a JSON list of the answer (the first list whose
    items name paths, else the first list), or a line out of a text answer; what the dropped
    item named (a world file) is the fault's target. On the task side, the task's last line is
    lost.
    """

    summary = "Part of a delegated task or of its result is lost in the hand-off."
    Params = DropParams
    examples = ({"params": {"agent": "finder", "side": "result", "times": 2}},
                {"params": {"agent": "sender", "side": "task"}})

    def inject(self, ctx: FaultContext) -> Taint:
        """Drop a piece of the next `times` hand-offs."""
        assert ctx.chain is not None
        left = [self.params.times]

        taint = self._taint(ctx)

        def on_answer(caller: str, callee: str, text: str) -> str:
            if self.params.side != "result" or self.params.agent not in (None, callee) \
                    or left[0] <= 0:
                return text
            answer = parse_answer(text)
            if answer.is_json:
                found = lists(answer.value)
                if not found:
                    return text
                items = found[0]
                dropped = items.pop(ctx.rng.randrange(len(items)))
                owner = dropped if isinstance(dropped, dict) else None
            else:
                lines = [line for line in text.split("\n") if line.strip()]
                if len(lines) < 2:
                    return text  # a one-line answer lost whole is a truncation, not a drop
                dropped = lines.pop(ctx.rng.randrange(len(lines)))
                answer.text, owner = "\n".join(lines), None
            for path in path_words(dropped):
                right = stands_for(ctx.world, ctx.facts, path, owner)
                if right is not None and right not in taint.targets:
                    taint.targets.append(right)  # what was lost in the hand-off
            self._hits(callee, left)
            ctx.hit(f"agent:{callee}")
            return answer.dump()

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
