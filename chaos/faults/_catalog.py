"""What `chaos faults` shows: each kind's description, parameters, triggers and an example."""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel

from chaos.faults._base import fault_kinds
from chaos.profile._schema import TriggerSpec

__all__ = ["FaultDoc", "ParamDoc", "TRIGGER_WHENS", "describe_fault"]

TRIGGER_WHENS = typing.get_args(TriggerSpec.model_fields["when"].annotation)


@dataclass(frozen=True)
class ParamDoc:
    """One parameter of a fault kind."""

    name: str
    type: str
    default: str
    description: str


@dataclass(frozen=True)
class FaultDoc:
    """Everything a profile author needs to know about one fault kind."""

    kind: str
    family: str
    summary: str
    details: str
    params: tuple[ParamDoc, ...]
    default_target: str
    example: str


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if not typing.get_args(annotation) else None
    return text or str(annotation).replace("typing.", "")


def _params(model: type[BaseModel]) -> tuple[ParamDoc, ...]:
    return tuple(ParamDoc(name, _type_name(f.annotation), repr(f.get_default(
        call_default_factory=True)), f.description or "") for name, f in
        model.model_fields.items())


def describe_fault(kind: str) -> FaultDoc:
    """The documentation of fault kind `kind` (KeyError with suggestions if unknown)."""
    cls = fault_kinds.get(kind)
    target = cls.default_target
    example: dict[str, Any] = {"id": f"my-{kind.replace('.', '-').replace('_', '-')}",
                               "kind": kind}
    if target is not None:
        example["target"] = target.model_dump(exclude_defaults=True) | {"pick": 1}
    example["trigger"] = {"when": "start"}
    defaults = cls.Params().model_dump(mode="json")
    if defaults:
        example["params"] = defaults
    text = yaml.safe_dump([example], sort_keys=False, default_flow_style=None).rstrip()
    target_text = ("none (acts on messages or hand-offs, not files)" if target is None else
                   ", ".join(f"{k}: {v}" for k, v in target.model_dump(exclude_defaults=True)
                             .items()))
    return FaultDoc(kind, cls.family, cls.summary, inspect.cleandoc(cls.__doc__ or ""),
                    _params(cls.Params), target_text, text)
