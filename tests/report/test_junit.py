from junitparser import Failure, JUnitXml, Skipped

from chaos.report import FAILING_OUTCOMES, junit_xml, load_results, write_reports


def _cases(xml):
    return {(suite.name, case.name): case for suite in xml for case in suite}


def _expected_failures(results):
    """(profile, model, kind) -> failing episodes, straight from the episodes."""
    out = {}
    for e in results.episodes:
        for f in e.faults:
            if f.outcome in FAILING_OUTCOMES or e.status == "crashed":
                out.setdefault((e.profile, e.model, f.kind), set()).add(e.key)
    return out


def test_junit_parses_with_a_suite_per_profile_and_a_case_per_model_and_fault(two_profile_run):
    results = load_results(two_profile_run)
    (path,) = write_reports(two_profile_run, results, ["junit"])
    xml = JUnitXml.fromfile(str(path))
    assert [suite.name for suite in xml] == [p.name for p in results.profiles]
    for suite in xml:
        episodes = [e for e in results.episodes if e.profile == suite.name]
        models = {e.model for e in episodes}
        kinds = {f.kind for e in episodes for f in e.faults}
        chaos = {e.model for e in episodes if e.arm == "chaos"}
        assert suite.tests == len(models) * (1 + len(kinds)) + len(chaos)
        names = {case.name for case in suite}
        for model in models:
            assert f"{model} :: task (clean arm)" in names
            assert (f"{model} :: handled (chaos arm)" in names) == (model in chaos)
            assert all(f"{model} :: {kind}" in names for kind in kinds)
        assert {case.classname for case in suite} == {suite.name}


def test_a_case_fails_exactly_when_an_episode_let_its_fault_fail(sports_run):
    results = load_results(sports_run)
    xml = JUnitXml.fromstring(junit_xml(results).decode())
    expected = _expected_failures(results)
    failed = set()
    for (profile, name), case in _cases(xml).items():
        model, _, kind = name.partition(" :: ")
        failures = [r for r in case.result if isinstance(r, Failure)]
        if kind in ("task (clean arm)", "handled (chaos arm)"):
            continue
        if (profile, model, kind) in expected:
            failed.add((profile, model, kind))
            (failure,) = failures
            for key in expected[(profile, model, kind)]:
                episode = next(e for e in results.episodes if e.key == key)
                assert key in failure.message and episode.reproduce in failure.message
                assert episode.reproduce in failure.text
        else:
            assert not failures, name
    assert failed == set(expected)
    assert sum(suite.failures for suite in xml) >= len(expected)
    # the calibration set: naive trusts the decoy, careful does not
    assert ("sports-production", "scripted/naive", "fs.decoy") in failed
    assert ("sports-production", "scripted/careful", "fs.decoy") not in failed


def test_failure_messages_list_only_the_failing_episodes(sports_run):
    results = load_results(sports_run)
    xml = JUnitXml.fromstring(junit_xml(results).decode())
    case = _cases(xml)[("sports-production", "scripted/naive :: fs.decoy")]
    (failure,) = case.result
    clean = [e for e in results.episodes if e.model == "scripted/naive" and e.arm == "clean"]
    assert all(e.reproduce not in failure.message for e in clean)


def test_a_fault_that_never_fired_is_skipped_not_passed(sports_run):
    results = load_results(sports_run)
    for e in results.episodes:
        for f in e.faults:
            if f.kind == "fs.decoy":
                f.outcome, f.fired = "not_triggered", False
    xml = JUnitXml.fromstring(junit_xml(results).decode())
    case = _cases(xml)[("sports-production", "scripted/naive :: fs.decoy")]
    assert [type(r) for r in case.result] == [Skipped]
    assert "never fired" in case.result[0].message


def test_a_crashed_episode_fails_its_faults_and_its_clean_task(sports_run):
    results = load_results(sports_run)
    chaos = next(e for e in results.episodes if e.model == "scripted/careful" and e.arm == "chaos")
    clean = next(e for e in results.episodes if e.model == "scripted/careful" and e.arm == "clean")
    for episode in (chaos, clean):
        episode.status, episode.error = "crashed", "provider error: 503 after 3 attempts"
        episode.task.passed = False
    for f in chaos.faults:
        f.outcome = "crashed"
    cases = _cases(JUnitXml.fromstring(junit_xml(results).decode()))
    for name in ("scripted/careful :: fs.decoy", "scripted/careful :: task (clean arm)"):
        (failure,) = cases[("sports-production", name)].result
        assert "503 after 3 attempts" in failure.text
        assert (chaos if "fs." in name else clean).reproduce in failure.message


def test_agent_text_with_markup_and_control_characters_stays_valid_xml(sports_run):
    results = load_results(sports_run)
    clean = next(e for e in results.episodes if e.arm == "clean")
    said = '</failure><script>x</script> & "quotes" \x07bell\x00nul'
    clean.task.passed, clean.task.reasons = False, [said]
    xml = JUnitXml.fromstring(junit_xml(results).decode())
    case = _cases(xml)[("sports-production", f"{clean.model} :: task (clean arm)")]
    (failure,) = case.result
    assert '</failure><script>x</script> & "quotes" \ufffdbell\ufffdnul' in failure.text


def test_the_same_results_give_the_same_bytes(sports_run):
    results = load_results(sports_run)
    assert junit_xml(results) == junit_xml(load_results(sports_run))


def test_a_handled_case_fails_for_the_chain_that_did_not_handle_its_faults(sports_run):
    results = load_results(sports_run)
    cases = _cases(JUnitXml.fromstring(junit_xml(results).decode()))
    assert not cases[("sports-production", "scripted/careful :: handled (chaos arm)")].result
    (failure,) = cases[("sports-production", "scripted/naive :: handled (chaos arm)")].result
    naive = [e for e in results.episodes if e.model == "scripted/naive" and e.arm == "chaos"]
    assert failure.message.startswith(f"not handled in {len(naive)} of {len(naive)} chaos")
    assert all(e.reproduce in failure.message for e in naive)
    assert "propagated" in failure.message
