"""Run a team's own Python code inside an episode's world.

pyfakefs' `Patcher` swaps `open`, `os`, `os.path`, `pathlib`, `shutil` and `io` — in every
loaded module, `from os import ...` names and module-level `Path` objects included — for fakes
bound to the episode's own `FakeFilesystem`, so the code sees the world's files and never the
real disk. The fault rules of the episode's filesystem (`EpisodeFs.rules`: EACCES, EIO, slow
reads, a file gone after listing) and its access log are hooked into pyfakefs' own choke points
(`FakeFileOpen.call`, `FakeFilesystem.stat`, `FakeFilesystem.listdir`, `scandir`) for the same
time, so those faults meet the team's code where they meet the built-in tools.

The traps (../shared/NOTES.md) and what is done about them:
- the Patcher is process-wide: one call at a time (a lock), only as long as the call; threads
  that touch files meanwhile would see the fake world (chaos' own do not);
- `subprocess` pipes break under it: `subprocess` is skipped;
- the first start costs ~10 ms (it scans every loaded module), later ones ~0.5 ms (cached);
- pyfakefs stamps writes with the wall clock: the episode's simulated clock is used instead;
- patches are always undone, also when the code raises;
- the real primitives below the names (`_io`, `posix`, `ctypes`, `sqlite3` files...) stay
  reachable: chaos._seal refuses them for the call's duration.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from pyfakefs import fake_filesystem, fake_open, fake_scandir, helpers
from pyfakefs.fake_filesystem_unittest import PATH_MODULE, Patcher

from chaos.tools import _seal
from chaos.world import EpisodeFs

__all__ = ["run_in_world"]

#: Modules left unpatched: subprocess (its pipes break), chaos' own hooks, and the import
#: system (the team's modules are imported from the real disk; it holds `posix` as `_os`).
SKIP_NAMES = ["subprocess", __name__, _seal.__name__, "importlib._bootstrap",
              "importlib._bootstrap_external", "_frozen_importlib", "_frozen_importlib_external",
              "zipimport"]

_lock = threading.Lock()


class _EpisodePatcher(Patcher):
    """A Patcher whose fake modules work on a given episode's filesystem, not a new one.

    A class of its own so that it has its own singleton slot: a team's test suite that runs
    chaos under its own `Patcher` (the pytest `fs` fixture) is not disturbed.
    """

    PATCHER = None
    REF_COUNT = 0
    # pyfakefs caches which modules hold what in class attributes: ours, not Patcher's, as
    # ours fakes more modules (chaos._seal).
    CACHED_MODULES: ClassVar[set[Any]] = set()
    FS_MODULES: ClassVar[dict[str, Any]] = {}
    FS_FUNCTIONS: ClassVar[dict[Any, Any]] = {}
    FS_DEFARGS: ClassVar[list[Any]] = []
    SKIPPED_FS_MODULES: ClassVar[dict[str, Any]] = {}
    PATCHED_MODULE_NAMES: ClassVar[set[str]] = set()
    ADDITIONAL_SKIP_NAMES: ClassVar[set[str]] = set()
    #: The filesystem of the episode whose code runs next (set under `_lock`).
    target: fake_filesystem.FakeFilesystem | None = None

    def _refresh(self) -> None:
        super()._refresh()
        target = _EpisodePatcher.target
        assert target is not None
        self.fs = target
        for name, factory in self._fake_module_classes.items():
            module = factory(target)
            if hasattr(module, "skip_names"):
                module.skip_names = getattr(self.fake_modules.get(name), "skip_names",
                                            module.skip_names)
            self.fake_modules[name] = module
        self.fake_modules[PATH_MODULE] = self.fake_modules["os"].path


def _path_of(filesystem: fake_filesystem.FakeFilesystem, path: Any) -> str | None:
    """The absolute normalised path an operation names (None for file descriptors)."""
    if isinstance(path, int) or path is None:
        return None
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")
    return str(filesystem.absnormpath(text))


def _open_operations(mode: str, open_modes: Any) -> list[str]:
    if open_modes is not None:
        reads, writes = open_modes.can_read, open_modes.can_write
    else:
        reads = "r" in mode or "+" in mode
        writes = any(c in mode for c in "wax+")
    return [op for op, on in (("read", reads), ("write", writes)) if on]


@contextmanager
def _rules_hooked(fs: EpisodeFs) -> Iterator[None]:
    """Run the episode's fault rules and log accesses on pyfakefs' own operations."""
    target = fs.filesystem

    def before(operation: str, path: str | None) -> None:
        if path is None:
            return
        fs.accesses.append((operation, path))
        for rule in list(fs.rules):
            rule(operation, path)

    original_call = fake_open.FakeFileOpen.call
    original_stat = fake_filesystem.FakeFilesystem.stat
    original_listdir = fake_filesystem.FakeFilesystem.listdir
    original_scandir_init = fake_scandir.ScanDirIter.__init__

    def call(self: Any, file_: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self.filesystem is target:
            path = _path_of(target, file_)
            for operation in _open_operations(mode, kwargs.get("open_modes")):
                before(operation, path)
        return original_call(self, file_, mode, *args, **kwargs)

    def stat(self: Any, entry_path: Any, *args: Any, **kwargs: Any) -> Any:
        if self is target:
            before("stat", _path_of(target, entry_path))
        return original_stat(self, entry_path, *args, **kwargs)

    def listdir(self: Any, target_directory: Any) -> Any:
        if self is not target:
            return original_listdir(self, target_directory)
        folder = _path_of(target, target_directory)
        before("listdir", folder)
        names = original_listdir(self, target_directory)
        for name in names:
            before("listed", None if folder is None else f"{folder.rstrip('/')}/{name}")
        return names

    def scandir_init(self: Any, filesystem: Any, path: Any) -> None:
        if filesystem is not target:
            original_scandir_init(self, filesystem, path)
            return
        folder = _path_of(target, "." if path is None else path)
        before("listdir", folder)
        original_scandir_init(self, filesystem, path)
        names = list(self.entry_iter)
        self.entry_iter = iter(names)
        for name in names:
            before("listed", f"{self.abspath.rstrip('/')}/{name}")

    fake_open.FakeFileOpen.call = call  # type: ignore[method-assign]
    fake_filesystem.FakeFilesystem.stat = stat  # type: ignore[method-assign]
    fake_filesystem.FakeFilesystem.listdir = listdir  # type: ignore[method-assign]
    fake_scandir.ScanDirIter.__init__ = scandir_init  # type: ignore[method-assign]
    try:
        yield
    finally:
        fake_open.FakeFileOpen.call = original_call  # type: ignore[method-assign]
        fake_filesystem.FakeFilesystem.stat = original_stat  # type: ignore[method-assign]
        fake_filesystem.FakeFilesystem.listdir = original_listdir  # type: ignore[method-assign]
        fake_scandir.ScanDirIter.__init__ = original_scandir_init  # type: ignore[method-assign]


@contextmanager
def _simulated_clock(fs: EpisodeFs) -> Iterator[None]:
    """Stamp file times with the episode's clock (pyfakefs uses `helpers.now()`, wall time)."""
    if fs.clock is None:
        yield
        return
    original, clock = helpers.now, fs.clock
    helpers.now = lambda: float(clock())
    try:
        yield
    finally:
        helpers.now = original


def run_in_world(fs: EpisodeFs, function: Callable[..., Any], arguments: dict[str, Any]) -> Any:
    """Call `function(**arguments)` with the episode's filesystem patched in globally.

    Args:
        fs: The episode's filesystem: what `open`, `os` and `pathlib` see during the call.
        function: The team's function (imported beforehand, outside the patch).
        arguments: Its keyword arguments.

    Returns:
        What the function returns.

    Raises:
        Exception: Whatever the function raises (OSErrors are the fake world's real ones);
            patching is undone first.
    """
    with _lock:
        _EpisodePatcher.target = fs.filesystem
        patcher = _EpisodePatcher(additional_skip_names=SKIP_NAMES,
                                  modules_to_patch=_seal.sealed_module_classes())
        patcher.setUp()
        try:
            with _rules_hooked(fs), _simulated_clock(fs), _seal.sealed():
                return function(**arguments)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                for listener in list(fs.on_error):
                    listener("write", str(exc.filename or ""), exc)
            raise
        finally:
            patcher.tearDown()
            _EpisodePatcher.target = None
