"""Task kinds: the prompt an entry agent gets, the schema of its answer, and the checks."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from chaos._normalize import address_key
from chaos._registry import Registry
from chaos.sinks import EpisodeSinks
from chaos.world import EpisodeFs, World

__all__ = ["EndState", "Expectation", "NoTaskParams", "Shipped", "TaskFacts", "TaskKind",
           "TaskVerdict", "Unmet", "task_kind", "task_kinds"]

#: Most bytes of a written output searched for taint values.
_OUTPUT_TEXT_CAP = 1024 * 1024


def answer_leaves(value: Any) -> list[tuple[bool, Any]]:
    """An answer's keys `(True, key)` and scalar values `(False, value)`, in document order.

    Walked with a stack, not recursion: a model may answer with deeply nested JSON.
    """
    leaves: list[tuple[bool, Any]] = []
    stack: list[tuple[bool, Any]] = [(False, value)]
    while stack:
        is_key, item = stack.pop()
        if is_key:
            leaves.append((True, item))
        elif isinstance(item, dict):
            for key, inner in reversed(item.items()):
                stack += [(False, inner), (True, str(key))]
        elif isinstance(item, list | tuple):
            stack += [(False, inner) for inner in reversed(item)]
        else:
            leaves.append((False, item))
    return leaves


def _answer_text(value: Any) -> list[str]:
    """An answer's keys, strings and numbers, one a line (as written, not JSON-escaped)."""
    return [item if isinstance(item, str) else json.dumps(item)
            for _, item in answer_leaves(value)
            if item is not None and not isinstance(item, bool)]


def need_key(item: str) -> str:
    """A path or `mailto:` address as needs, targets and taints are compared."""
    if item.startswith("mailto:"):
        try:
            return "mailto:" + address_key(item.removeprefix("mailto:"))
        except ValueError:
            return item.casefold()
    return posixpath.normpath(item) if item.startswith("/") else item


class NoTaskParams(BaseModel):
    """For task kinds without parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class TaskVerdict:
    """Whether the episode's task was done right, and why not."""

    passed: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TaskFacts:
    """What faults and reports may know about a task in a world, in no field's words.

    Attributes:
        needed: World paths the right outcome depends on (the default targets of file faults).
        recipients: Addresses that must receive mail.
        outputs: Paths the chain must write.
        names: Path -> the word a report uses for it (an id, a file name), for detection.
        groups: What each part of the outcome needs together (a table row's files and its
            `mailto:` recipient): faults aimed at one part avoid the parts other faults hit.
    """

    needed: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict)
    groups: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class Expectation:
    """One part of a task's right outcome, as `chaos explain` shows it.

    Attributes:
        id: Its id (an `expect` entry's id; `task` for a task kind judged as one).
        part: What it asks for: `mail`, `upload`, `write`, `answer`, `sms`, `must_not`, or
            the task kind's name.
        rows: How many items it stands for in this world (one per table row with `for_each`).
        needs: World paths and `mailto:` addresses it depends on.
    """

    id: str
    part: str
    rows: int
    needs: frozenset[str]


@dataclass(frozen=True)
class Unmet:
    """One part of the task's right outcome the end state lacks.

    Attributes:
        reason: Evidence in words, naming the expectation and the sink.
        needs: World paths and `mailto:` addresses that part depended on; a fault whose taint
            touches one of them can excuse it. Empty: any detected fault may.
    """

    reason: str
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Shipped:
    """One artifact that left the organisation, as the oracle found it in the end state.

    Attributes:
        sink: Where it went: `manifest`, `upload:<platform>`, `mail`, `sms`.
        path: The path or name it carries (`mailto:` for a delivery itself).
        digest: SHA-256 of its bytes as they left, or None if there were none.
        subject: What it stands for in the task (an id, a file's role, an address).
        findings: Problems seen on arrival (`mime_mismatch`, `corrupt_payload`...).
    """

    sink: str
    path: str
    digest: str | None
    subject: str | None = None
    findings: tuple[str, ...] = ()


@dataclass
class EndState:
    """What the oracle judges: the episode's end state, never what agents said they did.

    Attributes:
        result: The entry agent's final answer (validated), or None.
        fs: The episode's filesystem at the end.
        world: The generated world and its ground truth.
        sinks: What left: uploads, SMS, and the mailbox as received.
        params: The task's parameters.
        trace: The episode's trace events, in order: what the agents really did (the files
            they read, the work they handed on and the answers that came back).
    """

    result: dict[str, Any] | None
    fs: EpisodeFs
    world: World
    sinks: EpisodeSinks
    params: Any
    trace: list[Any] = field(default_factory=list)
    #: What task kinds computed once per end state (the end state does not change).
    memo: dict[str, Any] = field(default_factory=dict)


class TaskKind:
    """Base of task kinds; subclasses are registered with `@task_kind`."""

    name: ClassVar[str]
    Result: ClassVar[type[BaseModel]]
    Params: ClassVar[type[BaseModel]] = NoTaskParams

    @classmethod
    def spec_input(cls, spec: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
        """What of the profile's `task` its Params model reads, and where that sits.

        Args:
            spec: The profile's `task` (a TaskSpec).

        Returns:
            (the mapping to validate, its location in the profile): `task.params` by default.
        """
        return dict(spec.params), ("task", "params")

    @classmethod
    def params_of(cls, spec: Any) -> Any:
        """The task's validated parameters, from the profile's `task`."""
        return cls.Params.model_validate(cls.spec_input(spec)[0])

    def world_problems(self, world: World, params: Any) -> list[tuple[tuple[Any, ...], str]]:
        """What the task names that this seed's world lacks, as (profile location, message)."""
        return []

    def brief(self, world: World, params: Any, extra: str = "") -> str:
        """The task text the entry agent receives."""
        raise NotImplementedError

    def facts(self, world: World, params: Any) -> TaskFacts:
        """What this task needs of the world (paths, recipients, outputs); none by default."""
        return TaskFacts()

    def expectations(self, world: World, params: Any) -> list[Expectation]:
        """The parts of the right outcome; by default the whole task, needing its facts."""
        facts = self.facts(world, params)
        needs = {*facts.needed, *facts.outputs, *(f"mailto:{r}" for r in facts.recipients)}
        return [Expectation("task", self.name, 1, frozenset(needs))]

    def shipped(self, end: EndState) -> list[Shipped]:
        """Every artifact that left the organisation."""
        raise NotImplementedError

    def check(self, end: EndState) -> TaskVerdict:
        """Judge the episode's task from the end state."""
        raise NotImplementedError

    def outbound_text(self, end: EndState) -> list[tuple[str, str]]:
        """Every text that left, as (where it went, text): the oracle looks for taint values.

        By default each received mail's subject and body, each SMS, each upload's title, the
        text of each file the task's facts name as an output (as the episode left it), and
        the final answer (its keys, strings and numbers, without its `issues`: there the
        chain reports what it found wrong, which is no shipping of it). A task kind whose
        outcome holds other text overrides this, keeping the signature.
        """
        texts: list[tuple[str, str]] = []
        for mail in end.sinks.mail:
            to = ", ".join(mail.envelope_to)
            texts += [(f"mail to {to}: subject", mail.subject), (f"mail to {to}: body", mail.text)]
        texts += [(f"sms to {sms.to}: text", sms.text) for sms in end.sinks.sms]
        texts += [(f"upload:{upload.platform}: title", upload.title)
                  for upload in end.sinks.uploads]
        for path in self.facts(end.world, end.params).outputs:
            data = end.fs.file_bytes(path)
            if data is not None:  # never written, or a folder: nothing left there
                texts.append((f"file {path}", data[:_OUTPUT_TEXT_CAP].decode("utf-8", "replace")))
        if end.result is not None:
            answer = {k: v for k, v in end.result.items() if k != "issues"}
            texts.append(("final answer", "\n".join(_answer_text(answer))))
        return texts

    def unmet(self, end: EndState) -> list[Unmet]:
        """What of the right outcome is missing; by default the check's reasons, needing any."""
        return [Unmet(reason) for reason in self.check(end).reasons]

    def handled(self, end: EndState, targets: list[str]) -> bool:
        """Whether the part of the task that needs `targets` was done right."""
        raise NotImplementedError

    def subjects(self, world: World, targets: list[str]) -> list[str]:
        """Words that name these targets in a report (ids, file names, addresses)."""
        raise NotImplementedError

    def wrong_for_subject(self, end: EndState, targets: list[str]) -> list[Shipped]:
        """Shipped artifacts that stand for the targets but are wrong."""
        raise NotImplementedError


task_kinds: Registry[type[TaskKind]] = Registry("task kind")


def task_kind(name: str) -> Callable[[type[TaskKind]], type[TaskKind]]:
    """Register a TaskKind subclass as `name`."""

    def decorate(cls: type[TaskKind]) -> type[TaskKind]:
        cls.name = name
        return task_kinds.register(name)(cls)

    return decorate
