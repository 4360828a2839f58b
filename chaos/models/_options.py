"""What an outside agent asks of a model beyond messages and tools, carried to the provider.

A request to the model gateway may set sampling, limits and tool choice. `ModelRequest.options`
holds them in a neutral shape, so a remote model of either wire family gets what it can take:

- `max_tokens`, `temperature`, `top_p`, `stop` (a list), `tool_choice` (`auto`, `none`,
  `required`, or `{"name": tool}`), `parallel_tool_calls` (bool): translated across families
  (Anthropic's temperature is capped at 1, `required` is its `{"type": "any"}`,
  `parallel_tool_calls: false` its `disable_parallel_tool_use`);
- `openai`: Chat Completions' own (`seed`, `response_format`, `frequency_penalty`,
  `presence_penalty`, `logit_bias`, `reasoning_effort`, `verbosity`), passed on to OpenAI-
  compatible models only;
- `anthropic`: Messages' own (`top_k`), passed on to Anthropic models only.

The Responses API's (`chaos.models._wire_responses.options_from_responses`) map onto the same
shape: `max_output_tokens` is `max_tokens`, `text.format` the `openai` `response_format`,
`text.verbosity` its `verbosity`, `reasoning.effort` its `reasoning_effort`; `include`,
`store`, `truncation`, `top_logprobs`, `max_tool_calls` and `reasoning.summary` are dropped.

Dropped (the gateway answers without them): `stream`/`stream_options` (the gateway streams
itself), `n` above 1 is refused, `logprobs`/`top_logprobs`, `user`, `metadata`, `store`,
`service_tier`, prompt-cache settings, `safety_identifier`, `web_search_options`,
`prediction`, `audio`, `modalities`, and Anthropic's `thinking`, `output_config`,
`cache_control`, `container` (answers carry no thinking blocks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["anthropic_params", "openai_params", "options_from_anthropic", "options_from_openai"]

_OPENAI_OWN = ("seed", "response_format", "frequency_penalty", "presence_penalty",
               "logit_bias", "reasoning_effort", "verbosity")
_ANTHROPIC_OWN = ("top_k",)


def _common(body: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    for name in ("temperature", "top_p"):
        if isinstance(body.get(name), int | float) and not isinstance(body[name], bool):
            out[name] = body[name]
    return out


def options_from_openai(body: dict[str, Any]) -> dict[str, Any]:
    """The options of a Chat Completions request body (checked by `openai_problem`)."""
    out = _common(body, {})
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if isinstance(limit, int) and not isinstance(limit, bool):
        out["max_tokens"] = limit
    stop = body.get("stop")
    if isinstance(stop, str):
        out["stop"] = [stop]
    elif isinstance(stop, list) and stop:
        out["stop"] = [s for s in stop if isinstance(s, str)]
    choice = body.get("tool_choice")
    if choice in ("auto", "none", "required"):
        out["tool_choice"] = choice
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        out["tool_choice"] = {"name": str(choice["function"].get("name"))}
    if isinstance(body.get("parallel_tool_calls"), bool):
        out["parallel_tool_calls"] = body["parallel_tool_calls"]
    if own := {k: body[k] for k in _OPENAI_OWN if body.get(k) is not None}:
        out["openai"] = own
    return out


def options_from_anthropic(body: dict[str, Any]) -> dict[str, Any]:
    """The options of a Messages request body (checked by `anthropic_problem`)."""
    out = _common(body, {})
    if isinstance(body.get("max_tokens"), int):
        out["max_tokens"] = body["max_tokens"]
    if isinstance(body.get("stop_sequences"), list) and body["stop_sequences"]:
        out["stop"] = [s for s in body["stop_sequences"] if isinstance(s, str)]
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind in ("auto", "none"):
            out["tool_choice"] = kind
        elif kind == "any":
            out["tool_choice"] = "required"
        elif kind == "tool":
            out["tool_choice"] = {"name": str(choice.get("name"))}
        if choice.get("disable_parallel_tool_use") is True:
            out["parallel_tool_calls"] = False
    if own := {k: body[k] for k in _ANTHROPIC_OWN if body.get(k) is not None}:
        out["anthropic"] = own
    return out


def openai_params(options: Mapping[str, Any], max_tokens_name: str,
                  has_tools: bool) -> dict[str, Any]:
    """Chat Completions parameters for `options` (what the request asked, over the profile's).

    Args:
        options: `ModelRequest.options`.
        max_tokens_name: `max_tokens` or `max_completion_tokens`, as the endpoint takes it.
        has_tools: Whether the request offers tools (tool_choice needs them).
    """
    out: dict[str, Any] = {k: options[k] for k in ("temperature", "top_p", "stop")
                           if k in options}
    if "max_tokens" in options:
        out[max_tokens_name] = options["max_tokens"]
    choice = options.get("tool_choice")
    if has_tools and isinstance(choice, str):
        out["tool_choice"] = choice
    elif has_tools and isinstance(choice, dict):
        out["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
    if has_tools and "parallel_tool_calls" in options:
        out["parallel_tool_calls"] = options["parallel_tool_calls"]
    out.update(options.get("openai") or {})
    return out


def anthropic_params(options: Mapping[str, Any], has_tools: bool) -> dict[str, Any]:
    """Messages parameters for `options` (what the request asked, over the profile's)."""
    out: dict[str, Any] = {k: options[k] for k in ("max_tokens", "top_p") if k in options}
    if "temperature" in options:
        out["temperature"] = min(1.0, options["temperature"])
    if options.get("stop"):
        out["stop_sequences"] = list(options["stop"])
    choice = options.get("tool_choice")
    wire: dict[str, Any] | None = None
    if isinstance(choice, str):
        wire = {"type": "any" if choice == "required" else choice}
    elif isinstance(choice, dict):
        wire = {"type": "tool", "name": choice["name"]}
    if options.get("parallel_tool_calls") is False and (wire or {}).get("type") != "none":
        wire = {**(wire or {"type": "auto"}), "disable_parallel_tool_use": True}
    if has_tools and wire is not None:
        out["tool_choice"] = wire
    out.update(options.get("anthropic") or {})
    return out
