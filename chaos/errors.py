"""The error tree every user-facing failure belongs to.

Each error carries the exit code the CLI returns for it and a message that says what went wrong,
where, and how to fix it. Tracebacks are for bugs in chaos, never for bad input.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ChaosError",
    "HarnessError",
    "InputError",
    "PointedValueError",
    "ProfileError",
]


class ChaosError(Exception):
    """Base of every error chaos raises on purpose.

    Attributes:
        exit_code: The process exit code the CLI uses for this error.
    """

    exit_code: int = 3


class InputError(ChaosError):
    """The user's input (a profile, an option, a path) is wrong: exit code 2."""

    exit_code = 2


class ProfileError(InputError):
    """A profile cannot be read or does not validate.

    Args:
        message: What is wrong and how to fix it.
        path: The profile file, if known.
        line: 1-based line of the offending node, if known.
        column: 1-based column of the offending node, if known.
    """

    def __init__(
        self,
        message: str,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        super().__init__(self.located())

    @property
    def location(self) -> str:
        """`file:line:column`, as far as it is known."""
        parts = [self.path or "<profile>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def located(self) -> str:
        """`file:line:column: message`, on one line (editors and terminals link it)."""
        return f"{self.location}: {self.message}"


class HarnessError(ChaosError):
    """chaos itself failed (not the agent, not the input): exit code 3."""

    exit_code = 3


class PointedValueError(ValueError):
    """A validator's ValueError that points below the value it checked (a key inside it).

    Attributes:
        at: The keys from the checked value down to the place at fault.
    """

    def __init__(self, message: str, at: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.at = at
