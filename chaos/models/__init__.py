"""Model providers behind one protocol: scripted, OpenAI-compatible, Anthropic, plugins.

`scripted/<policy>`, `openai/<model>`, `anthropic/<model>`, `replay/<cassette>`; the SDKs are
imported only when their models run. Plugins add providers with `@provider("acme")`, making
`acme/<model>` a model id.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    "run_models_problem",
    "shown_id",
    "slug_clash",
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
    if any(not c.isprintable() for c in model_id):
        return (f"model '{shown_id(model_id)}' holds control or invisible characters; write "
                "the model's name as the provider spells it")
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


def shown_id(model_id: str) -> str:
    """A model id as it can be printed: control and invisible characters escaped."""
    from chaos._text import printable

    return printable(model_id)


def run_models_problem(models: Sequence[str], listed: Sequence[Any]) -> tuple[str, str] | None:
    """The first model of a run that cannot run as given, and why; None when all can.

    Beyond `model_problem`: two models filed under one name (`slug_clash`), and a model the
    profile does not list whose id is a near miss of one it lists on its own endpoint
    (`--model openai/labmodel-mnii` for `openai/labmodel-mini` at a `base_url`): run as
    written, it would go to the provider's public endpoint with no price.

    Args:
        models: The run's model ids, in order.
        listed: The profile's model specs.
    """
    import difflib

    ids = [m.id for m in listed]
    for i, model in enumerate(models):
        if problem := model_problem(model) or slug_clash(model, list(models[:i])):
            return shown_id(model), problem
        if model in ids:
            continue
        provider = model.split("/", 1)[0]
        own = [m.id for m in listed if m.id.split("/", 1)[0] == provider
               and getattr(m, "base_url", None)]
        close = difflib.get_close_matches(model, own, n=1, cutoff=0.9)
        if close:
            return model, (f"not one of the profile's models; did you mean '{close[0]}'? As "
                           "written it would run on the provider's default endpoint with no "
                           "price; to run another model, add it to the profile's models: with "
                           "its base_url and price")
    return None


def slug_clash(model_id: str, others: list[str]) -> str | None:
    """Why `model_id` cannot run beside `others`: an earlier one files under the same name.

    Episode keys, trace folders and cassettes name a model by `model_slug`; two models whose
    ids differ only in other characters (`openai/qwen2.5:7b`, `openai/qwen2.5-7b`) would
    share episodes, and each one's verdicts would mix in the other's.
    """
    slug = model_slug(model_id)
    clash = next((o for o in others if o != model_id and model_slug(o) == slug), None)
    if clash is None:
        return None
    return (f"model '{model_id}' and model '{clash}' would share the name '{slug}' that "
            "episode keys, traces and cassettes use (ids differing only in characters other "
            "than letters, digits, '.', '_' and '-'); run them in two runs, or change one's "
            "model name")
