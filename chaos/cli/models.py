"""`chaos models check MODEL`: does this endpoint do what chaos needs?"""

from __future__ import annotations

import asyncio

import click

from chaos.cli._main import main
from chaos.errors import InputError


@main.group("models")
def models_group() -> None:
    """Model providers: check an endpoint before a run."""


@models_group.command("check")
@click.argument("model")
@click.option("--base-url", help="Endpoint (OpenRouter, vLLM, Ollama...; default: the SDK's).")
@click.option("--api-key-env", help="Environment variable holding the key.")
def check_command(model: str, base_url: str | None, api_key_env: str | None) -> None:
    """Send MODEL one small tool-calling request; say whether it can run chaos episodes.

    Exit 0 when it answered with a tool call and usage figures, 1 when it answered without
    them, 2 when the model id or key is wrong, 3 when the call failed.
    """
    from chaos.models import ModelRequest, ProviderError, model_problem, model_spec
    from chaos.models._faults import ModelFaultRules
    from chaos.models._protocol import Message, ToolSchema
    from chaos.models._remote import model_transports
    from chaos.profile import RemoteModelSpec
    from chaos.sim._episode import _adapter

    if problem := model_problem(model):
        raise InputError(problem)
    spec = model_spec(model, [])
    if isinstance(spec, RemoteModelSpec):
        spec = spec.model_copy(update={"base_url": base_url, "api_key_env": api_key_env})
    tool = ToolSchema("finish", "Finish with your final answer.",
                      {"type": "object", "properties": {"result": {"type": "string"}},
                       "required": ["result"]})
    request = ModelRequest("check#1", "check", (
        Message("system", "You are a connectivity check. Answer only by calling tools."),
        Message("user", 'Call the finish tool with result "ok".')), (tool,))

    async def ask() -> object:
        async with model_transports():
            adapter = _adapter(spec, ModelFaultRules())
            try:
                return await adapter.complete(request)
            finally:
                if hasattr(adapter, "aclose"):
                    await adapter.aclose()

    try:
        turn = asyncio.run(ask())
    except ProviderError as exc:
        click.echo(f"{model}: the call failed: {exc}", err=True)
        raise SystemExit(1) from None
    calls = [c.name for c in turn.tool_calls]  # type: ignore[attr-defined]
    usage = turn.usage  # type: ignore[attr-defined]
    metered = spec.provider in ("openai", "anthropic")
    usage_ok = usage.input_tokens > 0 or not metered
    click.echo(f"{model}: tool calls {'yes' if calls else 'NO'} ({', '.join(calls) or '-'}); "
               f"usage {'yes' if usage_ok else 'NO'} ({usage.input_tokens} in, "
               f"{usage.output_tokens} out{'' if metered else ', not metered'})")
    if not calls or not usage_ok:
        raise SystemExit(1)
