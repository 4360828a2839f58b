"""chaos: a fault-injection simulator for LLM agent chains.

Run the real agent chain in a faked but realistic world, inject the faults a profile names, and
learn per model and per fault whether the chain detected, recovered from, or propagated them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Profile", "RunOptions", "RunResults", "fault", "load_profile", "run_profile"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from chaos.profile import Profile
    from chaos.results import RunResults
    from chaos.runner import RunOptions


def __getattr__(name: str) -> object:
    # Lazy: `import chaos` and `chaos --help` stay fast.
    if name in ("load_profile", "Profile"):
        import chaos.profile as module
    elif name in ("RunOptions",):
        import chaos.runner as module
    elif name == "RunResults":
        import chaos.results as module
    elif name == "fault":
        import chaos.faults as module
    else:
        raise AttributeError(f"module 'chaos' has no attribute {name!r}")
    return getattr(module, name)


def run_profile(path: str, **options: object) -> RunResults:
    """Load and run one profile file; `options` are RunOptions fields.

    Returns:
        The run's results (nothing is written to disk).
    """
    from chaos.profile import load_profile
    from chaos.runner import RunOptions, run_profiles

    return run_profiles([load_profile(path)], RunOptions(**options))  # type: ignore[arg-type]
