"""Schema and reference problems as ProfileErrors at the file, line and column of the value."""

from __future__ import annotations

import typing
from typing import Any

import yaml
from pydantic import BaseModel

from chaos._registry import did_you_mean
from chaos.errors import ProfileError
from chaos.profile._documents import mark
from chaos.profile._schema import (
    PluginModelSpec,
    RemoteModelSpec,
    ReplayModelSpec,
    ScriptedModelSpec,
)
from chaos.profile._union import profile_model

__all__ = ["located", "node_at", "plain_message", "schema_errors", "short_value", "where_text",
           "without_tags"]

#: The model spec each provider tag of the `models` union stands for.
_PROVIDER_MODELS: dict[str, type[BaseModel]] = {
    "scripted": ScriptedModelSpec, "openai": RemoteModelSpec, "anthropic": RemoteModelSpec,
    "replay": ReplayModelSpec, "plugin": PluginModelSpec}
# A misspelt key also makes its right spelling "missing": name the misspelling first.
_FIRST = {"extra_forbidden": 0, "union_tag_invalid": 1}


def located(message: str, root: yaml.Node, loc: tuple[Any, ...],
            key: bool = False) -> ProfileError:
    """A ProfileError at the node a location names (its key's node with `key`)."""
    return ProfileError(message, *mark(_node_at(root, loc, key=key)))


def schema_errors(errors: list[dict[str, Any]], root: yaml.Node) -> list[ProfileError]:
    """Every pydantic error as a located ProfileError, unknown keys and kinds first.

    A required key reported missing next to an unknown key that is its misspelling is left
    out: the did-you-mean on the unknown key already says it.
    """
    ordered = sorted(errors, key=lambda e: _FIRST.get(e["type"], 2))
    suggested = set()
    for err in ordered:
        if err["type"] == "extra_forbidden":
            tagged = tuple(err["loc"])
            model = _model_for(tagged[:-1])
            close = did_you_mean(str(tagged[-1]), sorted(model.model_fields) if model else [])
            if close:
                suggested.add((*without_tags(tagged[:-1]), close.split("'")[1]))
    return [_located_one(err, root) for err in ordered
            if not (err["type"] == "missing" and without_tags(tuple(err["loc"])) in suggested)]


def without_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the fault-kind tag pydantic puts into locations inside a tagged union."""
    from chaos.faults import fault_kinds

    if len(loc) > 2 and ((loc[0] == "faults" and loc[2] in fault_kinds)
                         or (loc[0] == "models" and loc[2] in _PROVIDER_MODELS)):
        return loc[:2] + loc[3:]
    if len(loc) > 5 and loc[:2] == ("world", "files") and loc[3] == "columns" \
            and loc[5] in ("kind", "spec"):
        return loc[:5] + loc[6:]  # a column's form (see the profile schema's `Column`)
    return loc


def _node_at(root: yaml.Node, loc: tuple[Any, ...], key: bool = False) -> yaml.Node:
    """The deepest YAML node on a location's path (skipping union tags not in the YAML)."""
    node = root
    for i, part in enumerate(loc):
        found = None
        if part == 0 and not isinstance(node, yaml.SequenceNode):
            continue  # one item written without its list (a gate: `{max: 0.05}`)
        if isinstance(node, yaml.MappingNode):
            found = next((k if key and i == len(loc) - 1 else v for k, v in node.value
                          if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
        elif (isinstance(node, yaml.SequenceNode) and isinstance(part, int)
              and 0 <= part < len(node.value)):
            found = node.value[part]
        if found is None:
            break  # a default the file does not write: its nearest written parent
        node = found
    return node


def node_at(root: yaml.Node, loc: tuple[Any, ...]) -> yaml.Node:
    """The YAML node a profile location names (its file: `node.start_mark.name`)."""
    return _node_at(root, loc)


def where_text(loc: tuple[Any, ...]) -> str:
    """A location as a reader writes it: `task.expect[0].mail`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "profile"


def _located_one(err: dict[str, Any], root: yaml.Node) -> ProfileError:
    tagged = tuple(err["loc"])
    loc = without_tags(tagged)
    kind = err["type"]
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        parent_model = _model_for(tagged[:-1])
        valid = sorted(parent_model.model_fields) if parent_model else []
        name = str(loc[-1])
        msg = f"unknown key '{name}' in {where_text(loc[:-1])}{did_you_mean(name, valid)}" + (
            f" (valid: {', '.join(valid)})" if valid else "")
        return located(msg, root, loc, key=True)
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag"))
        choices = [c.strip("'") for c in str(ctx.get("expected_tags", "")).split(", ")]
        what = "fault kind" if loc and loc[0] == "faults" else "model provider"
        field = "kind" if what == "fault kind" else None
        msg = f"unknown {what} '{tag}'{did_you_mean(tag, choices)} (valid: {', '.join(choices)})"
        return located(msg, root, loc + ((field,) if field else ()))
    if kind == "union_tag_not_found":
        from chaos.faults import fault_kinds

        what = "kind" if loc and loc[0] == "faults" else "provider"
        valid = ", ".join(fault_kinds.names()) if what == "kind" else "scripted"
        return located(f"missing required key '{what}' in {where_text(loc)}; add it (valid: "
                       f"{valid})",
                       root, loc)
    where, message, key = plain_message(err, loc)
    return located(message, root, where, key=key)


def plain_message(err: dict[str, Any], loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], str,
                                                                         bool]:
    """A pydantic error (not an unknown key or kind) as (where, message with its fix, key?).

    `where` is where the message points (a missing key's mapping; the key inside a value a
    validator named); `key` whether it points at a key rather than its value.
    """
    kind = err["type"]
    if kind == "missing":
        return (loc[:-1], f"missing required key '{loc[-1]}' in {where_text(loc[:-1])}; add "
                f"'{loc[-1]}: ...' there", False)
    got = err.get("input")
    shown = f" (got {short_value(got)})" if not isinstance(got, dict | list) else ""
    if isinstance(got, bool) and (kind == "string_type" or "Keys should be strings" in err["msg"]):
        shown += "; YAML reads on/off/yes/no as booleans: quote the word"
    message = str(err["msg"]).removeprefix("Value error, ")
    pointed = tuple(getattr(err.get("ctx", {}).get("error"), "at", ()) or ())
    if pointed:  # a validator named the key inside the value that is wrong
        return loc + pointed, f"{where_text(loc)}: {message}", True
    fix = (f"; write a {_TYPE_HINTS[kind]}" if kind in _TYPE_HINTS
           else "; shorten it" if kind in ("too_long", "string_too_long") else "")
    return loc, f"{where_text(loc)}: {message}{shown}{fix}", False


# What to write instead, for pydantic's type errors (its messages say only what is wrong).
_WHOLE, _LIST, _MAPPING = "whole number", "list such as [a, b]", "mapping such as {key: value}"
_TYPE_HINTS = {"int_parsing": _WHOLE, "int_type": _WHOLE, "int_from_float": _WHOLE,
               "int_parsing_size": _WHOLE, "float_parsing": "number", "float_type": "number",
               "finite_number": "finite number", "string_type": "text (quote it)",
               "bool_parsing": "true or false", "bool_type": "true or false",
               "list_type": _LIST, "tuple_type": _LIST, "dict_type": _MAPPING,
               "model_type": _MAPPING, "model_attributes_type": _MAPPING}


def short_value(value: Any) -> str:
    """A value as the message shows it: at most ~60 characters of its repr."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}...{text[-12:]} ({len(text):,} characters)"


def _model_for(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model whose fields are valid at `loc` (for did-you-mean on keys)."""
    from chaos.faults import fault_kinds
    from chaos.faults._base import spec_model

    model: Any = profile_model()
    i = 0
    while i < len(loc) and model is not None:
        part = loc[i]
        if isinstance(part, int):
            i += 1
            continue
        if loc[0] == "faults" and i == 2 and part in fault_kinds:
            model = spec_model(fault_kinds.get(part))
            i += 1
            continue
        if loc[0] == "models" and i == 2 and part in _PROVIDER_MODELS:
            model = _PROVIDER_MODELS[part]
            i += 1
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        model = _inner_model(field.annotation)
        # Inside a dict field the next part is a key the user chose, not a field name.
        i += 2 if typing.get_origin(field.annotation) is dict else 1
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
