import pytest

from chaos.errors import ProfileError
from chaos.profile import check_profile, load_profile
from tests.conftest import SPORTS

GOOD = SPORTS.read_text()

#: (text in the ready profile, its broken replacement, what the error says)
MISTAKES = [
    ("seed: 0\n", "seed: 0\nseed: 1\n", "key 'seed' appears twice"),
    ("episodes: 20", "episode: 20", "unknown key 'episode' in profile; did you mean 'episodes'?"),
    ("tools: [list_dir, find_files, read_file, file_info, report_issue, finish]\n    qa",
     "toolz: [list_dir, find_files, read_file, file_info, report_issue, finish]\n    qa",
     "unknown key 'toolz' in chain.agents.editor; did you mean 'tools'?"),
    ("delegates_to: [editor, qa, distributor]", "delegates_to: [editr, qa, distributor]",
     "delegates to unknown agent 'editr'; did you mean 'editor'?"),
    ("kind: fs.missing", "kind: fs.mising", "unknown fault kind 'fs.mising'"),
    ("{variants: 2}", "{variantz: 2}", "unknown key 'variantz' in faults[1].params"),
    ("target: {tag: task_logo}", "target: {tag: task_lgo}",
     "unknown tag 'task_lgo'; did you mean 'task_logo'?"),
    ("  - scripted/naive\n", "  - scripted/naiv\n", "unknown scripted policy 'naiv'"),
    ("  - scripted/hallucinator\n", "  - opnai/gpt\n", "unknown model provider 'opnai'"),
    ("steps_per_agent: 60", "steps_per_agent: lots", "limits.steps_per_agent: Input should be"),
    ("save_manifest: true}", "save_manifest: true, publsh: true}",
     "unknown key 'publsh' in task.params; did you mean 'publish'?"),
]


def broken(tmp_path, mistakes):
    text = GOOD
    for old, new, _ in mistakes:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    return path


def test_every_mistake_is_reported_at_once_each_at_its_line(tmp_path):
    path = broken(tmp_path, MISTAKES)
    lines = path.read_text().splitlines()
    errors = check_profile(path).errors
    assert len(errors) == len(MISTAKES), [str(e) for e in errors]
    for old, new, expect in MISTAKES:
        found = [e for e in errors if expect in e.message]
        assert len(found) == 1, (expect, [str(e) for e in errors])
        changed = next(i for i, row in enumerate(new.splitlines()) if row not in old.splitlines())
        assert new.splitlines()[changed].strip() in lines[found[0].line - 1], str(found[0])
        assert found[0].path == str(path)


def test_load_profile_raises_the_first_of_them(tmp_path):
    path = broken(tmp_path, MISTAKES)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(info.value) == str(check_profile(path).errors[0])


def test_a_valid_profile_has_no_errors_and_loads():
    check = check_profile(SPORTS)
    assert check.ok and check.errors == ()
    assert check.loaded.profile == load_profile(SPORTS).profile


@pytest.mark.parametrize(("old", "new", "expect"), [
    # the only fault of a kind is broken: the gate on that kind is not reported as well
    ("    kind: smtp.transient\n", "    kind: smtp.transiant\n", "unknown fault kind"),
    # a broken model: gates per model are not second-guessed
    ("  - scripted/naive\n", "  - {provider: scripted}\n", "missing required key 'policy'"),
    # a broken agent: its tools and hand-offs are not checked against a stand-in
    ("tools: [read_file, file_info, publish_video",
     "tools: 7\n      x: [read_file, file_info, publish_video", "chain.agents.distributor"),
])
def test_a_schema_error_does_not_bring_false_reference_errors(tmp_path, old, new, expect):
    text = GOOD.replace(old, new, 1) + ("gates:\n  propagated: {max: 0.1, fault: smtp.transient}\n"
                                        "  per_model:\n    scripted/naive: {silent: {max: 1}}\n")
    path = tmp_path / "p.yaml"
    path.write_text(text)
    errors = check_profile(path).errors
    assert all(expect in str(e) or "chain.agents.distributor" in str(e) for e in errors), [
        str(e) for e in errors]
    assert errors


def test_reference_errors_are_still_found_beside_schema_errors(tmp_path):
    path = broken(tmp_path, [MISTAKES[1], MISTAKES[3], MISTAKES[6]])
    messages = [e.message for e in check_profile(path).errors]
    assert any("unknown key 'episode'" in m for m in messages)
    assert any("unknown agent 'editr'" in m for m in messages)
    assert any("unknown tag 'task_lgo'" in m for m in messages)


def test_a_missing_key_is_not_repeated_for_its_misspelling(tmp_path):
    path = broken(tmp_path, [MISTAKES[2]])
    messages = [e.message for e in check_profile(path).errors]
    assert messages == ["unknown key 'toolz' in chain.agents.editor; did you mean 'tools'? "
                        "(valid: delegates_to, instructions, model, role, tools)"]
