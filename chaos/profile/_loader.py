"""Reading a profile from YAML, with errors that name file:line:column and the fix.

`check_profile` finds every problem at once (for `chaos validate`); `load_profile` raises the
first one (for `chaos run` and the Python API).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from chaos.errors import ProfileError
from chaos.profile._bounds import merged_size_problem
from chaos.profile._documents import Document, mark, walk
from chaos.profile._extends import resolve_extends
from chaos.profile._locate import located, schema_errors, short_value
from chaos.profile._schema import Profile
from chaos.profile._union import profile_model

__all__ = ["LoadedProfile", "ProfileCheck", "check_profile", "load_profile", "parse_profile",
           "profile_model"]


@dataclass(frozen=True)
class LoadedProfile:
    """A validated profile and where it came from.

    Attributes:
        profile: The validated profile.
        path: The file as the user named it.
        sha256: Hash of the file's bytes, recorded in results; for a profile that extends
            others, the hash of the SHA-256 digests of every file read, the named one first.
        sources: Every file read: the named one, then the profiles it extends, in order.
    """

    profile: Profile
    path: str
    sha256: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProfileCheck:
    """Everything wrong with a profile, or the loaded profile.

    Attributes:
        path: The profile file as the user named it.
        errors: Every problem found, in the order the checks ran (file, YAML, duplicate keys,
            version, schema, then cross-references); empty when the profile is valid.
        loaded: The loaded profile when there are no errors.
    """

    path: str
    errors: tuple[ProfileError, ...]
    loaded: LoadedProfile | None

    @property
    def ok(self) -> bool:
        """Whether the profile is valid."""
        return not self.errors


def check_profile(path: str | Path, text: str | None = None) -> ProfileCheck:
    """Read and validate a profile, collecting every problem instead of stopping at the first.

    Args:
        path: The profile file (for `text`: the name shown and the folder `extends` is
            relative to).
        text: The profile's YAML, instead of reading `path`.

    Returns:
        The problems, each a ProfileError located at file:line:column, or the loaded profile.
        Never raises for bad input.
    """
    shown = str(path)
    root, docs, errors = resolve_extends(shown, text)
    for doc in docs:
        errors += _version_problems(doc)
    if root is None:
        return ProfileCheck(shown, tuple(errors), None)
    if len(docs) > 1 and (too_many := merged_size_problem(root)) is not None:
        return ProfileCheck(shown, (*errors, too_many), None)
    try:
        data = _construct(root)
    except yaml.MarkedYAMLError as exc:
        where = exc.problem_mark or exc.context_mark
        errors.append(ProfileError(f"YAML error: {exc.problem or exc.context}",
                                   *((where.name, where.line + 1, where.column + 1) if where
                                     else (shown,))))
        return ProfileCheck(shown, tuple(errors), None)
    except (ValueError, TypeError, OverflowError) as exc:
        errors.append(_unreadable_value(root, exc))
        return ProfileCheck(shown, tuple(errors), None)
    # Each file's version was checked on its own; the merged profile is version 1.
    data["version"] = 1
    model = profile_model()
    profile: Profile | None = None
    try:
        profile = model.model_validate(data)
    except ValidationError as exc:
        from chaos.profile._salvage import salvage

        found = [e for e in exc.errors() if tuple(e["loc"])[:1] != ("version",)]
        # A stray `faults+:` is also an unknown key: say it once.
        said = {e.location for e in errors}
        errors += [e for e in schema_errors(found, root) if e.location not in said]
        salvaged = salvage(data, exc.errors(), model)
        if salvaged is not None:
            _anchor_world_sources(salvaged.profile, root, salvaged.original)
            errors += _reference_errors(salvaged.profile, root, salvaged.original)
    else:
        _anchor_world_sources(profile, root, lambda loc: loc)
        errors += _reference_errors(profile, root, lambda loc: loc)
    if errors or profile is None:
        return ProfileCheck(shown, tuple(errors), None)
    return ProfileCheck(shown, (), LoadedProfile(profile, shown, _digest(docs),
                                                 tuple(d.path for d in docs)))


def load_profile(path: str | Path) -> LoadedProfile:
    """Read and validate a profile file.

    Raises:
        ProfileError: Unreadable file, YAML syntax error, schema or reference error; the
            message names file:line:column and how to fix it (the first problem found;
            `check_profile` gives them all).
    """
    check = check_profile(path)
    if check.loaded is None:
        raise check.errors[0]
    return check.loaded


def parse_profile(text: str, path: str = "<profile>") -> Profile:
    """Validate profile YAML text; see `load_profile`."""
    check = check_profile(path, text)
    if check.loaded is None:
        raise check.errors[0]
    return check.loaded.profile


def _construct(root: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _unreadable_value(root: yaml.Node, exc: Exception) -> ProfileError:
    """A scalar whose explicit tag cannot read it (`!!int abc`), located."""
    for node in walk(root):
        if isinstance(node, yaml.ScalarNode):
            try:
                _construct(node)
            except (ValueError, TypeError, OverflowError, yaml.YAMLError):
                tag = node.tag.replace("tag:yaml.org,2002:", "!!")
                return ProfileError(f"YAML error: {tag} cannot read {short_value(node.value)}; "
                                    "remove the tag or fix the value", *mark(node))
    return ProfileError(f"YAML error: a value cannot be read ({exc})", *mark(root))


def _version_problems(doc: Document) -> list[ProfileError]:
    """Every file must say `version: 1`, the schema version its content is written in."""
    node = next((v for k, v in doc.root.value
                 if isinstance(k, yaml.ScalarNode) and k.value == "version"), None)
    if node is None:
        hint = "add 'version: 1' as the first line"
    elif (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:int"
          and _int(node.value) == 1):
        return []
    elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:int":
        hint = f"version {_int(node.value)} is not supported; this chaos reads version 1"
    else:
        value = _plain_value(node)
        hint = (f"version must be the integer 1, not {value!r} ({type(value).__name__})"
                if value is not None else "version must be the integer 1")
    return [ProfileError(f"unsupported profile version: {hint}",
                         *mark(node if node is not None else doc.root))]


def _int(text: str) -> int | None:
    try:
        return int(yaml.safe_load(text))
    except (ValueError, TypeError, yaml.YAMLError):
        return None


def _plain_value(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        return _construct(node)
    except yaml.YAMLError:
        return node.value


def _anchor_world_sources(profile: Profile, root: yaml.Node, original: Any) -> None:
    """Tell each `from:` entry the folder of the file that declares it (`extends` included)."""
    from chaos.profile._locate import node_at

    for i, spec in enumerate(profile.world.files):
        where = original(("world", "files", i, "from")) if spec.from_ is not None else None
        if where is not None:
            spec._base = str(Path(node_at(root, where).start_mark.name).parent)


def _reference_errors(profile: Profile, root: yaml.Node, original: Any) -> list[ProfileError]:
    from chaos.profile._references import check_references

    errors = []
    for loc, message in check_references(profile):
        where = original(loc)
        if where is not None:
            errors.append(located(message, root, where))
    return errors


def _digest(docs: list[Document]) -> str:
    if len(docs) == 1:
        return hashlib.sha256(docs[0].raw).hexdigest()
    return hashlib.sha256(b"".join(hashlib.sha256(d.raw).digest() for d in docs)).hexdigest()
