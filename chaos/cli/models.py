"""`chaos models check MODEL...`: do these endpoints do what chaos needs?"""

from __future__ import annotations

import click

from chaos.cli._main import main
from chaos.cli._numbers import Finite


@main.group("models")
def models_group() -> None:
    """Model providers: check an endpoint before a run."""


@models_group.command("check")
@click.argument("models", nargs=-1, required=True, metavar="MODEL...")
@click.option("--base-url", help="Endpoint (OpenRouter, vLLM, Ollama...; default: the SDK's).")
@click.option("--api-key-env", help="Environment variable holding the key.")
@click.option("--timeout", "timeout_s", type=Finite(min=0, min_open=True),
              help="Seconds a model may take to answer (default 60).")
def check_command(models: tuple[str, ...], base_url: str | None, api_key_env: str | None,
                  timeout_s: float | None) -> None:
    """Send each MODEL one small tool-calling request; say whether it can run chaos episodes.

    Every model is checked, whatever happens to the others. Exit 0 when each answered with a
    tool call and usage figures; 1 when a call failed or an answer lacked them; 2 when a model
    id or key is wrong. Keys are masked in everything printed, even when an endpoint echoes
    them.
    """
    from chaos.models import check_model

    worst = 0
    for model in models:
        result = check_model(model, base_url, api_key_env, timeout_s)
        click.echo(result.report, err=result.exit_code != 0)
        worst = max(worst, result.exit_code)
    if worst:
        raise SystemExit(worst)
