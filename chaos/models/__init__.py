"""Model providers behind one protocol: `scripted/<policy>` now; more providers plug in here."""

from __future__ import annotations

from chaos.models._protocol import (
    Message,
    ModelAdapter,
    ModelRequest,
    ModelTurn,
    ToolCall,
    ToolSchema,
    Usage,
)

__all__ = [
    "Message",
    "ModelAdapter",
    "ModelRequest",
    "ModelTurn",
    "ToolCall",
    "ToolSchema",
    "Usage",
    "build_model",
    "model_problem",
    "model_slug",
]

PROVIDERS = ("scripted",)


def model_problem(model_id: str) -> str | None:
    """Why `model_id` cannot be used, or None when it can."""
    from chaos._registry import did_you_mean
    from chaos.models.scripted import policies

    provider, sep, name = model_id.partition("/")
    if not sep or not name:
        return (
            f"model '{model_id}' must be written provider/name, e.g. scripted/careful "
            f"(providers: {', '.join(PROVIDERS)})"
        )
    if provider not in PROVIDERS:
        return (
            f"unknown model provider '{provider}'{did_you_mean(provider, list(PROVIDERS))} "
            f"(valid: {', '.join(PROVIDERS)})"
        )
    if name not in policies:
        return policies.unknown_message(name)
    return None


def build_model(model_id: str) -> ModelAdapter:
    """A fresh adapter for one episode (scripted models keep per-episode state)."""
    from chaos.errors import InputError
    from chaos.models.scripted import ScriptedModel

    if problem := model_problem(model_id):
        raise InputError(problem)
    return ScriptedModel(model_id.partition("/")[2])


def model_slug(model_id: str) -> str:
    """A path- and key-safe form of a model id: `scripted/careful` -> `scripted-careful`."""
    return "".join(c if c.isalnum() or c in "._-" else "-" for c in model_id)
