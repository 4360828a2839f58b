import html
import json
import os
import shutil
import subprocess
import sys

import pytest

import chaos.report._html as html_module
from chaos.errors import InputError
from chaos.report import is_failing, load_results, read_trace, write_reports
from chaos.report._html import html_report
from chaos.report._timeline import MAILBOX_LANE, fault_lane, timeline_figure
from tests.report.conftest import HOSTILE, inject_hostile_text


def _trace(figure, name):
    return next((t for t in figure["data"] if t["name"] == name), None)


def test_every_failing_episode_is_listed_with_its_reproduce_command(sports_run):
    results = load_results(sports_run)
    page = html_report(sports_run, results)
    failing = [e for e in results.episodes if is_failing(e)]
    assert failing
    assert f"Failing episodes ({len(failing)})" in page
    for episode in failing:
        assert f'<code class="reproduce">{html.escape(episode.reproduce)}</code>' in page


def test_past_the_timeline_cap_failures_are_still_listed(sports_run, monkeypatch):
    monkeypatch.setattr(html_module, "MAX_FAILING_TIMELINES", 1)
    results = load_results(sports_run)
    page = html_report(sports_run, results)
    failing = [e for e in results.episodes if is_failing(e)]
    data = json.loads(page.split('id="chaos-data">')[1].split("</script>")[0])
    passing_groups = {(e.profile, e.model, e.arm) for e in results.episodes if not is_failing(e)}
    assert len(data["timelines"]) == 1 + len(passing_groups)
    assert all(html.escape(e.reproduce) in page for e in failing)
    assert "Timelines are drawn for 1 of them" in page


def test_a_naive_timeline_shows_where_each_propagated_fault_left(sports_run):
    results = load_results(sports_run)
    episode = next(e for e in results.episodes
                   if e.model == "scripted/naive" and e.arm == "chaos")
    figure = timeline_figure(episode, read_trace(sports_run, episode))
    lanes = figure["layout"]["yaxis"]["categoryarray"]
    assert all(html.escape(fault_lane(f.id)) in lanes for f in episode.faults)
    assert MAILBOX_LANE in lanes
    leaked = _trace(figure, "propagated fault's data sent")
    for fault in episode.faults:
        marked = fault_lane(fault.id) in leaked["y"]
        assert marked == (fault.outcome == "propagated"), fault.id
    assert _trace(figure, "issue reported / fault detected") is None  # naive says nothing


def test_a_careful_timeline_shows_where_faults_were_caught_and_nothing_leaving(sports_run):
    results = load_results(sports_run)
    episode = next(e for e in results.episodes
                   if e.model == "scripted/careful" and e.arm == "chaos")
    figure = timeline_figure(episode, read_trace(sports_run, episode))
    caught = _trace(figure, "issue reported / fault detected")
    for fault in episode.faults:
        if fault.detected_by:
            assert fault.detected_by in caught["y"] and fault_lane(fault.id) in caught["y"]
    assert _trace(figure, "propagated fault's data sent") is None
    spans = _trace(figure, "agent running")
    assert max(b + x for b, x in zip(spans["base"], spans["x"], strict=True)) <= (
        episode.sim_time_ms / 1000 + 0.001)


def test_agent_text_is_escaped_in_the_page_and_in_the_charts(sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    inject_hostile_text(run)
    page = html_report(run, load_results(run))
    assert page.count("<script") == 3  # plotly, the data block, the page's own script
    assert page.count("</script>") == 3
    assert "<img src=x" not in page and "<b>bold</b>" not in page
    assert html.escape(HOSTILE[0]) in page  # shown as text in the tables
    data = page.split('id="chaos-data">')[1].split("</script>")[0]
    assert "<" not in data and ">" not in data
    hover = json.dumps(json.loads(data))
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in hover  # plotly shows it as text
    assert "<script>window.pwned" not in hover


def test_the_page_is_offline_and_locks_scripts_to_its_own(sports_run):
    page = html_report(sports_run, load_results(sports_run))
    assert "script-src 'sha256-" in page and "'unsafe-inline'" not in page.split("style-src")[0]
    assert "connect-src 'none'" in page
    plotly_js = page.split("<script>", 1)[1].split("</script>", 1)[0]
    assert "Plotly" in plotly_js
    ours = page.replace(plotly_js, "")
    for needle in ('src="http', "src='http", 'href="http', "cdn.plot.ly", "<link"):
        assert needle not in ours


def test_the_same_results_give_the_same_bytes_whatever_the_hash_seed(sports_run, tmp_path):
    code = ("import sys; from pathlib import Path; from chaos.report import load_results, "
            "write_reports; r = Path(sys.argv[1]); "
            "write_reports(r, load_results(r), ['junit', 'html'])")
    outputs = []
    for seed in ("1", "2"):
        run = tmp_path / f"hash-seed-{seed}"
        shutil.copytree(sports_run, run)
        subprocess.run([sys.executable, "-c", code, str(run)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append([(run / name).read_bytes() for name in ("report.html", "junit.xml")])
    assert outputs[0] == outputs[1]


def test_a_missing_trace_is_noted_not_fatal(sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    results = load_results(run)
    episode = next(e for e in results.episodes if is_failing(e))
    (run / episode.trace).unlink()
    page = html_report(run, results)
    assert f"trace not found in the run directory: <code>{episode.trace}</code>" in page


def test_a_damaged_trace_names_file_and_line(sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    results = load_results(run)
    episode = next(e for e in results.episodes if is_failing(e))
    lines = (run / episode.trace).read_text().splitlines()
    lines[2] = '{"seq": 2, "t_ms": "soon", "type": "tool_called"}'
    (run / episode.trace).write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=rf"{episode.trace}:3: not a trace event .*t_ms"):
        html_report(run, results)


def test_a_trace_path_outside_the_run_directory_is_refused(sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    results = load_results(run)
    results.episodes[0].trace = "../../etc/passwd"
    with pytest.raises(InputError, match="leaves the run directory"):
        read_trace(run, results.episodes[0])


def test_without_plotly_the_error_says_what_to_install(sports_run, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "plotly.offline", None)
    with pytest.raises(InputError, match=r"pip install 'chaos-sim\[html\]'"):
        write_reports(tmp_path, load_results(sports_run), ["html"])


def test_newer_summary_fields_are_shown_when_present(sports_run):
    results = load_results(sports_run)
    body = results.summary["profiles"]["sports-production"]
    naive = body["models"]["scripted/naive"]
    naive["chaos"]["pass_k"] = {"1": 0.25, "2": 0.0625}
    naive["gap"] = {"pairs": 2, "difference": 1.0, "p_value": 0.0312}
    naive["reliability"] = {"held_rate": 0.5, "held_per_usd": None}
    naive["future_field"] = {"nested": [1, 2]}
    body["comparisons"] = [{"a": "scripted/careful", "b": "scripted/naive", "task_success": {
        "chaos": {"pairs": 2, "a_rate": 1.0, "b_rate": 0.0, "difference": 1.0,
                  "p_value": 0.5}}}]
    results.summary["gates"] = [{"model": "scripted/naive", "metric": "propagated",
                                 "value": 0.62, "interval": [0.41, 0.79], "passed": False,
                                 "message": "gate failed: <naive> propagated"}]
    page = html_report(sports_run, results)
    assert "1: 25% · 2: 6%" in page
    assert "+100% (p = 0.0312, 2 pairs)" in page
    assert "paired test p = 0.0312" in page  # in the chart's hover too
    assert "<code>reliability.held_rate</code>" in page
    assert "<code>future_field.nested</code>" in page and "1, 2" in page
    assert "<td>task success chaos</td>" in page
    assert "<td>0.41, 0.79</td>" in page
    assert "gate failed: &lt;naive&gt; propagated" in page


def test_a_report_that_cannot_be_written_is_an_input_error(sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    (run / "report.html").mkdir()
    with pytest.raises(InputError, match=r"cannot write .*report\.html"):
        write_reports(run, load_results(run), ["html"])


def test_the_page_shows_each_models_handled_rate_and_each_chaos_episodes_verdict(sports_run):
    results = load_results(sports_run)
    page = html_report(sports_run, results)
    assert "chaos: handled, rate [95 %]" in page
    assert "chaos arm, handled" in page  # a bar beside task success per arm
    for model, stats in results.summary["profiles"]["sports-production"]["models"].items():
        chaos = stats["chaos"]
        assert f"{chaos['handled']}/{chaos['episodes']} · {chaos['handled_rate']['rate']:.0%}" \
            in page, model
    careful = next(e for e in results.episodes
                   if e.model == "scripted/careful" and e.arm == "chaos")
    naive = next(e for e in results.episodes if e.model == "scripted/naive" and e.arm == "chaos")
    summary = page.split(f"<strong>{careful.key}</strong>")[1].split("</summary>")[0]
    assert '<span class="pass">handled</span>' in summary
    summary = page.split(f"<strong>{naive.key}</strong>")[1].split("</summary>")[0]
    assert '<span class="fail">not handled</span>' in summary
