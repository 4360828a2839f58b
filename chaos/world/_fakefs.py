"""The episode's filesystem: one pyfakefs `FakeFilesystem` per episode, no global patching.

Every operation an agent's tool makes passes through `EpisodeFs`, the one choke point where
filesystem faults will act. Errors are the real `OSError`s pyfakefs raises (errno, strerror,
filename), so the text an agent sees is the text it would see on a real disk.
"""

from __future__ import annotations

import errno
import fnmatch
import itertools
import os
import pickle
import posixpath
import re
import stat as stat_module
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyfakefs import fake_filesystem, fake_open, fake_os
from pyfakefs.fake_file import FakeDirectory, FakeFile

from chaos.world._model import World

__all__ = [
    "DISK_QUOTA_BYTES",
    "EpisodeFs",
    "glob_root",
    "materialize_world",
    "prepare_world",
    "translate_glob",
]


#: What an episode may write beyond the world's own files unless its profile says otherwise
#: (`limits.disk_quota_mb`). The disk lives in memory, once per episode in flight.
DISK_QUOTA_BYTES = 64 * 1024 * 1024
#: Linux limits: a path of at most 4095 bytes, names of at most 255.
PATH_MAX = 4095
NAME_MAX = 255


def translate_glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """Compile a pathlib-style glob (`*`, `?`, `[...]`, `**` across folders) to a regex.

    Args:
        pattern: An absolute glob such as `/prod/**/*goal-1*.mp4`.
        ignore_case: Match letters in either case (like `find -iname`).

    Returns:
        A compiled regex that matches whole absolute paths.

    Raises:
        ValueError: For a pattern longer than a path may be.
    """
    if len(pattern) > PATH_MAX:
        raise ValueError(f"pattern is {len(pattern)} characters; at most {PATH_MAX}")
    segments: list[str] = []
    for segment in pattern.split("/"):
        # Runs of `**` mean the same as one; collapsing them keeps matching linear.
        if not (segment == "**" and segments and segments[-1] == "**"):
            segments.append(segment)
    parts: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            # `**` matches zero or more whole folders; at the end, every file below.
            parts.append(".*" if last else "(?:[^/]*/)*")
            continue
        body = fnmatch.translate(segment)
        # fnmatch's `*` crosses "/", which a glob segment must not.
        body = body.removeprefix("(?s:").removesuffix(")\\Z").replace(".*", "[^/]*")
        parts.append(body + ("" if last else "/"))
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile("".join(parts) + r"\Z", flags | re.DOTALL)


def glob_root(pattern: str) -> str:
    """The deepest folder a glob names outright: where a walk for it starts."""
    segments = posixpath.join("/", pattern).split("/")[1:]
    fixed = list(itertools.takewhile(lambda s: not any(ch in s for ch in "*?["), segments))
    return "/" + "/".join(fixed if len(fixed) < len(segments) else fixed[:-1])


class EpisodeFs:
    """A materialised world for one episode.

    Args:
        filesystem: The episode's own FakeFilesystem.
    """

    def __init__(self, filesystem: fake_filesystem.FakeFilesystem) -> None:
        self.filesystem = filesystem
        self.os = fake_os.FakeOsModule(filesystem)
        self._open = fake_open.FakeFileOpen(filesystem)
        #: Seconds since the epoch for files the episode writes (the simulated clock).
        self.clock: Callable[[], int] | None = None
        #: Fault rules, called with (operation, path) before each operation; they may raise
        #: the OSError the real failure raises, or add simulated delay.
        self.rules: list[Callable[[str, str], None]] = []
        #: Called with (operation, path, error) when an operation fails: faults that work
        #: through pyfakefs' own behaviour (a full disk) learn there that they acted.
        self.on_error: list[Callable[[str, str, OSError], None]] = []
        self.delay_ms = 0
        #: What tools touched, in order: (operation, path) or ("glob", compiled pattern).
        self.accesses: list[tuple[str, str | re.Pattern[str]]] = []

    @staticmethod
    def resolve(path: str) -> str:
        """An absolute, normalised path inside the fake root.

        `..` cannot climb above `/`, so `../../etc/passwd` names `/etc/passwd` of the fake world.

        Raises:
            ValueError: For an empty path or one with a NUL byte (as the real `os` does).
        """
        if not isinstance(path, str) or not path:
            raise ValueError("path must be a non-empty string")
        if "\x00" in path:
            raise ValueError("embedded null byte")
        if len(path.encode()) > PATH_MAX or any(len(p.encode()) > NAME_MAX
                                               for p in path.split("/")):
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG),
                          path[:NAME_MAX] + ("..." if len(path) > NAME_MAX else ""))
        return posixpath.normpath(posixpath.join("/", path)).replace("//", "/")

    def _before(self, operation: str, path: str) -> None:
        self.accesses.append((operation, path))
        for rule in self.rules:
            rule(operation, path)

    def take_delay(self) -> int:
        """Simulated ms that slow storage added since the last call, and reset it."""
        delay, self.delay_ms = self.delay_ms, 0
        return delay

    def listdir(self, path: str) -> list[str]:
        """Entry names of a folder, sorted (pyfakefs may shuffle; we never rely on its order)."""
        path = self.resolve(path)
        self._before("listdir", path)
        names = sorted(self.os.listdir(path))
        for name in names:
            self._before("listed", posixpath.join(path, name))
        return names

    def is_dir(self, path: str) -> bool:
        """Whether `path` is an existing folder."""
        try:
            return stat_module.S_ISDIR(self.os.stat(self.resolve(path)).st_mode)
        except OSError:
            return False

    def exists(self, path: str) -> bool:
        """Whether anything exists at `path`."""
        return self.filesystem.exists(self.resolve(path))

    def walk_files(self, root: str = "/") -> list[str]:
        """Every file path under `root`, sorted (walks pyfakefs' object tree: no stat per file)."""
        try:
            top = self.filesystem.resolve(self.resolve(root))
        except OSError:
            return []
        found: list[str] = []
        stack = [(self.resolve(root).rstrip("/"), top)]
        while stack:
            folder, node = stack.pop()
            if not isinstance(node, FakeDirectory):
                continue
            for name, child in node.entries.items():
                path = f"{folder}/{name}"
                (
                    stack.append((path, child))
                    if isinstance(child, FakeDirectory)
                    else found.append(path)
                )
        return sorted(found)

    def glob(self, pattern: str, ignore_case: bool = False) -> list[str]:
        """Files matching an absolute glob, sorted.

        Args:
            pattern: A glob; relative ones are taken from `/`.
            ignore_case: Case-insensitive matching.
        """
        pattern = posixpath.join("/", pattern)
        regex = translate_glob(pattern, ignore_case)
        root = glob_root(pattern)
        self._before("walk", self.resolve(root))
        self.accesses.append(("glob", regex))
        found = [p for p in self.walk_files(root) if regex.match(p)]
        for match in found:
            self._before("listed", match)
        return found

    def stat(self, path: str) -> os.stat_result:
        """`os.stat` of the fake path."""
        path = self.resolve(path)
        self._before("stat", path)
        return self.os.stat(path)

    def read(self, path: str, max_bytes: int) -> bytes:
        """At most `max_bytes` of a file, as the fake `open` would read them."""
        path = self.resolve(path)
        self._before("read", path)
        return self._contents(path)[:max_bytes]

    def read_all(self, path: str) -> bytes:
        """The whole file, for the harness (the oracle, faults), never for agents' tools."""
        return self._contents(self.resolve(path))

    def file_bytes(self, path: str) -> bytes | None:
        """The bytes of the file at `path`, for the oracle; None when there is no such file.

        None for a missing path, a folder, or a path no file can have (empty, a NUL byte).
        """
        try:
            return None if self.is_dir(path) else self.read_all(path)
        except (OSError, ValueError):
            return None

    def _contents(self, path: str) -> bytes:
        # The file's bytes straight from its node: the fake `open` resolves the path three
        # times and builds a file object (~3x the cost). Anything but a regular file (a
        # folder, a missing path) goes through `open` for its exact error.
        try:
            node = self.filesystem.resolve(path)
        except OSError:
            node = None
        if type(node) is FakeFile and node.byte_contents is not None:
            return node.byte_contents
        with self._open(path, "rb") as handle:
            return handle.read()

    def write(self, path: str, data: bytes) -> None:
        """Write a file through the fake `open`; its folder must exist, as on a real disk."""
        path = self.resolve(path)
        self._before("write", path)
        try:
            self._refuse_read_only(path)
            with self._open(path, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                # pyfakefs names only the file's base name; a real disk names the path.
                exc = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
            for listener in self.on_error:
                listener("write", path, exc)
            raise exc from None
        if self.clock is not None:
            # pyfakefs stamps writes with the wall clock; an episode lives in simulated time.
            moment = self.clock()
            self.os.utime(path, (moment, moment))
            self.os.utime(posixpath.dirname(path), (moment, moment))

    def _refuse_read_only(self, path: str) -> None:
        # pyfakefs runs as the host user; as root it would ignore the bits. The agent is an
        # ordinary user, to whom a file without write permission refuses writes.
        try:
            node = self.filesystem.resolve(path)
        except OSError:
            return
        if isinstance(node, FakeFile) and not node.st_mode & stat_module.S_IWUSR:
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), path)

    def dispose(self) -> None:
        """Take the tree apart once the episode is judged, so its memory returns at once.

        Folders and files point at each other (entries, parents), so a dropped tree is a
        cycle that only a full garbage collection frees: with 50 episodes in flight that
        was a 0.5-1 s stall of the event loop every minute, freeing ~400k objects at once.
        Emptied folders leave nothing for the collector: each object goes when its episode
        does. The filesystem must not be used afterwards.
        """
        stack = [self.filesystem.root]
        while stack:
            folder = stack.pop()
            stack.extend(c for c in folder.entries.values() if isinstance(c, FakeDirectory))
            folder.entries.clear()
        self.filesystem.open_files = []
        self.rules.clear()
        self.on_error.clear()
        self.clock = None

    def create(self, path: str, data: bytes, mtime: int) -> None:
        """Create a file with its folders and mtime: for the world and for faults."""
        self.filesystem.create_file(path, contents=data)
        self.os.utime(path, (mtime, mtime))

    def remove(self, path: str) -> None:
        """Remove a file: for faults."""
        self.os.remove(self.resolve(path))


def _build_template(world: World) -> fake_filesystem.FakeFilesystem:
    filesystem = fake_filesystem.FakeFilesystem(path_separator="/")
    filesystem.is_windows_fs = False
    filesystem.is_macos = False
    filesystem.is_case_sensitive = True
    filesystem.shuffle_listdir_results = False
    total = sum(len(f.data) for f in world.files.values())
    filesystem.set_disk_usage(total + DISK_QUOTA_BYTES)
    # Objects straight into the tree: create_file resolves every path again (~3x slower).
    folders: dict[str, FakeDirectory] = {"": filesystem.root}

    def folder(path: str) -> FakeDirectory:
        if path not in folders:
            parent, name = path.rsplit("/", 1)
            folders[path] = FakeDirectory(name, filesystem=filesystem)
            folder(parent).add_entry(folders[path])
        return folders[path]

    for path in sorted(world.files):
        item = world.files[path]
        parent, name = path.rsplit("/", 1)
        node = FakeFile(name, st_mode=stat_module.S_IFREG | item.mode, contents=item.data,
                        filesystem=filesystem)
        folder(parent).add_entry(node)
        node.st_mtime = item.mtime
    _stamp_folders(filesystem.root)
    return filesystem


def _stamp_folders(node: FakeDirectory) -> int:
    """Give each folder the newest mtime below it (pyfakefs would use the wall clock)."""
    newest = 0
    for child in node.entries.values():
        if isinstance(child, FakeDirectory):
            newest = max(newest, _stamp_folders(child))
        else:
            newest = max(newest, int(child.st_mtime))
    # On the objects: os.utime would resolve each folder's path again (~8 ms a world).
    node.st_atime = node.st_mtime = newest
    return newest


@dataclass(frozen=True)
class _Template:
    """The world's filesystem, pickled once: unpickling is ~6x cheaper than a deep copy."""

    blob: bytes
    #: The standard streams pyfakefs keeps open are process objects: shared, never copied.
    streams: list[list[Any] | None]
    #: Bytes the world's own files take on the disk.
    used: int


def _freeze(filesystem: fake_filesystem.FakeFilesystem) -> _Template:
    streams = filesystem.open_files
    filesystem.open_files = []
    try:
        return _Template(pickle.dumps(filesystem, protocol=pickle.HIGHEST_PROTOCOL), streams,
                         filesystem.get_disk_usage().used)
    finally:
        filesystem.open_files = streams


def prepare_world(world: World) -> World:
    """Fill the world's filesystem template now (else the first `materialize_world` does)."""
    if world.fs_template is None:
        world.fs_template = _freeze(_build_template(world))
    return world


def materialize_world(world: World, quota_bytes: int = DISK_QUOTA_BYTES) -> EpisodeFs:
    """Give an episode its own filesystem holding the world's files.

    The world is filled into a FakeFilesystem once and pickled; each episode unpickles its own
    copy (~1 ms, against ~6 ms for a deep copy and ~60 ms to create every file again).

    Args:
        world: The generated world (not modified).
        quota_bytes: Bytes the episode may write beyond the world's own files; a write past
            them fails with `OSError(ENOSPC, 'No space left on device')`, as a full disk.

    Returns:
        A fresh EpisodeFs with POSIX semantics whatever the host.
    """
    template: _Template = prepare_world(world).fs_template
    filesystem = pickle.loads(template.blob)
    filesystem.open_files = [list(fds) if fds else fds for fds in template.streams]
    # The world's files never count against the quota: the disk is their size plus it.
    filesystem.set_disk_usage(template.used + quota_bytes)
    return EpisodeFs(filesystem)
