"""What the OpenAI Responses API refuses in a request, in its own words (the gateway's rules).

Unknown parameters; an `input` that is neither text nor a list of items; items of a type the
API does not know, or that need state a server kept (`item_reference`, `previous_response_id`,
`conversation`, stored `prompt`s: the gateway keeps none); message parts of the wrong role
(`output_text` from a user, `input_text` in an assistant's message); a `function_call_output`
whose call is not in the input, and a `function_call` left without its output; function tools
with bad names or (with `strict`, the API's default) schemas strict mode refuses; `tool_choice`
naming a tool not offered; sampling and limits out of range.

Built-in tools (web search, file search, computer use, MCP, shell...) and image or file inputs
are refused too, saying so: the model under test gets text and function tools only.

`responses_problem(body)` returns the first problem as the API's message would say it, or None.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["responses_problem"]

_PARAMS = {
    "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls",
    "max_output_tokens", "max_tool_calls", "temperature", "top_p", "top_logprobs", "stream",
    "stream_options", "store", "previous_response_id", "conversation", "include", "reasoning",
    "text", "truncation", "metadata", "user", "safety_identifier", "prompt_cache_key",
    "prompt_cache_retention", "prompt_cache_options", "service_tier", "background", "prompt",
    "context_management",
}
_INCLUDABLE = {
    "file_search_call.results", "web_search_call.results", "web_search_call.action.sources",
    "message.input_image.image_url", "computer_call_output.output.image_url",
    "code_interpreter_call.outputs", "reasoning.encrypted_content",
    "message.output_text.logprobs",
}
_ITEM_TYPES = {"message", "function_call", "function_call_output", "reasoning"}
#: Item types the API knows that the gateway cannot serve (built-in tools' calls and outputs).
_BUILT_IN_ITEMS = {
    "file_search_call", "computer_call", "computer_call_output", "web_search_call",
    "image_generation_call", "code_interpreter_call", "local_shell_call",
    "local_shell_call_output", "shell_call", "shell_call_output", "apply_patch_call",
    "apply_patch_call_output", "mcp_list_tools", "mcp_approval_request",
    "mcp_approval_response", "mcp_call", "custom_tool_call", "custom_tool_call_output",
    "tool_search_call", "tool_search_output", "compaction", "program", "program_output",
}
_INPUT_PARTS = ("input_text", "input_image", "input_file")
#: The fields each item, content part and tool takes (the SDK's param types).
_FIELDS = {
    "message": {"type", "role", "content", "id", "status", "phase"},
    "function_call": {"type", "id", "call_id", "name", "arguments", "status", "namespace",
                      "caller", "async"},
    "function_call_output": {"type", "id", "call_id", "output", "status", "name", "namespace",
                             "caller"},
    "reasoning": {"type", "id", "summary", "content", "encrypted_content", "status"},
    "input_text": {"type", "text", "prompt_cache_breakpoint"},
    "output_text": {"type", "text", "annotations", "logprobs"},
    "refusal": {"type", "refusal"},
    "function": {"type", "name", "description", "parameters", "strict", "allowed_callers",
                 "async", "defer_loading", "output_schema"},
}


def _unknown(value: dict[str, Any], kind: str, where: str) -> str | None:
    extra = sorted(set(value) - _FIELDS.get(kind, set(value)))
    return f"Unknown parameter: '{where}.{extra[0]}'." if extra else None
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_NO_STATE = ("the chaos gateway keeps no state between requests (nothing is stored): send the "
             "whole conversation in `input` (the OpenAI Agents SDK does unless told to chain "
             "responses: leave previous_response_id / auto_previous_response_id / "
             "conversation_id unset)")


def _kind(value: Any) -> str:
    return {str: "a string", dict: "an object", list: "an array", type(None): "null",
            bool: "a boolean"}.get(type(value), "a number")


def _number(body: dict[str, Any], name: str, low: float, high: float) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"Invalid type for '{name}': expected a number, but got {_kind(value)} instead."
    if not low <= value <= high:
        side, bound = ("below minimum", f">= {low:g}") if value < low else (
            "above maximum", f"<= {high:g}")
        return f"Invalid '{name}': decimal {side} value. Expected a value {bound}, but got " \
               f"{value} instead."
    return None


def _strict_schema(schema: Any, where: tuple[str, ...] = ()) -> str | None:
    """Where a schema breaks strict mode (objects closed, every property required), or None."""
    if isinstance(schema, list):
        for item in schema:
            if problem := _strict_schema(item, where):
                return problem
        return None
    if not isinstance(schema, dict):
        return None
    if schema.get("type") == "object" or "properties" in schema:
        if schema.get("additionalProperties") is not False:
            return f"In context={where}, 'additionalProperties' is required to be supplied " \
                   "and to be false."
        properties = schema.get("properties") or {}
        missing = [k for k in properties if k not in (schema.get("required") or [])]
        if missing:
            return f"In context={where}, 'required' is required to be supplied and to be an " \
                   f"array including every key in properties. Missing '{missing[0]}'."
    for key, value in schema.items():
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            for name, sub in value.items():
                if problem := _strict_schema(sub, (*where, key, name)):
                    return problem
        elif key in ("items", "anyOf", "allOf", "oneOf") and (
                problem := _strict_schema(value, (*where, key))):
            return problem
    return None


def _tools(body: dict[str, Any]) -> str | None:
    tools = body.get("tools")
    if tools is None:
        return None
    if not isinstance(tools, list):
        return f"Invalid type for 'tools': expected an array, but got {_kind(tools)} instead."
    for i, tool in enumerate(tools):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind != "function":
            return (f"Invalid value for 'tools[{i}].type': {kind!r}. The chaos gateway serves "
                    "function tools only (the episode's tools come over MCP or as functions); "
                    "built-in tools (web search, file search, computer use, MCP...) are not "
                    "available.")
        if problem := _unknown(tool, "function", f"tools[{i}]"):
            return problem
        if not isinstance(tool.get("name"), str):
            return f"Missing required parameter: 'tools[{i}].name'."
        if not _TOOL_NAME.match(tool["name"]):
            return f"Invalid 'tools[{i}].name': string does not match pattern. Expected a " \
                   "string that matches the pattern '^[a-zA-Z0-9_-]+$'."
        parameters = tool.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            return f"Invalid type for 'tools[{i}].parameters': expected an object, but got " \
                   f"{_kind(parameters)} instead."
        if parameters is not None and tool.get("strict") is not False and (
                problem := _strict_schema(parameters)):
            return f"Invalid schema for function '{tool['name']}': {problem}"
    return None


def _tool_choice(body: dict[str, Any]) -> str | None:
    choice = body.get("tool_choice")
    if choice == "required" and not body.get("tools"):
        return "Tool choice 'required' must be specified with 'tools' parameter."
    if choice is None or choice in ("auto", "none", "required"):
        return None
    if isinstance(choice, str):
        return f"Invalid value: '{choice}'. Supported values are: 'none', 'auto', and " \
               "'required'."
    kind = choice.get("type") if isinstance(choice, dict) else None
    names = {t.get("name") for t in body.get("tools") or []}
    if kind == "function":
        if choice.get("name") not in names:
            return f"Tool choice 'function' with name '{choice.get('name')}' not found in " \
                   "'tools' parameter."
        return None
    if kind == "allowed_tools" and isinstance(choice.get("tools"), list):
        for tool in choice["tools"]:
            if not isinstance(tool, dict) or tool.get("name") not in names:
                return "Invalid 'tool_choice.tools': every allowed tool must be a function " \
                       "in 'tools'."
        return None if choice.get("mode") in ("auto", "required") else \
            "Invalid value for 'tool_choice.mode': expected 'auto' or 'required'."
    return f"Invalid value for 'tool_choice.type': {kind!r}. The chaos gateway serves function " \
           "tools only."


def _options(body: dict[str, Any]) -> str | None:
    for name, low, high in (("temperature", 0, 2), ("top_p", 0, 1)):
        if problem := _number(body, name, low, high):
            return problem
    limit = body.get("max_output_tokens")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
        return f"Invalid type for 'max_output_tokens': expected an integer, but got " \
               f"{_kind(limit)} instead."
    if isinstance(limit, int) and limit < 16:
        return f"Invalid 'max_output_tokens': integer below minimum value. Expected a value " \
               f">= 16, but got {limit} instead."
    for name in ("stream", "store", "parallel_tool_calls", "background"):
        if body.get(name) is not None and not isinstance(body[name], bool):
            return f"Invalid type for '{name}': expected a boolean, but got " \
                   f"{_kind(body[name])} instead."
    if body.get("truncation") not in (None, "auto", "disabled"):
        return f"Invalid value: {body['truncation']!r}. Supported values are: 'auto' and " \
               "'disabled'. ('truncation')"
    for name, low, high in (("max_tool_calls", 1, 10**9), ("top_logprobs", 0, 20)):
        value = body.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not low <= value <= high):
            return f"Invalid '{name}': expected an integer from {low} to {high}, but got " \
                   f"{value!r} instead."
    if body.get("stream_options") is not None and body.get("stream") is not True:
        return "Invalid value for 'stream_options': only allowed when 'stream' is true."
    include = body.get("include")
    if include is not None and not isinstance(include, list):
        return f"Invalid type for 'include': expected an array, but got {_kind(include)} " \
               "instead."
    for value in include or []:
        if value not in _INCLUDABLE:
            return f"Invalid value: {value!r}. Supported values are: " + ", ".join(
                f"'{v}'" for v in sorted(_INCLUDABLE)) + "."
    text = body.get("text")
    form = text.get("format") if isinstance(text, dict) else None
    if text is not None and not isinstance(text, dict):
        return f"Invalid type for 'text': expected an object, but got {_kind(text)} instead."
    if form is not None:
        kind = form.get("type") if isinstance(form, dict) else None
        if kind not in ("text", "json_object", "json_schema"):
            return f"Invalid value for 'text.format.type': {kind!r}. Supported values are: " \
                   "'text', 'json_object', and 'json_schema'."
        if kind == "json_schema" and not (isinstance(form.get("name"), str)
                                          and isinstance(form.get("schema"), dict)):
            return "Missing required parameter: 'text.format.name' / 'text.format.schema'."
    return None


def _content(where: str, content: Any, role: str) -> str | None:
    if isinstance(content, str):
        return None
    if not isinstance(content, list):
        return f"Invalid type for '{where}.content': expected one of a string or array of " \
               f"objects, but got {_kind(content)} instead."
    allowed = ("output_text", "refusal") if role == "assistant" else _INPUT_PARTS
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in allowed:
            names = [f"'{a}'" for a in allowed]
            return f"Invalid value: {kind!r}. Supported values are: " \
                   f"{', '.join(names[:-1])} and {names[-1]}. ('{where}.content[{j}].type')"
        if kind in ("input_image", "input_file"):
            return f"Invalid '{where}.content[{j}]': the chaos gateway passes text to the " \
                   f"model under test; {kind} parts are not served."
        if problem := _unknown(part, kind, f"{where}.content[{j}]"):
            return problem
        field = "refusal" if kind == "refusal" else "text"
        if not isinstance(part.get(field), str):
            return f"Missing required parameter: '{where}.content[{j}].{field}'."
    return None


def _items(items: list[Any]) -> str | None:
    calls: dict[str, int] = {}
    answered: set[str] = set()
    for i, item in enumerate(items):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            return f"Invalid type for '{where}': expected an object, but got {_kind(item)} " \
                   "instead."
        kind = item.get("type", "message" if "role" in item else None)
        if kind == "item_reference":
            return f"Invalid '{where}': item references need a stored response; {_NO_STATE}."
        if kind in _BUILT_IN_ITEMS:
            return f"Invalid '{where}': {kind} items are not served by the chaos gateway " \
                   "(function tools only)."
        if kind not in _ITEM_TYPES:
            return f"Invalid value: {kind!r}. Supported values are: 'message', " \
                   f"'function_call', 'function_call_output', 'reasoning', ... ('{where}.type')"
        if problem := _unknown(item, kind, where):
            return problem
        if kind == "message":
            role = item.get("role")
            if role not in ("user", "system", "developer", "assistant"):
                return f"Invalid value: {role!r}. Supported values are: 'assistant', " \
                       f"'system', 'developer', and 'user'. ('{where}.role')"
            if problem := _content(where, item.get("content"), role):
                return problem
        elif kind == "function_call":
            for name in ("call_id", "name", "arguments"):
                if not isinstance(item.get(name), str):
                    return f"Missing required parameter: '{where}.{name}'."
            calls.setdefault(item["call_id"], i)
        elif kind == "function_call_output":
            if not isinstance(item.get("call_id"), str):
                return f"Missing required parameter: '{where}.call_id'."
            if item["call_id"] not in calls:
                return "No tool call found for function call output with call_id " \
                       f"{item['call_id']}."
            if not isinstance(item.get("output"), str | list):
                return f"Missing required parameter: '{where}.output'."
            answered.add(item["call_id"])
    for call_id in calls:
        if call_id not in answered:
            return f"No tool output found for function call {call_id}."
    return None


def responses_problem(body: Any) -> str | None:
    """The first thing the Responses API refuses in `body` (or this gateway cannot serve)."""
    if not isinstance(body, dict):
        return "We could not parse the JSON body of your request."
    if unknown := sorted(set(body) - _PARAMS):
        return f"Unknown parameter: '{unknown[0]}'."
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "Missing required parameter: 'model'."
    for name in ("previous_response_id", "conversation"):
        if body.get(name) is not None:
            return f"Invalid '{name}': {_NO_STATE}."
    if body.get("prompt") is not None:
        return "Invalid 'prompt': the chaos gateway has no stored prompts; send the " \
               "instructions and input themselves."
    if body.get("background") is True:
        return "Invalid 'background': the chaos gateway answers in the request (background " \
               "responses need stored state)."
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        return f"Invalid type for 'instructions': expected a string, but got " \
               f"{_kind(instructions)} instead."
    for check in (_tools, _tool_choice, _options):
        if problem := check(body):
            return problem
    given = body.get("input")
    if given is None:
        return "Missing required parameter: 'input'."
    if isinstance(given, str):
        return None
    if not isinstance(given, list):
        return f"Invalid type for 'input': expected one of a string or array of input " \
               f"items, but got {_kind(given)} instead."
    if not given:
        return "Invalid 'input': empty array. Expected an array with minimum length 1."
    return _items(given)
