"""The Profile model with `faults` typed as the tagged union of the registered fault kinds."""

from __future__ import annotations

import functools

from pydantic import Field, create_model

from chaos.profile._schema import MAX_ITEMS, Profile

__all__ = ["profile_model"]


@functools.cache
def _profile_model(kinds: tuple[str, ...]) -> type[Profile]:
    from chaos.faults import fault_union

    return create_model(
        "Profile", __base__=Profile, __doc__=Profile.__doc__,
        faults=(list[fault_union()],  # type: ignore[misc]
                Field(default_factory=list, max_length=MAX_ITEMS))
    )


def profile_model() -> type[Profile]:
    """The Profile model with `faults` typed as the union of the registered fault kinds."""
    from chaos.faults import fault_kinds

    return _profile_model(tuple(fault_kinds.names()))
