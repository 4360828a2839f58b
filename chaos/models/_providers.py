"""Model providers from plugins: `@provider("acme")` makes `acme/<model>` a model id.

A plugin provider is a factory that returns an adapter (`complete(request) -> ModelTurn`,
optionally `aclose()`). It speaks whatever protocol its gateway speaks; chaos puts the
episode's provider faults (`model.rate_limit`...) between the chain and the adapter, on the
neutral request and turn, as it does for scripted models.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from chaos._registry import Registry
from chaos.models._protocol import ModelAdapter, ModelRequest, ModelTurn

__all__ = [
    "BUILTIN_PROVIDERS",
    "ProviderDef",
    "PluginModel",
    "build_plugin_model",
    "is_plugin_provider",
    "options_problem",
    "plugin_key",
    "provider",
    "providers",
    "register_provider",
]

BUILTIN_PROVIDERS = ("scripted", "openai", "anthropic", "replay")
#: The names chaos masks in every artifact (chaos._redact); a key variable must be one.
SECRET_NAME = re.compile(r"(?i)(KEY|TOKEN|SECRET|PASSWORD)")
_PROVIDER_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: `factory(model, options, key) -> adapter`: the model name after the slash, the validated
#: options (an instance of the provider's options model, or a dict without one) and the key
#: (None when the provider names no key variable, or an optional key is unset).
Factory = Callable[[str, Any, "str | None"], ModelAdapter]


@dataclass(frozen=True)
class ProviderDef:
    """A registered model provider.

    Attributes:
        name: The prefix of its model ids (`acme` for `acme/<model>`).
        summary: One line about it (the factory's docstring).
        factory: Makes one adapter per episode; None for the built-in providers.
        options: The pydantic model of its `options:` in profiles, if it takes any.
        key_env: The environment variable holding its key, if it needs one.
        key_required: Whether a model of it may run without its key.
        check: Says why a model name cannot be used (`None`: it can), before anything runs.
    """

    name: str
    summary: str = ""
    factory: Factory | None = None
    options: type[BaseModel] | None = None
    key_env: str | None = None
    key_required: bool = True
    check: Callable[[str], str | None] | None = None


providers: Registry[ProviderDef] = Registry("model provider")
for _name in BUILTIN_PROVIDERS:
    providers.register(_name)(ProviderDef(_name, "built in"))


def _check_key_env(name: str, where: str) -> None:
    if not _ENV_NAME.match(name):
        raise ValueError(f"{where} '{name}' is not an environment variable name")
    if not SECRET_NAME.search(name):
        raise ValueError(f"{where} '{name}' must contain KEY, TOKEN, SECRET or PASSWORD, so "
                         f"that chaos masks its value in every artifact (e.g. {name}_KEY)")


def register_provider(name: str, factory: Factory, *, options: type[BaseModel] | None = None,
                      key_env: str | None = None, key_required: bool = True,
                      check: Callable[[str], str | None] | None = None) -> ProviderDef:
    """Register `factory` as the model provider `name` (model ids `name/<model>`).

    Args:
        name: Lowercase letters, digits, `_` and `-`, starting with a letter.
        factory: `factory(model, options, key) -> adapter`, called once per episode.
        options: A pydantic model validating the spec's `options:` (None: no options).
        key_env: The environment variable holding the key; its name must contain KEY,
            TOKEN, SECRET or PASSWORD (chaos masks such values in every artifact).
        key_required: Whether a run stops before it starts when the key is unset.
        check: Says why a model name cannot be used, or None when it can.

    Returns:
        The registered definition.

    Raises:
        ValueError: A malformed name or key variable.
        NameClash: The name is taken (a built-in provider or another plugin's).
    """
    if not _PROVIDER_NAME.match(name):
        raise ValueError(f"model provider name '{name}' must be lowercase letters, digits, "
                         "'_' or '-', starting with a letter")
    if key_env is not None:
        _check_key_env(key_env, f"model provider '{name}': key_env")
    summary = inspect.cleandoc(factory.__doc__ or "").split("\n\n")[0].replace("\n", " ")
    definition = ProviderDef(name, summary, factory, options, key_env, key_required, check)
    return providers.register(name)(definition)


def provider(name: str, *, options: type[BaseModel] | None = None, key_env: str | None = None,
             key_required: bool = True,
             check: Callable[[str], str | None] | None = None) -> Callable[[Factory], Factory]:
    """A decorator form of `register_provider`: `@provider("acme", options=AcmeOptions)`."""

    def decorate(factory: Factory) -> Factory:
        register_provider(name, factory, options=options, key_env=key_env,
                          key_required=key_required, check=check)
        return factory

    return decorate


def is_plugin_provider(name: str) -> bool:
    """Whether `name` is a registered provider other than the built-ins."""
    return name not in BUILTIN_PROVIDERS and name in providers


def options_problem(name: str, options: dict[str, Any]) -> str | None:
    """Why `options` do not suit the plugin provider `name`, or None (also for unknown names)."""
    if not is_plugin_provider(name):
        return None
    model = providers.get(name).options
    if model is None:
        return (f"model provider '{name}' takes no options; remove options"
                if options else None)
    try:
        model.model_validate(options)
    except ValidationError as exc:
        return f"options of model provider '{name}': " + "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}"
            for e in exc.errors())
    return None


def plugin_key(spec: Any) -> str | None:
    """The key of a plugin provider's model, from the environment.

    Raises:
        chaos.errors.InputError: The provider needs a key and its variable is unset.
    """
    from chaos.errors import InputError

    definition = providers.get(spec.provider)
    variable = spec.api_key_env or definition.key_env
    if variable is None:
        return None
    key = os.environ.get(variable) or None
    if key is not None:
        from chaos._redact import remember_secret

        remember_secret(key)  # masked everywhere, whatever the variable's name
    if key is None and definition.key_required:
        raise InputError(f"model {spec.id} needs a key: set {variable} (or name another "
                         "variable with api_key_env in the profile)")
    return key


class PluginModel:
    """A plugin's adapter, held to the protocol: its id is the spec's, its turns are turns.

    Args:
        inner: What the plugin's factory returned.
        model_id: The model's id as written (`acme/careful`).
    """

    def __init__(self, inner: Any, model_id: str) -> None:
        self.inner = inner
        self.model_id = model_id

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """The plugin adapter's answer; anything but a ModelTurn is its bug, said plainly."""
        turn = await self.inner.complete(request)
        if not isinstance(turn, ModelTurn):
            raise TypeError(f"model provider of {self.model_id} answered a "
                            f"{type(turn).__name__}, not a chaos.models.ModelTurn")
        return turn

    async def aclose(self) -> None:
        """Close the plugin's adapter, if it has anything to close."""
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()


class _Unmade:
    """Stands for an adapter the plugin's factory failed to make: each call fails, saying why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """Fail as the factory did."""
        raise RuntimeError(self.reason)


def build_plugin_model(spec: Any) -> PluginModel:
    """A fresh adapter of a plugin provider for one episode.

    A factory that raises makes an adapter whose calls fail with its error: the episode
    crashes with that reason, the run goes on.

    Raises:
        chaos.errors.InputError: Wrong options, a missing key, or a factory that returns
            something that is no adapter.
    """
    from chaos.errors import InputError

    definition = providers.get(spec.provider)
    assert definition.factory is not None
    if problem := options_problem(spec.provider, dict(spec.options)):
        raise InputError(f"model {spec.id}: {problem}")
    options = (definition.options.model_validate(dict(spec.options))
               if definition.options is not None else dict(spec.options))
    key = plugin_key(spec)
    try:
        adapter = definition.factory(spec.model, options, key)
    except Exception as exc:  # e.g. its gateway is down: this episode's crash, not the run's
        adapter = _Unmade(f"model provider '{spec.provider}' made no adapter for {spec.id} "
                          f"({type(exc).__name__}: {exc})")
    if not callable(getattr(adapter, "complete", None)):
        raise InputError(f"model provider '{spec.provider}' made no adapter for {spec.id}: "
                         f"its factory returned {type(adapter).__name__}, which has no "
                         "complete(request) method; update the plugin")
    return PluginModel(adapter, spec.id)
