"""Sweep fixtures: a private copy of the ready profile, and a small way to run a sweep."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from chaos.results import EpisodeResult, FaultResult, TaskResult, UsageResult
from chaos.sweep import SweepOptions, SweepSpec, SweepStore, run_sweep
from tests.conftest import SPORTS

#: The test-only policies (`flaky`, `fatal`), imported by every worker as a plugin.
PLUGIN = "tests.sweep.policies"


@pytest.fixture(scope="session")
def profile_path(tmp_path_factory) -> str:
    """A copy of the sports profile nobody edits while the tests run (its sha256 is stable)."""
    path = tmp_path_factory.mktemp("profile") / "sports-production.yaml"
    shutil.copyfile(SPORTS, path)
    return str(path)


def sweep(tmp: Path, profile: str, name: str, **spec: Any) -> Any:
    """Run a sweep into `tmp/<name>` with the store `tmp/history.db`; return its outcome."""
    options = spec.pop("options", {})
    fields = {"id": name, "profiles": [profile], "store": str(tmp / "history.db"),
              "workers": 0, **spec}
    return run_sweep(SweepSpec(**fields), SweepOptions(**{"out": tmp / name, **options}))


def episode(profile: str, model: str, seed: int, arm: str, passed: bool = True,
            outcomes: dict[str, str] | None = None) -> EpisodeResult:
    """A made-up episode: one fault per kind in `outcomes` ({kind: outcome})."""
    faults = [FaultResult(id=f"f-{kind}", kind=kind, fired=outcome != "not_triggered",
                          outcome=outcome, detected_by=None, time_to_detection_ms=None,
                          evidence=[])  # type: ignore[arg-type]
              for kind, outcome in (outcomes or {}).items()]
    key = f"{profile}/{model.replace('/', '-')}/seed-{seed}/{arm}"
    return EpisodeResult(key=key, profile=profile, model=model, seed=seed, arm=arm,  # type: ignore[arg-type]
                         status="completed", task=TaskResult(passed=passed, reasons=[]),
                         faults=faults, sim_time_ms=1000, usage=UsageResult(),
                         trace=f"traces/{key}.jsonl", reproduce="chaos run p.yaml")


def store_sweep(store: SweepStore, sweep_id: str, episodes: list[EpisodeResult]) -> None:
    """Put made-up episodes in a store as sweep `sweep_id`."""
    profiles = sorted({e.profile for e in episodes})
    store.begin(sweep_id, [(p, f"{p}.yaml", "0" * 64) for p in profiles], {}, resume=True)
    for e in episodes:
        assert store.add(sweep_id, "0" * 64, json.loads(e.model_dump_json()), e.model_dump_json())
