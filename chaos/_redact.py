"""Keep secrets out of every artifact: traces, results, cassettes, logs."""

from __future__ import annotations

import functools
import os
import re

__all__ = ["redact", "remember_secret"]

#: API keys, bearer tokens and `api_key=...` assignments, in one pass over the text.
_PATTERN = re.compile(
    r"\bsk-ant-[A-Za-z0-9_\-]{6,}"
    r"|\b(?:sk|rk|pk)-[A-Za-z0-9_\-]{6,}"
    r"|(?i:\b(?:bearer|token|api[_-]?key|x-api-key)\b(?:\s*[:=]\s*|\s+)['\"]?[^\s'\",;]{6,})"
)
_SECRET_ENV = re.compile(r"(?i)(KEY|TOKEN|SECRET|PASSWORD)")
#: Keys read from variables whose names do not say they hold one (`api_key_env: LLM_CRED`).
_REMEMBERED: set[str] = set()


def remember_secret(value: str) -> None:
    """Mask `value` in everything `redact` sees from now on (a key chaos has read)."""
    if len(value) >= 8:
        _REMEMBERED.add(value)


@functools.cache
def _secret_names(raw: tuple[str | bytes, ...]) -> tuple[str, ...]:
    names = (os.environ.decodekey(n) if isinstance(n, bytes) else n for n in raw)  # type: ignore[attr-defined]
    return tuple(n for n in names if _SECRET_ENV.search(n))


def _environment() -> tuple[str | bytes, ...]:
    """The variables' names, undecoded: os.environ decodes each name on iteration (~15x more)."""
    data = getattr(os.environ, "_data", None)
    return tuple(data) if isinstance(data, dict) else tuple(os.environ)


def redact(text: str) -> str:
    """`text` with API keys, bearer tokens and the values of secret-named variables masked."""
    for name in _secret_names(_environment()):
        value = os.environ.get(name, "")
        if len(value) >= 8 and value in text:
            text = text.replace(value, "[redacted]")
    for value in _REMEMBERED:
        if value in text:
            text = text.replace(value, "[redacted]")
    return _PATTERN.sub("[redacted]", text)
