"""Worlds: generated files with real bytes, ground truth, and per-episode fake filesystems."""

from chaos.world._declared import DeclaredFileError, add_declared_files
from chaos.world._fakefs import (
    EpisodeFs,
    glob_root,
    materialize_world,
    prepare_world,
    translate_glob,
)
from chaos.world._generators import generate_world, world_generator, world_generators
from chaos.world._model import World, WorldFile, sha256

__all__ = [
    "DeclaredFileError",
    "EpisodeFs",
    "World",
    "WorldFile",
    "add_declared_files",
    "generate_world",
    "glob_root",
    "materialize_world",
    "prepare_world",
    "sha256",
    "translate_glob",
    "world_generator",
    "world_generators",
]
