"""One profile file read into YAML nodes that remember their file, line and column."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from chaos.errors import ProfileError
from chaos.profile._bounds import (
    check_structure,
    check_values,
    decode_text,
    position,
    read_input_file,
)

__all__ = ["Document", "mark", "parse_document", "read_document", "walk"]

_SYNTAX_HINT = ("; check the indentation, quotes and brackets here and on the line before (quote "
                "a value that holds ': ' or starts with @, `, *, & or !)")


@dataclass(frozen=True)
class Document:
    """A profile file's bytes and its YAML node tree.

    Attributes:
        path: The file as shown in messages (as the user named it, or joined to the folder of
            the file that extends it).
        raw: The file's bytes.
        root: The document's top mapping; each node's `start_mark.name` is `path`.
    """

    path: str
    raw: bytes
    root: yaml.MappingNode


def mark(node: yaml.Node) -> tuple[str, int, int]:
    """(file, line, column) of a node, 1-based, for ProfileError."""
    return (node.start_mark.name, *position(node.start_mark))


def walk(root: yaml.Node) -> list[yaml.Node]:
    """Every node under `root` once, in document order (aliases may make the tree a graph)."""
    seen: set[int] = set()
    order: list[yaml.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        if isinstance(node, yaml.MappingNode):
            stack.extend(reversed([n for pair in node.value for n in pair]))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return order


def read_document(path: str) -> tuple[Document | None, list[ProfileError]]:
    """Read and compose one profile file.

    Returns:
        The document (None when it cannot be read as a YAML mapping) and the problems found:
        an unreadable file, a YAML syntax error, an empty or non-mapping document, duplicate
        keys (the document is still returned for those).
    """
    try:
        raw = read_input_file(path)
        text = decode_text(raw, path)
    except FileNotFoundError:
        return None, [ProfileError("profile file not found; check the path", path)]
    except IsADirectoryError:
        return None, [ProfileError("is a folder, not a profile file; name a .yaml file", path)]
    except ProfileError as exc:
        return None, [exc]
    return parse_document(text, path, raw)


def parse_document(text: str, path: str,
                   raw: bytes | None = None) -> tuple[Document | None, list[ProfileError]]:
    """Compose profile YAML text; see `read_document`."""
    try:
        check_structure(text, path)
    except ProfileError as exc:
        return None, [exc]
    loader = yaml.SafeLoader(text)
    loader.name = path  # every node's mark now names this file
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        where = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [ProfileError(f"YAML syntax error: {problem}{_SYNTAX_HINT}", path,
                                   *(position(where) if where else (None, None)))]
    except yaml.YAMLError as exc:
        return None, [ProfileError(f"YAML error: {exc}", path)]
    finally:
        loader.dispose()
    if root is None or _is_null(root):
        return None, [ProfileError(
            "profile is empty; a profile starts with 'version: 1' "
            "(try `chaos new NAME` or copy profiles/sports-production.yaml)", path, 1, 1)]
    if not isinstance(root, yaml.MappingNode):
        what = "list" if isinstance(root, yaml.SequenceNode) else "single value"
        return None, [ProfileError(
            "a profile must be a mapping of keys (version, name, chain, ...), "
            f"not a {what}", *mark(root))]
    raw = text.encode("utf-8") if raw is None else raw
    return Document(path, raw, root), _duplicate_keys(root) + check_values(root)


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _duplicate_keys(root: yaml.Node) -> list[ProfileError]:
    """Every key that repeats a sibling key, in document order."""
    problems = []
    for node in walk(root):
        if not isinstance(node, yaml.MappingNode):
            continue
        seen: set[str] = set()
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            if key.value in seen:
                problems.append(ProfileError(
                    f"key '{key.value}' appears twice in the same mapping; keep one "
                    "(YAML would silently use the last)", *mark(key)))
            seen.add(key.value)
    return problems
