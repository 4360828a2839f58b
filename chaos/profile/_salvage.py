"""What of a profile with schema errors can still be checked for broken references.

`chaos validate` reports every error at once. Cross-references need a validated Profile, so the
parts that failed the schema are set aside (a broken fault or model is left out, a broken agent
becomes a stub with the same name, a broken optional section takes its default) and the rest is
checked. Reference problems that setting aside could have caused or hidden are dropped, so every
problem reported is a real one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from chaos.profile._schema import Profile

__all__ = ["STUB_INSTRUCTIONS", "Salvaged", "salvage"]

#: What a stub agent's instructions say: checks of who reaches what skip a chain holding one.
STUB_INSTRUCTIONS = "\x00set aside: it failed the schema"
_STUB_AGENT = {"instructions": STUB_INSTRUCTIONS, "tools": ["finish"]}
_STUB_MODEL = {"provider": "scripted", "policy": "careful"}


@dataclass
class Salvaged:
    """A valid profile made of the parts that passed the schema.

    Attributes:
        profile: The profile the references are checked on.
        faults: For each of its faults, the index in the file.
        models: For each of its models, the index in the file (None: a stand-in).
        stubs: Agents replaced by stubs.
        reset: Top-level keys that took their default.
        pruned: Whether a fault or a model was left out.
    """

    profile: Profile
    faults: list[int]
    models: list[int | None]
    stubs: set[str] = field(default_factory=set)
    reset: set[str] = field(default_factory=set)
    pruned: bool = False

    def original(self, loc: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """A reference problem's location in the file, or None to drop the problem."""
        head = loc[0] if loc else None
        if head in self.reset:
            return None
        if "tools" in self.reset and ("tools" in loc or loc[-1:] == ("tool",)):
            return None  # it may name one of the profile's own tools, set aside
        if head == "faults" and len(loc) > 1 and isinstance(loc[1], int):
            if "target" in loc and self.reset & {"world", "seed"}:
                return None  # targets were checked against another world
            return ("faults", self.faults[loc[1]], *loc[2:])
        if head == "models" and len(loc) > 1 and isinstance(loc[1], int):
            index = self.models[loc[1]]
            return None if index is None else ("models", index, *loc[2:])
        if head == "chain" and len(loc) > 2 and loc[1] == "agents" and loc[2] in self.stubs:
            return None
        if head == "gates" and (self.pruned or self.reset & {"faults", "models"}):
            return None  # a gate may name a fault kind or model that was set aside
        return loc


def salvage(data: dict[str, Any], errors: list[dict[str, Any]],
            model: type[Profile]) -> Salvaged | None:
    """The profile without the parts the schema rejected, or None when too little is left."""
    data = copy.deepcopy(data)
    faults = data.get("faults") if isinstance(data.get("faults"), list) else None
    models = data.get("models") if isinstance(data.get("models"), list) else None
    bad_faults: set[int] = set()
    bad_models: set[int] = set()
    stubs: set[str] = set()
    reset: set[str] = set()
    for err in errors:
        loc = tuple(err["loc"])
        if not loc:
            return None
        head, rest = loc[0], loc[1:]
        index = rest[0] if rest and isinstance(rest[0], int) else None
        if head == "version":
            continue
        if head == "name":
            data["name"] = "profile"
        elif head == "faults" and faults is not None and index is not None:
            bad_faults.add(index)
        elif head == "models" and models is not None and index is not None:
            bad_models.add(index)
        elif head == "models":
            return None
        elif head == "chain":
            agents = data.get("chain", {}).get("agents") if isinstance(data.get("chain"),
                                                                       dict) else None
            if len(loc) < 3 or loc[1] != "agents" or not isinstance(agents, dict) or (
                    loc[2] not in agents):
                return None
            agents[loc[2]] = dict(_STUB_AGENT)
            stubs.add(loc[2])
        else:
            data.pop(head, None)
            reset.add(str(head))
    kept_faults = [i for i in range(len(faults or [])) if i not in bad_faults]
    kept_models: list[int | None] = [i for i in range(len(models or [])) if i not in bad_models]
    if faults is not None:
        data["faults"] = [faults[i] for i in kept_faults]
    if models is not None:
        data["models"] = [models[i] for i in kept_models if i is not None]
        if not kept_models:
            data["models"], kept_models = [_STUB_MODEL], [None]
    data["version"] = 1
    try:
        profile = model.model_validate(data)
    except ValidationError:
        return None
    return Salvaged(profile, kept_faults, kept_models, stubs, reset,
                    pruned=bool(bad_faults or bad_models))
