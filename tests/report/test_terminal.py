from click.testing import CliRunner
from rich.console import Console

from chaos.cli import main
from chaos.report import failure_lines, is_failing, load_results, profile_comparison


def _render(table) -> str:
    console = Console(width=250, record=True)
    console.print(table)
    return console.export_text()


def test_two_profiles_show_each_clean_score_beside_the_chaos_verdicts(two_profile_run):
    results = load_results(two_profile_run)
    text = _render(profile_comparison(results))
    header = text[: text.index("scripted/")]
    assert header.index("sports-production") < header.index("sports-copy")  # the run's order
    for model in {e.model for e in results.episodes}:
        row = next(line for line in text.splitlines() if model in line)
        for profile in ("sports-production", "sports-copy"):
            clean = [e for e in results.episodes
                     if e.model == model and e.profile == profile and e.arm == "clean"]
            chaos = [e for e in results.episodes
                     if e.model == model and e.profile == profile and e.arm == "chaos"]
            passed = sum(e.task.passed for e in clean)
            assert f"{passed}/{len(clean)} ({passed / len(clean):.0%})" in row
            handled = sum(bool(e.handled) for e in chaos)
            assert (f"task {sum(e.task.passed for e in chaos)}/{len(chaos)} · "
                    f"handled {handled}/{len(chaos)} · prop.") in row


def test_the_verdict_rates_count_only_faults_that_fired(two_profile_run):
    results = load_results(two_profile_run)
    faults = [f for e in results.episodes
              if e.model == "scripted/naive" and e.profile == "sports-copy" for f in e.faults]
    fired = [f for f in faults if f.outcome != "not_triggered"]
    propagated = sum(f.outcome == "propagated" for f in fired)
    row = next(line for line in _render(profile_comparison(results)).splitlines()
               if "scripted/naive" in line)
    assert f"prop. {propagated / len(fired):.0%}" in row


def test_one_profile_needs_no_comparison(sports_run):
    assert profile_comparison(load_results(sports_run)) is None


def test_failure_lines_carry_a_reproduce_command_per_failing_group(sports_run):
    results = load_results(sports_run)
    lines = failure_lines(results)
    failing = [e for e in results.episodes if is_failing(e)]
    groups = {(e.profile, e.model, e.arm) for e in failing}
    assert len(lines) == 1 + len(groups)
    for profile, model, arm in groups:
        first = next(e for e in failing if (e.profile, e.model, e.arm) == (profile, model, arm))
        assert any(line.endswith(first.reproduce) and f"· {model} · {arm}:" in line
                   for line in lines)


def test_failure_lines_tell_how_many_failing_chaos_episodes_were_handled(sports_run):
    results = load_results(sports_run)
    lines = failure_lines(results)
    careful = [e for e in results.episodes if e.model == "scripted/careful"
               and e.arm == "chaos" and is_failing(e)]
    assert careful and all(e.handled for e in careful)
    (line,) = [line for line in lines if "· scripted/careful · chaos:" in line]
    assert f"; {len(careful)} of them handled)" in line
    (line,) = [line for line in lines if "· scripted/naive · chaos:" in line]
    assert "of them handled" not in line


def test_nothing_failing_prints_no_failure_lines(sports_run):
    results = load_results(sports_run)
    results.episodes = [e for e in results.episodes if not is_failing(e)]
    assert failure_lines(results) == []


def test_chaos_report_prints_tables_and_writes_every_file(two_profile_run, fresh_copy):
    run = fresh_copy(two_profile_run)
    result = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert "each model across the profiles" in result.output
    assert "what each chain did with each fault" in result.output
    assert "failing episodes" in result.output
    for name in ("junit.xml", "report.html"):
        assert (run / name).is_file() and f"{run / name}" in result.output


def test_formats_can_be_repeated_or_comma_separated(sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    result = CliRunner().invoke(main, ["report", str(run), "--format", "junit,json",
                                       "--format", "junit"])
    assert result.exit_code == 0, result.output
    assert (run / "junit.xml").is_file() and not (run / "report.html").exists()
    assert "what each chain did" not in result.output  # no terminal unless asked


def test_an_unknown_format_exits_2_with_the_choices(sports_run):
    result = CliRunner().invoke(main, ["report", str(sports_run), "--format", "pdf"])
    assert result.exit_code == 2
    assert "--format pdf: not a report format" in result.output
    assert "terminal, json, junit, html" in result.output


def test_without_plotly_the_default_skips_html_and_says_how_to_get_it(
        sports_run, fresh_copy, monkeypatch):
    import chaos.report

    monkeypatch.setattr(chaos.report, "html_available", lambda: False)
    run = fresh_copy(sports_run)
    result = CliRunner().invoke(main, ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert (run / "junit.xml").is_file() and not (run / "report.html").exists()
    assert "pip install 'chaos-sim[html]'" in result.output


def test_without_plotly_asking_for_html_exits_2(sports_run, fresh_copy, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "plotly.offline", None)
    result = CliRunner().invoke(main, ["report", str(fresh_copy(sports_run)), "--format", "html"])
    assert result.exit_code == 2
    assert "pip install 'chaos-sim[html]'" in result.output and "Traceback" not in result.output
