"""Tools agents may call, their JSON schemas, and their binding to an episode."""

from chaos.tools import _files, _outbound, _signals  # noqa: F401  (registers built-ins)
from chaos.tools._files import READ_CAP, WRITE_CAP
from chaos.tools._registry import ChainServices, ToolContext, ToolDef, json_schema, tool, tools
from chaos.tools._signals import FinishRejected, validate_finish

__all__ = [
    "READ_CAP",
    "WRITE_CAP",
    "ChainServices",
    "FinishRejected",
    "ToolContext",
    "ToolDef",
    "json_schema",
    "tool",
    "tools",
    "validate_finish",
]
