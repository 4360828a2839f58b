"""Error bodies as each provider writes them: one place for every server chaos runs.

OpenAI: `{"error": {"message", "type", "param", "code"}}`. Anthropic: `{"type": "error",
"error": {"type", "message"}}`. The loopback server, the provider faults and the model gateway
all answer with these.
"""

from __future__ import annotations

from typing import Any

__all__ = ["error_body"]

#: OpenAI's `type` (and `code`, for the statuses that carry one) by status.
_OPENAI = {401: ("invalid_request_error", "invalid_api_key"),
           403: ("invalid_request_error", "unsupported_country_region_territory"),
           404: ("invalid_request_error", None),
           429: ("rate_limit_exceeded", "rate_limit_exceeded"),
           503: ("server_overloaded", "server_overloaded")}
#: Anthropic's error `type` by status (its documented list).
_ANTHROPIC = {400: "invalid_request_error", 401: "authentication_error",
              403: "permission_error", 404: "not_found_error", 413: "request_too_large",
              429: "rate_limit_error", 500: "api_error", 503: "overloaded_error",
              529: "overloaded_error"}


def error_body(provider: str, status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """The body `provider` (`openai` or `anthropic`) sends with an error of `status`.

    Args:
        provider: The wire format.
        status: The HTTP status.
        message: The error's words.
        code: OpenAI's `code`, when it is not the status's usual one.
    """
    if provider == "anthropic":
        kind = _ANTHROPIC.get(status, "api_error" if status >= 500 else "invalid_request_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    kind, usual = _OPENAI.get(status, ("server_error", "server_error") if status >= 500
                              else ("invalid_request_error", None))
    return {"error": {"message": message, "type": kind, "param": None, "code": code or usual}}
