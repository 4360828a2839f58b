"""Filesystem faults on access: real OSErrors (errno, strerror, filename) and real slowness.

They act through the episode filesystem's one choke point (`EpisodeFs.rules`), so every tool —
and any tool a team adds — meets them exactly where the real failure would happen.
"""

from __future__ import annotations

import errno
import os

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chaos.faults._base import Fault, FaultContext, Taint, fault, with_copies

__all__ = ["DiskFull", "IoError", "PermissionDenied", "SlowIo", "VanishAfterList"]

_OPEN = ("read", "stat")
#: How long a tool waits on storage before it gives up (as an NFS or SMB mount would).
TOOL_TIMEOUT_MS = 30_000


def _error(code: int, path: str) -> OSError:
    return OSError(code, os.strerror(code), path)


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@fault("fs.vanish_after_list")
class VanishAfterList(Fault):
    """Listed, gone on open: another process deletes the file between the listing and the read."""

    summary = "A file that was listed is gone when it is opened (a race)."

    def inject(self, ctx: FaultContext) -> Taint:
        """Arm the race for each target."""
        targets = set(with_copies(ctx))
        listed: set[str] = set()

        def rule(operation: str, path: str) -> None:
            if operation == "listed" and path in targets:
                listed.add(path)
            elif path in listed and operation in _OPEN:
                listed.discard(path)
                targets.discard(path)
                ctx.fs.remove(path)
                ctx.hit(path)
                raise _error(errno.ENOENT, path)

        ctx.fs.rules.append(rule)
        paths = sorted(targets)
        return Taint(targets=paths, watch=paths, touch="hit")


@fault("fs.permission_denied")
class PermissionDenied(Fault):
    """EACCES on open: the file is there, listed and stat-able, but cannot be read."""

    summary = "Opening the file fails with EACCES (Permission denied); it still lists."

    def inject(self, ctx: FaultContext) -> Taint:
        """Deny reads and writes of each target."""
        targets = set(with_copies(ctx))

        def rule(operation: str, path: str) -> None:
            if path in targets and operation in ("read", "write"):
                ctx.hit(path)
                raise _error(errno.EACCES, path)

        ctx.fs.rules.append(rule)
        return Taint(targets=sorted(targets), watch=sorted(targets), touch="hit")


class IoErrorParams(_Params):
    """Parameters of fs.io_error."""

    times: int = Field(2, ge=1, description="Reads that fail before reads work again")
    probability: float | None = Field(None, ge=0, le=1,
                                      description="Instead of `times`: each read fails with p")


@fault("fs.io_error")
class IoError(Fault):
    """EIO on read: a flaky disk or mount, transient (N failures) or random (probability)."""

    summary = "Reading the file fails with EIO (Input/output error), N times or with p."
    Params = IoErrorParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Make reads of each target fail."""
        targets = set(with_copies(ctx))
        left = dict.fromkeys(targets, self.params.times)

        def rule(operation: str, path: str) -> None:
            if path not in targets or operation != "read":
                return
            if self.params.probability is not None:
                failing = ctx.rng.random() < self.params.probability
            else:
                failing = left[path] > 0
                left[path] -= 1
            if failing:
                ctx.hit(path)
                raise _error(errno.EIO, path)

        ctx.fs.rules.append(rule)
        return Taint(targets=sorted(targets), watch=sorted(targets), touch="hit")


class SlowIoParams(_Params):
    """Parameters of fs.slow_io."""

    delay_ms: int = Field(45_000, ge=1, description="Simulated time each slow read takes")
    times: int = Field(1, ge=1, description="Reads that are slow before reads are fast again")


@fault("fs.slow_io")
class SlowIo(Fault):
    """Reads take `delay_ms` of simulated time; past the 30 s tool timeout they fail ETIMEDOUT."""

    summary = "Reading the file takes delay_ms simulated time; over 30 s the read times out."
    Params = SlowIoParams

    def inject(self, ctx: FaultContext) -> Taint:
        """Slow down reads of each target."""
        targets = set(with_copies(ctx))
        left = dict.fromkeys(targets, self.params.times)

        def rule(operation: str, path: str) -> None:
            if path not in targets or operation != "read" or left[path] <= 0:
                return
            left[path] -= 1
            ctx.hit(path)
            ctx.fs.delay_ms += min(self.params.delay_ms, TOOL_TIMEOUT_MS)
            if self.params.delay_ms > TOOL_TIMEOUT_MS:
                raise _error(errno.ETIMEDOUT, path)

        ctx.fs.rules.append(rule)
        return Taint(targets=sorted(targets), watch=sorted(targets), touch="hit",
                     detail={"delay_ms": self.params.delay_ms, "timeout_ms": TOOL_TIMEOUT_MS})


class DiskFullParams(_Params):
    """Parameters of fs.disk_full."""

    free_bytes: int = Field(0, ge=0, description="Space left on the whole disk once it is full")
    after_writes: int | None = Field(None, ge=0, description="Writes that succeed before the "
                                     "disk fills (unset: full from the fault's trigger on)")
    after_bytes: int | None = Field(None, ge=0, description="Bytes the chain may still write "
                                    "before the disk fills (unset: free_bytes)")

    @model_validator(mode="after")
    def _one_way(self) -> DiskFullParams:
        if self.after_writes is not None and self.after_bytes is not None:
            raise ValueError("give after_writes or after_bytes, not both: the disk fills "
                             "after N writes, or after N bytes")
        if self.after_bytes is not None and self.free_bytes:
            raise ValueError("after_bytes replaces free_bytes: give one of them")
        return self


@fault("fs.disk_full")
class DiskFull(Fault):
    """ENOSPC on write: the disk fills, at once or after N writes or N bytes.

    Uses pyfakefs' own disk accounting, so a write that needs more room than is left fails
    with the error a real disk gives (`[Errno 28] No space left on device: '<path>'`).
    `after_writes: 2` lets the first two writes through (a log line, a first output) and fills
    the disk before the third; `after_bytes: 4096` lets 4 KB more be written.
    """

    summary = "The disk is full (at once, after N writes or after N bytes): writes fail ENOSPC."
    Params = DiskFullParams
    default_target = None
    examples = ({"params": {"after_writes": 2}}, {"params": {"after_bytes": 4096}},
                {"trigger": {"when": "delegation", "to": "writer"}})

    def inject(self, ctx: FaultContext) -> Taint:
        """Fill the disk now, or arm a rule that fills it before write N+1."""
        filesystem = ctx.fs.filesystem
        room = self.params.after_bytes if self.params.after_bytes is not None \
            else self.params.free_bytes

        def fill() -> None:
            filesystem.set_disk_usage(filesystem.get_disk_usage().used + room)

        if self.params.after_writes is None:
            fill()
        else:
            left = [self.params.after_writes]

            def rule(operation: str, path: str) -> None:
                if operation != "write" or left[0] < 0:
                    return
                if left[0] == 0:
                    fill()  # the disk fills just before this write
                left[0] -= 1

            ctx.fs.rules.append(rule)

        def on_error(operation: str, path: str, error: OSError) -> None:
            if error.errno == errno.ENOSPC:
                ctx.hit(path)

        ctx.fs.on_error.append(on_error)
        # What the task must write is what a full disk stands in the way of.
        targets = list(getattr(ctx.facts, "outputs", ()) or ())
        return Taint(targets=targets, touch="hit",
                     detail=self.params.model_dump(exclude_none=True))
