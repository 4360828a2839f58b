import json

import pytest

from chaos.tools import READ_CAP, ToolContext, tools
from chaos.world import generate_world, materialize_world
from tests.helpers import StubChain


@pytest.fixture(scope="module")
def world():
    return generate_world("sports_media", 3)


@pytest.fixture
def call(world):
    fs = materialize_world(world)
    ctx = ToolContext("editor", fs, StubChain())

    def run(name, **arguments):
        definition = tools.get(name)
        try:
            return definition.run(ctx, definition.args.model_validate(arguments))
        except OSError as exc:  # the chain runner turns these into the agent's text
            return str(exc)

    run.fs = fs
    return run


def test_every_tool_has_a_json_schema_for_model_apis():
    for name in (
        "list_dir",
        "find_files",
        "read_file",
        "file_info",
        "write_file",
        "delegate",
        "report_issue",
        "finish",
    ):
        schema = tools.get(name).schema()
        assert schema.parameters["type"] == "object"
        assert schema.parameters["properties"], name
        assert schema.description and "title" not in json.dumps(schema.parameters)


def test_missing_file_gives_the_real_error_text(call):
    assert call("read_file", path="/prod/nope.txt") == (
        "[Errno 2] No such file or directory: '/prod/nope.txt'"
    )


def test_file_info_sniffs_bytes_and_reads_media_tags(call, world):
    clip = world.truth.clips[0]
    info = json.loads(call("file_info", path=clip.path))
    assert info["sniffed_mime"] == "video/mp4"
    assert info["tags"]["artist"] == world.truth.team
    assert info["modified"].endswith("Z")


def test_read_file_returns_text_and_describes_binary(call, world):
    text = json.loads(call("read_file", path=world.truth.shotlist_path))
    assert text["content"].startswith("clip_id,description,duration_s")
    binary = json.loads(call("read_file", path=world.truth.clips[0].path))
    assert binary["binary"] is True and binary["sniffed_mime"] == "video/mp4"


def test_a_one_gigabyte_read_is_capped_and_says_so(call, world):
    result = json.loads(call("read_file", path=world.truth.shotlist_path, max_bytes=1024**3))
    assert result["note"] == f"max_bytes is capped at {READ_CAP}"


def test_huge_write_is_refused_and_host_paths_stay_fake(call, tmp_path):
    assert call("write_file", path="/prod/big.txt", content="x" * (2 * 1024 * 1024)).startswith(
        "error: content is"
    )
    host = tmp_path / "out.txt"
    assert "No such file or directory" in call("write_file", path=str(host), content="hi")
    assert not host.exists()


def test_find_files_and_list_dir(call, world):
    found = json.loads(call("find_files", pattern=f"{world.truth.match_dir}/**/*.jpg"))
    assert found["matches"] and all(m.endswith(".jpg") for m in found["matches"])
    listing = json.loads(call("list_dir", path=world.truth.match_dir))
    names = {e["name"]: e["type"] for e in listing["entries"]}
    assert names["clips"] == "dir" and names["shotlist.csv"] == "file"
    assert call("list_dir", path="/nowhere").startswith("[Errno 2] No such file or directory")


def test_report_issue_reaches_the_chain(call):
    assert call("report_issue", severity="error", summary="gone", paths=["/a"]) == (
        "issue #1 recorded"
    )


def test_a_tool_argument_named_title_stays_in_its_schema():
    from chaos.tools import tools

    schema = tools.get("publish_video").schema().parameters
    assert "title" in schema["properties"]
    assert set(schema["required"]) <= set(schema["properties"])
    assert "title" not in schema  # pydantic's own titles are dropped
