"""`chaos models check`: can a model run chaos episodes? One small tool-calling request tells.

Each model is checked on its own: a wrong id, a missing key, a failed call or a broken answer is
that model's result, never the end of the check. Everything reported is masked (`redact`): an
endpoint may echo the key it was sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from chaos._redact import redact
from chaos.models._protocol import Message, ModelRequest, ModelTurn, ProviderError, ToolSchema

__all__ = ["ModelCheck", "check_model"]

_TOOL = ToolSchema("finish", "Finish with your final answer.",
                   {"type": "object", "properties": {"result": {"type": "string"}},
                    "required": ["result"]})
_REQUEST = ModelRequest("check#1", "check", (
    Message("system", "You are a connectivity check. Answer only by calling tools."),
    Message("user", 'Call the finish tool with result "ok".')), (_TOOL,))


@dataclass(frozen=True)
class ModelCheck:
    """The answer for one model.

    Attributes:
        model: The model id as given.
        exit_code: 0 it can run chaos; 1 the call failed or lacked a tool call or usage;
            2 a wrong model id or a missing key.
        report: One line saying so (masked).
    """

    model: str
    exit_code: int
    report: str


def check_model(model: str, base_url: str | None = None, api_key_env: str | None = None,
                timeout_s: float | None = None) -> ModelCheck:
    """Send `model` one small tool-calling request and judge the answer.

    Args:
        model: A model id (`openai/gpt-4.1-mini`, `scripted/careful`, `acme/x`...).
        base_url: The endpoint of a remote model (its SDK's default when None).
        api_key_env: The variable holding a remote model's key.
        timeout_s: How long a remote model may take to answer (the spec's default: 60 s).
    """
    from chaos.errors import InputError

    try:
        turn = asyncio.run(_ask(model, base_url, api_key_env, timeout_s))
    except InputError as exc:
        return ModelCheck(model, 2, redact(f"{model}: {exc}"))
    except ProviderError as exc:
        return ModelCheck(model, 1, redact(f"{model}: the call failed: {exc}"))
    except Exception as exc:  # a plugin's adapter, or an answer no reader foresaw
        return ModelCheck(model, 1, redact(f"{model}: the call failed: "
                                           f"{type(exc).__name__}: {exc}"))
    calls = [c.name for c in turn.tool_calls if c.error is None]
    garbled = [c.error for c in turn.tool_calls if c.error is not None]
    metered = model.partition("/")[0] in ("openai", "anthropic")
    usage_ok = turn.usage.input_tokens > 0 or not metered
    report = (f"{model}: tool calls {'yes' if calls else 'NO'} ({', '.join(calls) or '-'}"
              f"{'; garbled: ' + garbled[0] if garbled else ''}); "
              f"usage {'yes' if usage_ok else 'NO'} ({turn.usage.input_tokens} in, "
              f"{turn.usage.output_tokens} out{'' if metered else ', not metered'})")
    return ModelCheck(model, 0 if calls and usage_ok else 1, redact(report))


async def _ask(model: str, base_url: str | None, api_key_env: str | None,
               timeout_s: float | None) -> ModelTurn:
    from chaos.errors import InputError
    from chaos.models import model_problem, model_spec, require_key
    from chaos.models._faults import ModelFaultRules
    from chaos.models._remote import model_transports
    from chaos.profile import RemoteModelSpec
    from chaos.sim._episode import model_adapter as _adapter

    if problem := model_problem(model):
        raise InputError(problem)
    spec = model_spec(model, [])
    if isinstance(spec, RemoteModelSpec):
        spec = spec.model_copy(update={"base_url": base_url, "api_key_env": api_key_env,
                                       "timeout_s": timeout_s or spec.timeout_s})
    require_key(spec)
    async with model_transports():
        adapter = _adapter(spec, ModelFaultRules())
        try:
            return await adapter.complete(_REQUEST)
        finally:
            if hasattr(adapter, "aclose"):
                await adapter.aclose()
