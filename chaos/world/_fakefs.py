"""The episode's filesystem: one pyfakefs `FakeFilesystem` per episode, no global patching.

Every operation an agent's tool makes passes through `EpisodeFs`, the one choke point where
filesystem faults will act. Errors are the real `OSError`s pyfakefs raises (errno, strerror,
filename), so the text an agent sees is the text it would see on a real disk.
"""

from __future__ import annotations

import copy
import fnmatch
import itertools
import os
import posixpath
import re
import stat as stat_module
from collections.abc import Callable

from pyfakefs import fake_filesystem, fake_open, fake_os
from pyfakefs.fake_file import FakeDirectory

from chaos.world._model import World

__all__ = ["EpisodeFs", "FsHook", "materialize_world", "translate_glob"]

#: Called with (operation, absolute path) before each operation; may raise OSError.
FsHook = Callable[[str, str], None]

_DISK_HEADROOM = 64 * 1024 * 1024


def translate_glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """Compile a pathlib-style glob (`*`, `?`, `[...]`, `**` across folders) to a regex.

    Args:
        pattern: An absolute glob such as `/prod/**/*goal-1*.mp4`.
        ignore_case: Match letters in either case (like `find -iname`).

    Returns:
        A compiled regex that matches whole absolute paths.
    """
    parts: list[str] = []
    segments = pattern.split("/")
    for i, segment in enumerate(segments):
        if segment == "**":
            # `**` matches zero or more whole folders, so it swallows its own separator.
            parts.append("(?:[^/]*/)*")
            continue
        body = fnmatch.translate(segment)
        # fnmatch's `*` crosses "/", which a glob segment must not.
        body = body.removeprefix("(?s:").removesuffix(")\\Z").replace(".*", "[^/]*")
        parts.append(body + ("" if i == len(segments) - 1 else "/"))
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile("".join(parts) + r"\Z", flags)


class EpisodeFs:
    """A materialised world for one episode.

    Args:
        filesystem: The episode's own FakeFilesystem.
    """

    def __init__(self, filesystem: fake_filesystem.FakeFilesystem) -> None:
        self.filesystem = filesystem
        self.os = fake_os.FakeOsModule(filesystem)
        self._open = fake_open.FakeFileOpen(filesystem)
        self.hooks: list[FsHook] = []
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
        return posixpath.normpath(posixpath.join("/", path)).replace("//", "/")

    def _before(self, operation: str, path: str) -> None:
        self.accesses.append((operation, path))
        for hook in self.hooks:
            hook(operation, path)

    def listdir(self, path: str) -> list[str]:
        """Entry names of a folder, sorted (pyfakefs may shuffle; we never rely on its order)."""
        path = self.resolve(path)
        self._before("listdir", path)
        return sorted(self.os.listdir(path))

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
        segments = pattern.split("/")[1:]
        fixed = list(itertools.takewhile(lambda s: not any(ch in s for ch in "*?["), segments))
        # The walk starts at the deepest folder the pattern names outright.
        root = "/" + "/".join(fixed if len(fixed) < len(segments) else fixed[:-1])
        self._before("walk", self.resolve(root))
        self.accesses.append(("glob", regex))
        return [p for p in self.walk_files(root) if regex.match(p)]

    def stat(self, path: str) -> os.stat_result:
        """`os.stat` of the fake path."""
        path = self.resolve(path)
        self._before("stat", path)
        return self.os.stat(path)

    def read(self, path: str, max_bytes: int) -> bytes:
        """At most `max_bytes` of a file, read through the fake `open`."""
        path = self.resolve(path)
        self._before("read", path)
        with self._open(path, "rb") as handle:
            return handle.read(max_bytes)

    def read_all(self, path: str) -> bytes:
        """The whole file, for the harness (the oracle, faults), never for agents' tools."""
        with self._open(self.resolve(path), "rb") as handle:
            return handle.read()

    def write(self, path: str, data: bytes) -> None:
        """Write a file through the fake `open`; its folder must exist, as on a real disk."""
        path = self.resolve(path)
        self._before("write", path)
        with self._open(path, "wb") as handle:
            handle.write(data)

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
    filesystem.set_disk_usage(total + _DISK_HEADROOM)
    builder = EpisodeFs(filesystem)
    for path in sorted(world.files):
        item = world.files[path]
        builder.create(path, item.data, item.mtime)
    return filesystem


def materialize_world(world: World) -> EpisodeFs:
    """Give an episode its own filesystem holding the world's files.

    The world is filled into a FakeFilesystem once; each episode gets a deep copy of it
    (~10x cheaper than creating every file again; file bytes are immutable and shared).

    Args:
        world: The generated world (not modified).

    Returns:
        A fresh EpisodeFs with POSIX semantics whatever the host.
    """
    if world.fs_template is None:
        world.fs_template = _build_template(world)
    template = world.fs_template
    # The standard streams pyfakefs keeps open are process objects: share, never copy, them.
    memo: dict[int, object] = {id(s): s for fds in template.open_files for s in fds or ()}
    return EpisodeFs(copy.deepcopy(template, memo))
