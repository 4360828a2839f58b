"""What `chaos faults` shows: each kind's description, parameters, triggers and an example."""

from __future__ import annotations

import inspect
import types
import typing
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel

from chaos.faults._base import NEEDED, fault_kinds
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
    #: More snippets, one per notable use of the parameters (each a valid `faults:` entry).
    examples: tuple[str, ...] = ()


def _type_name(annotation: Any) -> str:
    args = typing.get_args(annotation)
    if not args:
        return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
    if typing.get_origin(annotation) is typing.Literal:
        return " | ".join(str(a) for a in args)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return " | ".join("null" if a is type(None) else _type_name(a) for a in args)
    return str(annotation).replace("typing.", "")


def _snippet(entry: dict[str, Any]) -> str:
    return yaml.safe_dump([entry], sort_keys=False, default_flow_style=None,
                          allow_unicode=True).rstrip()


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
    defaults = cls.Params().model_dump(mode="json", exclude_none=True, by_alias=True)
    if defaults:
        example["params"] = defaults
    target_text = ("none (acts on messages or hand-offs, not files)" if target is None else
                   ", ".join(f"{k}: {v}" for k, v in target.model_dump(exclude_defaults=True)
                             .items()))
    if target is not None and target.tag == NEEDED:
        target_text += " (the files the task needs; name a tag or glob to aim elsewhere)"
    more = tuple(_snippet({"id": example["id"], "kind": kind, **extra})
                 for extra in cls.examples)
    # Paragraphs as one line each: the terminal wraps them to its width.
    details = "\n\n".join(" ".join(part.split("\n"))
                           for part in inspect.cleandoc(cls.__doc__ or "").split("\n\n"))
    return FaultDoc(kind, cls.family, cls.summary, details,
                    _params(cls.Params), target_text, _snippet(example), more)
