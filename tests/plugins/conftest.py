"""What every plugin test shares: registries back as they were after each test."""

import pytest

from chaos._registry import Registry


@pytest.fixture(autouse=True)
def clean_registries():
    saved = [(r, r.snapshot()) for r in Registry.instances]
    yield
    for registry, entries in saved:
        registry.restore(entries)
