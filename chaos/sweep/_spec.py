"""SWEEP.yaml: which profiles, models, seeds and arms a sweep runs, and where it keeps them.

```yaml
version: 1
id: nightly                      # default: the file's name without .yaml
profiles: [../profiles/sports-production.yaml]   # relative to this file
models: [scripted/careful, openai/gpt-4.1-mini]  # default: each profile's own models
seeds: 0-99                      # or [0, 5, 7], or ["0-9", 20]; default: each profile's
arms: [clean, chaos]             # default: both
store: history.db                # a file (relative to this file) or a SQLAlchemy URL
backend: local                   # local | dask
workers: 2                       # local: worker processes (0: in this process)
scheduler: tcp://10.0.0.5:8786   # dask: the cluster (default: a LocalCluster)
concurrency: 1                   # episodes in flight per worker (remote models)
episode_timeout_s: 900           # wall-clock limit of one episode (default: each profile's)
batch_size: 16                   # episodes per task (default: 16 local, 64 on Dask)
plugins: [my_policies]           # modules imported first (custom policies, faults...)
```

Mistakes are located errors (`sweep.yaml:4:3: unknown key 'model'; did you mean 'models'?`),
as in profiles.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chaos._registry import did_you_mean
from chaos._seeding import MAX_EPISODES, MAX_SEED
from chaos.errors import InputError, ProfileError
from chaos.profile._bounds import check_structure, check_values, decode_text, read_input_file
from chaos.profile._locate import short_value

__all__ = [
    "DEFAULT_STORE",
    "SWEEP_ID",
    "SweepSpec",
    "is_sweep_file",
    "load_sweep",
    "parse_seeds",
]

#: The store used when neither the sweep file nor --store names one.
DEFAULT_STORE = "sweeps/history.db"
#: What a sweep id may look like (it names a folder and rows in a shared store).
SWEEP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$")
_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$", re.ASCII)
_SEED = re.compile(r"^\s*(\d+)\s*$", re.ASCII)


def _seed(digits: str) -> int:
    # More digits than any seed has would only cost time to convert (and trip Python's limit).
    if len(digits.lstrip("0")) > len(str(MAX_SEED)):
        raise ValueError(f"seed {_shown(digits)} is too large; seeds go up to {MAX_SEED} "
                         "(2**53 - 1)")
    return int(digits)


def _shown(value: Any) -> str:
    if isinstance(value, int) and value.bit_length() > 128:
        return f"({value.bit_length()}-bit number)"
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-8:]} ({len(text):,} characters)"


def parse_seeds(value: Any) -> list[int]:
    """Seeds from `0-99`, `0,5,7`, `"0-9,20"`, an int, or a list of ints and ranges.

    Raises:
        ValueError: A part is not a seed or a range, a range runs backwards, a seed is
            negative, or a seed appears twice.
    """
    parts: list[Any]
    if isinstance(value, bool):
        raise ValueError(f"seeds must be numbers or ranges like 0-99, not {value!r}")
    if isinstance(value, int):
        parts = [value]
    elif isinstance(value, str):
        parts = [p for p in value.split(",") if p.strip()]
    elif isinstance(value, list):
        parts = value
    else:
        raise ValueError(f"seeds must be a range like 0-99 or a list, not {value!r}")
    if len(parts) > MAX_EPISODES:
        raise ValueError(f"{len(parts):,} seeds; a sweep runs at most {MAX_EPISODES:,}: split "
                         "it into several sweeps")
    seeds: list[int] = []
    for part in parts:
        if isinstance(part, bool):
            raise ValueError(f"{part!r} is not a seed")
        if isinstance(part, int):
            first = last = part
        elif isinstance(part, str) and (match := _SEED.match(part)):
            first = last = _seed(match[1])
        elif isinstance(part, str) and (match := _RANGE.match(part)):
            first, last = _seed(match[1]), _seed(match[2])
            if last < first:
                raise ValueError(f"range {part.strip()} runs backwards; write {last}-{first}")
        else:
            raise ValueError(f"{_shown(part)} is not a seed or a range like 0-99")
        if first < 0:
            raise ValueError(f"seed {first} is negative; seeds start at 0")
        if last > MAX_SEED:
            raise ValueError(f"seed {_shown(last)} is too large; seeds go up to {MAX_SEED} "
                             "(2**53 - 1)")
        # Counted before the list is built: `0-999999999999` would fill memory.
        if len(seeds) + last - first + 1 > MAX_EPISODES:
            raise ValueError(f"{len(seeds) + last - first + 1:,} seeds; a sweep runs at most "
                             f"{MAX_EPISODES:,} (a plan that fits in memory, and days of "
                             "episodes already): shorten the range or split the sweep")
        seeds += range(first, last + 1)
    seen: set[int] = set()
    for seed in seeds:
        if seed in seen:
            raise ValueError(f"seed {seed} appears twice; each seed runs once per sweep")
        seen.add(seed)
    if not seeds:
        raise ValueError("no seeds; write a range like 0-99")
    return seeds


class SweepSpec(BaseModel):
    """A sweep: profiles x models x seeds x arms, and how and where to run it.

    Attributes:
        version: The sweep file format (1).
        id: The sweep's id in the store; the same id resumes the same sweep.
        profiles: Profile files (relative to the sweep file when read from one).
        models: Models to run on every profile; empty: each profile's own models.
        seeds: Seeds to run; None: each profile's `seed` .. `seed + episodes - 1`.
        arms: Arms to run (a profile without faults runs only its clean arm).
        store: A store file or SQLAlchemy URL; None: `sweeps/history.db`.
        backend: `local` (process pool) or `dask`.
        workers: Local worker processes (0: run in this process); None: one per CPU.
        scheduler: The Dask scheduler's address; None: a LocalCluster.
        concurrency: Episodes in flight at once in each worker (for remote models).
        episode_timeout_s: Wall-clock seconds an episode may run before it is `crashed`;
            None: each profile's `limits.episode_timeout_s` (900 unless it says otherwise).
        batch_size: Episodes per task given to a worker (whole seeds); None: 16 locally,
            64 on Dask (a Dask task costs ~1.7 ms to schedule), and at least 4 x concurrency.
        plugins: Modules to import in every process before running (custom policies,
            faults, world generators).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    id: str | None = Field(None, pattern=SWEEP_ID.pattern)
    profiles: list[str] = Field(min_length=1)
    models: list[str] = []
    seeds: list[int] | None = None
    arms: list[Literal["clean", "chaos"]] = Field(["clean", "chaos"], min_length=1)
    store: str | None = None
    backend: Literal["local", "dask"] = "local"
    workers: int | None = Field(None, ge=0)
    scheduler: str | None = None
    concurrency: int = Field(1, ge=1)
    episode_timeout_s: float | None = Field(None, gt=0)
    batch_size: int | None = Field(None, ge=1)
    plugins: list[str] = []

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds(cls, value: Any) -> Any:
        return None if value is None else parse_seeds(value)

    @field_validator("arms")
    @classmethod
    def _arms(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("an arm is listed twice")
        return [a for a in ("clean", "chaos") if a in value]

    @field_validator("models", "profiles", "plugins")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        for item in value:
            if value.count(item) > 1:
                raise ValueError(f"{item!r} is listed twice")
        return value


def is_sweep_file(path: str | Path) -> bool:
    """Whether `path` looks like a sweep file (a mapping with `profiles`), not a profile."""
    try:
        text = decode_text(read_input_file(str(path), "sweep"), str(path), "sweep")
        check_structure(text, str(path))
        data = yaml.safe_load(text)
    except (OSError, ProfileError, yaml.YAMLError, ValueError, TypeError, OverflowError):
        return False
    return isinstance(data, dict) and "profiles" in data and "chain" not in data


def load_sweep(path: str | Path) -> SweepSpec:
    """Read a sweep file; its relative paths (profiles, a store file) become relative to cwd.

    Raises:
        ProfileError: The file cannot be read or does not validate; `file:line:column`.
    """
    shown = str(path)
    try:
        text = decode_text(read_input_file(shown, "sweep"), shown, "sweep")
    except FileNotFoundError:
        raise ProfileError("sweep file not found; check the path", shown) from None
    except IsADirectoryError:
        raise ProfileError("is a folder, not a sweep file; name a .yaml file", shown) from None
    check_structure(text, shown)
    root: yaml.Node | None = None
    try:
        root = _compose(text, shown)
        data = yaml.safe_load(text)
    except (ValueError, TypeError, OverflowError) as exc:  # `!!int abc`, a 5000-digit number
        where = root.start_mark if root is not None else None
        raise ProfileError(f"YAML error: a value cannot be read ({_shown(str(exc))}); fix or "
                           "quote it", shown, where.line + 1 if where else None,
                           where.column + 1 if where else None) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ProfileError(f"YAML syntax error: {exc.problem or exc.context or 'invalid'}",
                           shown, mark.line + 1 if mark else None,
                           mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"YAML error: {exc}", shown) from None
    if not isinstance(data, dict) or root is None:
        raise ProfileError("a sweep file is a mapping with at least 'profiles: [...]'", shown,
                           *((root.start_mark.line + 1, root.start_mark.column + 1) if root
                             else (1, 1)))
    if problems := check_values(root):
        raise problems[0]
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise _located(exc, root, shown) from None
    base = os.path.dirname(shown)
    update: dict[str, Any] = {
        "profiles": [_relative_to(base, p) for p in spec.profiles],
        "id": spec.id or _default_id(shown),
    }
    if spec.store is not None and "://" not in spec.store:
        update["store"] = _relative_to(base, spec.store)
    return spec.model_copy(update=update)


def _compose(text: str, path: str) -> yaml.Node | None:
    """The YAML node tree, each mark naming `path` (for located errors)."""
    loader = yaml.SafeLoader(text)
    loader.name = path
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _relative_to(base: str, path: str) -> str:
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(base, path))


def _default_id(path: str) -> str:
    stem = Path(path).name.removesuffix(".yaml").removesuffix(".yml")
    cleaned = re.sub(r"[^A-Za-z0-9._:+-]", "-", stem).strip("-.") or "sweep"
    if not SWEEP_ID.match(cleaned):
        raise InputError(f"{path}: cannot make a sweep id from the file name; set 'id:'")
    return cleaned


def _node(root: yaml.Node, loc: tuple[Any, ...], key: bool) -> yaml.Node:
    node = root
    for i, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == part:
                    node = k if key and i == len(loc) - 1 else v
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and \
                0 <= part < len(node.value):
            node = node.value[part]
    return node


def _located(exc: ValidationError, root: yaml.Node, path: str) -> ProfileError:
    errors = exc.errors()
    err = min(errors, key=lambda e: e["type"] != "extra_forbidden")
    loc = tuple(err["loc"])
    where = ".".join(str(p) for p in loc) or "sweep"
    if err["type"] == "extra_forbidden":
        name = str(loc[-1])
        valid = sorted(SweepSpec.model_fields)
        message = (f"unknown key '{name}' in the sweep{did_you_mean(name, valid)} "
                   f"(valid: {', '.join(valid)})")
        node = _node(root, loc, key=True)
    elif err["type"] == "missing":
        message = f"missing required key '{loc[-1]}' (the profiles to run, as a list of files)"
        node = root
    else:
        got = err.get("input")
        shown = f" (got {short_value(got)})" if not isinstance(got, dict | list) else ""
        reason = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "string_pattern_mismatch" and loc == ("id",):
            reason = ("a sweep id is letters, digits and . _ : + - (it names a folder), at "
                      "most 128 characters")
        message = f"{where}: {reason}{shown}"
        node = _node(root, loc, key=False)
    return ProfileError(message, path, node.start_mark.line + 1, node.start_mark.column + 1)
