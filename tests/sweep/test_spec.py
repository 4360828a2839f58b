import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.errors import ProfileError
from chaos.sweep import expand, load_sweep, parse_seeds


@pytest.mark.parametrize(("text", "seeds"), [
    ("0-4", [0, 1, 2, 3, 4]),
    ("3", [3]),
    ("0,5,7", [0, 5, 7]),
    ("0-2, 10-11", [0, 1, 2, 10, 11]),
    ([4, "6-7"], [4, 6, 7]),
    (9, [9]),
])
def test_seeds_are_ranges_lists_or_both(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize(("text", "problem"), [
    ("5-2", "runs backwards"),
    ("0-3,2", "seed 2 appears twice"),
    ("a-b", "not a seed or a range"),
    ([-1], "negative"),
    ("", "no seeds"),
])
def test_bad_seeds_say_what_is_wrong(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_seeds(text)


def test_a_sweep_file_resolves_paths_from_its_folder_and_takes_its_id_from_its_name(tmp_path):
    folder = tmp_path / "nightly"
    folder.mkdir()
    path = folder / "models-night.yaml"
    path.write_text("version: 1\nprofiles: [../profiles/p.yaml]\nseeds: 0-9\n"
                    "store: state/h.db\nmodels: [scripted/careful]\n")
    spec = load_sweep(path)
    assert spec.id == "models-night"
    assert spec.profiles == [str(tmp_path / "profiles" / "p.yaml")]
    assert spec.store == str(folder / "state" / "h.db")
    assert spec.seeds == list(range(10))


def test_a_misspelt_key_is_located_with_a_suggestion(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("version: 1\nprofiles: [p.yaml]\nmodel: [scripted/careful]\n")
    with pytest.raises(ProfileError) as error:
        load_sweep(path)
    assert str(error.value).startswith(f"{path}:3:1: unknown key 'model'")
    assert "did you mean 'models'?" in str(error.value)


def test_a_bad_value_is_located_at_its_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("version: 1\nprofiles: [p.yaml]\nseeds: 9-3\nbackend: local\n")
    with pytest.raises(ProfileError, match=r":3:8: seeds: range 9-3 runs backwards"):
        load_sweep(path)


def test_the_matrix_keeps_chaos_runs_plan_order_and_keys(profile_path):
    from chaos.sweep import SweepSpec

    matrix = expand(SweepSpec(id="x", profiles=[profile_path], seeds=[3, 1],
                              models=["scripted/naive", "scripted/careful"]))
    keys = [p.key for p in matrix.plans()]
    assert keys[:4] == ["sports-production/scripted-naive/seed-3/clean",
                        "sports-production/scripted-naive/seed-3/chaos",
                        "sports-production/scripted-careful/seed-3/clean",
                        "sports-production/scripted-careful/seed-3/chaos"]
    assert matrix.total == len(keys) == 8
    batches = list(matrix.batches({keys[0]}, size=3))
    assert [len(b.plans) for b in batches] == [3, 4]  # whole seeds, the stored one left out
    assert {p.seed for p in batches[0].plans} == {3}


@pytest.mark.parametrize(("args", "message"), [
    (["--seeds", "3-1"], "--seeds 3-1: range 3-1 runs backwards"),
    (["--model", "scripted/carefull"], "did you mean 'careful'?"),
    (["--sweep-id", "a b"], "--sweep-id 'a b'"),
    (["--scheduler", "tcp://x:1"], "--scheduler is for --backend dask"),
])
def test_bad_options_exit_2_with_one_line(profile_path, tmp_path, args, message):
    result = CliRunner().invoke(main, ["sweep", profile_path, "--store",
                                       str(tmp_path / "h.db"), "--out", str(tmp_path / "o"),
                                       *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_sweep_file_cannot_be_mixed_with_profiles(profile_path, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(f"version: 1\nprofiles: [{profile_path}]\n")
    result = CliRunner().invoke(main, ["sweep", str(path), profile_path])
    assert result.exit_code == 2
    assert "is a sweep file: name it alone" in result.output


def test_batches_hold_several_waves_of_the_episodes_in_flight(profile_path):
    from chaos.sweep import SweepSpec
    from chaos.sweep._run import batch_size

    def spec(**kw):
        return SweepSpec(id="x", profiles=[profile_path], seeds=[0], **kw)

    assert batch_size(spec(), 500, 2) == 16  # scripted: small batches balance the load
    assert batch_size(spec(backend="dask"), 500, 2) == 64
    # Remote models: one share of the sweep per worker, and at least 4 waves of 25.
    assert batch_size(spec(concurrency=25), 500, 2) == 250
    assert batch_size(spec(concurrency=25), 40, 2) == 100
    assert batch_size(spec(concurrency=25, batch_size=8), 500, 2) == 8  # the user's stands
