"""What `recommend` reads of a results summary, checked with typed models at the boundary.

A results.json may be hand-edited, truncated by another tool or written by an older chaos:
every field `recommend` reads (counts, costs, paired rows, judged gates) is validated here,
so a wrong one is an input error naming its JSON path and the fix, never a crash, and no
non-finite number reaches the answer or its JSON. Fields recommend does not read are let
through untouched.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chaos.errors import InputError
from chaos.report._run_dir import json_path

__all__ = ["check_summary"]

_Count = Field(ge=0, strict=True)


class _Loose(BaseModel):
    # NaN and infinity are refused everywhere: the answer's JSON must stay valid JSON.
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


class _PerEpisode(_Loose):
    cost_usd: float | None = Field(ge=0)  # None: the arm ran no episode


class _Usage(_Loose):
    per_episode: _PerEpisode


class _Arm(_Loose):
    episodes: int = _Count
    crashed: int = _Count
    usage: _Usage

    @model_validator(mode="after")
    def _crashed_within(self) -> _Arm:
        if self.crashed > self.episodes:
            raise ValueError(f"crashed ({self.crashed}) exceeds episodes ({self.episodes})")
        if self.episodes and self.usage.per_episode.cost_usd is None:
            raise ValueError("usage.per_episode.cost_usd is null although episodes ran")
        return self


class _Overall(_Loose):
    injected: int = _Count


class _ModelStats(_Loose):
    clean: _Arm
    chaos: _Arm
    overall: _Overall
    faults: dict[str, Any] = {}


class _Paired(_Loose):
    pairs: int = _Count
    a_only: int = _Count
    b_only: int = _Count
    a_rate: float | None = Field(ge=0, le=1)  # None: no pairs
    b_rate: float | None = Field(ge=0, le=1)
    p_value: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _discordant_within(self) -> _Paired:
        if self.a_only + self.b_only > self.pairs:
            raise ValueError(f"a_only + b_only ({self.a_only + self.b_only}) exceeds pairs "
                             f"({self.pairs})")
        if self.pairs and (self.a_rate is None or self.b_rate is None):
            raise ValueError("a_rate and b_rate must be numbers when there are pairs")
        return self


class _Comparison(_Loose):
    a: str
    b: str
    propagated: dict[str, _Paired] = {}
    handled: _Paired | None = None
    task_success: dict[Literal["chaos", "clean"], _Paired] = {}


class _Profile(_Loose):
    models: dict[str, _ModelStats]
    comparisons: list[_Comparison] = []


class _Gate(_Loose):
    profile: str
    model: str
    metric: str
    fault: str | None = None
    arm: Literal["chaos", "clean"]
    op: Literal["max", "min"]
    threshold: float = Field(ge=0, le=1)
    confidence: str
    judged_on: str
    successes: int = _Count
    trials: int = _Count

    @model_validator(mode="after")
    def _successes_within(self) -> _Gate:
        if self.successes > self.trials:
            raise ValueError(f"successes ({self.successes}) exceed trials ({self.trials})")
        return self


class _Summary(_Loose):
    profiles: dict[str, _Profile]
    gates: list[_Gate] = []


def check_summary(summary: Any, source: str) -> None:
    """Refuse a summary whose fields recommend reads are missing, mistyped or not finite.

    Args:
        summary: results.json's `summary` (or a stored sweep's).
        source: The file (or sweep) it came from, named in the error.

    Raises:
        InputError: The first few problems, each with its JSON path, and the fix.
    """
    try:
        _Summary.model_validate(summary)
    except ValidationError as exc:
        problems = "; ".join(f"{json_path(('summary', *e['loc']))}: {e['msg']}"
                             for e in exc.errors()[:3])
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        raise InputError(f"{source}: not a summary chaos recommend can judge: {problems}"
                         f"{more}; write it again with `chaos run` (or `chaos sweep`), or "
                         "restore the file chaos wrote") from None
