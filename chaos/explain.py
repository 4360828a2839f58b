"""The dry-run plan of a profile for one seed: what a run would do, with no model calls.

`explain_profile` builds the seed's world and plans its faults with the same code a run uses
(`build_world`, `plan_faults`), so the targets and trigger draws it shows are exactly the ones
the episode of that seed meets.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chaos.coverage._predict import CoveragePrediction
from chaos.coverage._reach import ordinal, selector_text, trigger_event
from chaos.coverage._structural import never_reasons
from chaos.errors import InputError
from chaos.profile import LoadedProfile, Profile
from chaos.profile._schema import GATE_METRICS, GateSetSpec, OutcomeGateSpec, TaskGateSpec

__all__ = ["AgentPlan", "ExpectationPlan", "FaultPlan", "FileGroup", "ProfileExplanation",
           "WorldSummary", "explain_profile"]

#: Tools that open or find files: an agent without any of them reaches no file.
FILE_TOOLS = frozenset({"list_dir", "find_files", "read_file", "file_info"})
#: Which expectation parts a fault family acts on when it has no file target.
_FAMILY_PARTS = {"smtp": {"mail", "must_not"}, "mail": {"mail", "must_not"},
                 "upload": {"upload", "must_not"}}
#: The parts of an `expect` task; any other part is a task kind judged as a whole.
_PARTS = frozenset({"mail", "upload", "write", "answer", "sms", "must_not"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class FileGroup(_Frozen):
    """Files of one kind (sniffed MIME type) or one tag, counted."""

    name: str
    files: int
    bytes: int


class WorldSummary(_Frozen):
    """The seed's world before any fault.

    Attributes:
        assignment: What this seed's task is about, as the world's generator describes it.
        explicit: The files the profile adds itself.
    """

    generator: str | None
    params: dict[str, Any]
    seed: int
    files: int
    bytes: int
    kinds: list[FileGroup]
    tags: list[FileGroup]
    explicit: list[str]
    assignment: dict[str, str]


class FaultPlan(_Frozen):
    """One fault as the seed's episode will meet it.

    Attributes:
        selector: The target as written (tag, glob, pick), or None for faults on messages,
            calls or hand-offs.
        candidates: Files matching the selector.
        targets: The files it acts on, drawn with the seed.
        copies: Identical copies of the targets, hit too by faults that rewrite or block.
        trigger: The trigger as the profile writes it, with its defaults.
        when: The trigger in words.
        takes_effect: `yes`, `no` (the seeded draw or the window rules it out),
            `if-event` (yes when its event comes), or `never` (the chain as written can
            never meet it: `warnings` say why).
        condition: What must happen before the run makes its draw or the fault takes effect
            (`if its 999th read_file call comes`, `if the episode still runs at 800000 ms`),
            or None (at the start).
        draw: The trigger's seeded draw, compared with `probability`; the run makes it only
            once `condition` is met.
        warnings: Why the fault may never fire.
        threatens: The expectations it can make unmet (by id), and why.
    """

    id: str
    kind: str
    params: dict[str, Any]
    selector: str | None
    candidates: int
    targets: list[str]
    copies: list[str]
    trigger: dict[str, Any]
    when: str
    probability: float
    takes_effect: Literal["yes", "no", "if-event", "never"]
    condition: str | None = None
    draw: float | None
    warnings: list[str]
    threatens: list[str] = []


class ExpectationPlan(_Frozen):
    """One part of the task's right outcome, in this seed's world.

    Attributes:
        id: The expectation's id (`task` for a task kind judged as one).
        part: What it asks for (`mail`, `upload`, `write`, `answer`, `sms`, `must_not`...).
        rows: How many items it stands for (one per table row with `for_each`).
        needs: The world files and recipients it depends on.
        threatened_by: Ids of the faults that can make it unmet.
    """

    id: str
    part: str
    rows: int
    needs: list[str]
    threatened_by: list[str]


class AgentPlan(_Frozen):
    """One agent of the chain.

    Attributes:
        model: Its pinned model, or the model under test.
        pinned: Whether `model` is pinned by the profile.
        reachable: Whether the entry agent can reach it by delegation.
    """

    name: str
    entry: bool
    model: str
    pinned: bool
    tools: list[str]
    delegates_to: list[str]
    reachable: bool


class ProfileExplanation(_Frozen):
    """What a run of one seed of a profile would do (`chaos explain --json`, version 1)."""

    version: Literal[1] = 1
    profile: str
    path: str
    seed: int
    model_under_test: str
    world: WorldSummary
    chain: list[AgentPlan]
    task: dict[str, Any]
    expectations: list[ExpectationPlan] = []
    faults: list[FaultPlan]
    unreachable_files: list[str] = []
    #: What the faults can reach, which cannot fire and why, what no fault can touch.
    coverage: CoveragePrediction | None = None
    models: list[dict[str, Any]]
    limits: dict[str, Any]
    gates: list[str]
    run: dict[str, Any]


def explain_profile(loaded: LoadedProfile, seed: int | None = None,
                    model: str | None = None) -> ProfileExplanation:
    """The plan of `loaded` for `seed` (default: the profile's first seed).

    Args:
        loaded: A validated profile.
        seed: The seed to plan.
        model: The model under test (default: the profile's first model).

    Raises:
        InputError: An unusable `model`.
    """
    from chaos.models import model_problem
    from chaos.runner import build_world
    from chaos.sim import plan_faults
    from chaos.tasks import task_kinds

    profile = loaded.profile
    seed = profile.seed if seed is None else seed
    under_test = model or profile.models[0].id
    if problem := model_problem(under_test):
        raise InputError(f"--model {under_test}: {problem}")
    world = build_world(profile, seed)
    task = task_kinds.get(profile.task.kind)()
    params = task.params_of(profile.task)
    chain = _chain(profile, under_test)
    reachable = {a.name for a in chain if a.reachable}
    facts = task.facts(world, params)
    planned = plan_faults(profile, world, seed, facts=facts)
    unreachable = _unreachable(world, profile, reachable)
    faults = [_fault_plan(active, world, profile, reachable, facts, set(unreachable))
              for active in planned]
    faults = [_with_shared_targets(plan, faults) for plan in faults]
    expectations = task.expectations(world, params)
    faults = [_threatening(plan, expectations) for plan in faults]
    from chaos.coverage._predict import predict_coverage

    coverage = predict_coverage(profile, world, faults,
                                {a.spec.id: never_reasons(a.spec, profile, reachable)
                                 for a in planned}, reachable, unreachable)
    arms = ["clean", "chaos"] if profile.faults else ["clean"]
    return ProfileExplanation(
        profile=profile.name, path=loaded.path, seed=seed, model_under_test=under_test,
        world=_world_summary(profile, world),
        chain=chain,
        task={"kind": profile.task.kind, "params": params.model_dump(mode="json", exclude_none=True,
                                                              by_alias=True),
              "prompt": profile.task.prompt,
              "brief": task.brief(world, params, profile.task.prompt)},
        expectations=[ExpectationPlan(
            id=e.id, part=e.part, rows=e.rows, needs=sorted(e.needs),
            threatened_by=[f.id for f in faults if any(t.split(":")[0] == e.id
                                                       for t in f.threatens)])
            for e in expectations],
        faults=faults,
        unreachable_files=unreachable,
        coverage=coverage,
        models=[{"id": m.id, "provider": m.provider,
                 **m.model_dump(mode="json", exclude_defaults=True, exclude={"provider"})}
                for m in profile.models],
        limits=profile.limits.model_dump(mode="json"),
        gates=_gates(profile),
        run={"episodes": profile.episodes, "seeds": [profile.seed,
                                                     profile.seed + profile.episodes - 1],
             "arms": arms, "models": [m.id for m in profile.models],
             "reproduce": f"chaos run {_quote(loaded.path)} --model {_quote(under_test)} "
                          f"--seed {seed}"})


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _world_summary(profile: Profile, world: Any) -> WorldSummary:
    from chaos.world._assets import sniff_mime

    kinds: Counter[str] = Counter()
    kind_bytes: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    tag_bytes: Counter[str] = Counter()
    for path in sorted(world.files):
        item = world.files[path]
        kind = sniff_mime(item.data) or ("empty" if not item.data else "binary"
                                         if b"\0" in item.data[:8192] else "text, not UTF-8")
        kinds[kind] += 1
        kind_bytes[kind] += len(item.data)
        for tag in item.tags:
            tags[tag] += 1
            tag_bytes[tag] += len(item.data)
    truth = world.truth
    # A generator's truth may describe its assignment in its own words; the core has none.
    describe = getattr(truth, "describe", None)
    assignment = {str(k): str(v) for k, v in describe().items()} if callable(describe) else {}
    return WorldSummary(
        generator=profile.world.generator, params=world.params or profile.world.params,
        seed=world.seed, files=len(world.files),
        bytes=sum(len(f.data) for f in world.files.values()),
        kinds=[FileGroup(name=k, files=kinds[k], bytes=kind_bytes[k]) for k in sorted(kinds)],
        tags=[FileGroup(name=t, files=tags[t], bytes=tag_bytes[t]) for t in sorted(tags)],
        explicit=[f.path for f in profile.world.files], assignment=assignment)


def _chain(profile: Profile, under_test: str) -> list[AgentPlan]:
    from chaos.profile._roles import acting_agents

    agents = profile.chain.agents
    order = acting_agents(profile.chain)
    reachable = set(order)
    order += sorted(n for n in agents if n not in reachable)
    return [AgentPlan(name=n, entry=n == profile.chain.entry,
                      model=agents[n].model or under_test, pinned=agents[n].model is not None,
                      tools=list(agents[n].tools), delegates_to=list(agents[n].delegates_to),
                      reachable=n in reachable) for n in order]


def _when(trigger: Any) -> str:
    nth = ordinal(trigger.nth)
    by = f" by {trigger.agent}" if trigger.agent else ""
    if trigger.when == "start":
        text = "before the chain starts"
    elif trigger.when == "time":
        text = f"at {trigger.at_ms} ms of simulated time"
    elif trigger.when == "tool_call":
        under = f" on a path matching {trigger.path}" if trigger.path else ""
        text = f"just before the {nth} {trigger.tool or 'tool'} call{by}{under}"
    elif trigger.when == "model_call":
        text = f"just before the {nth} model call{by}"
    else:
        to = f" to {trigger.to}" if trigger.to else ""
        text = f"just before the {nth} hand-off{by and ' from ' + trigger.agent}{to}"
    if trigger.window is not None:
        text += f", counting only [{trigger.window[0]}, {trigger.window[1]}) ms"
    return text


def _fault_plan(active: Any, world: Any, profile: Profile, reachable: set[str],
                facts: Any = None, unreachable: set[str] | None = None) -> FaultPlan:
    spec, trigger = active.spec, active.spec.trigger
    target = spec.target if active.impl.default_target is not None else None
    candidates = 0
    selector = None
    if target is not None:
        selector = selector_text(target)
        candidates = len(active.impl.resolve(world, target.model_copy(update={"pick": 10**9}),
                                             active.rng, facts=facts))
    targets = [f.path for f in active.targets]
    copies = [p for p in world.with_copies(active.targets) if p not in targets]
    # The trigger's RNG makes exactly one draw in an episode, so its first draw is the one.
    in_window = trigger.window is None or (
        trigger.window[0] <= (trigger.at_ms or 0) < trigger.window[1])
    draw = active.trigger.rng.random() if trigger.when not in ("start", "time") or in_window \
        else None
    takes = "no" if draw is None or draw >= trigger.probability else (
        "yes" if trigger.when in ("start", "time") else "if-event")
    warnings = _never(spec, profile, reachable)
    if target is not None and not targets:
        warnings.append(f"nothing in this world matches its target ({selector})")
    elif targets and set(targets) <= (unreachable or set()):
        warnings.append("no agent the chain reaches can open its target")
    if warnings:
        # One verdict: the chain or this seed's world rules it out, whatever the draw.
        takes = "never"
    event = trigger_event(trigger)
    condition = f"if its {ordinal(trigger.nth)} {event} comes" if event is not None else (
        f"if the episode still runs at {trigger.at_ms} ms" if trigger.when == "time" else None)
    if target is not None and 0 < len(targets) < target.pick:
        warnings.append(f"pick: {target.pick}, but only {len(targets)} file(s) match")
    return FaultPlan(id=spec.id, kind=spec.kind, params=spec.params.model_dump(mode="json"),
                     selector=selector, candidates=candidates, targets=targets, copies=copies,
                     trigger=trigger.model_dump(mode="json"), when=_when(trigger),
                     probability=trigger.probability, takes_effect=takes, condition=condition,
                     draw=None if draw is None else round(draw, 6), warnings=warnings)


def _threatening(plan: FaultPlan, expectations: list[Any]) -> FaultPlan:
    """Which expectations the fault can make unmet: `id: why`, or a warning when none."""
    if plan.takes_effect == "never":
        return plan  # a fault that can never fire threatens nothing; its warnings say why
    family = plan.kind.split(".")[0]
    hit = set(plan.targets) | set(plan.copies)
    out = []
    for e in expectations:
        whole = e.part not in _PARTS  # a task kind judged as one: anything may reach it
        if family in ("chain", "model"):
            out.append(f"{e.id}: any hand-off or model call may carry it")
        elif hit & e.needs:
            out.append(f"{e.id}: needs {sorted(hit & e.needs)[0]}")
        elif plan.kind == "fs.disk_full" and (whole or e.part in ("write", "must_not")):
            out.append(f"{e.id}: it writes files")
        elif family in _FAMILY_PARTS and (whole or e.part in _FAMILY_PARTS[family]):
            out.append(f"{e.id}: it goes out by {family}")
    warnings = list(plan.warnings)
    if not out and expectations and plan.kind != "fs.disk_full":
        warnings.append("touches no expectation: no part of the right outcome depends on what "
                        "it hits")
    return plan.model_copy(update={"threatens": out, "warnings": warnings})


def _unreachable(world: Any, profile: Profile, reachable: set[str]) -> list[str]:
    """World files no agent the chain reaches can open: no file tool, or unreadable."""
    agents = profile.chain.agents
    if not any(FILE_TOOLS & set(agents[a].tools) for a in reachable):
        return sorted(world.files)
    return sorted(p for p, f in world.files.items() if not getattr(f, "mode", 0o644) & 0o444)


def _with_shared_targets(plan: FaultPlan, plans: list[FaultPlan]) -> FaultPlan:
    """Faults avoid each other's targets while candidates last; say when they ran out."""
    if plan.takes_effect == "never":
        return plan
    mine = set(plan.targets)
    # A fault that can never fire mixes no outcome with anyone's.
    shared = [other.id for other in plans if other.id != plan.id and
              other.takes_effect != "never" and mine & set(other.targets)]
    if not shared:
        return plan
    return plan.model_copy(update={"warnings": [*plan.warnings, (
        f"shares a target with {', '.join(shared)} (too few candidates for each fault to "
        "have its own): their outcomes mix")]})


def _never(spec: Any, profile: Profile, reachable: set[str]) -> list[str]:
    """Reasons the chain can never meet this fault, read from the chain alone."""
    return [why for _, why in never_reasons(spec, profile, reachable)]


def _gates(profile: Profile) -> list[str]:
    sets: list[tuple[str, GateSetSpec]] = [("", profile.gates)]
    sets += [(f" for {m}", s) for m, s in sorted(profile.gates.per_model.items())]
    out = []
    for suffix, gate_set in sets:
        for metric in GATE_METRICS:
            for gate in getattr(gate_set, metric):
                bound = f"<= {gate.max}" if gate.max is not None else f">= {gate.min}"
                scope = ""
                if isinstance(gate, OutcomeGateSpec) and gate.fault:
                    scope = f" of {gate.fault}"
                elif isinstance(gate, TaskGateSpec):
                    scope = f" ({gate.arm} arm)"
                out.append(f"{metric}{scope} {bound} ({gate.confidence}){suffix}")
    return out
