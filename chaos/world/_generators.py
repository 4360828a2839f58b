"""The world-generator registry: `@world_generator("name", params=Model)`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from chaos._registry import Registry
from chaos.world._model import World

__all__ = ["GeneratorEntry", "generate_world", "world_generator", "world_generators"]


@dataclass(frozen=True)
class GeneratorEntry:
    """A registered generator and the pydantic model of its parameters."""

    name: str
    params: type[BaseModel]
    build: Callable[[int, Any], World]


world_generators: Registry[GeneratorEntry] = Registry("world generator")


def world_generator(name: str, params: type[BaseModel]) -> Callable[[Callable], Callable]:
    """Register a function `build(seed, params) -> World` under `name`."""

    def decorate(build: Callable[[int, Any], World]) -> Callable[[int, Any], World]:
        world_generators.register(name)(GeneratorEntry(name, params, build))
        return build

    return decorate


def generate_world(name: str, seed: int, params: dict[str, Any] | None = None) -> World:
    """Build the world `name` for `seed`; pure: the same inputs give the same bytes."""
    entry = world_generators.get(name)
    parsed = entry.params.model_validate(params or {})
    return entry.build(seed, parsed)
