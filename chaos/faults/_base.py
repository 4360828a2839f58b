"""What a fault is: a registered kind with a params model, resolved targets, and a taint."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from chaos._registry import Registry
from chaos.mail import SmtpRules
from chaos.profile._schema import FaultSpecBase, TargetSpec
from chaos.world import EpisodeFs, World, WorldFile, translate_glob

__all__ = [
    "ChainHooks",
    "DelegationFailed",
    "Fault",
    "FaultContext",
    "NEEDED",
    "FileSelect",
    "NoParams",
    "Taint",
    "fault",
    "fault_kinds",
    "fault_union",
    "select_files",
    "selector_problems",
    "with_copies",
]


#: The target tag that means "the files the task needs" (`TaskFacts.needed`), in any world.
NEEDED = "@needed"


class NoParams(BaseModel):
    """For faults without parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FileSelect(BaseModel):
    """World files a fault draws on besides its targets (a decoy's bytes, a stand-in path).

    Attributes:
        tag: Files carrying this tag (`@needed`: the files the task needs).
        glob: Files whose path matches this glob.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    tag: str | None = Field(None, max_length=200, description="Files carrying this tag")
    glob: str | None = Field(None, max_length=4095, description="Files whose path matches")

    @model_validator(mode="after")
    def _names_something(self) -> FileSelect:
        if self.tag is None and self.glob is None:
            raise ValueError("give a tag or a glob (or both), e.g. {tag: decoy} or "
                             "{glob: '/archive/**/*.pdf'}")
        return self


def select_files(world: World, select: FileSelect | TargetSpec, facts: Any = None
                 ) -> list[WorldFile]:
    """The world's files a selector names, sorted by path (no `pick` is applied)."""
    candidates = [world.files[p] for p in sorted(world.files)]
    if select.tag == NEEDED:
        needed = set(getattr(facts, "needed", ()) or ())
        candidates = [f for f in candidates if f.path in needed]
    elif select.tag is not None:
        candidates = [f for f in candidates if select.tag in f.tags]
    if select.glob is not None:
        regex = translate_glob(select.glob)
        candidates = [f for f in candidates if regex.match(f.path)]
    return candidates


def selector_problems(world: World, params: BaseModel, facts: Any = None
                      ) -> list[tuple[tuple[Any, ...], str]]:
    """A fault's file selectors among its params (a decoy, a source) that name nothing.

    Returns (location under `params`, message) pairs: an unknown tag, or no file at all.
    """
    problems: list[tuple[tuple[Any, ...], str]] = []
    tags = world.tags()
    for name in type(params).model_fields:
        select = getattr(params, name)
        if not isinstance(select, FileSelect):
            continue
        if select.tag not in (None, NEEDED) and select.tag not in tags:
            problems.append(((name, "tag"), unknown_tag(select.tag, tags)))
        elif not select_files(world, select, facts):
            problems.append(((name,), f"params.{name} names no file in the world; check its "
                             "tag and glob"))
    return problems


@dataclass
class Taint:
    """What a fault touched, so the oracle can follow it.

    Attributes:
        targets: World paths the fault acted on (the files the task needed).
        watch: Paths whose touch by a tool fires the fault (created, removed, altered, or the
            target itself when the fault surrounds it).
        paths: Paths that must not leave the organisation (decoys, removed files).
        digests: Content that must not leave the organisation (decoy or altered bytes).
        values: Text the fault introduced (a wrong version, mojibake, a decoy's number) that
            must not leave: looked for in every outbound text and the final answer.
        flagged: Content that may leave only without these findings (e.g. bytes whose name
            disagrees with their format may leave if correctly labelled).
        detail: Human-readable notes for the trace.
        origin: Each file the fault created (a decoy, a near-duplicate, a stale copy) to the
            world file it stands beside: whose tags coverage credits when the chain touches it.
        touch: What counts as the chain meeting the fault: `seen` (a listing or search shows
            a watched path, or its absence), `opened` (a watched path is read or stat-ed: its
            bytes changed, its name did not), or `hit` (the fault itself acted: an error was
            raised, a reply given, a hand-off changed).
    """

    targets: list[str] = field(default_factory=list)
    watch: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    flagged: dict[str, list[str]] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    touch: Literal["seen", "opened", "hit"] = "seen"


class DelegationFailed(Exception):
    """A hand-off to a sub-agent failed; the text is what the caller sees."""


@dataclass
class ChainHooks:
    """Where chain faults act on hand-offs between agents.

    Attributes:
        on_task: `(caller, callee, task) -> task`, before a sub-agent starts; may raise
            DelegationFailed.
        on_answer: `(caller, callee, answer) -> answer`, before the caller gets the answer;
            may raise DelegationFailed.
    """

    on_task: list[Callable[[str, str, str], str]] = field(default_factory=list)
    on_answer: list[Callable[[str, str, str], str]] = field(default_factory=list)
    #: Simulated ms a failing hand-off took (a timeout), for the runner to let pass.
    delay_ms: int = 0


@dataclass
class FaultContext:
    """What a fault may use when it takes effect.

    Attributes:
        world: The generated world (read-only).
        fs: The episode's filesystem, which the fault alters.
        rng: The fault's own seeded RNG.
        targets: The resolved target files.
        smtp: The episode's mail-server rules (for SMTP faults).
        hit: Call with what was hit (a path, `mailto:` address) when the fault acts on the
            chain itself (an SMTP reply, a filesystem rule, a hand-off); it counts as the
            chain's touch.
        chain: Hand-off hooks (for chain faults).
        model: The episode's provider-fault rules (for model faults).
        taken: Files the episode's other faults target: a fault that picks at run time (a
            recipient) spares the parts of the task that depend on them.
        uploads: The episode's publishing-platform rules (`chaos.sinks.UploadRules`, for upload
            faults).
        facts: What the task needs of the world (`chaos.tasks.TaskFacts`): needed paths,
            recipients, outputs, the words for paths.
    """

    world: World
    fs: EpisodeFs
    rng: random.Random
    targets: list[WorldFile]
    smtp: SmtpRules | None = None
    hit: Callable[[str], None] = lambda what: None
    chain: ChainHooks | None = None
    model: Any = None
    facts: Any = None
    uploads: Any = None
    taken: frozenset[str] = frozenset()


class Fault:
    """Base of fault kinds. Subclasses set `kind`, `summary`, `Params` and implement `inject`.

    Attributes:
        kind: Registered name, `family.name`.
        summary: One line for `chaos faults`.
        family: Where it acts: `fs`, `mail`, `smtp`, `model`, `chain`.
        Params: Pydantic model of the fault's parameters.
    """

    kind: ClassVar[str]
    summary: ClassVar[str]
    family: ClassVar[str] = "fs"
    Params: ClassVar[type[BaseModel]] = NoParams
    #: The target used when the profile names none.
    default_target: ClassVar[TargetSpec | None] = TargetSpec(tag=NEEDED)
    #: Notable uses for `chaos faults KIND`: the keys of a `faults:` entry besides id and kind.
    examples: ClassVar[tuple[dict[str, Any], ...]] = ()

    def __init__(self, params: BaseModel) -> None:
        self.params = params

    def resolve(
        self,
        world: World,
        target: TargetSpec,
        rng: random.Random,
        taken: frozenset[str] = frozenset(),
        facts: Any = None,
    ) -> list[WorldFile]:
        """Pick the files this fault acts on: by tag and/or glob, then `pick` of them.

        The tag `@needed` stands for the files the task needs (`facts.needed`). Files in
        `taken` (other faults' targets) are avoided while enough others remain, so that each
        fault's outcome is its own.
        """
        if target is None:
            return []
        candidates = select_files(world, target, facts)
        fresh = [f for f in candidates if f.path not in taken]
        if len(fresh) >= target.pick:
            candidates = fresh
        if len(candidates) <= target.pick:
            return candidates
        return sorted(rng.sample(candidates, target.pick), key=lambda f: f.path)

    def inject(self, ctx: FaultContext) -> Taint:
        """Alter the episode's world and say what was tainted."""
        raise NotImplementedError


def unknown_tag(tag: str, tags: list[str]) -> str:
    """The message for a tag no file of the world carries, with what to write instead."""
    from chaos._registry import did_you_mean

    return (f"unknown tag '{tag}'{did_you_mean(tag, tags)} (tags in this world: "
            f"{', '.join([NEEDED, *tags])}); name one of them, or give a world.files entry "
            "that tag")


def with_copies(ctx: FaultContext) -> list[str]:
    """The targets' paths and every identical copy of them (`x (1).mp4`), sorted.

    A broken export is usually copied broken; a fault that spared the copies would be undone by
    whoever happened to pick a copy.
    """
    return ctx.world.with_copies(ctx.targets)


fault_kinds: Registry[type[Fault]] = Registry("fault kind")


def fault(kind: str) -> Callable[[type[Fault]], type[Fault]]:
    """Register a Fault subclass as `kind`."""

    def decorate(cls: type[Fault]) -> type[Fault]:
        cls.kind = kind
        cls.family = kind.split(".")[0]
        return fault_kinds.register(kind)(cls)

    return decorate


def spec_model(cls: type[Fault]) -> type[FaultSpecBase]:
    """The profile model of one fault kind: the common fields, `kind`, and its params."""
    return create_model(
        f"Fault_{cls.kind.replace('.', '_')}",
        __base__=FaultSpecBase,
        __doc__=cls.summary,
        kind=(Literal[cls.kind], ...),  # type: ignore[valid-type]
        params=(cls.Params, Field(default_factory=cls.Params)),
        target=(TargetSpec | None, cls.default_target),
    )


def fault_union() -> Any:
    """The tagged union of every registered fault kind, discriminated on `kind`."""
    from typing import Annotated, Union

    models = tuple(spec_model(fault_kinds.get(name)) for name in fault_kinds.names())
    return Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007
