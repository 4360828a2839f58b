"""Keep secrets out of every artifact and every line chaos prints.

Traces, results, cassettes, logs, warnings and debug tracebacks alike.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = ["MaskedStream", "mask_keys", "masked_output", "redact", "remember_secret"]

#: API keys, bearer tokens and `api_key=...` assignments, in one pass over the text.
_PATTERN = re.compile(
    r"\bsk-ant-[A-Za-z0-9_\-]{6,}"
    r"|\b(?:sk|rk|pk)-[A-Za-z0-9_\-]{6,}"
    r"|(?i:\b(?:bearer|token|api[_-]?key|x-api-key)\b(?:\s*[:=]\s*|\s+)['\"]?[^\s'\",;]{6,})"
)
_SECRET_ENV = re.compile(r"(?i)(KEY|TOKEN|SECRET|PASSWORD)")
#: Shorter values are not masked: masking "true" or "1234" everywhere would garble output.
_MIN_SECRET = 8
MASK = "[redacted]"

#: Keys chaos read, whatever variable they came from (`api_key_env: LLM_CRED`).
_remembered: set[str] = set()


def remember_secret(value: str) -> None:
    """Mask `value` in everything `redact` and `mask_keys` see from now on (a key chaos read)."""
    if len(value) >= _MIN_SECRET:
        _remembered.add(value)


@functools.cache
def _secret_names(raw: tuple[str | bytes, ...]) -> tuple[str, ...]:
    names = (os.environ.decodekey(n) if isinstance(n, bytes) else n for n in raw)  # type: ignore[attr-defined]
    return tuple(n for n in names if _SECRET_ENV.search(n))


def _environment() -> tuple[str | bytes, ...]:
    """The variables' names, undecoded: os.environ decodes each name on iteration (~15x more)."""
    data = getattr(os.environ, "_data", None)
    return tuple(data) if isinstance(data, dict) else tuple(os.environ)


def _secrets() -> Iterator[str]:
    for name in _secret_names(_environment()):
        value = os.environ.get(name, "")
        if len(value) >= _MIN_SECRET:
            yield value
    yield from tuple(_remembered)  # another thread may add one meanwhile


def mask_keys(text: str) -> str:
    """`text` with the values of secret-named variables and the keys chaos read masked.

    Only known values: safe on any output (no pattern that could match ordinary words).
    """
    for value in _secrets():
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact(text: str) -> str:
    """`text` with API keys, bearer tokens and the values of secret-named variables masked."""
    return _PATTERN.sub(MASK, mask_keys(text))


class MaskedStream:
    """A text stream that masks known keys in everything written to it (`mask_keys`).

    Wraps sys.stdout and sys.stderr while a chaos command runs, so tracebacks, warnings, log
    lines and SDK messages printed by any library pass the same mask as chaos' own lines.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write `text`, masked; returns the length of `text` as given (callers count on it)."""
        if isinstance(text, str):
            self._stream.write(mask_keys(text))
        else:  # not ours to judge: let the stream raise what it raises
            self._stream.write(text)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each line, masked."""
        for line in lines:
            self.write(line)

    @property
    def buffer(self) -> Any:
        """The binary stream below, masked too.

        click writes there when it distrusts the text stream's encoding.
        """
        return _MaskedBuffer(self._stream.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _MaskedBuffer:
    """A binary stream that masks known keys in the bytes written to it."""

    def __init__(self, buffer: Any) -> None:
        self._buffer = buffer

    def write(self, data: bytes) -> int:
        """Write `data` with known keys masked; returns the length of `data` as given."""
        masked = bytes(data)
        for value in _secrets():
            masked = masked.replace(value.encode(), MASK.encode())
        self._buffer.write(masked)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._buffer, name)


@contextmanager
def masked_output() -> Iterator[None]:
    """Mask known keys in everything written to sys.stdout and sys.stderr meanwhile."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = MaskedStream(out)  # type: ignore[assignment]
    sys.stderr = MaskedStream(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
