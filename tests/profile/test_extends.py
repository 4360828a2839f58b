import hashlib

import pytest

from chaos.errors import ProfileError
from chaos.profile import check_profile, load_profile
from tests.conftest import SPORTS


def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def line_of(path, needle):
    return next(i for i, row in enumerate(path.read_text().splitlines(), 1) if needle in row)


@pytest.fixture
def base(tmp_path):
    """The ready profile, copied into a `bases/` folder."""
    return write(tmp_path, "bases/sports.yaml", SPORTS.read_text())


def test_maps_merge_lists_replace_and_null_removes(tmp_path, base):
    child = write(tmp_path, "child.yaml", """\
version: 1
extends: bases/sports.yaml
name: child
world:
  params: {teams: 3}
chain:
  agents:
    qa: null
    producer:
      delegates_to: [editor, distributor]
models: [scripted/naive]
""")
    profile = load_profile(child).profile
    parent = load_profile(base).profile
    assert profile.name == "child"
    assert profile.world.params == {**parent.world.params, "teams": 3}
    assert sorted(profile.chain.agents) == ["distributor", "editor", "producer"]
    assert profile.chain.agents["producer"].delegates_to == ["editor", "distributor"]
    # the rest of the producer is inherited, key by key
    assert profile.chain.agents["producer"].tools == parent.chain.agents["producer"].tools
    assert [m.id for m in profile.models] == ["scripted/naive"]
    assert profile.faults == parent.faults
    assert profile.limits == parent.limits


def test_faults_plus_appends_to_the_inherited_faults(tmp_path, base):
    child = write(tmp_path, "child.yaml", """\
version: 1
extends: bases/sports.yaml
faults+:
  - {id: extra-decoy, kind: fs.decoy, params: {folder: Stock}}
""")
    ids = [f.id for f in load_profile(child).profile.faults]
    assert ids == [f.id for f in load_profile(base).profile.faults] + ["extra-decoy"]


def test_a_chain_of_extends_applies_nearest_last(tmp_path, base):
    write(tmp_path, "bases/middle.yaml",
          "version: 1\nextends: sports.yaml\nepisodes: 7\nseed: 3\n"
          "faults+: [{id: mid, kind: fs.empty}]\n")
    child = write(tmp_path, "leaf.yaml", "version: 1\nextends: bases/middle.yaml\nseed: 5\n"
                                         "faults+: [{id: leaf, kind: fs.corrupt}]\n")
    loaded = load_profile(child)
    assert (loaded.profile.episodes, loaded.profile.seed) == (7, 5)
    assert [f.id for f in loaded.profile.faults][-2:] == ["mid", "leaf"]
    assert loaded.sources == (str(child), str(tmp_path / "bases/middle.yaml"),
                              str(tmp_path / "bases/sports.yaml"))


def test_the_hash_covers_every_file_read(tmp_path, base):
    child = write(tmp_path, "child.yaml", "version: 1\nextends: bases/sports.yaml\n")
    before = load_profile(child).sha256
    assert before != hashlib.sha256(child.read_bytes()).hexdigest()
    base.write_text(base.read_text().replace("episodes: 20", "episodes: 21"))
    assert load_profile(child).sha256 != before, "a changed base is a changed profile"
    assert load_profile(base).sha256 == hashlib.sha256(base.read_bytes()).hexdigest()


def test_an_error_points_into_the_file_that_holds_the_wrong_value(tmp_path, base):
    base.write_text(base.read_text().replace("kind: fs.decoy", "kind: fs.decoi"))
    child = write(tmp_path, "child.yaml", "version: 1\nextends: bases/sports.yaml\n"
                                          "episodes: many\n")
    errors = check_profile(child).errors
    located = {(e.path, e.line) for e in errors}
    assert (str(child), 3) in located
    assert (str(base), line_of(base, "fs.decoi")) in located
    assert any("did you mean 'fs.decoy'?" in str(e) for e in errors)


def test_a_reference_error_points_at_the_override(tmp_path, base):
    child = write(tmp_path, "child.yaml", """\
version: 1
extends: bases/sports.yaml
chain:
  agents:
    producer:
      delegates_to: [editor, qa, distributer]
""")
    with pytest.raises(ProfileError) as info:
        load_profile(child)
    assert (info.value.path, info.value.line) == (str(child), 6)
    assert "did you mean 'distributor'?" in info.value.message


@pytest.mark.parametrize(("files", "expect", "where"), [
    ({"a.yaml": "version: 1\nextends: b.yaml\n", "b.yaml": "version: 1\nextends: ./a.yaml\n"},
     "extends cycle: a.yaml -> b.yaml -> a.yaml", ("b.yaml", 2)),
    ({"a.yaml": "version: 1\nextends: a.yaml\n"}, "extends cycle: a.yaml -> a.yaml",
     ("a.yaml", 2)),
    ({"a.yaml": "version: 1\nextends: gone.yaml\n"},
     "extends: gone.yaml: profile file not found; the path is relative", ("a.yaml", 2)),
    ({"a.yaml": "version: 1\nextends: [b.yaml]\n"}, "extends names the profile",
     ("a.yaml", 2)),
    ({"a.yaml": "version: 1\nextends: b.yaml\n", "b.yaml": "name: b\n"},
     "add 'version: 1'", ("b.yaml", 1)),
    ({"a.yaml": "version: 1\nname: a\nfaults+: []\n"}, "'faults+' appends to an inherited "
     "list, but this file extends no profile", ("a.yaml", 3)),
    ({"a.yaml": "version: 1\nextends: s.yaml\nfaults: []\nfaults+: []\n"},
     "both 'faults' and 'faults+' are given", ("a.yaml", 4)),
    ({"a.yaml": "version: 1\nextends: s.yaml\nname+: [x]\n"},
     "'name+' appends to the inherited 'name', which is not a list", ("a.yaml", 3)),
    ({"a.yaml": "version: 1\nextends: s.yaml\nfaults+: {id: x}\n"},
     "'faults+' appends a list", ("a.yaml", 3)),
])
def test_extends_mistakes_are_located(tmp_path, files, expect, where):
    write(tmp_path, "s.yaml", SPORTS.read_text())
    for name, text in files.items():
        write(tmp_path, name, text)
    errors = check_profile(tmp_path / "a.yaml").errors
    match = [e for e in errors if expect in e.message.replace(f"{tmp_path}/", "")]
    assert match, [str(e) for e in errors]
    assert (match[0].path, match[0].line) == (str(tmp_path / where[0]), where[1])


def test_a_broken_base_is_reported_in_the_base_not_as_a_cascade(tmp_path):
    write(tmp_path, "base.yaml", "version: 1\nname: [unclosed\n")
    child = write(tmp_path, "child.yaml", "version: 1\nextends: base.yaml\n")
    errors = check_profile(child).errors
    assert len(errors) == 1
    assert errors[0].path == str(tmp_path / "base.yaml")
    assert "YAML syntax error" in errors[0].message
