"""Run a command in a process group of its own: bounded output, a wall-clock limit, no leftovers.

Whatever the command does — hangs, forks helpers, prints gigabytes, exits at once — it ends
with its whole process group gone and at most a tail of its output kept. Helpers that left the
group (`setsid`, a daemon's double fork) are found by a variable of the command's environment
they inherited, on systems with `/proc` (Linux), and ended too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcessOutcome", "end_strays", "run_process"]

#: Bytes of stdout kept (its tail): where the answer is looked for.
STDOUT_TAIL = 1024 * 1024
#: Bytes of stderr kept (its tail): what a crash reason quotes from.
STDERR_TAIL = 64 * 1024
#: Seconds between SIGTERM and SIGKILL for the process group.
TERM_GRACE_S = 2.0
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ProcessOutcome:
    """How a command ran.

    Attributes:
        exit_code: Its exit status (negative: the signal that ended it); None when it did
            not start or was ended by chaos.
        wall_ms: Wall-clock milliseconds from start to exit (or to being ended).
        stdout: The tail of what it printed on stdout (at most `STDOUT_TAIL` bytes, decoded).
        stderr: The tail of its stderr (at most `STDERR_TAIL` bytes, decoded).
        start_error: Why it could not start (an `OSError`'s text), or None.
        timed_out: It was still running at the time limit and was ended.
        stopped: It was ended because the caller no longer needed it (`stop` was set).
    """

    exit_code: int | None
    wall_ms: int
    stdout: str = ""
    stderr: str = ""
    start_error: str | None = None
    timed_out: bool = False
    stopped: bool = False


class _Tail:
    """The last `limit` bytes of a stream, read to its end so the writer never blocks."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()

    async def drain(self, stream: asyncio.StreamReader | None) -> None:
        if stream is None:
            return
        while chunk := await stream.read(_CHUNK):
            self.data += chunk
            if len(self.data) > 2 * self.limit:
                del self.data[:-self.limit]

    def text(self) -> str:
        return bytes(self.data[-self.limit:]).decode("utf-8", "replace")


async def run_process(argv: Sequence[str], cwd: Path, env: Mapping[str, str], timeout_s: float,
                      stop: asyncio.Event | None = None, stop_grace_s: float = 5.0,
                      marker: str | None = None) -> ProcessOutcome:
    """Run `argv` to its end, within `timeout_s` wall-clock seconds.

    The command runs in a new session (its own process group), stdin closed. Its process
    group is ended (SIGTERM, then SIGKILL after `TERM_GRACE_S`) when it runs past the
    limit, when the caller is cancelled, and after it exits (helpers it left behind).

    Args:
        argv: The command and its arguments.
        cwd: Its working folder.
        env: Its whole environment.
        timeout_s: Wall-clock seconds it may run.
        stop: Once set, the command gets `stop_grace_s` more seconds to exit on its own
            before it is ended (its work is done: the episode has its answer).
        stop_grace_s: See `stop`.
        marker: The name of a variable of `env` whose value is unique to this run: any
            process still carrying it in its environment once the group is gone left the
            group (`setsid`, a daemon) and is killed too.
    """
    started = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=cwd, env=dict(env), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in an argument
        return ProcessOutcome(None, _ms_since(started),
                              start_error=_start_error(exc, argv[0] if argv else "", cwd))
    out, err = _Tail(STDOUT_TAIL), _Tail(STDERR_TAIL)
    readers = [asyncio.ensure_future(out.drain(proc.stdout)),
               asyncio.ensure_future(err.drain(proc.stderr))]
    timed_out = stopped = False
    exited_ms: int | None = None
    try:
        timed_out, stopped = await _wait(proc, timeout_s, stop, stop_grace_s)
        if proc.returncode is not None:
            exited_ms = _ms_since(started)
    finally:
        await _end_group(proc)
        if marker is not None and env.get(marker):
            end_strays(f"{marker}={env[marker]}".encode())
        # The pipes close once the group is gone; a helper that left the group may keep
        # them open: what it still prints is not waited for.
        _done, pending = await asyncio.wait(readers, timeout=1.0)
        for reader in pending:
            reader.cancel()
    code = proc.returncode if exited_ms is not None else None
    return ProcessOutcome(code, exited_ms if exited_ms is not None else _ms_since(started),
                          out.text(), err.text(), None, timed_out, stopped)


async def _wait(proc: asyncio.subprocess.Process, timeout_s: float,
                stop: asyncio.Event | None, stop_grace_s: float) -> tuple[bool, bool]:
    """Wait for `proc` to exit; (timed out, stopped) when it did not."""
    deadline = time.monotonic() + timeout_s
    exited = asyncio.ensure_future(proc.wait())
    stopping = asyncio.ensure_future(stop.wait()) if stop is not None else None
    try:
        waiting = {exited, *([stopping] if stopping else [])}
        done, _ = await asyncio.wait(waiting, timeout=timeout_s,
                                     return_when=asyncio.FIRST_COMPLETED)
        if exited in done:
            return False, False
        if stopping is not None and stopping in done:
            left = max(0.0, min(stop_grace_s, deadline - time.monotonic()))
            done, _ = await asyncio.wait({exited}, timeout=left)
            return False, exited not in done
        return True, False
    finally:
        for task in (exited, stopping):
            if task is not None and not task.done():
                task.cancel()


async def _end_group(proc: asyncio.subprocess.Process) -> None:
    """End `proc`'s whole process group: SIGTERM, a grace, then SIGKILL (also when cancelled)."""
    group = proc.pid  # a new session: the group's id is the leader's pid
    try:
        if not _signal_group(group, signal.SIGTERM):
            return  # nobody left
        deadline = time.monotonic() + TERM_GRACE_S
        if proc.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), TERM_GRACE_S)
        # Helpers of the group may outlive the leader a moment.
        while time.monotonic() < deadline and _signal_group(group, 0):
            await asyncio.sleep(0.05)
    finally:
        _signal_group(group, signal.SIGKILL)
    if proc.returncode is None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), TERM_GRACE_S)


def end_strays(marker: bytes, proc_dir: Path = Path("/proc")) -> list[int]:
    """Kill every process of this user whose environment holds `marker` (`NAME=value`).

    A process that left the command's group keeps the environment it was started with
    (unless it replaced it on purpose): the run's unique variable finds it wherever it
    went. Several passes, as a stray may fork while it is looked for. Without `/proc`
    (macOS, Windows) nothing is found.

    Returns:
        The pids killed.
    """
    needle = b"\0" + marker + b"\0"
    me = os.getpid()
    killed: list[int] = []
    for _ in range(5):
        found = []
        with contextlib.suppress(OSError):
            for entry in os.scandir(proc_dir):
                if not entry.name.isdigit() or int(entry.name) == me:
                    continue
                try:
                    environ = (proc_dir / entry.name / "environ").read_bytes()
                except OSError:  # gone, or another user's
                    continue
                if needle in b"\0" + environ:
                    found.append(int(entry.name))
        for pid in found:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        killed += found
        if not found:
            break
    return killed


def _signal_group(group: int, sig: int) -> bool:
    """Send `sig` to the process group; False when no process of it is left."""
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        return False
    except PermissionError:  # only a zombie left, or the id was taken by another user
        return False
    return True


def _start_error(exc: Exception, program: str, cwd: Path) -> str:
    """Why the command did not start, naming the file (the program, or its folder).

    Not every event loop names the file in the error (uvloop does not): the folder is
    checked here, so a missing file is otherwise the program.
    """
    text = str(exc)
    if not isinstance(exc, OSError) or "'" in text:
        return text
    if not cwd.is_dir():
        return f"{text}: {str(cwd)!r} (the working folder)"
    return f"{text}: {str(exc.filename or program)!r}"


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
