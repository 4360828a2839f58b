"""OTLP/JSON encoding of spans: hex ids, enums as integers, int64 as decimal strings.

The OTLP JSON Protobuf Encoding is the protobuf JSON mapping with deviations: trace and span ids
are hex (not base64), enum fields are integers (never names), keys are lowerCamelCase, and
64-bit integers (timestamps, int attributes) are decimal strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chaos._clock import SIM_EPOCH

__all__ = ["KIND_CLIENT", "KIND_INTERNAL", "STATUS_ERROR", "Span", "encode_attributes", "nanos"]

#: Span.SpanKind values.
KIND_INTERNAL, KIND_CLIENT = 1, 3
#: Status.StatusCode value of an error.
STATUS_ERROR = 2
_EPOCH_NS = int(SIM_EPOCH.timestamp()) * 1_000_000_000


@dataclass
class Span:
    """One span while it is built; times in simulated milliseconds, `end_ms` None while open."""

    span_id: str
    parent_id: str
    name: str
    kind: int
    start_ms: int
    end_ms: int | None = None
    attributes: list[tuple[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def event(self, name: str, t_ms: int, attributes: list[tuple[str, Any]]) -> None:
        """Add a span event at simulated `t_ms`."""
        self.events.append({"timeUnixNano": nanos(t_ms), "name": name,
                            "attributes": encode_attributes(attributes)})

    def fail(self, message: str, error_type: str) -> None:
        """Mark the span failed: status ERROR with `message`, and `error.type`."""
        self.error = message
        self.attributes.append(("error.type", error_type))

    def encode(self, trace_id: str) -> dict[str, Any]:
        """The span as an OTLP/JSON `Span`."""
        span: dict[str, Any] = {"traceId": trace_id, "spanId": self.span_id}
        if self.parent_id:
            span["parentSpanId"] = self.parent_id
        end_ms = self.end_ms if self.end_ms is not None else self.start_ms
        span |= {"name": self.name, "kind": self.kind,
                 "startTimeUnixNano": nanos(self.start_ms), "endTimeUnixNano": nanos(end_ms),
                 "attributes": encode_attributes(self.attributes)}
        if self.events:
            span["events"] = self.events
        if self.error is not None:
            span["status"] = {"message": self.error, "code": STATUS_ERROR}
        return span


def nanos(t_ms: int) -> str:
    """Unix nanoseconds of simulated millisecond `t_ms`, as OTLP/JSON's decimal string."""
    return str(_EPOCH_NS + t_ms * 1_000_000)


def _value(value: Any) -> dict[str, Any]:
    """An OTLP/JSON AnyValue."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [_value(v) for v in value]}}
    return {"stringValue": str(value)}


def encode_attributes(pairs: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """OTLP/JSON KeyValues, in the given order; None values are left out."""
    return [{"key": key, "value": _value(value)} for key, value in pairs if value is not None]
