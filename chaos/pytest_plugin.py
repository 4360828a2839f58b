"""A pytest plugin: the `chaos_run` fixture, so teams assert on verdicts in their own suites.

Installed with chaos (entry point `pytest11`), active in every pytest run of the environment::

    def test_the_careful_model_never_leaks(chaos_run):
        results = chaos_run("profiles/sports-production.yaml", models=["scripted/careful"],
                            episodes=5)
        leaks = [(e.key, f.id) for e in results.episodes for f in e.faults
                 if f.outcome == "propagated"]
        assert leaks == []

`chaos_run` returns the run's `RunResults` (the same model as `results.json`: episodes, their
fault outcomes and task verdicts, the summary and gate verdicts). A profile or option that is
wrong fails the test with chaos' located message, not a traceback. Nothing is imported from
chaos until the fixture is used, so the plugin costs other test suites nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chaos.results import RunResults

__all__ = ["chaos_run"]


def _run(profile: str | Path, *, models: Sequence[str] = (), episodes: int | None = None,
         seed: int | None = None, arms: Sequence[str] = ("clean", "chaos"),
         only_faults: Sequence[str] | None = None, replay: str | Path | None = None,
         out: str | Path | None = None, allow_all_crashed: bool = False,
         agent: str | Sequence[str] | Callable[..., Any] | None = None,
         agent_timeout: float | None = None) -> RunResults:
    from chaos.errors import ChaosError
    from chaos.profile import load_profile
    from chaos.runner import RunOptions, run_profiles, write_run, write_trace

    try:
        loaded = load_profile(profile)
        options = RunOptions(models=tuple(models), seed=seed, episodes=episodes,
                             arms=tuple(arms),  # type: ignore[arg-type]
                             only_faults=tuple(only_faults) if only_faults is not None else None,
                             replay=Path(replay) if replay is not None else None,
                             agent_timeout_s=agent_timeout, **_agent_options(agent))
        folder = Path(out) if out is not None else None

        def keep(plan: Any, run: Any) -> None:
            if folder is not None:
                write_trace(folder, run)

        results = run_profiles([loaded], options, on_episode=keep)
    except ChaosError as exc:
        pytest.fail(f"chaos_run: {exc}", pytrace=False)
    if folder is not None:
        write_run(folder, results)
    from chaos.report import nothing_completed, shown_reason

    if not allow_all_crashed and (stranded := nothing_completed(results)):
        # Assertions over no completed episode pass vacuously: say so instead.
        first = next(e for e in results.episodes if e.status == "crashed")
        pytest.fail(f"chaos_run: no episode completed for {', '.join(stranded)}: every one "
                    f"crashed (first: {shown_reason(first.error)}); pass allow_all_crashed=True "
                    "to assert on the crashes themselves", pytrace=False)
    return results


def _agent_options(agent: str | Sequence[str] | Callable[..., Any] | None) -> dict[str, Any]:
    """`agent=` as `RunOptions` fields: a command, a `module:attr` function, or a function."""
    import re

    if agent is None:
        return {}
    if callable(agent):
        from chaos.agents._function import register_function

        return {"agent_function": register_function(agent)}
    if isinstance(agent, str):
        from chaos.profile._schema import FUNCTION_NAME

        if re.fullmatch(FUNCTION_NAME, agent):
            return {"agent_function": agent}
        import shlex

        return {"agent": tuple(shlex.split(agent))}
    return {"agent": tuple(agent)}


@pytest.fixture
def chaos_run() -> Callable[..., RunResults]:
    """Run a chaos profile and return its results.

    Call it as `chaos_run(profile, models=[...], episodes=N, seed=S, arms=["chaos"],
    only_faults=[...], replay=DIR, out=DIR, agent=..., agent_timeout=S)`; every argument but
    the profile is optional and means what the `chaos run` option of the same name means.
    `agent` is your own agent: a command (a string split as a shell would, or a list), a
    `"module:attr"` async function, or the async function itself (run in this process). With
    `out`, the run directory (results.json and traces) is written there, for `chaos report`
    or `chaos shrink`. A model that completed no episode (every one crashed) fails the test,
    as `chaos run` exits 4, unless `allow_all_crashed=True`.
    """
    return _run
