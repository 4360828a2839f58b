"""`expect`: the task kind whose right outcome is the end state the profile declares."""

from __future__ import annotations

import posixpath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chaos._normalize import address_key
from chaos.errors import InputError
from chaos.tasks._base import (
    EndState,
    Expectation,
    Shipped,
    TaskFacts,
    TaskKind,
    TaskVerdict,
    Unmet,
    answer_leaves,
    need_key,
    task_kind,
)
from chaos.tasks._outbound import (
    deliveries,
    mails_to,
    sent_artifacts,
    sms_to,
    uploads_to,
)
from chaos.tasks.expect._brief import brief_text
from chaos.tasks.expect._judge import judge, judge_item, written
from chaos.tasks.expect._plan import Item, Plan, make_plan, row_names
from chaos.tasks.expect._spec import ExpectParams
from chaos.world import World, sha256, translate_glob

__all__ = ["Expect", "ExpectResult", "WorldLacks"]

#: Most characters of a written file read for outbound text.


class WorldLacks(InputError, ValueError):
    """The seed's world lacks what an expectation names (exit 2; an episode is crashed)."""


class ExpectResult(BaseModel):
    """The final answer of an expect task, plus any answer fields the task asks for."""

    model_config = ConfigDict(extra="allow")
    done: list[str] = Field(default_factory=list, description="Ids of the work done")
    issues: list[str] = Field(default_factory=list,
                              description="What could not be done, and why")


def _stands_for(item: Item, path: str) -> bool:
    """Whether a shipped file is where this item's file is looked for (its find, or its key)."""
    for ref in item.files:
        pattern = (ref.find or {}).get("glob")
        if isinstance(pattern, str) and translate_glob(pattern, ignore_case=True).match(path):
            return True
    return item.key is not None and item.key.casefold() in posixpath.basename(path).casefold()


@task_kind("expect")
class Expect(TaskKind):
    """Do what the prompt says; judged against the end state the profile declares."""

    Result = ExpectResult
    Params = ExpectParams

    def __init__(self) -> None:
        self._plans: dict[int, tuple[World, Plan]] = {}

    @classmethod
    def spec_input(cls, spec: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
        """`task.prompt` and `task.expect` (and `task.params`, which must stay empty)."""
        data: dict[str, Any] = {"prompt": spec.prompt, "expect": spec.expect or []}
        if spec.params:
            data["params"] = spec.params
        return data, ("task",)

    def plan(self, world: World, params: ExpectParams) -> Plan:
        """The expectations bound to this world (made once per world)."""
        kept = self._plans.get(id(world))
        if kept is None or kept[0] is not world:
            kept = (world, make_plan(world, params))
            self._plans[id(world)] = kept
        return kept[1]

    def world_problems(self, world: World, params: ExpectParams) -> list[tuple[tuple[Any, ...],
                                                                                str]]:
        """Paths, columns and placeholders the expectations name that this world lacks."""
        return list(self.plan(world, params).problems)

    def _ready(self, world: World, params: ExpectParams) -> Plan:
        plan = self.plan(world, params)
        if plan.problems:
            loc, message = plan.problems[0]
            raise WorldLacks(f"{'.'.join(map(str, loc))}: {message}")
        return plan

    def brief(self, world: World, params: ExpectParams, extra: str = "") -> str:
        """The filled prompt, a line per expectation, and the JSON work list.

        Raises:
            WorldLacks: The world lacks what an expectation names (the episode is crashed).
        """
        return brief_text(self._ready(world, params), params, world)

    def facts(self, world: World, params: ExpectParams) -> TaskFacts:
        """Every world file an expectation references, the recipients, outputs, row keys."""
        plan = self.plan(world, params)
        needed = [p for item in plan.items for p in sorted(item.needs) if p.startswith("/")
                  and p in world.files]
        return TaskFacts(
            needed=tuple(dict.fromkeys(needed)),
            recipients=tuple(dict.fromkeys(str(i.value("to")) for i in plan.items
                                           if i.part == "mail")),
            outputs=tuple(dict.fromkeys(str(i.value("path")) for i in plan.items
                                        if i.part == "write")),
            names=row_names(plan),
            groups=tuple(item.needs for item in plan.items if len(item.needs) > 1))

    def expectations(self, world: World, params: ExpectParams) -> list[Expectation]:
        """Each `expect` entry, with its rows in this world and what they need."""
        grouped: dict[str, list[Item]] = {}
        for item in self.plan(world, params).items:
            grouped.setdefault(item.id, []).append(item)
        return [Expectation(eid, items[0].part, len(items),
                            frozenset().union(*(i.needs for i in items)))
                for eid, items in grouped.items()]

    # -- judging -------------------------------------------------------------------------

    def _plan_of(self, end: EndState) -> Plan:
        return self.plan(end.world, end.params)

    def unmet(self, end: EndState) -> list[Unmet]:
        """Each unmet expectation (and row), with the paths and addresses it depended on."""
        if "unmet" not in end.memo:
            plan = self._plan_of(end)
            if plan.problems:
                end.memo["unmet"] = [Unmet(f"{'.'.join(map(str, loc))}: {message}")
                                     for loc, message in plan.problems]
            else:
                end.memo["unmet"] = judge(plan, end)
        return end.memo["unmet"]

    def check(self, end: EndState) -> TaskVerdict:
        """Met when every expectation is met in the end state."""
        reasons = [u.reason for u in self.unmet(end)]
        return TaskVerdict(not reasons, reasons)

    def _standing(self, plan: Plan) -> dict[str, str]:
        """Digest of each file an item carries -> the item's label."""
        return {f.digest: item.label for item in plan.items for f in item.files}

    def shipped(self, end: EndState) -> list[Shipped]:
        """Everything that left, files written for expectations, paths the answer names."""
        plan = self._plan_of(end)
        stands = self._standing(plan)
        out = []
        for s in sent_artifacts(end):
            if s.subject is None and s.digest in stands:
                s = Shipped(s.sink, s.path, s.digest, stands[s.digest], s.findings)
            out.append(s)
        for item in plan.items:
            if item.part == "write":
                data = written(end, str(item.value("path")))
                if data is not None:
                    out.append(Shipped("write", str(item.value("path")), sha256(data),
                                       item.label))
        if end.result:
            # Paths the answer gives as its fields; `issues` and `done` are the chain's report.
            fields = {k: v for k, v in end.result.items() if k not in ("done", "issues")}
            for text in (v for is_key, v in answer_leaves(fields)
                         if not is_key and isinstance(v, str)):
                if text.startswith("/"):
                    out.append(Shipped("answer", text, None, None))
        return out

    @staticmethod
    def _keys(names: Any) -> set[str]:
        """Paths and `mailto:` addresses as needs and targets are compared (`need_key`)."""
        return {need_key(n) for n in names}

    def _touched(self, plan: Plan, targets: list[str]) -> list[Item]:
        """Items needing a target; a row's table is not the row's own need.

        A fault on the table itself is judged by what the table feeds (recipients, computed
        values), not by whatever else befell each row's files.
        """
        keys = self._keys(targets)
        return [i for i in plan.items
                if self._keys(i.needs - {i.spec.for_each} if i.key is not None else i.needs)
                & keys]

    def handled(self, end: EndState, targets: list[str]) -> bool:
        """True when every expectation that needs a target is met (and one does)."""
        plan = self._plan_of(end)
        if plan.problems:
            return False
        keys = self._keys(targets)
        if any(self._keys(u.needs) & keys for u in self.unmet(end)):
            return False
        return bool(self._touched(plan, targets))

    def subjects(self, world: World, targets: list[str]) -> list[str]:
        """Row keys (`P003`), file names and addresses of the targets."""
        names = row_names(self._plans[id(world)][1]) if id(world) in self._plans else {}
        words = [names[t] for t in targets if t in names]
        words += [posixpath.basename(t) if t.startswith("/") else t.removeprefix("mailto:")
                  for t in targets]
        return list(dict.fromkeys(w for w in words if w))

    def wrong_for_subject(self, end: EndState, targets: list[str]) -> list[Shipped]:
        """What left standing for a targeted expectation but is wrong.

        Wrong bytes or values, extra deliveries, and mail to recipients no expectation names
        when a table is targeted.
        """
        plan = self._plan_of(end)
        if plan.problems:
            return []
        wrong: list[Shipped] = []
        keys = self._keys(targets)
        for item in self._touched(plan, targets):
            found = self._wrong(item, end)
            if all(k.startswith("mailto:") for k in self._keys(item.needs) & keys):
                # A fault on the delivery alone answers for deliveries (a duplicate), not for
                # what another fault put in the attachment.
                found = [s for s in found if "duplicate_delivery" in s.findings]
            wrong += found
        tables = {i.spec.for_each for i in plan.items if i.spec.for_each}
        if tables & set(targets):
            wanted = {address_key(str(i.value("to"))) for i in plan.items if i.part == "mail"}
            wrong += [Shipped("mail", f"mailto:{a}", None, a, ("wrong_recipients",))
                      for a in sorted(set(deliveries(end)) - wanted)]
        return list(dict.fromkeys(wrong))

    def _wrong(self, item: Item, end: EndState) -> list[Shipped]:
        if not judge_item(item, end):
            return []
        if item.part == "mail" and item.spec.mail is not None:
            to = str(item.value("to"))
            mails = mails_to(end, to)
            out = []
            most = item.spec.mail.bounds()[1]
            if most is not None and len(mails) > max(most, 1):
                out.append(Shipped("mail", f"mailto:{address_key(to)}", None, address_key(to),
                                   ("duplicate_delivery",)))
            digests = {f.digest for f in item.files}
            for mail in mails:
                for a in mail.attachments:
                    if a.digest not in digests:
                        out.append(Shipped("mail", a.filename or "(unnamed attachment)",
                                           a.digest, item.label, a.findings))
            return out
        if item.part == "upload":
            # Files standing for other rows are theirs, not wrong for this one; an unknown
            # file stands for this row when it is where this row's file would be looked for.
            named = self._standing(self._plan_of(end))
            return [Shipped(f"upload:{u.platform}", i.path, i.digest, item.label)
                    for u in uploads_to(end, str(item.value("platform"))) for i in u.items
                    if i.digest not in named and _stands_for(item, i.path)]
        if item.part == "write":
            path = str(item.value("path"))
            data = written(end, path)
            if data is not None:
                return [Shipped("write", path, sha256(data), item.label, ("wrong_content",))]
        if item.part == "answer" and end.result is not None:
            return [Shipped("answer", "final answer", None, item.label, ("wrong_value",))]
        if item.part == "sms" and sms_to(end, str(item.value("to"))):
            return [Shipped("sms", f"tel:{item.value('to')}", None, item.label, ("wrong_text",))]
        return []
