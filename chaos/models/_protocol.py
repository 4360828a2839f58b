"""The one small protocol every model provider implements.

A chain talks to models in a provider-neutral shape: messages, tool schemas, and a turn that is
either text or tool calls. Adapters translate to and from each API's wire format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = [
    "Message",
    "ProviderError",
    "ModelAdapter",
    "ModelRequest",
    "ModelTurn",
    "ToolCall",
    "ToolSchema",
    "Usage",
]


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model asked for.

    Attributes:
        id: Provider's call id; tool results answer it.
        name: Tool name.
        arguments: Parsed JSON arguments.
        error: Why the call cannot run as sent (arguments that are not valid JSON): the agent
            gets this text back instead of a tool result.
        raw: With `error`, the arguments as the model sent them (text that does not parse),
            so a gateway can send them on as they came.
    """

    id: str
    name: str
    arguments: dict[str, Any]
    error: str | None = None
    raw: str | None = None


@dataclass(frozen=True)
class Message:
    """One message of a conversation.

    Attributes:
        role: `system`, `user`, `assistant` or `tool`.
        content: Text content.
        tool_calls: For assistant messages, the calls made.
        tool_call_id: For tool messages, the call answered.
        name: For tool messages, the tool's name.
    """

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ToolSchema:
    """A tool as offered to a model: the JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    """Token counts of one model call."""

    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class ModelTurn:
    """What the model answered: text, tool calls, or both."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"


@dataclass(frozen=True)
class ModelRequest:
    """One model call.

    Attributes:
        conversation: Stable id of the agent invocation (`editor#2`) within the episode.
        agent: The agent's name.
        messages: The whole conversation so far, system message first.
        tools: The tools the agent may call.
        options: What an outside agent asked beyond messages and tools (`max_tokens`,
            `temperature`, `top_p`, `stop`, `tool_choice`, `parallel_tool_calls`, and the
            wire family's own under `openai` or `anthropic`; see `chaos.models._options`).
            Remote adapters pass them on; scripted models ignore them. Empty for the
            built-in chain.
    """

    conversation: str
    agent: str
    messages: tuple[Message, ...]
    tools: tuple[ToolSchema, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


class ProviderError(Exception):
    """A model call failed at the provider (HTTP status, timeout, a broken response).

    Args:
        message: What happened, as the provider said it (no keys).
        status: The HTTP status, or None for a timeout or a connection error.
        retry_after_s: The server's Retry-After, when it sent one.
        retryable: Whether the chain's retry policy may try again (429, 5xx, timeouts).
    """

    def __init__(self, message: str, status: int | None = None,
                 retry_after_s: float | None = None, retryable: bool = False) -> None:
        # Every field travels in args: simpy rebuilds exceptions from their args.
        super().__init__(message, status, retry_after_s, retryable)
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s
        self.retryable = retryable

    def __str__(self) -> str:
        return self.message


class ModelAdapter(Protocol):
    """A model provider bound to one model and one episode."""

    model_id: str

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """Answer one request; raise on a provider error the chain cannot absorb."""
        ...
