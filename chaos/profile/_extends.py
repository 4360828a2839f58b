"""`extends: base.yaml`: a profile built on another, merged node by node.

Merge rules (JSON Merge Patch, RFC 7386, plus an append):

- a mapping merges into the inherited mapping key by key, recursively;
- anything else (a list, a string, a number) replaces the inherited value;
- `key: null` (or an empty `key:`) removes the inherited key, so its default applies;
- `key+: [...]` appends to the inherited list `key` (`faults+:` adds faults).

The merged tree keeps each value's own YAML node, so an error's position points into the file
that holds the wrong value.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from chaos.errors import ProfileError
from chaos.profile._documents import Document, mark, parse_document, read_document, walk

__all__ = ["APPEND", "MAX_CHAIN", "resolve_extends"]

#: The suffix that makes a key append to the inherited list instead of replacing it.
APPEND = "+"
_MAX_DEPTH = 64
#: Most files in one `extends` chain (the named profile included).
MAX_CHAIN = 16


def resolve_extends(path: str, text: str | None = None
                    ) -> tuple[yaml.MappingNode | None, list[Document], list[ProfileError]]:
    """Read `path` (or take its `text`) and every file it extends, and merge them.

    Returns:
        The merged top mapping (None when a file cannot be read), the documents read (the
        named file first), and every problem found on the way.
    """
    return _resolve(path, (), None, text)


def _resolve(path: str, chain: tuple[tuple[str, str], ...], via: yaml.Node | None,
             text: str | None = None
             ) -> tuple[yaml.MappingNode | None, list[Document], list[ProfileError]]:
    """Like `resolve_extends`; `chain` holds (identity, path) of the files extending this one."""
    doc, problems = read_document(path) if text is None else parse_document(text, path)
    if doc is None:
        if via is not None and problems[0].line is None:
            # A base that cannot be opened is the extending file's mistake: point at it.
            reason, _, fix = problems[0].message.partition(";")
            if "not found" in reason:
                fix = " the path is relative to the extending file's folder"
            problems = [ProfileError(f"extends: {path}: {reason};{fix}", *mark(via))]
        return None, [], problems
    entries = [(k, v) for k, v in doc.root.value if not _is_key(k, "extends")]
    extends = [v for k, v in doc.root.value if _is_key(k, "extends")]
    root = yaml.MappingNode(doc.root.tag, entries, doc.root.start_mark, doc.root.end_mark,
                            doc.root.flow_style)
    if not extends:
        problems += _stray_appends(root, "this file extends no profile", "or add "
                                   "'extends: base.yaml'")
        return root, [doc], problems
    target = extends[-1]
    if not (isinstance(target, yaml.ScalarNode) and target.tag == "tag:yaml.org,2002:str"
            and target.value.strip()):
        problems.append(ProfileError("extends names the profile this one builds on: a file "
                                     "path such as 'extends: base.yaml'", *mark(target)))
        return None, [doc], problems
    if "\x00" in target.value:
        return None, [doc], problems  # the value's NUL is reported already: no such file
    base_path = _relative_to(path, target.value)
    chain = (*chain, (_identity(path), path))
    if len(chain) >= MAX_CHAIN:
        problems.append(ProfileError(f"extends chain is longer than {MAX_CHAIN} files; merge "
                                     "some of these bases into one", *mark(target)))
        return None, [doc], problems
    if _identity(base_path) in [identity for identity, _ in chain]:
        cycle = " -> ".join([*[shown for _, shown in chain], base_path])
        problems.append(ProfileError(f"extends cycle: {cycle}; a profile cannot build on "
                                     "itself: remove one of these extends", *mark(target)))
        return None, [doc], problems
    base, docs, base_problems = _resolve(base_path, chain, target)
    problems += base_problems
    if base is None:
        return None, [doc, *docs], problems
    merged = _merge(base, root, problems, 0)
    assert isinstance(merged, yaml.MappingNode)
    return merged, [doc, *docs], problems


def _is_key(key: yaml.Node, name: str) -> bool:
    return isinstance(key, yaml.ScalarNode) and key.value == name


def _relative_to(path: str, target: str) -> str:
    if os.path.isabs(target):
        return os.path.normpath(target)
    return os.path.normpath(os.path.join(os.path.dirname(path), target))


def _identity(path: str) -> str:
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError, ValueError):  # ValueError: a NUL in the path
        return os.path.abspath(path)


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _append_key(key: yaml.Node) -> str | None:
    if isinstance(key, yaml.ScalarNode) and len(key.value) > 1 and key.value.endswith(APPEND):
        return key.value[:-1]
    return None


def _stray_appends(root: yaml.Node, why: str, fix: str = "") -> list[ProfileError]:
    """`key+:` where nothing is inherited: there is no list to append to."""
    return [ProfileError(f"'{key.value}' appends to an inherited list, but {why}; write "
                         f"'{key.value[:-1]}:'{' ' + fix if fix else ''}", *mark(key))
            for node in walk(root) if isinstance(node, yaml.MappingNode)
            for key, _ in node.value if _append_key(key)]


def _merge(base: yaml.Node, over: yaml.Node, problems: list[ProfileError],
           depth: int) -> yaml.Node:
    """`over` merged onto `base`; neither is changed."""
    if not (isinstance(base, yaml.MappingNode) and isinstance(over, yaml.MappingNode)):
        problems += _stray_appends(over, "nothing is inherited here")
        return over
    if depth > _MAX_DEPTH:
        problems.append(ProfileError("profile nests too deeply to be a profile", *mark(over)))
        return over
    entries = list(base.value)
    names = [k.value if isinstance(k, yaml.ScalarNode) else None for k, _ in entries]
    plain = {k.value for k, _ in over.value if isinstance(k, yaml.ScalarNode)}
    for key, value in over.value:
        name = _append_key(key) or (key.value if isinstance(key, yaml.ScalarNode) else None)
        at = names.index(name) if name is not None and name in names else None
        if name is None:
            entries.append((key, value))
            names.append(None)
        elif name != key.value:  # `name+:`
            if name in plain:
                problems.append(ProfileError(f"both '{name}' and '{key.value}' are given; "
                                             f"'{name}' replaces the inherited list and "
                                             f"'{key.value}' appends to it: keep one",
                                             *mark(key)))
                continue
            value = _appended(key, None if at is None else entries[at][1], value, problems)
            key = yaml.ScalarNode(key.tag, name, key.start_mark, key.end_mark, key.style)
            if at is None:
                entries.append((key, value))
                names.append(name)
            else:
                entries[at] = (key, value)
        elif _is_null(value):
            if at is not None:
                del entries[at], names[at]
        elif at is None:
            problems += _stray_appends(value, "nothing is inherited here")
            entries.append((key, value))
            names.append(name)
        else:
            entries[at] = (key, _merge(entries[at][1], value, problems, depth + 1))
    return yaml.MappingNode(over.tag, entries, over.start_mark, over.end_mark, over.flow_style)


def _appended(key: yaml.ScalarNode, inherited: yaml.Node | None, value: yaml.Node,
              problems: list[ProfileError]) -> yaml.Node:
    """The inherited list with `value`'s items after it."""
    if not isinstance(value, yaml.SequenceNode):
        problems.append(ProfileError(f"'{key.value}' appends a list: write "
                                     f"'{key.value}: [item, ...]' or a '- item' list",
                                     *mark(value)))
        return value
    problems += _stray_appends(value, "nothing is inherited here")
    if inherited is None:
        return value
    if not isinstance(inherited, yaml.SequenceNode):
        problems.append(ProfileError(f"'{key.value}' appends to the inherited "
                                     f"'{key.value[:-1]}', which is not a list "
                                     f"(at {':'.join(map(str, mark(inherited)))}); write "
                                     f"'{key.value[:-1]}:' to replace it", *mark(key)))
        return value
    return yaml.SequenceNode(inherited.tag, [*inherited.value, *value.value],
                             value.start_mark, value.end_mark, value.flow_style)
