import json

import jsonschema
import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.errors import InputError
from chaos.report import SCHEMA_PATH, load_results, results_schema
from chaos.report._schema import results_schema_text


def test_the_shipped_schema_is_the_results_model():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == results_schema_text(), (
        "chaos/report/results.schema.json is out of date with chaos/results.py; regenerate it "
        "with: python -m chaos.report._update_schema"
    )


def test_a_real_results_file_validates_against_the_shipped_schema(sports_run):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    data = json.loads((sports_run / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    data["episodes"][0]["arm"] = "sideways"
    with pytest.raises(jsonschema.ValidationError, match="sideways"):
        jsonschema.validate(data, schema)


def test_the_schema_names_its_dialect_and_the_contract_fields():
    schema = results_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["required"]) >= {"profiles", "episodes", "summary"}
    episode = schema["$defs"]["EpisodeResult"]
    assert {"key", "reproduce", "trace", "faults", "arm"} <= set(episode["required"])


def test_report_json_validates_and_prints_the_path(sports_run):
    result = CliRunner().invoke(main, ["report", str(sports_run), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert str(sports_run / "results.json") in result.output
    assert not (sports_run / "junit.xml").exists()


def test_a_results_file_that_breaks_the_model_names_the_field(sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    data = json.loads((run / "results.json").read_text())
    data["episodes"][3]["arm"] = "sideways"
    (run / "results.json").write_text(json.dumps(data))
    result = CliRunner().invoke(main, ["report", str(run), "--format", "json"])
    assert result.exit_code == 2
    assert "episodes[3].arm" in result.output and "results.json" in result.output
    assert "Traceback" not in result.output


def test_results_that_are_not_json_name_line_and_column(tmp_path):
    (tmp_path / "results.json").write_text('{\n  "version": 1,\n  "episodes": [,]\n}\n')
    with pytest.raises(InputError, match=r"results\.json:3:16: not valid JSON"):
        load_results(tmp_path)


def test_a_directory_without_results_says_what_to_name(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "no results.json here" in result.output


def test_results_from_a_newer_chaos_ask_for_an_upgrade(sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    data = json.loads((run / "results.json").read_text())
    data["version"] = 99
    (run / "results.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="newer chaos"):
        load_results(run)


def test_fields_this_chaos_does_not_know_suggest_an_upgrade(sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    data = json.loads((run / "results.json").read_text())
    data["episodes"][0]["judge_model"] = "a newer field"
    (run / "results.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"episodes\[0\]\.judge_model.*upgrade chaos-sim"):
        load_results(run)
