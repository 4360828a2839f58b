"""Keep a user tool off the real disk below pyfakefs' patch.

pyfakefs swaps the names code uses (`open`, `os`, `io`, `pathlib`, `shutil`), but the real
primitives stay reachable: `_io.FileIO`, `posix.open`, a module's `sys.modules` entry, `ctypes`,
C libraries that open files themselves (`sqlite3`), and every `os` function pyfakefs does not
fake (it forwards those to the real module: `os.mkfifo`, `os.pwrite` on a descriptor number
that is a real one too...). Two layers close them while a tool runs:

- names: `os`, `posix` and `_io` are faked (also as `sys.modules` entries), and an `os`
  function pyfakefs does not fake is refused unless it cannot touch a file (`getpid`...);
- primitives: an audit hook (PEP 578; CPython raises an event in every real `open`, `os.open`,
  `os.mkdir`..., `sqlite3.connect`, `ctypes` call, `mmap` and socket bind) refuses the real-disk
  events of the thread running the tool and of the threads it starts. The import system may
  still read the team's modules, `subprocess` is left alone (as documented), and an in-memory
  `sqlite3` database may not attach a file.

A refusal is a `PermissionError` naming the route, which reaches the agent as `[Errno 13] ...`.
The hook cannot be removed once added (a CPython rule): it is added on the first tool call and
costs one set lookup per audit event outside tool calls.
"""

from __future__ import annotations

import _io
import errno
import os
import socket
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from pyfakefs import fake_io, fake_os

__all__ = ["SealedOsModule", "sealed", "sealed_module_classes"]

def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Unfaked `os` functions that cannot touch a file or a descriptor: forwarded to the real os.
#: (`os._exit` and `os.abort` are refused: a tool must not end the run's process.)
_HARMLESS_OS = _names("""
confstr cpu_count ctermid device_encoding execv execve fork forkpty fsdecode fsencode
fspath get_blocking get_exec_path get_inheritable get_terminal_size getegid getenv getenvb
geteuid getgrouplist getgroups getloadavg getlogin getpgid getpgrp getpid getppid getpriority
getrandom getresgid getresuid getsid initgroups isatty kill killpg major makedev minor nice
pidfd_open popen posix_spawn posix_spawnp putenv register_at_fork sched_get_priority_max
sched_get_priority_min sched_getaffinity sched_getparam sched_getscheduler sched_rr_get_interval
sched_setaffinity sched_setparam sched_setscheduler sched_yield setegid seteuid setgid setgroups
setpgid setpgrp setpriority setregid setresgid setresuid setreuid setsid setuid spawnl spawnle
spawnlp spawnlpe spawnv spawnve spawnvp spawnvpe strerror sysconf system times ttyname uname
unsetenv urandom wait wait3 wait4 waitid waitpid waitstatus_to_exitcode
""")

#: Frames whose reads of the real disk are the team's own code being imported.
_IMPORT_FRAMES = frozenset({"<frozen importlib._bootstrap_external>", "<frozen zipimport>"})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_MEMORY_DATABASES = frozenset({":memory:", ""})

#: Real-disk events refused inside a tool, by audit event name.
_FS_EVENTS = _names("""
os.chdir os.chflags os.chmod os.chown os.getxattr os.link os.listdir os.listxattr os.lockf
os.mkdir os.remove os.removexattr os.rename os.rmdir os.scandir os.setxattr os.symlink
os.truncate os.utime fcntl.fcntl fcntl.flock fcntl.ioctl fcntl.lockf
sqlite3.enable_load_extension sqlite3.load_extension
ctypes.dlopen ctypes.dlsym ctypes.dlsym/handle ctypes.call_function
""")

#: The real one: pyfakefs replaces `sqlite3.connect` itself while a tool runs.
_connect = sqlite3.connect
_sealed: set[int] = set()
_hook_added = False
_hook_lock = threading.Lock()


def _refuse(route: str, path: Any = None, effect: str = "would reach the real disk") -> NoReturn:
    message = (f"{route} {effect}: a user tool works on the episode's world only (use open, "
               "os, pathlib or shutil)")
    if path is None:
        raise PermissionError(errno.EACCES, message)
    raise PermissionError(errno.EACCES, message, path)


class SealedOsModule(fake_os.FakeOsModule):
    """pyfakefs' fake `os`, refusing the real functions it does not fake unless harmless."""

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.os_module, name)
        if callable(value) and not isinstance(value, type) and name not in _HARMLESS_OS:
            def refused(*args: Any, **kwargs: Any) -> NoReturn:
                _refuse(f"os.{name}", args[0] if args and isinstance(args[0], str) else None,
                        "acts on the real machine, past the episode's world")

            return refused
        return value


class SealedSqlite3Module:
    """`sqlite3` whose connections (in memory: the hook refuses files) attach no file."""

    @staticmethod
    def dir() -> list[str]:
        """The names pyfakefs replaces also where imported alone (`from sqlite3 import ...`)."""
        return ["connect"]

    def __init__(self, filesystem: Any) -> None:
        self.filesystem = filesystem

    @staticmethod
    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        """`sqlite3.connect`, with ATTACH and VACUUM INTO of a file denied."""
        connection = _connect(*args, **kwargs)
        connection.set_authorizer(_deny_attached_files)
        return connection

    def __getattr__(self, name: str) -> Any:
        return getattr(sqlite3, name)


def sealed_module_classes() -> dict[str, Any]:
    """Fake modules a user tool gets besides pyfakefs' own, by the name they replace."""
    return {"os": SealedOsModule, "posix": SealedOsModule, "_io": fake_io.FakeIoModule2,
            "sqlite3": SealedSqlite3Module, "_sqlite3": SealedSqlite3Module}


def _caller() -> tuple[str, str]:
    """(file, module) of the Python code that made the audited call."""
    try:
        frame = sys._getframe(3)  # _caller <- _check <- _hook <- the caller
    except ValueError:  # called from C with no Python caller: nobody to exempt
        return "", ""
    return frame.f_code.co_filename, frame.f_globals.get("__name__", "")


def _is_read(mode: Any, flags: Any) -> bool:
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return False
    return not (isinstance(flags, int) and flags & _WRITE_FLAGS)


def _in_memory(database: str) -> bool:
    """Whether an SQLite database name or URI (`file::memory:`, `file:x?mode=memory`) is RAM."""
    if database in _MEMORY_DATABASES or database.startswith("file::memory:"):
        return True
    return database.startswith("file:") and "mode=memory" in database.partition("?")[2]


def _deny_attached_files(action: int, name: Any, *_: Any) -> int:
    """SQLite authorizer: ATTACH (also what VACUUM INTO does) of anything but memory."""
    if action == sqlite3.SQLITE_ATTACH and not _in_memory(str(name)):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _check(event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        path, mode, flags = args
        filename, module = _caller()
        if module == "subprocess" or (filename in _IMPORT_FRAMES and _is_read(mode, flags)):
            return
        if isinstance(path, int):
            _refuse(f"open() of descriptor {path}")
        _refuse("opening a real file", os.fsdecode(path))
    elif event in ("os.listdir", "os.scandir"):
        filename, module = _caller()
        if filename not in _IMPORT_FRAMES and module != "subprocess":
            _refuse(event, args[0] if args and isinstance(args[0], str) else None)
    elif event in _FS_EVENTS:
        # The import system's own writes (a __pycache__ folder) are refused too: it goes on
        # without its cache.
        if _caller()[1] != "subprocess":
            _refuse(event, args[0] if args and isinstance(args[0], str) else None)
    elif event == "sqlite3.connect":
        database = os.fsdecode(args[0]) if isinstance(args[0], (str, bytes)) else args[0]
        if not _in_memory(str(database)):
            _refuse("sqlite3.connect (an in-memory database, ':memory:', works)", database)
    elif event == "mmap.__new__":
        if args[0] != -1:
            _refuse(f"mmap of descriptor {args[0]} (an anonymous map, fileno -1, works)")
    elif event in ("socket.bind", "socket.connect"):
        sock, address = args
        if sock.family == getattr(socket, "AF_UNIX", None) and isinstance(
                address, (str, bytes)) and address[:1] not in ("\0", b"\0"):
            _refuse(f"{event} to a unix socket path", os.fsdecode(address))


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if _sealed and threading.get_ident() in _sealed:
        _check(event, args)


def _sealed_run(thread: threading.Thread) -> None:
    """Seal a thread started by a sealed one, for as long as it runs."""
    run = thread.run

    def sealed_run() -> None:
        ident = threading.get_ident()
        _sealed.add(ident)
        try:
            run()
        finally:
            _sealed.discard(ident)

    thread.run = sealed_run  # type: ignore[method-assign]


@contextmanager
def sealed() -> Iterator[None]:
    """Refuse the real-disk primitives on this thread (and threads it starts) meanwhile."""
    global _hook_added
    with _hook_lock:
        if not _hook_added:
            sys.addaudithook(_hook)
            _hook_added = True
    ident = threading.get_ident()
    original_start = threading.Thread.start

    def start(self: threading.Thread) -> None:
        if threading.get_ident() in _sealed:
            _sealed_run(self)
        original_start(self)

    threading.Thread.start = start  # type: ignore[method-assign]
    # The import system opens source through C that looks `_io` up in sys.modules: the real
    # one there (pyfakefs put the fake), its opens of other files are refused by the hook.
    sys.modules["_io"] = _io
    _sealed.add(ident)
    try:
        yield
    finally:
        _sealed.discard(ident)
        threading.Thread.start = original_start  # type: ignore[method-assign]
