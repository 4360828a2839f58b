"""The tool registry: `@tool("name", args=Model)` and what a tool sees when it runs."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from chaos._registry import Registry
from chaos.models._protocol import ToolSchema

if TYPE_CHECKING:
    from chaos.sinks import EpisodeSinks
    from chaos.world import EpisodeFs

__all__ = ["ChainServices", "ToolContext", "ToolDef", "ToolOutput", "tool", "tools"]

#: A tool returns its result text, or a simpy process body that yields events and returns it.
ToolOutput = str | Generator[Any, Any, str]


class ChainServices(Protocol):
    """What the chain runner offers tools that reach beyond the filesystem."""

    def record_issue(self, agent: str, severity: str, summary: str, paths: list[str]) -> int:
        """Record a `report_issue` signal; returns its number."""
        ...

    def delegate(self, agent: str, to: str, task: str) -> Generator[Any, Any, str]:
        """Run the sub-agent `to` on `task` and return its answer text."""
        ...

    def result_model(self, agent: str) -> type[BaseModel] | None:
        """The model `finish` validates against for `agent` (None: any answer)."""
        ...

    def sleep(self, ms: int) -> Generator[Any, Any, None]:
        """Let `ms` of simulated time pass."""
        ...

    def await_(self, awaitable: Awaitable[Any]) -> Any:
        """An event to yield that waits for real I/O without holding up other episodes.

        No simulated time passes. Optional: tools fall back to blocking without it.
        """
        ...


@dataclass
class ToolContext:
    """What a running tool may use.

    Attributes:
        agent: The calling agent.
        fs: The episode's filesystem (the only disk a tool ever sees).
        chain: Services of the chain runner.
        delegates_to: Agents the caller may delegate to.
        sinks: Where things leave the organisation (mail, uploads, SMS).
        answer: Set by `finish`: the validated final answer.
    """

    agent: str
    fs: EpisodeFs
    chain: ChainServices
    delegates_to: tuple[str, ...] = ()
    sinks: EpisodeSinks | None = None
    answer: Any = None


@dataclass(frozen=True)
class ToolDef:
    """A registered tool.

    Attributes:
        name: What agents call.
        description: One paragraph for the model.
        args: Pydantic model of the arguments; its JSON schema goes to the model APIs.
        run: The implementation.
    """

    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[ToolContext, Any], ToolOutput]

    def schema(self, parameters: dict[str, Any] | None = None) -> ToolSchema:
        """The tool as offered to a model (optionally with replaced parameters)."""
        return ToolSchema(self.name, self.description, parameters or json_schema(self.args))


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema, without pydantic's titles (noise for the LLM). A fresh copy."""
    return copy.deepcopy(_json_schema(model))


@functools.cache
def _json_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()

    def strip(node: Any, names: bool = False) -> Any:
        """Drop pydantic's titles; in a `properties`/`$defs` map the keys are names: kept."""
        if isinstance(node, dict):
            return {k: strip(v, not names and k in ("properties", "$defs"))
                    for k, v in node.items() if names or k != "title"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(schema)


tools: Registry[ToolDef] = Registry("tool")


def tool(name: str, args: type[BaseModel]) -> Callable[[Callable], Callable]:
    """Register `run(ctx, args) -> str` as tool `name`; its docstring is the description."""

    def decorate(run: Callable[[ToolContext, Any], ToolOutput]) -> Callable:
        description = inspect.cleandoc(run.__doc__ or name).split("\n\n")[0].replace("\n", " ")
        tools.register(name)(ToolDef(name, description, args, run))
        return run

    return decorate
