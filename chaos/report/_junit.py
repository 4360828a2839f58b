"""JUnit XML: a testsuite per profile, a testcase per model x fault kind and per clean task.

A fault testcase fails when any episode let that fault kind fail (`propagated`, `silent` or
`crashed`, see `_verdicts`); it is skipped when the fault never fired in any episode. The clean
testcase fails when a clean episode failed its task or crashed; the `handled (chaos arm)`
testcase when a chaos episode was not handled (`chaos.oracle.judge_handled`). Each failure lists
the failing episodes' keys with the exact command that reproduces each. `time` is simulated seconds.

A model with crashed episodes (either arm) also gets an `episodes completed` testcase in
error: CI counts crashes (the run could not judge them) apart from verdicts that failed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from chaos.oracle import SCORED_OUTCOMES, FaultOutcome
from chaos.report._verdicts import FAILING_OUTCOMES
from chaos.results import EpisodeResult, RunResults

__all__ = ["junit_xml"]

#: Characters XML 1.0 cannot hold at all, even escaped; agent text may carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _seconds(episodes: Iterable[EpisodeResult]) -> str:
    return f"{sum(e.sim_time_ms for e in episodes) / 1000:.3f}"


def _failure(parent: ET.Element, summary: str, lines: list[tuple[EpisodeResult, str]]) -> None:
    """A <failure> whose message lists each failing episode's key and reproduce command."""
    listing = [f"{e.key}: {what}\n  reproduce: {e.reproduce}" for e, what in lines]
    message = "\n".join([summary, *listing])
    failure = ET.SubElement(parent, "failure", message=_text(message), type="chaos")
    failure.text = _text(message + "\n")


def _task_case(suite: ET.Element, profile: str, model: str, clean: list[EpisodeResult]) -> str:
    case = ET.SubElement(suite, "testcase", name=f"{model} :: task (clean arm)",
                         classname=profile, time=_seconds(clean))
    failed = [e for e in clean if e.status == "crashed" or not e.task.passed]
    if not failed:
        return "passed"
    lines = [(e, f"crashed: {e.error}" if e.status == "crashed"
              else "task failed: " + ("; ".join(e.task.reasons) or "no reason recorded"))
             for e in failed]
    _failure(case, f"task failed in {len(failed)} of {len(clean)} clean episodes", lines)
    return "failed"


def _why_not_handled(episode: EpisodeResult) -> str:
    if episode.status == "crashed":
        return f"crashed: {episode.error}"
    why = [f"fault {f.id} {f.outcome}" for f in episode.faults
           if f.outcome in (FaultOutcome.PROPAGATED, FaultOutcome.CRASHED)]
    why += episode.task.reasons
    return "not handled: " + ("; ".join(why) or "no reason recorded")


def _handled_case(suite: ET.Element, profile: str, model: str,
                  chaos: list[EpisodeResult]) -> str:
    """Whether every chaos episode was handled (task done, or what a fault broke reported)."""
    case = ET.SubElement(suite, "testcase", name=f"{model} :: handled (chaos arm)",
                         classname=profile, time=_seconds(chaos))
    # None: results written before chaos judged it; nothing to fail on.
    failed = [e for e in chaos if e.handled is False]
    if not failed:
        return "passed"
    lines = [(e, _why_not_handled(e)) for e in failed]
    _failure(case, f"not handled in {len(failed)} of {len(chaos)} chaos episodes", lines)
    return "failed"


def _fault_case(suite: ET.Element, profile: str, model: str, kind: str,
                chaos: list[EpisodeResult]) -> str:
    with_kind = [e for e in chaos if any(f.kind == kind for f in e.faults)]
    case = ET.SubElement(suite, "testcase", name=f"{model} :: {kind}", classname=profile,
                         time=_seconds(with_kind))
    outcomes = [f.outcome for e in with_kind for f in e.faults if f.kind == kind]
    scored = [o for o in outcomes if o != FaultOutcome.NOT_TRIGGERED]
    lines = []
    for e in with_kind:
        bad = [f for f in e.faults if f.kind == kind and f.outcome in FAILING_OUTCOMES]
        if e.status == "crashed" and not bad:
            bad = [f for f in e.faults if f.kind == kind]
        if bad:
            what = ", ".join(f"{f.outcome} ({f.id})" for f in bad)
            if e.status == "crashed":
                what += f"; episode crashed: {e.error}"
            lines.append((e, what))
    rates = ", ".join(f"{o.value} {scored.count(o.value)}/{len(scored)}"
                      for o in SCORED_OUTCOMES if scored.count(o.value))
    verdict = "passed"
    if lines:
        counts = {o: sum(1 for x in scored if x == o) for o in sorted(FAILING_OUTCOMES)}
        said = ", ".join(f"{o} {n}" for o, n in counts.items() if n)
        _failure(case, f"{kind} failed in {len(lines)} of {len(with_kind)} episodes ({said})",
                 lines)
        verdict = "failed"
    elif not scored:
        ET.SubElement(case, "skipped", message=f"{kind} never fired in {len(with_kind)} "
                      "episodes (not_triggered counts in no rate)")
        verdict = "skipped"
    # The JUnit schema wants <failure>/<skipped> before <system-out>.
    out = ET.SubElement(case, "system-out")
    out.text = _text(f"{len(scored)} of {len(outcomes)} injected faults fired: {rates or '-'}\n")
    return verdict


def _crash_case(suite: ET.Element, profile: str, model: str,
                runs: list[EpisodeResult]) -> str | None:
    """An `episodes completed` testcase in error, when some of the model's episodes crashed."""
    crashed = [e for e in runs if e.status == "crashed"]
    if not crashed:
        return None
    case = ET.SubElement(suite, "testcase", name=f"{model} :: episodes completed",
                         classname=profile, time=_seconds(runs))
    listing = [f"{e.key}: {e.error or 'no error recorded'}\n  reproduce: {e.reproduce}"
               for e in crashed]
    message = "\n".join([f"{len(crashed)} of {len(runs)} episodes crashed (could not finish)",
                         *listing])
    error = ET.SubElement(case, "error", message=_text(message), type="crashed")
    error.text = _text(message + "\n")
    return "error"


def junit_xml(results: RunResults) -> bytes:
    """The run as JUnit XML (UTF-8 bytes; the same results give the same bytes)."""
    root = ET.Element("testsuites", name="chaos")
    totals = {"tests": 0, "failed": 0, "skipped": 0, "errors": 0}
    for ref in results.profiles:
        episodes = [e for e in results.episodes if e.profile == ref.name]
        suite = ET.SubElement(root, "testsuite", name=ref.name)
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="profile", value=_text(ref.path))
        ET.SubElement(properties, "property", name="sha256", value=ref.sha256)
        verdicts = []
        for model in sorted({e.model for e in episodes}):
            runs = [e for e in episodes if e.model == model]
            clean = [e for e in runs if e.arm == "clean"]
            chaos = [e for e in runs if e.arm == "chaos"]
            if clean:
                verdicts.append(_task_case(suite, ref.name, _text(model), clean))
            if chaos:
                verdicts.append(_handled_case(suite, ref.name, _text(model), chaos))
            for kind in sorted({f.kind for e in chaos for f in e.faults}):
                verdicts.append(_fault_case(suite, ref.name, _text(model), kind, chaos))
            if (crash := _crash_case(suite, ref.name, _text(model), runs)) is not None:
                verdicts.append(crash)
        counts = {"tests": len(verdicts), "failed": verdicts.count("failed"),
                  "skipped": verdicts.count("skipped"), "errors": verdicts.count("error")}
        for key in totals:
            totals[key] += counts[key]
        suite.attrib.update(tests=str(counts["tests"]), failures=str(counts["failed"]),
                            errors=str(counts["errors"]), skipped=str(counts["skipped"]),
                            time=_seconds(episodes))
    root.attrib.update(tests=str(totals["tests"]), failures=str(totals["failed"]),
                       errors=str(totals["errors"]), skipped=str(totals["skipped"]),
                       time=_seconds(results.episodes))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
