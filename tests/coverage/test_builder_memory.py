"""The coverage builder keeps counts and names, never a set that grows with the seeds."""

from __future__ import annotations

import pickle

from chaos.coverage import CoverageBuilder, coverage_lines


def _episode(seed: int) -> dict:
    return {"profile": "p", "model": "m", "seed": seed, "arm": "chaos", "faults": [
        {"id": "decoy", "kind": "fs.decoy", "reached": {
            "agents": ["editor"], "tools": ["find_files"],
            "files": [f"/production/match-{seed:06d}/clip-{i}.mp4" for i in range(4)],
            "tags": ["task_clip"]}}]}


def _size(builder: CoverageBuilder) -> int:
    return len(pickle.dumps(builder))


def test_many_seeds_keep_the_builder_small_and_say_at_least():
    builder = CoverageBuilder()
    for seed in range(2_000):
        builder.add(_episode(seed))
    small = _size(builder)
    for seed in range(2_000, 40_000):
        builder.add(_episode(seed))
    assert _size(builder) <= small * 1.1
    reached = builder.reached_files()["p"]
    assert reached["capped"] and reached["files"] < 160_000
    summary = {"coverage": {"profiles": {"p": {
        "faults": {"decoy": {"kind": "fs.decoy", "fired": 40_000}},
        "reached": {"files": reached["files"], "files_capped": True},
        "never_fired": [], "untouched": {}}}}}
    assert f"{reached['files']}+ files" in "\n".join(coverage_lines(summary))


def test_few_files_are_counted_exactly():
    builder = CoverageBuilder()
    for seed in range(3):
        builder.add(_episode(seed))
    assert builder.reached_files()["p"] == {"files": 12, "capped": False}
