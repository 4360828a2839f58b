"""Writing a run's files: whole or not at all, and an unwritable place is the user's to fix.

A read-only or full output directory is not a bug in chaos: it is an `InputError` (exit 2) that
names the path and the option to change. Files are written to a temporary name and renamed, so
an interrupted run (Ctrl-C, a full disk) never leaves half a trace or half a results.json.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from chaos.errors import InputError

__all__ = ["output_errors", "unwritable", "write_atomic"]

#: What a real disk answers when a place cannot take a file.
_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NO_WRITE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST,
             errno.EISDIR}


def unwritable(exc: OSError, option: str, kept: str = "") -> InputError | None:
    """The user-facing error for an OSError met while writing output, or None if it is another.

    Args:
        exc: The error the write raised.
        option: The option that chose the place (`--out`, `--store`).
        kept: What survives, said after the fix (e.g. "the store keeps every finished
            episode").
    """
    path = exc.filename if exc.filename is not None else "the output directory"
    reason = exc.strerror or os.strerror(exc.errno or 0)
    after = f" ({kept})" if kept else ""
    if exc.errno in _NO_ROOM:
        return InputError(f"cannot write to {path}: {reason}; free some space there or choose "
                          f"another {option}{after}")
    if exc.errno in _NO_WRITE:
        return InputError(f"cannot write to {path}: {reason}; choose another {option}{after}")
    return None


@contextlib.contextmanager
def output_errors(option: str = "--out", kept: str = "",
                  root: Path | None = None) -> Iterator[None]:
    """Turn a read-only, full or otherwise unwritable output place into an exit-2 error.

    Wrap only code that writes output: an error reading an input is not the output's fault.

    Args:
        option: The option that chose the place.
        kept: What survives the failure, for the message.
        root: The output directory, when known: an error naming a file elsewhere (an input
            the wrapped code reads) is left as it is.
    """
    try:
        yield
    except OSError as exc:
        error = unwritable(exc, option, kept)
        if error is None or not _inside(exc.filename, root):
            raise
        raise error from None


def _inside(filename: object, root: Path | None) -> bool:
    if root is None or not isinstance(filename, str | os.PathLike):
        return True
    path, top = Path(os.path.abspath(filename)), Path(os.path.abspath(root))
    # The root itself, a file below it, or a folder above it that had to be created.
    return path == top or top in path.parents or path in top.parents


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `path` whole: to a temporary name beside it, then renamed over it.

    A reader (or a run interrupted in the middle) sees the old file or the new one, never
    part of it. The temporary file is removed when the write fails (a full disk).
    """
    partial = path.with_name(f".{path.name}.partial")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(partial, "wb") as handle:
            handle.write(payload)
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        # The user chose `path`; the temporary name would only puzzle them.
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
