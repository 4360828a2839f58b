"""Fault coverage after a run: results.json, the terminal and report.html list what the faults
reached, the faults that never fired (and why) and what no fault touched."""

from __future__ import annotations

import copy
import json

from chaos.coverage import coverage_summary
from chaos.profile import load_profile
from chaos.results import EpisodeResult, RunResults
from tests.coverage.conftest import BLIND_SPOTS, chaos

MODELS = ["scripted/careful", "scripted/naive"]


def _coverage(results):
    return results["summary"]["coverage"]["profiles"]["clinic-blind-spots"]


def _never(results, fault_id):
    """Each chaos episode's never-fired record of `fault_id`."""
    return [f["reached"].get("never") for e in results["episodes"] if e["arm"] == "chaos"
            for f in e["faults"] if f["id"] == fault_id]


def test_unreachable_faults_are_listed_as_never_fired_for_every_model_with_why(blind_run):
    _, _, results = blind_run
    rows = {(r["fault"], r["model"]): r for r in _coverage(results)["never_fired"]}
    # The chain as written rules them out: the run says so in explain's own words.
    for fault_id, words in (("upload-refused",
                             "no agent has the tool publish: the trigger can never come"),
                            ("clerk-mail-fails", "agent records lacks the tool send_email: "
                                                 "the trigger can never come")):
        for model in MODELS:
            row = rows[(fault_id, model)]
            assert row["reasons"] == {"trigger_never_came": 2}
            assert row["why"] == words
        assert {n["code"] for n in _never(results, fault_id)} == {"trigger_never_came"}


def test_an_agent_no_fault_touched_is_listed_and_reached_ones_are_not(blind_run):
    _, _, results = blind_run
    coverage = _coverage(results)
    assert coverage["untouched"]["agents"] == ["coordinator"]
    assert set(coverage["reached"]["agents"]) == {"mailer", "records"}
    # Signals are no part a fault acts through; the delegate tool nobody's fault reached is.
    assert "delegate" in coverage["untouched"]["tools"]
    assert "finish" not in coverage["untouched"]["tools"]
    assert coverage["untouched"]["tags"] == ["checksums", "patients"]


def test_the_probability_draw_the_window_the_time_and_an_untouched_target_say_why(blind_run):
    _, _, results = blind_run
    never_drawn = _never(results, "never-drawn")
    assert {n["code"] for n in never_drawn} == {"probability_skipped"}
    assert all(n["why"] == "its probability is 0: it never fires" for n in never_drawn)
    assert {n["code"] for n in _never(results, "early-window")} == {"outside_window"}
    too_late = _never(results, "too-late")
    assert {n["code"] for n in too_late} == {"trigger_never_came"}
    assert all("before its time (800000 ms)" in n["why"] for n in too_late)
    untouched = _never(results, "readme-corrupt")
    assert {n["code"] for n in untouched} == {"never_touched"}
    assert all("/clinic/lab/README.txt" in n["why"] for n in untouched)
    faults = _coverage(results)["faults"]
    assert faults["readme-corrupt"]["fired"] == 0
    assert faults["readme-corrupt"]["never"] == {"never_touched": 4}


def test_a_fired_fault_records_who_met_it_through_which_tool_and_where_its_taint_left(
        blind_run):
    _, _, results = blind_run
    by_model = {e["model"]: {f["id"]: f for f in e["faults"]} for e in results["episodes"]
                if e["arm"] == "chaos" and e["seed"] == 0}
    careful, naive = by_model["scripted/careful"], by_model["scripted/naive"]
    # The careful clerk saw the stale copy and sent the right report: nothing left.
    assert careful["stale-report"]["outcome"] == "recovered"
    assert careful["stale-report"]["reached"]["agents"] == ["records"]
    assert "sinks" not in careful["stale-report"]["reached"]
    # The naive mailer attached it: it reached the mailer, by send_email, out by mail.
    reach = naive["stale-report"]["reached"]
    assert naive["stale-report"]["outcome"] == "propagated"
    assert reach["agents"] == ["mailer", "records"] and "send_email" in reach["tools"]
    assert reach["sinks"] == ["mail"] and reach["tags"] == ["report"]
    assert reach["files"][0].startswith("/clinic/lab/reports/")
    assert "never" not in reach
    coverage = _coverage(results)
    assert coverage["reached"]["targets"] == {"tag: report, pick: 1": 8}
    # The stale report went out by mail (4); the refused recipient acted on mail (4).
    assert coverage["reached"]["sinks"] == {"mail": 8}
    assert coverage["faults"]["refused-recipient"]["reached"]["sinks"] == ["mail"]


def test_the_terminal_lists_the_unreachable_faults_and_the_untouched_agent(blind_run):
    _, output, _ = blind_run
    lines = output.splitlines()
    block = lines.index("coverage clinic-blind-spots: 3 of 9 faults fired at least once")
    for model in MODELS:
        assert any(line.startswith(f"  never fired: upload-refused (upload.rejected) for "
                                   f"{model}: trigger never came (2)")
                   for line in lines[block:])
    assert any(line.startswith("  never fired: clerk-mail-fails") for line in lines[block:])
    assert any(line.startswith("  never fired: never-drawn (fs.empty)") and
               "its seeded draw skipped it (2)" in line for line in lines[block:])
    assert any(line.startswith("  no fault touched: agents coordinator;")
               for line in lines[block:])
    # After the outcome tables, before the lines that list failing episodes.
    assert block > next(i for i, line in enumerate(lines) if "fs.stale_version" in line)
    assert block < next(i for i, line in enumerate(lines) if line.startswith("failing"))


def test_report_html_has_the_coverage_section(blind_run):
    out, _, _ = blind_run
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="clinic-blind-spots-coverage"'):]
    section = section[:section.index("<h2")]
    assert "<code>upload-refused</code>" in section
    assert "<code>clerk-mail-fails</code>" in section
    assert ("trigger never came (2 of 2): no agent has the tool publish: the trigger can "
            "never come") in section
    untouched = section[section.index('class="coverage-untouched"'):]
    assert "<b>agents</b>: <code>coordinator</code></div>" in untouched
    # After the per-fault outcome tables.
    assert html.index('id="clinic-blind-spots-coverage"') > html.index("Per fault kind")


def test_scripted_runs_with_coverage_stay_byte_identical(tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = chaos("run", str(BLIND_SPOTS), "--quiet", "--episodes", "1", "--out",
                       str(out))
        assert result.exit_code == 0, result.output
        outs.append(out)
    a, b = outs
    assert (a / "results.json").read_bytes() == (b / "results.json").read_bytes()
    traces = sorted(p.relative_to(a) for p in a.rglob("*.jsonl"))
    assert traces and traces == sorted(p.relative_to(b) for p in b.rglob("*.jsonl"))
    for rel in traces:
        assert (a / rel).read_bytes() == (b / rel).read_bytes()


def test_results_written_before_coverage_still_load_and_report(blind_run, tmp_path):
    results = copy.deepcopy(blind_run[2])
    for episode in results["episodes"]:
        for fault in episode["faults"]:
            del fault["reached"]
    del results["summary"]["coverage"]
    old = tmp_path / "old"
    old.mkdir()
    (old / "results.json").write_text(json.dumps(results), encoding="utf-8")
    run = RunResults.model_validate(results)
    assert run.episodes[1].faults[0].reached is None
    assert "reached" not in run.episodes[1].faults[0].model_dump(mode="json")
    assert coverage_summary(run.episodes, [load_profile(BLIND_SPOTS)]) == {"profiles": {}}
    result = chaos("report", str(old), "--format", "html")
    assert result.exit_code == 0, result.output
    assert "Fault coverage" not in (old / "report.html").read_text(encoding="utf-8")


def test_a_crash_before_the_chain_met_a_fault_says_so(tmp_path):
    # One step per agent: the entry runs out of steps before anyone meets the faults.
    profile = tmp_path / "crashing.yaml"
    profile.write_text(f"version: 1\nextends: {BLIND_SPOTS}\nname: crashing\n"
                       "limits: {steps_per_agent: 1}\n", encoding="utf-8")
    out = tmp_path / "run"
    result = chaos("run", str(profile), "--quiet", "--episodes", "1", "--arm", "chaos",
                   "--model", "scripted/careful", "--out", str(out))
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    (episode,) = results["episodes"]
    assert episode["status"] == "crashed", result.output
    codes = {f["id"]: f["reached"]["never"]["code"] for f in episode["faults"]}
    assert codes["stale-report"] == "crashed_first"
    assert codes["never-drawn"] == "probability_skipped"  # the draw decides before any crash
    assert episode["faults"][0]["reached"]["never"]["why"].startswith("the episode crashed")
    EpisodeResult.model_validate(episode)


def test_chaos_report_prints_the_coverage_block_again(blind_run, tmp_path):
    out, output, _ = blind_run
    copy_dir = tmp_path / "again"
    import shutil

    shutil.copytree(out, copy_dir)
    result = chaos("report", str(copy_dir), "--format", "terminal")
    assert result.exit_code == 0, result.output
    block = [line for line in output.splitlines() if line.startswith(("coverage ", "  "))
             and ("never fired" in line or "no fault touched" in line or
                  line.startswith("coverage "))]
    assert block and all(line in result.output.splitlines() for line in block)


def test_an_until_decided_run_has_coverage_too(tmp_path):
    gated = BLIND_SPOTS.parents[2] / "examples" / "gates.yaml"
    out = tmp_path / "adaptive"
    result = chaos("run", str(gated), "--until-decided", "--max-episodes", "2", "--model",
                   "scripted/naive", "--quiet", "--out", str(out))
    assert result.exit_code == 1, result.output  # the naive model fails the gates
    summary = json.loads((out / "results.json").read_text(encoding="utf-8"))["summary"]
    assert list(summary) == ["profiles", "gates", "coverage", "adaptive"]
    coverage = summary["coverage"]["profiles"]["sports-production-gated"]
    assert "qa" in coverage["untouched"]["agents"]
    assert "coverage sports-production-gated: 6 of 6 faults fired at least once" in \
        result.output.splitlines()
