"""The shipped profiles as data: what the broken-profile corpus and the fuzzer mutate."""

from collections.abc import Iterator
from typing import Any

import yaml

from tests.conftest import REPO

SOURCES = sorted([*REPO.glob("profiles/*.yaml"), *REPO.glob("examples/*.yaml")])
TEXTS = {p.name: p.read_text() for p in SOURCES}
DATA = {name: yaml.safe_load(text) for name, text in TEXTS.items()}


def slots(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every (path, value) in a profile's data, depth first."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from slots(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from slots(value, (*path, i))


def fresh_copy(name: str) -> Any:
    """A new copy of shipped profile `name`'s data, free to mutate."""
    return yaml.safe_load(TEXTS[name])
