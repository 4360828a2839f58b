"""The profile's JSON Schema, for editors (yaml-language-server) and other tools.

It is generated from the pydantic models, so it cannot drift from what `chaos validate`
accepts; each field's description comes from the `Attributes:` section of its model's
docstring, so editors show the same help the code documents.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from chaos.profile._extends import APPEND
from chaos.profile._schema import GATE_METRICS
from chaos.profile._union import profile_model

__all__ = ["profile_json_schema", "profile_json_schema_text"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_FIELD = re.compile(r"^(\w+):\s*(.*)$")


def profile_json_schema(partial: bool = False) -> dict[str, Any]:
    """The JSON Schema of a profile file, with `extends` and `key+` appends.

    Args:
        partial: The schema of a file that extends another: nothing is required (the base
            may give it) and any key may be null (null removes an inherited key).
    """
    schema = profile_model().model_json_schema(schema_generator=_Documented)
    schema = {"$schema": _DIALECT, "title": "chaos profile", **schema}
    defs = schema.get("$defs", {})
    schema["properties"] = {
        "version": schema["properties"]["version"],
        "extends": {"type": "string", "title": "Extends",
                    "description": "The profile this one builds on (a path relative to this "
                                   "file). Mappings merge key by key, other values replace, "
                                   "null removes an inherited key, and `key+:` appends to an "
                                   "inherited list."},
        **{k: v for k, v in schema["properties"].items() if k != "version"},
    }
    _model_ids(schema["properties"]["models"])
    _expectations(schema)
    _shared_items(schema, "faults", "FaultSpec")
    _shared_items(schema, "models", "ModelSpec")
    for def_schema in defs.values():
        _fault_kind(def_schema)
    for name in ("GateSetSpec", "GatesSpec"):
        if name in defs:
            _one_or_many_gates(defs[name])
    for node in [schema, *defs.values()]:
        _appends(node)
        if partial:
            _optional(node)
    if partial:
        schema["title"] = "chaos profile (extending another)"
    return schema


def _expectations(schema: dict[str, Any]) -> None:
    """`task.expect` items as the `expect` task kind validates them (its own models)."""
    from chaos.tasks.expect import Expectation

    task = schema.get("$defs", {}).get("TaskSpec", {}).get("properties", {})
    if "expect" not in task:
        return
    items = Expectation.model_json_schema(schema_generator=_Documented,
                                          ref_template="#/$defs/{model}")
    for name, definition in items.pop("$defs", {}).items():
        schema["$defs"].setdefault(name, definition)
    schema["$defs"].setdefault("Expectation", items)
    description = task["expect"].get("description")
    task["expect"] = {"anyOf": [{"type": "array", "items": {"$ref": "#/$defs/Expectation"},
                                 "maxItems": 200}, {"type": "null"}]}
    if description:
        task["expect"]["description"] = description


def profile_json_schema_text(partial: bool = False) -> str:
    """The schema as stable JSON text (the same bytes for the same chaos and plugins)."""
    return json.dumps(profile_json_schema(partial), indent=2, ensure_ascii=False) + "\n"


def _optional(node: dict[str, Any]) -> None:
    """Nothing required, and every property may be null (for a file that extends another)."""
    node.pop("required", None)
    for name, prop in node.get("properties", {}).items():
        if name not in ("version", "extends"):
            node["properties"][name] = {"anyOf": [prop, {"type": "null"}]}
            _optional(prop)
    if isinstance(node.get("additionalProperties"), dict):  # a mapping of named items
        node["additionalProperties"] = {"anyOf": [node["additionalProperties"],
                                                  {"type": "null"}]}


class _Documented(GenerateJsonSchema):
    """Takes model and field descriptions from Google-style docstrings."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        cls = schema["cls"]
        summary, fields = _docs(cls)
        if summary:
            json_schema["description"] = summary
        else:
            json_schema.pop("description", None)
        for name, prop in json_schema.get("properties", {}).items():
            if name in fields and "description" not in prop:
                prop["description"] = fields[name]
        return json_schema


def _docs(cls: type[BaseModel]) -> tuple[str, dict[str, str]]:
    """A model's summary (its docstring up to `Attributes:`) and its fields' descriptions.

    Fields documented in a base class's docstring are included.
    """
    fields: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__dict__.get("__doc__"):
            fields |= _attributes(inspect.cleandoc(klass.__doc__))
    text = inspect.cleandoc(cls.__doc__ or "")
    summary = text.split("\nAttributes:", 1)[0].strip()
    return summary, fields


def _attributes(doc: str) -> dict[str, str]:
    lines = doc.split("\nAttributes:\n", 1)
    if len(lines) < 2:
        return {}
    fields: dict[str, str] = {}
    current = None
    for line in lines[1].splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            break  # the next section
        entry = _FIELD.match(line.strip()) if not line.startswith("     ") else None
        if entry:
            current = entry.group(1)
            fields[current] = entry.group(2)
        elif current is not None:
            fields[current] += " " + line.strip()
    return fields


def _model_ids(models: dict[str, Any]) -> None:
    """`models` items may also be written as ids: `scripted/careful`, `openai/gpt-4.1-mini`."""
    specs = models["items"]
    models["items"] = {"anyOf": [
        {"type": "string", "pattern": "^[a-z][a-z0-9_-]*/.+$",
         "description": "A model id: scripted/<policy>, openai/<model>, anthropic/<model>, "
                        "replay/<cassette.jsonl> or <plugin-provider>/<model>"},
        specs]}


def _shared_items(schema: dict[str, Any], prop: str, name: str) -> None:
    """Move a list's item schema to `$defs` (so `prop+` can share it)."""
    items = schema["properties"][prop]["items"]
    defs = schema.setdefault("$defs", {})
    if name in defs:
        raise ValueError(f"JSON Schema definition {name} is taken; rename the model")
    defs[name] = items
    schema["properties"][prop]["items"] = {"$ref": f"#/$defs/{name}"}


def _fault_kind(def_schema: dict[str, Any]) -> None:
    """Titles and help for the per-kind fault models (`kind: fs.decoy`)."""
    kind = def_schema.get("properties", {}).get("kind", {}).get("const")
    if not isinstance(kind, str) or "params" not in def_schema["properties"]:
        return
    def_schema["title"] = f"fault {kind}"
    def_schema["properties"]["kind"]["description"] = (
        f"The fault kind; `chaos faults {kind}` shows it in full.")
    def_schema["properties"]["params"]["description"] = f"The parameters of {kind}."


def _one_or_many_gates(gate_set: dict[str, Any]) -> None:
    """A gate metric takes one gate or a list of gates."""
    for metric in GATE_METRICS:
        prop = gate_set.get("properties", {}).get(metric)
        if prop is None or prop.get("type") != "array":
            continue
        items = prop.pop("items")
        prop.pop("type")
        prop["anyOf"] = [items, {"type": "array", "items": items}]


def _appends(node: dict[str, Any]) -> None:
    """For each list property `p` of an object, `p+` (append to the inherited list)."""
    props = node.get("properties")
    if not isinstance(props, dict):
        return
    for name, prop in list(props.items()):
        if prop.get("type") == "array" and "items" in prop:
            props[name + APPEND] = {
                "type": "array", "items": copy.deepcopy(prop["items"]),
                "title": f"{prop.get('title', name)} (append)",
                "description": f"Appends to the inherited `{name}` (in a profile that extends "
                               "another)."}
