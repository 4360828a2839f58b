"""Filesystem faults on access: real OSErrors (errno, strerror, filename) and real slowness.

They act through the episode filesystem's one choke point (`EpisodeFs.rules`), so every tool —
and any tool a team adds — meets them exactly where the real failure would happen.
"""

from __future__ import annotations

import errno
import os

from pydantic import BaseModel, ConfigDict, Field

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

    free_bytes: int = Field(0, ge=0, description="Space left on the whole disk")


@fault("fs.disk_full")
class DiskFull(Fault):
    """ENOSPC on write: the disk has `free_bytes` left (pyfakefs' own disk accounting)."""

    summary = "The disk is full: writes fail with ENOSPC (No space left on device)."
    Params = DiskFullParams
    default_target = None

    def inject(self, ctx: FaultContext) -> Taint:
        """Fill the disk: any write that needs more than `free_bytes` fails with ENOSPC."""
        used = ctx.fs.filesystem.get_disk_usage().used
        ctx.fs.filesystem.set_disk_usage(used + self.params.free_bytes)

        def on_error(operation: str, path: str, error: OSError) -> None:
            if error.errno == errno.ENOSPC:
                ctx.hit(path)

        ctx.fs.on_error.append(on_error)
        truth = ctx.world.truth
        targets = [truth.manifest_path]
        return Taint(targets=targets, touch="hit", detail={"free_bytes": self.params.free_bytes})
