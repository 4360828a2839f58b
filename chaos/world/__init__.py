"""Worlds: generated files with real bytes, ground truth, and per-episode fake filesystems."""

from chaos.world import generators as _generators_pkg  # noqa: F401  (registers built-ins)
from chaos.world._declared import DeclaredFileError, add_declared_files
from chaos.world._fakefs import (
    EpisodeFs,
    glob_root,
    materialize_world,
    prepare_world,
    translate_glob,
)
from chaos.world._generators import generate_world, world_generator, world_generators
from chaos.world._model import ClipTruth, SportsTruth, World, WorldFile, sha256

__all__ = [
    "ClipTruth",
    "DeclaredFileError",
    "EpisodeFs",
    "SportsTruth",
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
