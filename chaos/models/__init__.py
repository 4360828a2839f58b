"""Model providers behind one protocol: scripted, OpenAI-compatible, Anthropic, plugins.

`scripted/<policy>`, `openai/<model>`, `anthropic/<model>`, `replay/<cassette>`; the SDKs are
imported only when their models run. Plugins add providers with `@provider("acme")`, making
`acme/<model>` a model id.
"""

from __future__ import annotations

from typing import Any

from chaos.models._check import ModelCheck, check_model
from chaos.models._protocol import (
    Message,
    ModelAdapter,
    ModelRequest,
    ModelTurn,
    ProviderError,
    ToolCall,
    ToolSchema,
    Usage,
)
from chaos.models._providers import (
    ProviderDef,
    is_plugin_provider,
    provider,
    providers,
    register_provider,
)

__all__ = [
    "PROVIDERS",
    "Message",
    "ModelAdapter",
    "ModelCheck",
    "ModelRequest",
    "ModelTurn",
    "ProviderDef",
    "ProviderError",
    "ToolCall",
    "ToolSchema",
    "Usage",
    "build_model",
    "check_model",
    "model_problem",
    "model_slug",
    "model_spec",
    "provider",
    "providers",
    "register_provider",
    "require_key",
]

#: The built-in providers; `providers.names()` lists plugins' too.
PROVIDERS = ("scripted", "openai", "anthropic", "replay")


def model_problem(model_id: str) -> str | None:
    """Why `model_id` cannot be used, or None when it can (keys are checked at run time)."""
    from chaos._registry import did_you_mean
    from chaos.models.scripted import policies

    provider, sep, name = model_id.partition("/")
    if not sep or not name:
        return (f"model '{model_id}' must be written provider/name, e.g. scripted/careful or "
                f"openai/gpt-4.1-mini (providers: {', '.join(providers.names())})")
    if provider not in providers:
        names = providers.names()
        return (f"unknown model provider '{provider}'{did_you_mean(provider, names)} "
                f"(valid: {', '.join(names)})")
    if is_plugin_provider(provider):
        check = providers.get(provider).check
        return None if check is None else check(name)
    if provider == "scripted" and name not in policies:
        return policies.unknown_message(name)
    if provider == "replay":
        from pathlib import Path

        if not Path(name).is_file():
            return (f"no cassette at {name}; record one with `chaos run PROFILE --record` "
                    "(cassettes land in the run directory's cassettes/)")
    return None


def model_spec(model_id: str, specs: list[Any]) -> Any:
    """The profile's spec for `model_id`, or a default one (a `--model` not in the profile)."""
    from chaos.profile import RemoteModelSpec, ReplayModelSpec, ScriptedModelSpec
    from chaos.profile._schema import PluginModelSpec

    for spec in specs:
        if spec.id == model_id:
            return spec
    provider, _, name = model_id.partition("/")
    if provider == "scripted":
        return ScriptedModelSpec(policy=name)
    if provider == "replay":
        return ReplayModelSpec(cassette=name)
    if is_plugin_provider(provider):
        return PluginModelSpec(provider=provider, model=name)
    return RemoteModelSpec(provider=provider, model=name)  # type: ignore[arg-type]


def build_model(spec: Any, transport: Any = None) -> ModelAdapter:
    """A fresh adapter for one episode.

    Args:
        spec: A model spec from the profile (see `model_spec`).
        transport: An httpx transport for remote models (provider faults wrap it).
    """
    from chaos.errors import InputError

    if problem := model_problem(spec.id):
        raise InputError(problem)
    if is_plugin_provider(spec.provider):
        from chaos.models._providers import build_plugin_model

        return build_plugin_model(spec)
    if spec.provider == "scripted":
        from chaos.models.scripted import ScriptedModel

        return ScriptedModel(spec.policy)
    if spec.provider == "replay":
        from pathlib import Path

        from chaos.models._cassette import Cassette, ReplayModel

        return ReplayModel(Cassette(Path(spec.cassette)), model_id=spec.id)
    from chaos.models._remote import AnthropicModel, OpenAIModel

    return (OpenAIModel if spec.provider == "openai" else AnthropicModel)(spec, transport)


def require_key(spec: Any) -> None:
    """Fail before anything runs when a model needs a key that is not set.

    Raises:
        chaos.errors.InputError: Naming the variable to set.
    """
    if spec.provider in ("openai", "anthropic"):
        from chaos.models._remote import api_key

        api_key(spec)
    elif is_plugin_provider(spec.provider):
        from chaos.models._providers import plugin_key

        plugin_key(spec)


def model_slug(model_id: str) -> str:
    """A path- and key-safe form of a model id: `scripted/careful` -> `scripted-careful`."""
    return "".join(c if c.isalnum() or c in "._-" else "-" for c in model_id)
