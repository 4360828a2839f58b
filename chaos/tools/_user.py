"""User tools: a team's own Python functions, named in a profile, offered to agents as tools.

```yaml
tools:
  checksum:
    callable: mytools.media:checksum      # module:function, importable (installed or on PYTHONPATH)
    description: The sha256 of a file.    # default: the function's docstring
    parameters:                           # JSON Schema of its keyword arguments
      type: object
      properties: {path: {type: string}}
      required: [path]
```

An agent lists `checksum` in its `tools` like a built-in. The function is called with the
arguments as keywords, inside the episode's world (`run_in_world`): its `open`, `os` and
`pathlib` see the fake filesystem and its faults. What it returns goes back to the agent (text
as is, anything else as JSON); what it raises goes back as error text and never stops a run.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from chaos.tools._in_world import run_in_world
from chaos.tools._registry import ToolContext, ToolDef

__all__ = ["check_arguments", "import_callable", "user_tool", "user_tool_problems", "user_tools"]

#: What model APIs accept as a function name.
TOOL_NAME = r"[A-Za-z0-9_-]{1,64}"

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def import_callable(target: str) -> Callable[..., Any]:
    """The function a `module:function` string names.

    Raises:
        ValueError: The module cannot be imported, the name is missing or not callable; the
            message says how to fix it.
    """
    module_name, _, attribute = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {module_name} ({exc}); install the package that holds "
                         "it (pip install -e .) or put its folder on PYTHONPATH") from None
    except Exception as exc:  # the team's module failed while importing
        raise ValueError(f"importing {module_name} failed: {type(exc).__name__}: {exc}") from None
    for part in attribute.split("."):
        if not hasattr(obj, part):
            names = sorted(n for n in vars(obj) if not n.startswith("_")) if hasattr(
                obj, "__dict__") else []
            from chaos._registry import did_you_mean

            raise ValueError(f"{module_name} has no '{attribute}'{did_you_mean(part, names)}")
        obj = getattr(obj, part)
    if not callable(obj) or inspect.isclass(obj):
        raise ValueError(f"{target} is not a function")
    if inspect.iscoroutinefunction(obj) or inspect.isgeneratorfunction(obj):
        raise ValueError(f"{target} is async or a generator; a tool is a plain function that "
                         "returns its result")
    return obj


def _type_ok(value: Any, expected: Any) -> bool:
    names = expected if isinstance(expected, list) else [expected]
    for name in names:
        kinds = _JSON_TYPES.get(name)
        if kinds is None:
            return True  # a type this check does not know: leave it to the function
        if isinstance(value, bool) and name in ("integer", "number"):
            continue
        if isinstance(value, kinds):
            return True
    return False


def check_arguments(arguments: Any, schema: Mapping[str, Any]) -> dict[str, Any]:
    """Check a call's arguments against the top level of the tool's JSON Schema.

    Checked: an object, `required`, `additionalProperties: false`, each property's `type` and
    `enum`. Deeper structure is the function's to check.

    Raises:
        ValueError: Naming what is wrong, for the agent to correct.
    """
    if not isinstance(arguments, dict):
        raise ValueError(f"arguments must be a JSON object, not {type(arguments).__name__}")
    properties = schema.get("properties") or {}
    missing = [name for name in schema.get("required", []) if name not in arguments]
    if missing:
        raise ValueError(f"missing required argument(s): {', '.join(missing)}")
    if schema.get("additionalProperties") is False:
        unknown = sorted(set(arguments) - set(properties))
        if unknown:
            raise ValueError(f"unknown argument(s): {', '.join(unknown)} (known: "
                             f"{', '.join(sorted(properties)) or 'none'})")
    for name, value in arguments.items():
        spec = properties.get(name)
        if not isinstance(spec, dict):
            continue
        if "type" in spec and not _type_ok(value, spec["type"]):
            raise ValueError(f"{name}: expected {spec['type']}, got {type(value).__name__}")
        if "enum" in spec and value not in spec["enum"]:
            raise ValueError(f"{name}: must be one of {spec['enum']}")
    return dict(arguments)


def _result_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "ok"
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return f"binary result of {len(value)} bytes"
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _args_model(name: str, parameters: dict[str, Any]) -> type[BaseModel]:
    """A stand-in args model: the profile's JSON Schema, and a check of calls against it."""

    class Arguments(BaseModel):
        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return json.loads(json.dumps(parameters))

        @classmethod
        def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Any:
            return check_arguments(obj, parameters)

    Arguments.__name__ = Arguments.__qualname__ = f"UserToolArguments_{name}"
    return Arguments


def _description(function: Callable[..., Any], name: str) -> str:
    doc = inspect.getdoc(function) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip() or f"The team's {name} tool."


@functools.lru_cache(maxsize=256)
def _user_tool(name: str, target: str, description: str | None, parameters: str) -> ToolDef:
    function = import_callable(target)
    schema = json.loads(parameters)

    def run(ctx: ToolContext, arguments: dict[str, Any]) -> str:
        try:
            return _result_text(run_in_world(ctx.fs, function, arguments))
        except OSError:
            raise  # as for built-in tools: the agent reads "[Errno 13] ...", the trace a failure
        except (Exception, SystemExit) as exc:  # the team's code must not stop the run
            return f"error: {type(exc).__name__}: {exc}"

    return ToolDef(name, description or _description(function, name), _args_model(name, schema),
                   run)


def user_tool(name: str, spec: Any) -> ToolDef:
    """The tool `name` of a profile's `tools:` (built once per distinct definition).

    Raises:
        ValueError: Its callable cannot be imported.
    """
    return _user_tool(name, spec.callable, spec.description,
                      json.dumps(spec.parameters, sort_keys=True))


def user_tools(profile: Any) -> dict[str, ToolDef]:
    """Every user tool of a profile, by name."""
    return {name: user_tool(name, spec) for name, spec in getattr(profile, "tools", {}).items()}


def user_tool_problems(profile: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Problems of a profile's `tools:`, as (location, message): taken names, bad callables."""
    from chaos.tools._registry import tools

    problems: list[tuple[tuple[Any, ...], str]] = []
    for name, spec in profile.tools.items():
        if re.fullmatch(TOOL_NAME, name) is None:
            problems.append((("tools", name), f"tool name '{name}': model APIs take 1 to 64 "
                             "letters, digits, '_' or '-'; rename it, e.g. "
                             f"'{re.sub(r'[^A-Za-z0-9_-]+', '_', name)[:64] or 'my_tool'}'"))
            continue
        if name in tools:
            problems.append((("tools", name), f"tool '{name}' is built in (or comes from a "
                             "plugin); give your tool another name"))
            continue
        try:
            user_tool(name, spec)
        except ValueError as exc:
            problems.append((("tools", name, "callable"), f"tool '{name}': {exc}"))
    return problems
