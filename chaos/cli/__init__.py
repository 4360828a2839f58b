"""The `chaos` command line: a thin click group, one module per command."""

from chaos.cli._main import main

__all__ = ["main"]
