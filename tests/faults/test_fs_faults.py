"""Each filesystem fault, met the way an agent meets it: through its tools, with real errnos
and real altered bytes."""

import errno
import json
import random

import pytest

from chaos.faults import FaultContext, fault_kinds
from chaos.tools import ToolContext, tools
from chaos.world import generate_world, materialize_world, sha256
from tests.helpers import StubChain


@pytest.fixture(scope="module")
def world():
    return generate_world("sports_media", 9)


@pytest.fixture
def inject(world):
    """inject(kind, target, **params) -> (call, taint): call(tool, **args) returns the text an
    agent gets, or raises the OSError the chain runner would turn into that text."""

    def run(kind, target, **params):
        fs = materialize_world(world)
        cls = fault_kinds.get(kind)
        taint = cls(cls.Params(**params)).inject(
            FaultContext(world, fs, random.Random(1), [world.files[target]]))
        ctx = ToolContext("editor", fs, StubChain())

        def call(name, **arguments):
            definition = tools.get(name)
            return definition.run(ctx, definition.args.model_validate(arguments))

        call.fs = fs
        return call, taint

    return run


def clip(world):
    return world.truth.clips[0].path


def info(call, path):
    return json.loads(call("file_info", path=path))


def test_missing_gives_enoent(inject, world):
    call, _ = inject("fs.missing", clip(world))
    with pytest.raises(FileNotFoundError) as exc:
        call("read_file", path=clip(world))
    assert str(exc.value) == f"[Errno 2] No such file or directory: '{clip(world)}'"


def test_vanish_after_list_is_listed_then_gone_on_open(inject, world):
    path = clip(world)
    call, _ = inject("fs.vanish_after_list", path)
    folder, name = path.rsplit("/", 1)
    assert name in [e["name"] for e in json.loads(call("list_dir", path=folder))["entries"]]
    with pytest.raises(OSError) as exc:
        call("file_info", path=path)
    assert exc.value.errno == errno.ENOENT
    assert not call.fs.exists(path)


def test_permission_denied_lists_but_refuses_to_open(inject, world):
    path = clip(world)
    call, _ = inject("fs.permission_denied", path)
    assert path in json.loads(call("find_files", pattern=path))["matches"]
    with pytest.raises(PermissionError) as exc:
        call("read_file", path=path)
    assert exc.value.errno == errno.EACCES and exc.value.strerror == "Permission denied"


def test_io_error_fails_n_times_then_reads(inject, world):
    path = clip(world)
    call, _ = inject("fs.io_error", path, times=2)
    for _ in range(2):
        with pytest.raises(OSError) as exc:
            call("file_info", path=path)
        assert exc.value.errno == errno.EIO and "Input/output error" in str(exc.value)
    assert info(call, path)["sha256"] == world.files[path].digest


def test_slow_io_costs_simulated_time_and_times_out(inject, world):
    path = clip(world)
    call, _ = inject("fs.slow_io", path, delay_ms=45_000)
    with pytest.raises(OSError) as exc:
        call("read_file", path=path)
    assert exc.value.errno == errno.ETIMEDOUT
    assert call.fs.take_delay() == 30_000
    call("read_file", path=path)
    assert call.fs.take_delay() == 0


def test_disk_full_gives_enospc_on_write(inject, world):
    target = "/prod/distribution/platforms.json"
    call, _ = inject("fs.disk_full", target)
    with pytest.raises(OSError) as exc:
        call("write_file", path=world.truth.manifest_path, content="{" + " " * 4096 + "}")
    assert exc.value.errno == errno.ENOSPC


def test_truncated_corrupt_and_empty_change_the_bytes_not_the_name(inject, world):
    path = clip(world)
    original = world.files[path]
    truncated, _ = inject("fs.truncated", path, keep=0.5)
    assert info(truncated, path)["size"] == len(original.data) // 2
    assert info(truncated, path)["integrity"] == "truncated"
    assert info(truncated, path)["sniffed_mime"] == "video/mp4"
    corrupt, _ = inject("fs.corrupt", path)
    details = info(corrupt, path)
    assert details["size"] == len(original.data)
    assert details["sha256"] != original.digest
    sums = json.loads(corrupt("read_file", path=path.rsplit("/", 1)[0] + "/SHA256SUMS"))
    assert f"{original.digest}  {path.rsplit('/', 1)[1]}" in sums["content"]
    empty, _ = inject("fs.empty", path)
    assert info(empty, path)["size"] == 0 and info(empty, path)["integrity"] == "empty"


def test_wrong_extension_puts_a_jpeg_under_mp4(inject, world):
    path = clip(world)
    call, _ = inject("fs.wrong_extension", path)
    details = info(call, path)
    assert details["sniffed_mime"] == "image/jpeg"
    assert details["extension_mime"] == "video/mp4"


def test_stale_version_looks_newer_and_holds_an_older_cut(inject, world):
    path = clip(world)
    call, taint = inject("fs.stale_version", path)
    (stale,) = taint.paths
    assert stale.rsplit("/", 1)[1].startswith("LATEST ")
    new, old = info(call, stale), info(call, path)
    assert new["modified"] > old["modified"]
    assert new["tags"]["date"] < old["tags"]["date"]


@pytest.mark.parametrize(("encoding", "head"), [("utf-8-sig", b"\xef\xbb\xbfclip_id"),
                                                 ("utf-16", b"\xff\xfec\x00")])
def test_encoding_re_saves_the_text(inject, world, encoding, head):
    path = world.truth.shotlist_path
    call, _ = inject("fs.encoding", path, encoding=encoding)
    assert call.fs.read_all(path).startswith(head)
    text = json.loads(call("read_file", path=path))
    if encoding == "utf-16":
        assert text["binary"] is True
    else:
        assert text["content"].startswith("\ufeffclip_id")


def test_ambiguous_and_decoy_change_what_a_search_finds_first(inject, world):
    path = clip(world)
    clip_id = world.truth.clips[0].clip_id
    pattern = f"{world.truth.match_dir}/**/*{clip_id}*.mp4"
    for kind in ("fs.ambiguous_name", "fs.decoy"):
        call, taint = inject(kind, path)
        first = json.loads(call("find_files", pattern=pattern, ignore_case=True))["matches"][0]
        assert first != path and first in taint.paths
        assert sha256(call.fs.read_all(first)) in taint.digests


def test_slow_io_under_the_timeout_only_costs_time(inject, world):
    path = clip(world)
    call, _ = inject("fs.slow_io", path, delay_ms=5_000, times=2)
    call("read_file", path=path)
    assert call.fs.take_delay() == 5_000


@pytest.mark.parametrize(("p", "fails"), [(1.0, True), (0.0, False)])
def test_io_error_with_a_probability(inject, world, p, fails):
    path = clip(world)
    call, _ = inject("fs.io_error", path, probability=p)
    if fails:
        for _ in range(5):
            with pytest.raises(OSError):
                call("read_file", path=path)
    else:
        call("read_file", path=path)


def test_content_faults_fire_on_open_not_on_a_listing(world):
    from chaos.faults import FaultContext
    from chaos.profile import FaultSpecBase
    from chaos.sim import ActiveFault, FaultMonitor
    from chaos.sim._triggers import TriggerState

    fs = materialize_world(world)
    path = clip(world)
    cls = fault_kinds.get("fs.corrupt")
    spec = FaultSpecBase(id="c")
    active = ActiveFault(spec, cls(cls.Params()), [world.files[path]], random.Random(0),
                         TriggerState(spec.trigger, random.Random(0)))
    events = []
    monitor = FaultMonitor([active], world, fs, lambda event, /, **f: events.append(event))
    monitor.start(0)
    ctx = ToolContext("editor", fs, StubChain())
    tools.get("list_dir").run(ctx, tools.get("list_dir").args(path=path.rsplit("/", 1)[0]))
    monitor.after_tool("editor", "list_dir", "c1", 1, 10)
    assert not active.fired
    tools.get("file_info").run(ctx, tools.get("file_info").args(path=path))
    monitor.after_tool("editor", "file_info", "c2", 2, 20)
    assert active.fired and active.touched[1] == 20
    assert FaultContext  # the context type the faults receive
