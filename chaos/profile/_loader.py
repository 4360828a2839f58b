"""Reading a profile from YAML, with errors that name file:line:column and the fix."""

from __future__ import annotations

import functools
import hashlib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, create_model

from chaos._registry import did_you_mean
from chaos.errors import ProfileError
from chaos.profile._schema import Profile

__all__ = ["LoadedProfile", "load_profile", "parse_profile", "profile_model"]


@dataclass(frozen=True)
class LoadedProfile:
    """A validated profile and where it came from.

    Attributes:
        profile: The validated profile.
        path: The file as the user named it.
        sha256: Hash of the file's bytes, recorded in results.
    """

    profile: Profile
    path: str
    sha256: str


@functools.cache
def _profile_model(kinds: tuple[str, ...]) -> type[Profile]:
    from chaos.faults import fault_union

    return create_model(
        "Profile", __base__=Profile, faults=(list[fault_union()], Field(default_factory=list))
    )  # type: ignore[valid-type]


def profile_model() -> type[Profile]:
    """The Profile model with `faults` typed as the union of the registered fault kinds."""
    from chaos.faults import fault_kinds

    return _profile_model(tuple(fault_kinds.names()))


def load_profile(path: str | Path) -> LoadedProfile:
    """Read and validate a profile file.

    Raises:
        ProfileError: Unreadable file, YAML syntax error, schema or reference error; the
            message names file:line:column and how to fix it.
    """
    shown = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ProfileError("profile file not found; check the path", shown) from None
    except OSError as exc:
        raise ProfileError(f"cannot read profile ({exc.strerror})", shown) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(
            f"profile is not UTF-8 text (byte {exc.start}); is it a YAML file?", shown
        ) from None
    profile = parse_profile(text, shown)
    return LoadedProfile(profile, shown, hashlib.sha256(raw).hexdigest())


def parse_profile(text: str, path: str = "<profile>") -> Profile:
    """Validate profile YAML text; see `load_profile`."""
    if "\x00" in text:
        raise ProfileError("profile contains NUL bytes; is it a binary file?", path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise ProfileError(
            f"YAML syntax error: {problem}",
            path,
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"YAML error: {exc}", path) from None
    except RecursionError:
        raise ProfileError("profile nests too deeply to be a profile", path) from None
    if root is None or data is None:
        raise ProfileError(
            "profile is empty; a profile starts with 'version: 1' "
            "(try `chaos new NAME` or copy profiles/sports-production.yaml)",
            path,
        )
    if not isinstance(data, dict):
        raise ProfileError(
            "a profile must be a mapping of keys (version, name, chain, ...), "
            f"not a {type(data).__name__}",
            path,
            *_mark(root),
        )
    duplicate = _duplicate_key(root)
    if duplicate is not None:
        raise ProfileError(f"key '{duplicate.value}' appears twice in the same mapping; "
                           "keep one (YAML would silently use the last)", path, *_mark(duplicate))
    version = data.get("version")
    if type(version) is not int or version != 1:
        node = _node_at(root, ("version",)) or root
        if version is None:
            hint = "add 'version: 1' as the first line"
        elif type(version) is int:
            hint = f"version {version} is not supported; this chaos reads version 1"
        else:
            hint = f"version must be the integer 1, not {version!r} ({type(version).__name__})"
        raise ProfileError(f"unsupported profile version: {hint}", path, *_mark(node))
    try:
        profile = profile_model().model_validate(data)
    except ValidationError as exc:
        raise _located(exc.errors(), root, path) from None
    from chaos.profile._references import check_references

    problems = check_references(profile)
    if problems:
        loc, message = problems[0]
        node = _node_at(root, loc) or root
        raise ProfileError(message, path, *_mark(node))
    return profile


def _duplicate_key(root: yaml.Node) -> yaml.Node | None:
    """The first key node that repeats a sibling key, searching the whole document."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        return key
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _node_at(root: yaml.Node, loc: tuple[Any, ...], key: bool = False) -> yaml.Node | None:
    """The YAML node at a pydantic error location (skipping union tags not in the YAML)."""
    node = root
    for i, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == part:
                    node = k if key and i == len(loc) - 1 else v
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            node = node.value[part]
    return node


def _without_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the fault-kind tag pydantic puts into locations inside a tagged union."""
    from chaos.faults import fault_kinds

    if len(loc) > 2 and loc[0] == "faults" and loc[2] in fault_kinds:
        return loc[:2] + loc[3:]
    return loc


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "profile"


def _located(errors: list[dict[str, Any]], root: yaml.Node, path: str) -> ProfileError:
    # A misspelt key also makes its right spelling "missing": name the misspelling first.
    first = {"extra_forbidden": 0, "union_tag_invalid": 1}
    err = min(errors, key=lambda e: first.get(e["type"], 2))
    tagged = tuple(err["loc"])
    loc = _without_tags(tagged)
    kind = err["type"]
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        parent_model = _model_for(tagged[:-1])
        valid = sorted(parent_model.model_fields) if parent_model else []
        name = str(loc[-1])
        msg = f"unknown key '{name}' in {_where(loc[:-1])}{did_you_mean(name, valid)}" + (
            f" (valid: {', '.join(valid)})" if valid else ""
        )
        return _error(msg, path, root, loc, key=True)
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag"))
        choices = [c.strip("'") for c in str(ctx.get("expected_tags", "")).split(", ")]
        what = "fault kind" if loc and loc[0] == "faults" else "model provider"
        field = "kind" if what == "fault kind" else None
        msg = f"unknown {what} '{tag}'{did_you_mean(tag, choices)} (valid: {', '.join(choices)})"
        return _error(msg, path, root, loc + ((field,) if field else ()))
    if kind == "union_tag_not_found":
        from chaos.faults import fault_kinds

        what = "kind" if loc and loc[0] == "faults" else "provider"
        valid = ", ".join(fault_kinds.names()) if what == "kind" else "scripted"
        return _error(f"missing required key '{what}' in {_where(loc)} (valid: {valid})", path,
                      root, loc)
    if kind == "missing":
        return _error(
            f"missing required key '{loc[-1]}' in {_where(loc[:-1])}", path, root, loc[:-1]
        )
    got = err.get("input")
    shown = f" (got {got!r})" if not isinstance(got, dict | list) else ""
    if isinstance(got, bool) and (kind == "string_type" or "Keys should be strings" in err["msg"]):
        shown += "; YAML reads on/off/yes/no as booleans: quote the word"
    return _error(f"{_where(loc)}: {err['msg']}{shown}", path, root, loc)


def _error(
    msg: str, path: str, root: yaml.Node, loc: tuple[Any, ...], key: bool = False
) -> ProfileError:
    node = _node_at(root, loc, key=key) or root
    return ProfileError(msg, path, *_mark(node))


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
