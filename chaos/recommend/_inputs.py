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
from chaos.recommend._text import safe_text

__all__ = ["check_baseline", "judge_gates", "load_gates_file", "profile_faults", "run_profiles",
           "run_summary", "sweep_summary"]

_SEEDS_PER_QUERY = 500


def run_summary(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A run directory's summary (gates included), checked, and its unchanged profiles.

    The profiles are those whose files still hold the bytes the run read (`run_profiles`).

    Raises:
        InputError: No results.json, not one chaos reads, or a summary field recommend reads
            is missing, mistyped or not finite; the message names the file, the JSON path and
            the fix.
    """
    from chaos.recommend._checked import check_summary
    from chaos.report import load_results

    results = load_results(run_dir)
    check_summary(results.summary, str(run_dir / "results.json"))
    return results.summary, run_profiles(run_dir, results.profiles)


def sweep_summary(store: Any, sweep_id: str) -> tuple[dict[str, Any], list[GateResult], str,
                                                     dict[str, Any]]:
    """A stored sweep's summary, built from every stored episode, and its own gates.

    The gates are those of the sweep's profile files, when they still hold the bytes the
    sweep ran (else none are judged, and the note says so).

    Returns:
        (summary, gates, note, the profiles still as they ran by name).

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
    from chaos.recommend._checked import check_summary

    check_summary(summary, f"--sweep {sweep_id}")
    loaded, missing = _sweep_profiles(store, sweep_id)
    gates = gates_from_summary(summary, loaded)
    summary["gates"] = [g.to_json() for g in gates]
    note = ""
    if missing:
        note = (f"the gates of {', '.join(missing)} are not judged: the profile file is gone "
                "or changed since the sweep; pass --gates FILE")
    return summary, gates, note, {p.profile.name: p for p in loaded}


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


def _only_gates(gates: GatesSpec, keep: Any) -> GatesSpec:
    """The gate set with only the outcome gates `keep(gate)` accepts (every set, per model)."""

    def adapt(own: Any) -> Any:
        return own.model_copy(update={metric: [g for g in getattr(own, metric) if keep(g)]
                                      for metric in OUTCOME_METRICS})

    return adapt(gates).model_copy(update={"per_model": {
        model: adapt(own) for model, own in gates.per_model.items()}})


def _clean_arm_gates(gates: GatesSpec) -> GatesSpec:
    """The gate set with its episode gates counting the clean arm (no chaos arm ran)."""

    def adapt(own: Any) -> Any:
        return own.model_copy(update={metric: [g.model_copy(update={"arm": "clean"})
                                               for g in getattr(own, metric)]
                                      for metric in EPISODE_METRICS})

    return adapt(gates).model_copy(update={"per_model": {
        model: adapt(own) for model, own in gates.per_model.items()}})


def _outcome_gates(gates: GatesSpec) -> list[tuple[str, str | None]]:
    """(metric, fault kind) of every outcome gate of the set, per-model sets included."""
    sets = [gates, *gates.per_model.values()]
    return [(metric, g.fault) for own in sets for metric in OUTCOME_METRICS
            for g in getattr(own, metric)]


def profile_faults(summary: dict[str, Any], loaded: dict[str, Any]) -> dict[str, set[str] | None]:
    """Per profile of the summary, the fault kinds it injects; None when that cannot be told.

    A profile whose file is loaded (unchanged since the run) tells its kinds; otherwise the
    summary tells the kinds that were injected, when any was (a profile whose faults never
    fired, or whose chaos arm did not run, cannot be told from a clean rubric).

    Args:
        summary: The run's summary.
        loaded: Profile name -> its `LoadedProfile`, for the files still as they ran.
    """
    out: dict[str, set[str] | None] = {}
    for name, body in summary["profiles"].items():
        if name in loaded:
            out[name] = {spec.kind for spec in loaded[name].profile.faults}
            continue
        injected = {kind for stats in body["models"].values()
                    for kind, fault in (stats.get("faults") or {}).items()
                    if isinstance(fault, dict) and fault.get("injected")}
        out[name] = injected or None
    return out


def run_profiles(run_dir: Path, refs: list[Any]) -> dict[str, Any]:
    """The profiles of a run whose files still hold the bytes the run read, by name.

    A relative path is tried from the working directory, then from the run directory.
    """
    from chaos.profile import load_profile

    loaded: dict[str, Any] = {}
    for ref in refs:
        for path in (Path(ref.path), run_dir / ref.path):
            try:
                profile = load_profile(path)
            except (InputError, OSError):
                continue
            if profile.sha256 == ref.sha256:
                loaded[ref.name] = profile
                break
    return loaded


def judge_gates(summary: dict[str, Any], gates: GatesSpec,
                loaded: dict[str, Any] | None = None) -> tuple[list[GateResult], list[str]]:
    """Judge one gate set on every profile of a summary (on its counts).

    Per profile, by what it injects (`profile_faults`):

    - no fault at all (a clean rubric): the set's fault-outcome gates are not applied
      (nothing to count, ever), and its episode gates count the clean arm when no chaos arm
      ran; a note says so;
    - faults: every gate is judged; a fault-outcome gate whose arm did not run is left with no
      data (undecided, never dropped); a gate on a kind this profile does not inject is not
      applied there, with a note;
    - cannot be told (its file gone or changed, nothing injected): every gate is kept, and a
      note says why they may have no data.

    Args:
        summary: The run's summary.
        gates: The gate set (a gates file).
        loaded: The run's profiles still as they ran, by name (`run_profiles`).

    Returns:
        (the judged gates, notes for the reader).

    Raises:
        InputError: `per_model` names a model the run did not run, or a gate names a fault
            kind no profile of the run injects (with a did-you-mean).
    """
    from chaos._registry import did_you_mean
    from chaos.sweep._summary import gates_from_summary

    ran = sorted({m for body in summary["profiles"].values() for m in body["models"]})
    for model in sorted(gates.per_model):
        if model not in ran:
            raise InputError(safe_text(f"--gates: per_model names {model}, which this run did "
                                       f"not run{did_you_mean(model, ran)} (models: "
                                       f"{', '.join(ran)})"))
    from chaos.faults import fault_kinds

    kinds = profile_faults(summary, loaded or {})
    known = sorted(set().union(*(k for k in kinds.values() if k)))
    every_file = all(name in (loaded or {}) for name in kinds)
    for metric, fault in _outcome_gates(gates):
        # A kind chaos does not know is a typo; a real kind no profile of the run injects is
        # refused only when every profile's file tells its kinds (else it may not have fired).
        if fault is not None and fault not in known and (
                every_file or fault not in fault_kinds.names()):
            listed = f"kinds in this run: {', '.join(known)}" if known else (
                "this run injected no fault")
            every_kind = list(fault_kinds.names())
            what = ("which no fault of this run has" if fault in every_kind else
                    "which is no fault kind of chaos (`chaos faults` lists them)")
            hint = did_you_mean(fault, known) or did_you_mean(fault, every_kind)
            raise InputError(safe_text(
                f"--gates: gate on fault kind '{fault}' ({metric}), {what}{hint} ({listed}); "
                "fix the kind, or leave out `fault:` to pool every kind"))
    notes: list[str] = []
    sources = []
    for name in sorted(summary["profiles"]):
        models = list(summary["profiles"][name]["models"].values())
        chaos_ran = any(s["chaos"]["episodes"] for s in models)
        own, has = gates, kinds[name]
        outcome = _outcome_gates(gates)
        if has is not None and not has:
            own = _only_gates(gates, lambda g: False)
            if not chaos_ran:
                own = _clean_arm_gates(own)
            if outcome:
                notes.append(f"{name} injects no fault (a clean rubric): the gates on "
                             f"{_listed(outcome)} are not applied there"
                             + ("; its episode gates count the clean arm" if not chaos_ran
                                else ""))
        elif has is not None:
            absent = [(m, f) for m, f in outcome if f is not None and f not in has]
            if absent and name not in (loaded or {}):
                notes.append(f"cannot tell whether {name} injects "
                             f"{', '.join(sorted({f for _, f in absent}))} (none fired, and its "
                             "profile file is gone or changed since the run): its gates on "
                             f"{_listed(absent)} are kept, with no data")
            elif absent:
                own = _only_gates(gates, lambda g, has=has: g.fault is None or g.fault in has)
                notes.append(f"{name} injects no {', '.join(sorted({f for _, f in absent}))} "
                             f"fault: the gates on {_listed(absent)} are not applied there")
            on_chaos = outcome + _chaos_episode_gates(gates)
            if on_chaos and not chaos_ran:
                notes.append(f"{name} injects faults but no chaos arm ran: its gates on "
                             f"{_listed(on_chaos)} have no data (run with --arm both)")
        elif outcome:
            notes.append(f"cannot tell whether {name} injects faults (its profile file is gone "
                         "or changed since the run, and no fault was injected): its gates on "
                         f"{_listed(outcome)} are kept, with no data")
        sources.append(_Gated(_Profile(name, own)))
    return gates_from_summary(summary, sources), notes  # type: ignore[arg-type]


def _chaos_episode_gates(gates: GatesSpec) -> list[tuple[str, str | None]]:
    """(`handled (chaos arm)`, None) for every episode gate on the chaos arm."""
    sets = [gates, *gates.per_model.values()]
    return [(f"{metric} (chaos arm)", None) for own in sets for metric in EPISODE_METRICS
            for g in getattr(own, metric) if g.arm == "chaos"]


def _listed(gates: list[tuple[str, str | None]]) -> str:
    return ", ".join(dict.fromkeys(metric + (f" {fault}" if fault else "")
                                   for metric, fault in gates))


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

            raise InputError(safe_text(f"--baseline {baseline}: profile {name} did not run it"
                                       f"{did_you_mean(baseline, ran)} (its models: "
                                       f"{', '.join(ran)})"))
