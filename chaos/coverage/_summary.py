"""results.json's `summary.coverage`, counted one episode at a time.

`chaos run` feeds it the run's episodes, a sweep the episodes it streams from its store: the
same builder, so both give the same coverage. It keeps counts and sets of names (agents,
tools, tags, sinks) and the distinct files reached up to `FILES_CAP` (then "at least"), never
episodes: its memory does not grow with the number of seeds. What no fault
touched needs the chain and the world, so `coverage` takes the loaded profiles, as gates do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chaos.coverage._parts import chain_parts, world_of
from chaos.coverage._reach import selector_text

if TYPE_CHECKING:
    from chaos.profile import LoadedProfile
    from chaos.results import EpisodeResult, RunResults

__all__ = ["CoverageBuilder", "coverage_summary", "with_coverage"]

_PARTS = ("agents", "tools", "tags", "sinks")


def _count(counter: dict[str, int], names: Iterable[str]) -> None:
    for name in names:
        counter[name] = counter.get(name, 0) + 1


def _sorted(counter: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counter.items()))


class _FaultModel:
    """One fault id under one model: episodes, fires, and why it did not fire."""

    def __init__(self) -> None:
        self.episodes = self.fired = 0
        self.never: dict[str, int] = {}
        # Per code, the words of its lowest seed: the same whatever order episodes come in.
        self.why: dict[str, tuple[int, str]] = {}

    def add(self, seed: int, reached: dict[str, Any]) -> None:
        self.episodes += 1
        never = reached.get("never")
        if never is None:
            self.fired += 1
            return
        code = never["code"]
        _count(self.never, [code])
        if code not in self.why or (seed, never["why"]) < self.why[code]:
            self.why[code] = (seed, never["why"])

    def words(self) -> dict[str, str]:
        """Each reason's words, by code."""
        return {code: self.why[code][1] for code in sorted(self.why)}


class _Fault:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.models: dict[str, _FaultModel] = {}
        self.reached: dict[str, set[str]] = {part: set() for part in _PARTS}
        self.with_files = 0  # fires that reached world files (its target selector's)


#: Distinct reached files counted exactly up to here; past it, "at least this many".
FILES_CAP = 10_000


class _Files:
    """Distinct file paths, counted exactly up to `FILES_CAP`, then only "at least".

    Memory stays bounded whatever the number of seeds (worlds differ per seed, so paths do).
    The count is the same in any feeding order: below the cap it is exact, at it it is the cap.
    """

    def __init__(self) -> None:
        self.paths: set[str] = set()
        self.capped = False

    def update(self, paths: Iterable[str]) -> None:
        for path in paths:
            if self.capped:
                return
            self.paths.add(path)
            if len(self.paths) >= FILES_CAP:
                self.capped = True
                self.paths = set()  # the count is the cap now: the paths are no longer needed

    def count(self) -> int:
        return FILES_CAP if self.capped else len(self.paths)


class _Profile:
    def __init__(self) -> None:
        self.faults: dict[str, _Fault] = {}
        self.counts: dict[str, dict[str, int]] = {part: {} for part in _PARTS}
        self.files = _Files()
        self.first_seed: int | None = None


class CoverageBuilder:
    """Counts what the chaos arm's faults reached, per profile; `coverage` gives the summary.

    Feed every episode once (EpisodeResult JSON data, any order); results written before
    chaos recorded reach (`reached` absent) add nothing.
    """

    def __init__(self) -> None:
        self._profiles: dict[str, _Profile] = {}

    def add(self, episode: dict[str, Any]) -> None:
        """Add one episode (as results.json holds it)."""
        if episode["arm"] != "chaos":
            return
        faults = [f for f in episode["faults"] if f.get("reached") is not None]
        if not faults:
            return
        profile = self._profiles.setdefault(episode["profile"], _Profile())
        seed = episode["seed"]
        profile.first_seed = seed if profile.first_seed is None else min(profile.first_seed,
                                                                         seed)
        for f in faults:
            reached = f["reached"]
            fault = profile.faults.setdefault(f["id"], _Fault(f["kind"]))
            fault.models.setdefault(episode["model"], _FaultModel()).add(seed, reached)
            if reached.get("never") is not None:
                continue
            for part in _PARTS:
                names = reached.get(part, [])
                fault.reached[part].update(names)
                _count(profile.counts[part], names)
            if reached.get("files"):
                fault.with_files += 1
                profile.files.update(reached["files"])

    def reached_files(self) -> dict[str, dict[str, Any]]:
        """Per profile, the distinct files the faults reached (`capped`: at least so many)."""
        return {name: {"files": p.files.count(), "capped": p.files.capped}
                for name, p in sorted(self._profiles.items())}

    def never_fired_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Per profile, a row per (fault, model) that never fired: its reasons, their words."""
        return {name: _never_rows(p) for name, p in sorted(self._profiles.items())}

    def coverage(self, profiles: Sequence[LoadedProfile],
                 tags: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
        """`summary.coverage` for the profiles fed (others: left out), sorted by name.

        Args:
            profiles: The loaded profiles (their chains, and worlds).
            tags: Per profile, the tags of its lowest chaos-arm seed's world, when the caller
                has that world at hand; else that world is built again.
        """
        by_name = {loaded.profile.name: loaded.profile for loaded in profiles}
        out: dict[str, Any] = {}
        for name in sorted(self._profiles):
            if name in by_name:
                out[name] = self._profile(self._profiles[name], by_name[name],
                                          (tags or {}).get(name))
        return {"profiles": out}

    def _profile(self, data: _Profile, profile: Any, tags: list[str] | None) -> dict[str, Any]:
        specs = {spec.id: spec for spec in profile.faults}
        faults: dict[str, Any] = {}
        targets: dict[str, int] = {}
        for fault_id in sorted(data.faults):
            fault = data.faults[fault_id]
            spec = specs.get(fault_id)
            target = getattr(spec, "target", None)
            selector = selector_text(target) if target is not None else None
            fired = sum(m.fired for m in fault.models.values())
            if selector is not None and fault.with_files:
                targets[selector] = targets.get(selector, 0) + fault.with_files
            never: dict[str, int] = {}
            for model in fault.models.values():
                for code, n in model.never.items():
                    never[code] = never.get(code, 0) + n
            faults[fault_id] = {
                "kind": fault.kind,
                "target": selector,
                "episodes": sum(m.episodes for m in fault.models.values()),
                "fired": fired,
                "never": _sorted(never),
                "reached": {part: sorted(fault.reached[part]) for part in _PARTS},
                "models": {m: {"episodes": fm.episodes, "fired": fm.fired,
                               "never": _sorted(fm.never)}
                           for m, fm in sorted(fault.models.items())},
            }
        reached_names = {part: set(data.counts[part]) for part in _PARTS}
        world = None
        if tags is None and data.first_seed is not None:
            world = world_of(profile, data.first_seed)
        untouched = chain_parts(profile, world, tags).minus(reached_names)
        return {
            "faults": faults,
            "reached": {
                "agents": _sorted(data.counts["agents"]),
                "tools": _sorted(data.counts["tools"]),
                "tags": _sorted(data.counts["tags"]),
                "targets": _sorted(targets),
                "files": data.files.count(),
                "files_capped": data.files.capped,
                "sinks": _sorted(data.counts["sinks"]),
            },
            "never_fired": _never_rows(data),
            "untouched": untouched.json(),
        }


def _never_rows(data: _Profile) -> list[dict[str, Any]]:
    rows = []
    for fault_id in sorted(data.faults):
        fault = data.faults[fault_id]
        for model_id, fm in sorted(fault.models.items()):
            if fm.fired == 0:
                top = max(sorted(fm.never), key=lambda c: fm.never[c])
                rows.append({"fault": fault_id, "kind": fault.kind, "model": model_id,
                             "episodes": fm.episodes, "reasons": _sorted(fm.never),
                             "why": fm.why[top][1], "words": fm.words()})
    return rows


def coverage_summary(episodes: Iterable[EpisodeResult], profiles: Sequence[LoadedProfile],
                     tags: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """`summary.coverage` of these episodes (the builder fed each, in order).

    `tags`: per profile, its first chaos seed's world tags, if known (see `CoverageBuilder`).
    """
    builder = CoverageBuilder()
    for episode in episodes:
        builder.add(episode.model_dump(mode="json", include={"profile", "model", "seed", "arm",
                                                             "faults"}))
    return builder.coverage(profiles, tags)


def with_coverage(results: RunResults, profiles: Sequence[LoadedProfile],
                  tags: Mapping[str, list[str]] | None = None) -> RunResults:
    """The results with `summary.coverage` set from their episodes and `profiles`."""
    summary = {**results.summary, "coverage": coverage_summary(results.episodes, profiles, tags)}
    return results.model_copy(update={"summary": summary})
