"""Watches faults during an episode: injects them when their trigger comes, notes first touch."""

from __future__ import annotations

import posixpath
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from chaos.faults import ChainHooks, Fault, FaultContext, Taint
from chaos.mail import SmtpRules
from chaos.profile import FaultSpecBase
from chaos.sim._triggers import Event, TriggerState
from chaos.world import EpisodeFs, World, WorldFile, glob_root, translate_glob

__all__ = ["ActiveFault", "FaultMonitor"]


@dataclass
class ActiveFault:
    """One planned fault and what became of it during the episode.

    Attributes:
        spec: The fault as the profile wrote it.
        impl: Its kind's implementation, with parsed params.
        targets: Resolved target files (planned before the episode starts).
        rng: The fault's own RNG (for what it does).
        trigger: Its trigger's state (with its own RNG, for when it happens).
        taint: What it altered, once injected.
        injected_ms: When it took effect.
        touched: (seq, t_ms, agent) of the chain's first touch; None if never touched.
        hits: What the fault acted on outside the filesystem's access log (SMTP replies,
            filesystem rules, chain hand-offs), in order.
        met: Every (agent, tool) that met the fault, first meeting first: the first touch
            and each later call that touched what it altered or that it acted on (`tool` is
            `(model call)` for a model call). What `chaos.coverage` reports as reached.
        reached: Every path the chain touched that met the fault (by its touch rule, or
            what it acted on), first touch first: the files coverage reports, never the
            fault's whole target list.
    """

    spec: FaultSpecBase
    impl: Fault
    targets: list[WorldFile]
    rng: random.Random
    trigger: TriggerState
    taint: Taint | None = None
    injected_ms: int | None = None
    touched: tuple[int, int, str] | None = None
    watch_dirs: set[str] = field(default_factory=set)
    hits: list[str] = field(default_factory=list)
    #: Files the other faults of the episode target (with copies): what this one should spare.
    taken: frozenset[str] = frozenset()
    met: dict[tuple[str, str], None] = field(default_factory=dict)
    #: How many of `hits` a call has been credited with (new hits belong to the current call).
    hits_seen: int = 0
    reached: dict[str, None] = field(default_factory=dict)
    #: `taint.watch` as a set, for the per-call access checks.
    watch_set: frozenset[str] = frozenset()
    #: How many of `taint.targets` were there before the last hit was credited: targets a
    #: fault adds as it acts (the files of an upload it refused) are what it acted on.
    targets_seen: int = 0

    @property
    def fired(self) -> bool:
        """Whether the chain ever touched what the fault altered."""
        return self.touched is not None


class FaultMonitor:
    """Injects an episode's faults when their triggers come, and records the first touch.

    Args:
        faults: The planned faults.
        world: The world (read-only).
        fs: The episode's filesystem.
        emit: Called with (event type name, fields) to append a trace event.
        smtp: The episode's mail-server rules.
        chain: The chain runner's hand-off hooks.
        model: The episode's provider-fault rules.
        facts: What the task needs of the world (`TaskFacts`), for faults to aim at.
        uploads: The episode's publishing-platform rules.
    """

    def __init__(self, faults: list[ActiveFault], world: World, fs: EpisodeFs,
                 emit: Callable[..., Any], smtp: SmtpRules | None = None,
                 chain: ChainHooks | None = None, model: Any = None, facts: Any = None,
                 uploads: Any = None) -> None:
        self.faults = faults
        self.world = world
        self.fs = fs
        self.emit = emit
        self.smtp = smtp
        self.chain = chain
        self.model = model
        self.facts = facts
        self.uploads = uploads

    def _inject(self, active: ActiveFault, now_ms: int) -> None:
        ctx = FaultContext(self.world, self.fs, active.rng, active.targets, self.smtp,
                           active.hits.append, self.chain, self.model, self.facts,
                           self.uploads, active.taken)
        active.taint = active.impl.inject(ctx)
        active.injected_ms = now_ms
        active.watch_dirs = {posixpath.dirname(p) for p in active.taint.watch}
        active.watch_set = frozenset(active.taint.watch)
        active.targets_seen = len(active.taint.targets)
        self.emit("fault_injected", fault_id=active.spec.id, kind=active.impl.kind,
                  targets=active.taint.targets, paths=active.taint.watch,
                  detail=active.taint.detail)

    def start(self, now_ms: int) -> None:
        """Inject the faults whose trigger is the start.

        A full disk comes last, so that the other faults' files are already in place.
        """
        for active in sorted(self.faults, key=lambda a: a.impl.kind == "fs.disk_full"):
            if active.trigger.at_start():
                self._inject(active, now_ms)

    def timed(self) -> list[tuple[int, ActiveFault]]:
        """Faults that wait for a simulated moment, with that moment."""
        return [(a.spec.trigger.at_ms or 0, a) for a in self.faults
                if a.spec.trigger.when == "time"]

    def at_time(self, active: ActiveFault, now_ms: int) -> None:
        """A timed fault's moment has come."""
        if active.taint is None and active.trigger.at_time(now_ms):
            self._inject(active, now_ms)

    def on_event(self, event: Event, now_ms: int) -> None:
        """Inject faults whose trigger this event completes, just before it happens."""
        for active in self.faults:
            if active.taint is None and active.trigger.on_event(event, now_ms, _path_matches):
                self._inject(active, now_ms)

    def before_tool(self, agent: str, tool: str, arguments: dict[str, Any], now_ms: int) -> None:
        """A tool call is about to run."""
        self.on_event(Event("tool_call", agent, tool=tool, arguments=arguments), now_ms)

    def after_model(self, agent: str, seq: int, now_ms: int) -> None:
        """Mark provider faults that acted on the model call just made."""
        for active in self.faults:
            if active.taint is None or len(active.hits) <= active.hits_seen:
                continue
            _note_hits(active, active.hits_seen)
            active.hits_seen = len(active.hits)
            active.met.setdefault((agent, "(model call)"))
            if active.touched is None:
                active.touched = (seq, now_ms, agent)
                self.emit("fault_touched", fault_id=active.spec.id, agent=agent,
                          tool="(model call)", call_id="", path=active.hits[0])

    def after_tool(self, agent: str, tool: str, call_id: str, seq: int, now_ms: int) -> None:
        """Mark faults whose altered paths this call's filesystem accesses touched."""
        accesses, self.fs.accesses = self.fs.accesses, []
        for active in self.faults:
            if active.taint is None:
                continue
            fresh = len(active.hits) > active.hits_seen
            _note_hits(active, active.hits_seen)
            active.hits_seen = len(active.hits)
            if active.taint.touch != "hit":
                active.reached.update(dict.fromkeys(_all_hits(active, accesses)))
            if active.touched is not None:
                # Already met: note who else meets it (coverage), with the same rule.
                if fresh or (active.taint.touch != "hit" and _first_hit(active, accesses)):
                    active.met.setdefault((agent, tool))
                continue
            hit = active.hits[0] if active.hits else (
                None if active.taint.touch == "hit" else _first_hit(active, accesses))
            if hit is not None:
                active.met.setdefault((agent, tool))
                active.touched = (seq, now_ms, agent)
                self.emit(
                    "fault_touched",
                    fault_id=active.spec.id,
                    agent=agent,
                    tool=tool,
                    call_id=call_id,
                    path=hit,
                )


def _note_hits(active: ActiveFault, seen: int) -> None:
    """Keep the paths the fault acted on since `seen` hits.

    Its new hits' paths (a read it failed, a write it refused) and the files it took on as
    it acted (what a refused upload carried).
    """
    assert active.taint is not None
    active.reached.update(dict.fromkeys(h for h in active.hits[seen:] if h.startswith("/")))
    added = active.taint.targets[active.targets_seen:]
    active.targets_seen = len(active.taint.targets)
    active.reached.update(dict.fromkeys(p for p in added if p.startswith("/")))


def _first_hit(active: ActiveFault, accesses: list[tuple[str, Any]]) -> str | None:
    return next(_hits(active, accesses), None)


def _all_hits(active: ActiveFault, accesses: list[tuple[str, Any]]) -> list[str]:
    """Every watched path these accesses met by the fault's touch rule, in order."""
    return list(_hits(active, accesses))


def _hits(active: ActiveFault, accesses: list[tuple[str, Any]]) -> Iterator[str]:
    assert active.taint is not None
    if active.taint.touch == "opened":
        yield from (str(w) for op, w in accesses
                    if op in ("read", "stat", "write") and w in active.watch_set)
        return
    for operation, where in accesses:
        if operation == "glob":
            assert isinstance(where, re.Pattern)
            yield from (path for path in active.taint.watch if where.match(path))
        elif operation == "listdir":
            if where in active.watch_dirs:
                yield from (p for p in active.taint.watch if posixpath.dirname(p) == where)
        elif operation != "walk" and where in active.watch_set:
            yield str(where)


def _path_matches(glob: str, arguments: dict[str, Any]) -> bool:
    """Whether a call works on a path under `glob` (for a search: the folder it walks)."""
    where = arguments.get("path")
    if not isinstance(where, str) and isinstance(arguments.get("pattern"), str):
        where = glob_root(arguments["pattern"])
    if not isinstance(where, str):
        return False
    try:
        return translate_glob(posixpath.join("/", glob)).match(EpisodeFs.resolve(where)) is not None
    except (ValueError, OSError):
        return False
