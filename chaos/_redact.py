"""Keep secrets out of every artifact: traces, results, cassettes, logs."""

from __future__ import annotations

import functools
import os
import re

__all__ = ["redact"]

_PATTERNS = (
    re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-]{6,}"),
    re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{6,}"),
    re.compile(r"(?i)\b(bearer|token|api[_-]?key|x-api-key)\b(\s*[:=]\s*|\s+)['\"]?[^\s'\",;]{6,}"),
)
_SECRET_ENV = re.compile(r"(?i)(KEY|TOKEN|SECRET|PASSWORD)")


@functools.cache
def _secret_names(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in names if _SECRET_ENV.search(n))


def redact(text: str) -> str:
    """`text` with API keys, bearer tokens and the values of secret-named variables masked."""
    for name in _secret_names(tuple(os.environ)):
        value = os.environ.get(name, "")
        if len(value) >= 8 and value in text:
            text = text.replace(value, "[redacted]")
    for pattern in _PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text
