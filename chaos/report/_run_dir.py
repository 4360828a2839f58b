"""Reading a run directory back: `results.json` checked against the model, and its traces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

from pydantic import TypeAdapter, ValidationError

from chaos._jsonl import read_lines
from chaos.errors import InputError
from chaos.results import RESULTS_VERSION, EpisodeResult, RunResults
from chaos.sim._trace import TraceEvent

__all__ = ["load_results", "read_trace"]

_EVENTS: TypeAdapter[Any] = TypeAdapter(TraceEvent)
#: The event types this chaos writes (TraceEvent is Annotated[Union[...], discriminator]).
_KNOWN_TYPES = frozenset(
    choice.model_fields["type"].default for choice in get_args(get_args(TraceEvent)[0])
)


def json_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _not_a_run_dir(run_dir: Path, path: Path) -> str:
    """Why `run_dir` holds no readable results.json, and what to name instead."""
    if run_dir.is_file():
        if run_dir.suffix.lower() in (".yaml", ".yml"):
            return (f"{run_dir} is a profile, not a run directory; run it first "
                    f"(chaos run {run_dir} --out runs/NAME), then name runs/NAME")
        if run_dir.name == "results.json":
            return (f"{run_dir} is the results file itself; name the run directory that "
                    f"holds it ({run_dir.parent})")
        return (f"{run_dir} is a file, not a run directory; name the folder `chaos run "
                "--out` wrote (it holds results.json and traces/)")
    if path.is_dir():
        return (f"{path} is a folder, not a results file; name a run directory written by "
                "`chaos run` (its results.json is a file)")
    return (f"{path}: no results.json here; name a run directory written by `chaos run` "
            "(it holds results.json and traces/)")


def load_results(run_dir: Path) -> RunResults:
    """Read `RUN_DIR/results.json` and validate it against `RunResults`.

    Raises:
        InputError: The directory holds no results, or the file is not valid JSON or not a
            chaos results file of a version this chaos reads; the message names the place.
    """
    path = run_dir / "results.json"
    if not path.is_file():
        raise InputError(_not_a_run_dir(run_dir, path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a chaos results file (not UTF-8: {exc.reason} at byte "
                         f"{exc.start}); rerun the episodes to write it again") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc}); check its "
                         "permissions, or rerun the episodes to write it again") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); "
                         "rerun the episodes to write it again") from None
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, int) and version > RESULTS_VERSION:
        raise InputError(f"{path}: results version {version} was written by a newer chaos "
                         f"(this one reads version {RESULTS_VERSION}); upgrade chaos-sim")
    summary = data.get("summary") if isinstance(data, dict) else None
    if isinstance(summary, dict) and not isinstance(summary.get("profiles"), dict):
        # Every reader (report, compare, recommend) starts from summary.profiles.
        raise InputError(f"{path}: summary.profiles is missing or not a mapping of profile to "
                         "its models (written by an older or another tool?); rerun the "
                         "episodes with this chaos to write it again")
    try:
        return RunResults.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{json_path(e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        newer = any(e["type"] == "extra_forbidden" for e in exc.errors())
        hint = ("fields this chaos does not know: written by a newer chaos? upgrade chaos-sim"
                if newer else "see chaos/report/results.schema.json")
        raise InputError(f"{path}: not a chaos results file (version {RESULTS_VERSION}): "
                         f"{problems}{more}; {hint}") from None


def read_trace(run_dir: Path, episode: EpisodeResult) -> list[Any] | None:
    """The episode's trace events, or None when its trace file is not in the run directory.

    Events of a type this chaos does not know (written by a newer one) are left out.

    Raises:
        InputError: The trace path leaves the run directory, or a line is not a valid event
            (the message names file and line, and the command that writes it again).
    """
    root = run_dir.resolve()
    path = (root / episode.trace).resolve()
    if not path.is_relative_to(root):
        raise InputError(f"{run_dir / 'results.json'}: episode {episode.key}: trace path "
                         f"{episode.trace!r} leaves the run directory; it must be relative to it")
    if not path.is_file():
        return None
    events = []
    try:
        lines = read_lines(path)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a trace (not UTF-8: {exc.reason} at byte {exc.start}); "
                         f"write it again with: {episode.reproduce}") from None
    for number, line in lines:
        try:
            raw = json.loads(line)
            if isinstance(raw, dict) and raw.get("type") not in _KNOWN_TYPES:
                continue
            events.append(_EVENTS.validate_python(raw))
        except (json.JSONDecodeError, ValidationError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else (
                "; ".join(f"{json_path(e['loc'])}: {e['msg']}" for e in exc.errors()[:3]))
            raise InputError(f"{path}:{number}: not a trace event ({reason}); write it again "
                             f"with: {episode.reproduce}") from None
    return events
