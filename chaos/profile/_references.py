"""Checks across a valid profile's parts: names that must exist somewhere else."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from chaos._registry import did_you_mean
from chaos.profile._chain_shape import chain_problems
from chaos.profile._locate import plain_message, where_text
from chaos.profile._schema import GateSetSpec, OutcomeGateSpec, Profile

__all__ = ["check_references"]

Problem = tuple[tuple[Any, ...], str]


def _params_problems(model: type[BaseModel], params: dict[str, Any],
                     where: tuple[str, ...]) -> list[Problem]:
    """Validation problems of a params mapping against its model, located under `where`."""
    try:
        model.model_validate(params)
    except ValidationError as exc:
        problems: list[Problem] = []
        for err in exc.errors():
            loc = (*where, *err["loc"])
            if err["type"] == "extra_forbidden":
                inner = _model_at(model, err["loc"][:-1])
                valid = sorted(f.alias or n for n, f in inner.model_fields.items())
                name = str(err["loc"][-1])
                place = where_text((*where, *err["loc"][:-1]))
                problems.append((loc, f"unknown key '{name}' in {place}"
                                 f"{did_you_mean(name, valid)} (valid: {', '.join(valid)})"))
            else:
                where, message, _key = plain_message(err, loc)
                problems.append((where, message))
        return problems
    return []


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model that validates the mapping at `loc` under `model` (lists, dicts, optionals)."""
    import typing

    for key in loc:
        if isinstance(key, int):
            continue
        field = next((f for n, f in model.model_fields.items() if key in (n, f.alias)), None)
        if field is None:
            return model
        annotation: Any = field.annotation
        while not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if not args:
                return model
            annotation = args[-1]
        model = annotation
    return model


class _SeedWorld:
    """The world of the profile's first seed, built once for every check that reads it.

    A declared world at the limits takes seconds to build; each check used to build its own.
    """

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._built: Any = None

    def get(self) -> Any:
        """The world; raises what building it raised (every time it is asked)."""
        from chaos.runner import build_world

        if self._built is None:
            try:
                self._built = build_world(self._profile, self._profile.seed)
            except Exception as exc:  # noqa: BLE001 - kept, and raised to each caller
                self._built = exc
        if isinstance(self._built, Exception):
            raise self._built
        return self._built


def _world_problems(profile: Profile, seed_world: _SeedWorld) -> list[Problem]:
    """Explicit files that collide with the world; fault targets that name nothing in it."""
    from chaos.faults import NEEDED, fault_kinds, selector_problems
    from chaos.faults._base import unknown_tag
    from chaos.world import DeclaredFileError

    problems: list[Problem] = []
    try:
        world = seed_world.get()
    except DeclaredFileError as exc:
        return [(exc.loc, str(exc))]
    except (OSError, ValueError) as exc:
        return [(("world",), f"the world cannot be built for seed {profile.seed}: {exc}")]
    # A declared file where the world has a folder was refused while building (its entry).
    tags = world.tags()
    facts = _facts(profile, world) if profile.faults else None
    for i, spec in enumerate(profile.faults):
        problems += [(("faults", i, "params", *where), message) for where, message
                     in selector_problems(world, spec.params, facts)]
        target = spec.target
        if target is None or fault_kinds.get(spec.kind).default_target is None:
            continue
        if target.tag not in (None, NEEDED) and target.tag not in tags:
            problems.append((("faults", i, "target", "tag"), unknown_tag(target.tag, tags)))
        elif target.tag == NEEDED and facts is None:
            continue  # the task's own params are broken: its check says so, not every fault
        elif not fault_kinds.get(spec.kind)(spec.params).resolve(world, target, _NoRandom(),
                                                                 facts=facts):
            hint = ("check its tag and glob" if target.tag != NEEDED else
                    f"its target is the task's needed files (tag {NEEDED}) and the task "
                    "needs none there; give it a target: {tag: ...} or {glob: ...}")
            problems.append((("faults", i, "target"), f"fault '{spec.id}' targets no file in "
                             f"the world of seed {profile.seed}; {hint}"))
    return problems


def _truth_problems(profile: Profile, seed_world: _SeedWorld) -> list[Problem]:
    """A task kind that reads a generator's ground truth, in a world of declared files only."""
    from chaos.tasks import task_kinds

    task = task_kinds.get(profile.task.kind)()
    try:
        task.brief(seed_world.get(),
                   task.params_of(profile.task), profile.task.prompt)
    except (AttributeError, TypeError, KeyError, ValueError):
        return [(("task", "kind"), f"task kind '{profile.task.kind}' needs a world generator's "
                 "ground truth and world.generator is not set; add world.generator (e.g. "
                 "sports_media) or use a task kind that reads the profile's own files")]
    return []


def _facts(profile: Profile, world: Any) -> Any:
    """The task's facts in `world`, or none when the task cannot say (its own checks tell)."""
    from chaos.sim import task_facts

    try:
        return task_facts(profile, world)
    except Exception:  # noqa: BLE001 - a task's broken params are reported by its own check
        return None


def _gate_problems(profile: Profile) -> list[Problem]:
    """Gates naming a model the profile does not run or a fault kind it does not inject."""
    problems: list[Problem] = []
    model_ids = [m.id for m in profile.models]
    kinds = sorted({spec.kind for spec in profile.faults})
    sets: list[tuple[tuple[Any, ...], GateSetSpec]] = [(("gates",), profile.gates)]
    for model, gate_set in profile.gates.per_model.items():
        if model not in model_ids:
            problems.append((("gates", "per_model", model), f"gates for model '{model}', which "
                             f"is not in this profile's models{did_you_mean(model, model_ids)} "
                             f"(models: {', '.join(model_ids)})"))
        sets.append((("gates", "per_model", model), gate_set))
    for where, gate_set in sets:
        for metric, i, gate in gate_set.metric_gates():
            if not isinstance(gate, OutcomeGateSpec):
                continue
            if not kinds:
                problems.append(((*where, metric, i), f"gate on '{metric}', but this profile "
                                 "injects no faults; gate on task_success instead"))
            elif gate.fault is not None and gate.fault not in kinds:
                problems.append(((*where, metric, i, "fault"), f"gate on fault kind "
                                 f"'{gate.fault}', which no fault of this profile has"
                                 f"{did_you_mean(gate.fault, kinds)} (kinds in this profile: "
                                 f"{', '.join(kinds)})"))
    return problems


def _scripted_problems(profile: Profile) -> list[Problem]:
    """Scripted models given a task kind their policy does not do.

    Refused on load, instead of episodes that all fail at run time.
    """
    from chaos.models.scripted import policies

    kind = profile.task.kind
    used = [(("models", i), m.id) for i, m in enumerate(profile.models)]
    used += [(("chain", "agents", name, "model"), agent.model)
             for name, agent in profile.chain.agents.items() if agent.model is not None]
    problems: list[Problem] = []
    for where, model_id in used:
        provider, _, name = model_id.partition("/")
        if provider != "scripted" or name not in policies:
            continue
        # Policies from plugins may not say what they do: only a declared list is checked.
        serves = getattr(policies.get(name), "task_kinds", None)
        if serves is not None and kind not in serves:
            problems.append((where, f"{model_id} cannot do task kind '{kind}' (it does: "
                             f"{', '.join(serves)}); use a model that can: a real model, or "
                             "a scripted policy of your own that reads this task's brief"))
    return problems


def _task_world_problems(profile: Profile, seed_world: _SeedWorld) -> list[Problem]:
    """What the task names that the world of the profile's first seed lacks."""
    from chaos.tasks import TaskKind, task_kinds

    kind = task_kinds.get(profile.task.kind)
    if kind.world_problems is TaskKind.world_problems:
        return []  # nothing to check
    try:
        world = seed_world.get()
    except Exception:  # noqa: BLE001  (the world's own checks report why)
        return []
    return kind().world_problems(world, kind.params_of(profile.task))


class _NoRandom:
    """Resolution with `pick` needs a sample only when there is more than enough to pick from."""

    def sample(self, population: list[Any], k: int) -> list[Any]:
        return list(population)[:k]


def check_references(profile: Profile) -> list[Problem]:
    """Every broken cross-reference, as (location, message) pairs, in profile order."""
    from chaos.models import model_problem, slug_clash
    from chaos.tasks import task_kinds
    from chaos.tools import tools
    from chaos.world import world_generators

    problems: list[Problem] = []
    seed_world = _SeedWorld(profile)
    if profile.world.generator is None:
        problems += _world_problems(profile, seed_world)
    elif profile.world.generator not in world_generators:
        problems.append(
            (("world", "generator"), world_generators.unknown_message(profile.world.generator))
        )
    else:
        entry = world_generators.get(profile.world.generator)
        world_problems = _params_problems(entry.params, profile.world.params, ("world", "params"))
        problems += world_problems
        if not world_problems:
            problems += _world_problems(profile, seed_world)
    agents = profile.chain.agents
    names = sorted(agents)
    if profile.chain.entry not in agents:
        problems.append(
            (
                ("chain", "entry"),
                f"entry agent '{profile.chain.entry}' is not in "
                f"chain.agents{did_you_mean(profile.chain.entry, names)} "
                f"(agents: {', '.join(names)}); name one of them",
            )
        )
    for name, agent in agents.items():
        for i, tool_name in enumerate(agent.tools):
            if tool_name not in tools and tool_name not in profile.tools:
                problems.append(
                    (("chain", "agents", name, "tools", i), tools.unknown_message(tool_name))
                )
        for i, other in enumerate(agent.delegates_to):
            if other not in agents:
                problems.append(
                    (
                        ("chain", "agents", name, "delegates_to", i),
                        f"agent '{name}' delegates to unknown agent '{other}'"
                        f"{did_you_mean(other, names)} (agents: {', '.join(names)}); name one "
                        "of them or add it under chain.agents",
                    )
                )
        if agent.delegates_to and "delegate" not in agent.tools:
            problems.append(
                (
                    ("chain", "agents", name, "delegates_to"),
                    f"agent '{name}' has delegates_to but not the 'delegate' tool; "
                    "add 'delegate' to its tools",
                )
            )
        if "finish" not in agent.tools:
            problems.append(
                (
                    ("chain", "agents", name, "tools"),
                    f"agent '{name}' cannot finish; add 'finish' to its tools",
                )
            )
        if agent.model is not None and (problem := model_problem(agent.model)):
            problems.append((("chain", "agents", name, "model"), problem))
    for i, model in enumerate(profile.models):
        if problem := model_problem(model.id):
            problems.append((("models", i), problem))
        elif model.id in [m.id for m in profile.models[:i]]:
            problems.append((("models", i), f"model '{model.id}' is listed twice; each model "
                             "runs once, so remove this entry"))
        elif problem := slug_clash(model.id, [m.id for m in profile.models[:i]]):
            problems.append((("models", i), problem))
    if profile.task.kind not in task_kinds:
        problems.append((("task", "kind"), task_kinds.unknown_message(profile.task.kind)))
    else:
        kind = task_kinds.get(profile.task.kind)
        task_problems = _params_problems(kind.Params, *kind.spec_input(profile.task))
        problems += task_problems or _task_world_problems(profile, seed_world)
        problems += _scripted_problems(profile)
        # A world that failed its schema is salvaged as the empty default: nothing to say.
        if profile.world.generator is None and profile.world.files and not any(
                p[0][:1] == ("world",) for p in problems):
            problems += _truth_problems(profile, seed_world)
    seen: set[str] = set()
    for i, spec in enumerate(profile.faults):
        if spec.id in seen:
            problems.append(
                (
                    ("faults", i, "id"),
                    f"fault id '{spec.id}' is used twice; give each fault its own id",
                )
            )
        seen.add(spec.id)
        trigger = spec.trigger
        if trigger.tool is not None and trigger.tool not in tools \
                and trigger.tool not in profile.tools:
            problems.append((("faults", i, "trigger", "tool"), tools.unknown_message(trigger.tool)))
        named = [(("trigger", "agent"), trigger.agent), (("trigger", "to"), trigger.to),
                 (("params", "agent"), getattr(spec.params, "agent", None))]
        for where, agent in named:
            if agent is not None and agent not in agents:
                problems.append((("faults", i, *where), f"unknown agent '{agent}'"
                                 f"{did_you_mean(agent, names)} (agents: {', '.join(names)}); "
                                 "name one of them"))
    from chaos.tools._user import user_tool_problems

    problems += user_tool_problems(profile)
    if not any(loc[:2] == ("chain", "entry") or loc[-2:-1] == ("delegates_to",)
               for loc, _ in problems):
        problems += chain_problems(profile)
    problems += _gate_problems(profile)
    return problems
