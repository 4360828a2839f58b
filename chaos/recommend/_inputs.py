"""What `chaos recommend` reads: a run's summary, a sweep's summary, a gates file.

A gates file is a profile's `gates:` block on its own (`profiles/gates/switch.yaml`). It is
judged on the summary's counts (`chaos.sweep.gates_from_summary`, tested equal to judging the
episodes), so a sweep whose results.json lists only some episodes is still judged on all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chaos.errors import InputError, ProfileError
from chaos.gates import GateResult
from chaos.profile._schema import EPISODE_METRICS, OUTCOME_METRICS, GatesSpec

__all__ = ["check_baseline", "judge_gates", "load_gates_file", "run_summary", "sweep_summary"]

_SEEDS_PER_QUERY = 500


def run_summary(run_dir: Path) -> dict[str, Any]:
    """The summary of a run directory's results.json (gates included).

    Raises:
        InputError: No results.json, or not one chaos reads; the message names the file.
    """
    from chaos.report import load_results

    return load_results(run_dir).summary


def sweep_summary(store: Any, sweep_id: str) -> tuple[dict[str, Any], list[GateResult], str]:
    """A stored sweep's summary, built from every stored episode, and its own gates.

    The gates are those of the sweep's profile files, when they still hold the bytes the
    sweep ran (else none are judged, and the note says so).

    Returns:
        (summary, gates, note).

    Raises:
        InputError: The store holds no such sweep (its latest ids are named).
    """
    from chaos.sweep._summary import SummaryBuilder, gates_from_summary

    if not store.has_sweep(sweep_id):
        ids = [s.id for s in store.sweeps(last=5)]
        known = f"its latest sweeps: {', '.join(ids)}" if ids else "it holds no sweep"
        raise InputError(f"--sweep {sweep_id}: no such sweep in the store {store.url} ({known});"
                         " see `chaos history`")
    seeds: dict[str, set[int]] = {}
    for profile, _model, _arm, seed, _passed in store.task_units(sweep_id):
        seeds.setdefault(profile, set()).add(seed)
    builder = SummaryBuilder()
    for profile in sorted(seeds):
        ordered = sorted(seeds[profile])
        for first in range(0, len(ordered), _SEEDS_PER_QUERY):
            by_seed: dict[int, list[dict[str, Any]]] = {}
            for seed, _model, _arm, text in store.results(
                    sweep_id, profile, ordered[first:first + _SEEDS_PER_QUERY]):
                by_seed.setdefault(seed, []).append(json.loads(text))
            for seed in sorted(by_seed):
                builder.add_seed(profile, by_seed[seed])
    summary = builder.summary()
    loaded, missing = _sweep_profiles(store, sweep_id)
    gates = gates_from_summary(summary, loaded)
    summary["gates"] = [g.to_json() for g in gates]
    note = ""
    if missing:
        note = (f"the gates of {', '.join(missing)} are not judged: the profile file is gone "
                "or changed since the sweep; pass --gates FILE")
    return summary, gates, note


def _sweep_profiles(store: Any, sweep_id: str) -> tuple[list[Any], list[str]]:
    from chaos.profile import load_profile

    loaded, missing = [], []
    for name, (path, sha256) in sorted(store.profiles(sweep_id).items()):
        try:
            profile = load_profile(path)
        except InputError:
            missing.append(name)
            continue
        if profile.sha256 != sha256:
            missing.append(name)
        else:
            loaded.append(profile)
    return loaded, missing


@dataclass(frozen=True)
class _Profile:
    name: str
    gates: GatesSpec


@dataclass(frozen=True)
class _Gated:
    """What `gates_from_summary` reads of a loaded profile: its name and gates."""

    profile: _Profile


def load_gates_file(path: str) -> GatesSpec:
    """Read a gates file: a profile's `gates:` block on its own.

    Raises:
        ProfileError: Unreadable, not YAML, or not a valid gates block; the message names
            file:line:column and the fix.
    """
    from pydantic import ValidationError

    from chaos.profile._documents import parse_document
    from chaos.profile._loader import _construct
    from chaos.profile._locate import schema_errors

    file = Path(path)
    if not file.is_file():
        what = "a folder" if file.is_dir() else "not found"
        raise ProfileError(f"--gates: {what}; name a gates file, such as "
                           "profiles/gates/switch.yaml (a profile's gates: block)", path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"--gates: cannot read it ({exc}); name a UTF-8 YAML file",
                           path) from None
    doc, errors = parse_document(text, path)
    if doc is None or errors:
        problem = errors[0]
        example = ("write gates such as `propagated: {max: 0.05, confidence: strict}` (see "
                   "profiles/gates/switch.yaml)")
        if problem.message.startswith("profile is empty"):
            raise ProfileError(f"the gates file is empty; {example}", path, 1, 1)
        if problem.message.startswith("a profile must be a mapping"):
            raise ProfileError(f"a gates file is a mapping of metric to gate; {example}",
                               problem.path, problem.line, problem.column)
        raise problem
    data = _construct(doc.root)
    if isinstance(data, dict) and "gates" in data and len(data) == 1:
        data, root = data["gates"], doc.root.value[0][1]  # a whole `gates:` block pasted
    else:
        root = doc.root
    try:
        return GatesSpec.model_validate(data)
    except ValidationError as exc:
        # Located as in a profile: the file's nodes hang under a `gates:` key.
        key = yaml.ScalarNode("tag:yaml.org,2002:str", "gates")
        wrapped = yaml.MappingNode("tag:yaml.org,2002:map", [(key, root)])
        found = [{**e, "loc": ("gates", *e["loc"])} for e in exc.errors()]
        raise schema_errors(found, wrapped)[0] from None


def _faultless_gates(gates: GatesSpec, chaos_ran: bool) -> GatesSpec:
    """The gate set for a profile that injects no fault (a clean rubric).

    Its fault-outcome gates are dropped (nothing to count, ever); when no chaos arm ran, its
    episode gates count the clean arm, the only one there is.
    """

    def adapt(own: Any) -> Any:
        update: dict[str, Any] = dict.fromkeys(OUTCOME_METRICS, [])
        if not chaos_ran:
            for metric in EPISODE_METRICS:
                update[metric] = [g.model_copy(update={"arm": "clean"})
                                  for g in getattr(own, metric)]
        return own.model_copy(update=update)

    return adapt(gates).model_copy(update={"per_model": {
        model: adapt(own) for model, own in gates.per_model.items()}})


def judge_gates(summary: dict[str, Any], gates: GatesSpec) -> list[GateResult]:
    """Judge one gate set on every profile of a summary (on its counts).

    A profile where no fault was injected in any episode (a clean rubric) gets the set's
    episode gates only, on the clean arm when no chaos arm ran: a fault-outcome gate there
    would have nothing to count, ever.

    Raises:
        InputError: `per_model` names a model the run did not run.
    """
    from chaos._registry import did_you_mean
    from chaos.sweep._summary import gates_from_summary

    ran = sorted({m for body in summary["profiles"].values() for m in body["models"]})
    for model in sorted(gates.per_model):
        if model not in ran:
            raise InputError(f"--gates: per_model names {model}, which this run did not run"
                             f"{did_you_mean(model, ran)} (models: {', '.join(ran)})")
    sources = []
    for name in sorted(summary["profiles"]):
        models = list(summary["profiles"][name]["models"].values())
        own = gates
        if not any(stats["overall"]["injected"] for stats in models):
            own = _faultless_gates(gates, any(s["chaos"]["episodes"] for s in models))
        sources.append(_Gated(_Profile(name, own)))
    return gates_from_summary(summary, sources)  # type: ignore[arg-type]


def check_baseline(summary: dict[str, Any], baseline: str | None) -> None:
    """`--baseline` must name a model of every profile that ran two models or more.

    Raises:
        InputError: It names none there; the message lists that profile's models.
    """
    if baseline is None:
        return
    for name, body in sorted(summary["profiles"].items()):
        ran = sorted(body["models"])
        if len(ran) >= 2 and baseline not in ran:
            from chaos._registry import did_you_mean

            raise InputError(f"--baseline {baseline}: profile {name} did not run it"
                             f"{did_you_mean(baseline, ran)} (its models: {', '.join(ran)})")
