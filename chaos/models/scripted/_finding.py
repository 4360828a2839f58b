"""Finding a file as a person would, from an expect brief's `find`, in each agent's style.

A `find` says how to look: `glob` (required), `pick` (`first`, `newest`, `only`), `type` (the
MIME type the file must really be), `contains` (text it must hold), `tag_not` / `name_not`
(what to skip) and `checksums` (a glob of SHA256SUMS files to verify against).

- careful: checks each match (file_info: sniffed type, integrity; read_file: the text it must
  hold; the checksum files), picks among the good ones, says which it left aside and why, and
  reports what it cannot find.
- mime-careless: as careful, except that for a mail attachment it never checks the bytes.
- naive: the first match, unchecked; nothing when nothing matches.
- hallucinator: as naive, but a plausible invented path when nothing matches.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chaos.models.scripted._common import Step, checksum_lines, load, retrying, transient

if TYPE_CHECKING:
    from chaos.models.scripted._policies import Style

__all__ = ["Found", "find_file", "invented_path", "is_textual", "tag_problem", "type_problem"]

#: A version as people write one: `version: 1.4`, `"version": "2.0.1"`, `v3`, `1.4.0`.
_VERSION = re.compile(r"""(?:\bversion\b["']?\s*[:=]?\s*["']?v?|(?<![A-Za-z])v)(\d+(?:\.\d+)*)"""
                      r"|(?<![\d.])(\d+\.\d+\.\d+)(?![\d.]*\d)", re.IGNORECASE)
_TEXTUAL = ("application/json", "application/xml", "application/csv", "application/x-yaml",
            "application/yaml", "application/x-ndjson")


@dataclass
class Found:
    """What a find settled on.

    Attributes:
        path: The file.
        sniffed: The type its bytes are (None when not checked).
        extension: The type its name suggests.
        sha256: Its digest, when it was inspected.
        left_aside: Matches not taken, with why (for the report).
    """

    path: str
    sniffed: str | None = None
    extension: str | None = None
    sha256: str | None = None
    left_aside: list[tuple[str, str]] = field(default_factory=list)


def is_textual(mime: str | None) -> bool:
    """Whether files of this type are text (a sniffer calls them all text/plain)."""
    return bool(mime) and (mime.startswith("text/") or mime in _TEXTUAL
                           or mime.endswith(("+json", "+xml")))


def invented_path(glob: str, key: str) -> str:
    """A plausible path for what a glob looks for: its wildcards filled from the row's key."""
    path = glob.replace("**/", "").replace("**", "")
    path = re.sub(r"\[[^\]]*\]", "0", path).replace("?", "0")
    if "*" in path:
        fill = "" if key and key in path else key
        path = path.replace("*", fill, 1).replace("*", "")
    return posixpath.normpath(path) if path.startswith("/") else "/" + path


def _version(text: str) -> tuple[int, ...]:
    """The highest version-like number in a text (`v2`, `1.4.0`), or ()."""
    best: tuple[int, ...] = ()
    for match in _VERSION.finditer(text):
        try:
            version = tuple(int(p) for p in (match.group(1) or match.group(2)).split("."))
        except ValueError:
            continue
        best = max(best, version)
    return best


def _skipped_by_name(path: str, spec: dict[str, Any]) -> str | None:
    name = posixpath.basename(path)
    for pattern in _words(spec.get("name_not")):
        if fnmatch.fnmatch(name.lower(), pattern.lower()) or pattern.lower() in name.lower():
            return f"its name matches '{pattern}'"
    for word in _words(spec.get("tag_not")):
        if word.lower() in [p.lower() for p in path.split("/")]:
            return f"it lies in a '{word}' folder"
    return None


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def type_problem(info: dict[str, Any], spec: dict[str, Any]) -> str | None:
    """Why a file's bytes (file_info) are not what the find asks for; None when they are."""
    integrity = info.get("integrity")
    if integrity not in ("ok", "unknown", None):
        return f"it is {integrity}"
    wanted, sniffed = spec.get("type"), info.get("sniffed_mime")
    if not wanted or sniffed == wanted or (is_textual(wanted) and sniffed == "text/plain"):
        return None
    return f"its bytes are {sniffed or 'of no known type'}, not {wanted}"


def tag_problem(info: dict[str, Any], spec: dict[str, Any]) -> str | None:
    """Why a file's metadata (file_info's tags) says it is to be skipped; None when not."""
    tags = info.get("tags") or {}
    seen = " ".join(f"{k} {v}" for k, v in tags.items()).lower() if isinstance(tags, dict) else ""
    for word in _words(spec.get("tag_not")):
        if word.lower() in seen.split() or f"={word.lower()}" in seen:
            return f"its metadata says '{word}'"
    return None


def _text_of(path: str, info: dict[str, Any], style: Style) -> Step:
    """What a person sees of a file: its text, or its metadata when it is binary."""
    read = (yield from retrying("read_file", path, style)) or {}
    if read.get("binary") or not isinstance(read.get("content"), str):
        tags = info.get("tags") or {}
        return " ".join(str(v) for v in tags.values()) if isinstance(tags, dict) else ""
    return read["content"]


def _checksums(spec: dict[str, Any], style: Style) -> Step:
    """{folder: {name: sha256}} of the SHA256SUMS files the find names."""
    if not spec.get("checksums"):
        return {}
    listed = load((yield "find_files", {"pattern": spec["checksums"]})) or {}
    sums: dict[str, dict[str, str]] = {}
    for path in listed.get("matches", []):
        read = (yield from retrying("read_file", path, style)) or {}
        folder = posixpath.dirname(path)
        for name, digest in checksum_lines(str(read.get("content", ""))).items():
            full = posixpath.normpath(posixpath.join(folder, name))
            sums.setdefault(posixpath.dirname(full), {})[posixpath.basename(full)] = digest
    return sums


def _checksum_problem(path: str, info: dict[str, Any], sums: dict[str, dict[str, str]]) -> \
        str | None:
    folder, name = posixpath.split(path)
    if folder not in sums:
        return None
    if name not in sums[folder]:
        return "its folder's SHA256SUMS does not list it"
    if sums[folder][name] != str(info.get("sha256") or "").lower():
        return "its SHA-256 differs from the one its SHA256SUMS lists"
    return None


def _matches(glob: str, style: Style) -> Step:
    for attempt in range(3 if style.retries else 1):
        text = yield "find_files", {"pattern": glob}
        if not transient(text):
            break
        yield "wait", {"seconds": 2 ** attempt}
    return [p for p in (load(text) or {}).get("matches", []) if isinstance(p, str)]


def _remembered(memo: dict[str, Any], kind: str, key: str, step: Step) -> Step:
    """What `step` gives, asked once per agent: a person remembers what a file said."""
    seen = memo.setdefault(kind, {})
    if key not in seen:
        seen[key] = yield from step
    return seen[key]


def find_file(spec: dict[str, Any], key: str, style: Style, attachment: bool = False,
              memo: dict[str, Any] | None = None) -> Step:
    """The file a `find` settles on, in the agent's style; None when there is none.

    Args:
        spec: The find (`glob`, `pick`, `type`, `contains`, `tag_not`, `name_not`,
            `checksums`).
        key: What the work item is about (a row's key), for an invented path.
        style: The agent's style.
        attachment: It is for a mail attachment (mime-careless checks no bytes then).
        memo: What this agent has already seen (searches, file_info, texts, checksums).

    Returns:
        A `Found`, or None. A careful agent's `Found` lists what it left aside; when it
        returns None, `spec["why"]` says why and `spec["aside"]` lists the files concerned
        (for its report).
    """
    glob = str(spec.get("glob") or "")
    memo = {} if memo is None else memo
    matches = (yield from _remembered(memo, "glob", glob, _matches(glob, style))) if glob \
        else []
    if not style.checks_files:
        if matches:
            return Found(matches[0])
        return Found(invented_path(glob, key)) if style.invents and glob else None
    sums = yield from _remembered(memo, "sums", str(spec.get("checksums") or ""),
                                  _checksums(spec, style))
    good: list[tuple[str, dict[str, Any]]] = []
    aside: list[tuple[str, str]] = []
    for path in matches:
        problem = _skipped_by_name(path, spec)
        info: dict[str, Any] = {}
        if problem is None:
            info = (yield from _remembered(memo, "info", path,
                                           retrying("file_info", path, style))) or {}
            problem = "it cannot be read" if not info else tag_problem(info, spec)
        if problem is None and (style.checks_attachments or not attachment):
            problem = type_problem(info, spec)
        if problem is None:
            problem = _checksum_problem(path, info, sums)
        if problem is None and spec.get("contains"):
            text = yield from _remembered(memo, "text", path, _text_of(path, info, style))
            if str(spec["contains"]).lower() not in text.lower():
                problem = f"it does not say '{spec['contains']}'"
        if problem is None:
            good.append((path, info))
        else:
            aside.append((path, problem))
    pick = spec.get("pick") or "first"
    spec["aside"] = [p for p, _ in aside]
    if not good:
        spec["why"] = (f"no file matches {glob}" if not matches else
                       f"no file matching {glob} will do: " +
                       "; ".join(f"{p}: {why}" for p, why in aside))
        return None
    if pick == "only" and len(good) > 1:
        spec["aside"] = [p for p, _ in good]
        spec["why"] = (f"{len(good)} files matching {glob} could each be the one: "
                       f"{', '.join(p for p, _ in good)}")
        return None
    chosen = good[0]
    if pick == "newest" and len(good) > 1:
        said = []
        for path, info in good:
            text = yield from _remembered(memo, "text", path, _text_of(path, info, style))
            said.append((_version(text), _version(posixpath.basename(path))))
        # A version counts where every candidate states one (in its text, else in its name):
        # `report_v1.pdf` beside `report.pdf` says nothing about which is newer.
        in_text, in_name = (all(s[i] for s in said) for i in (0, 1))
        ranked = sorted(((s[0] if in_text else (), s[1] if in_name else (),
                          str(info.get("modified") or "")), path, info)
                        for s, (path, info) in zip(said, good, strict=True))
        ranked.reverse()
        chosen = (ranked[0][1], ranked[0][2])
        aside += [(p, "a newer one is there") for _, p, _ in ranked[1:]]
    path, info = chosen
    return Found(path, info.get("sniffed_mime"), info.get("extension_mime"),
                 info.get("sha256"), aside)
