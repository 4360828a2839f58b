"""Episode traces as OpenTelemetry spans: OTLP/JSON, GenAI semantic conventions (semconv 1.37+).

`write_otlp` turns each episode's trace into one OTLP trace and writes the run's traces to
`RUN_DIR/otel/traces.jsonl`: one line per episode, each line a complete OTLP/JSON
`ExportTraceServiceRequest` (the same JSON shape as `TracesData`). That is the OpenTelemetry
file-exporter format (JSON Lines), which the Collector's `otlpjsonfile` receiver reads as it is,
and any line is a valid body for `POST /v1/traces` on an OTLP/HTTP receiver. One request per
episode keeps each far below receivers' request-size limits, whatever the size of the run.

Span tree of an episode (a trace of its own):

- `episode {model} {arm}` (root): the episode's key, profile, model, seed, arm, status, task
  verdict, fault outcomes and reproduce command; fault injections and mail as span events.
- `invoke_agent {agent}`: one agent invocation; a delegated one nests under the `delegate` tool
  span that started it.
- `chat {model}`: one model call (and one per failed attempt, with error status), under its agent.
- `execute_tool {tool}`: one tool call, under its agent; the first touch of a fault and a
  reported issue are its span events.

Times are simulated: `SIM_EPOCH` plus the simulated milliseconds. Trace and span ids are hashes
of the episode key, its trace events and the event's sequence number: the same run gives the
same bytes, and two runs of one key that behaved differently get different ids. Tasks, answers,
tool arguments and results are content: left out unless `include_content` (the GenAI
conventions make content opt-in), and then cut to `content_limit` characters each.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from chaos import __version__
from chaos._jsonl import jsonl_text
from chaos._output import write_atomic
from chaos.errors import ChaosError
from chaos.report._otel_spans import EpisodeSpans
from chaos.report._otlp_json import encode_attributes
from chaos.report._run_dir import read_trace
from chaos.results import EpisodeResult, RunResults

__all__ = ["CONTENT_LIMIT", "OTEL_PATH", "SCHEMA_URL", "episode_request", "write_otlp"]

#: Where `write_otlp` writes, relative to the run directory.
OTEL_PATH = Path("otel") / "traces.jsonl"
#: Most characters of one piece of content (a task, an answer, an argument, a result).
CONTENT_LIMIT = 4096
#: The semantic conventions whose GenAI names (gen_ai.provider.name, ...) these spans use.
SCHEMA_URL = "https://opentelemetry.io/schemas/1.37.0"


def write_otlp(run_dir: Path, results: RunResults, *, include_content: bool = False,
               content_limit: int = CONTENT_LIMIT) -> Path:
    """Write the run's episode traces as OTLP/JSON lines to `RUN_DIR/otel/traces.jsonl`.

    Args:
        run_dir: The run directory (holds the traces that `results` names).
        results: The run's results.
        include_content: Add tasks, answers, model text, tool arguments and results, issue
            summaries and mail subjects as attributes (opt-in, as the GenAI conventions say).
        content_limit: Most characters kept of each piece of content.

    Returns:
        The file written.

    Raises:
        InputError: A trace path leaves the run directory, or a trace line is not a trace
            event (the message names file and line). An episode whose trace file is gone
            gets its root span alone, marked `chaos.trace.missing`.
    """
    run_dir = Path(run_dir)
    pinned = _pinned_models(results)
    lines = []
    for episode in results.episodes:
        request = episode_request(episode, read_trace(run_dir, episode),
                                  pinned.get(episode.profile), include_content=include_content,
                                  content_limit=content_limit)
        lines.append(json.dumps(request, ensure_ascii=False, separators=(",", ":")))
    out = run_dir / OTEL_PATH
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, jsonl_text(lines))
    return out


def episode_request(episode: EpisodeResult, events: list[Any] | None,
                    pinned: dict[str, str] | None = None, *, include_content: bool = False,
                    content_limit: int = CONTENT_LIMIT) -> dict[str, Any]:
    """One episode as an OTLP/JSON `ExportTraceServiceRequest` (a dict ready for json.dumps).

    Args:
        episode: The episode's result (root attributes, fault outcomes).
        events: Its trace events, or None when its trace is missing (a root span alone).
        pinned: Agents pinned to a model other than the episode's (agent -> model id).
        include_content: Add content attributes.
        content_limit: Most characters kept of each piece of content.
    """
    ordered = sorted(events, key=lambda e: e.seq) if events is not None else []
    fingerprint = hashlib.sha256(
        "\n".join(e.model_dump_json() for e in ordered).encode()).digest()
    builder = EpisodeSpans(episode, pinned or {}, fingerprint, include_content, content_limit)
    if events is None:
        builder.root.attributes.append(("chaos.trace.missing", True))
    for event in ordered:
        builder.add(event)
    spans = builder.finish()
    return {"resourceSpans": [{
        "resource": {"attributes": encode_attributes([("service.name", "chaos"),
                                                      ("service.version", __version__)])},
        "scopeSpans": [{
            "scope": {"name": "chaos.report.otel", "version": __version__},
            "spans": [span.encode(builder.trace_id) for span in spans],
            "schemaUrl": SCHEMA_URL,
        }],
    }]}


def _pinned_models(results: RunResults) -> dict[str, dict[str, str]]:
    """Per profile, agents pinned to a model, when its file is still there and unchanged."""
    from chaos.profile import load_profile

    pinned: dict[str, dict[str, str]] = {}
    for ref in results.profiles:
        try:
            loaded = load_profile(ref.path)
        except ChaosError:
            continue
        if loaded.sha256 == ref.sha256:
            agents = loaded.profile.chain.agents
            pinned[ref.name] = {name: a.model for name, a in agents.items() if a.model}
    return pinned
