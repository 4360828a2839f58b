"""A real-disk canary: every route a user tool could take to the real disk ends in the fake world
or in a clear refusal, never in a real file (README "Your own tools").

Each route is a tool of a team module; one scripted episode calls them all. A write route aims
at a fresh real folder (outside the episode's world) and must leave it empty; a read route aims
at a real file holding a canary text that must never reach the agent.
"""

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path

import pytest

from chaos.models.scripted import policy
from chaos.profile import parse_profile
from chaos.runner import build_world
from chaos.sim import EpisodePlan, run_episode

MODULE = "chaos_sandbox_canary_tools"
#: A real folder, outside every episode's world.
REAL = Path("/tmp") / f"chaos-canary-{uuid.uuid4().hex}"
CANARY = f"canary-{uuid.uuid4().hex}"

TEAM_TOOLS = f'''
import ctypes
import io
import mmap
import os
import socket
import sqlite3
import sys
import threading
from _io import FileIO as IMPORTED_FILE_IO

import _io
import posix
from sqlite3 import connect as sqlite_connect

REAL = "{REAL}"
SECRET = REAL + "/secret.txt"
LIBC = ctypes.CDLL(None)  # loaded when the module is imported, before any patching
LIBC_OPEN = LIBC.open
O_NEW = os.O_CREAT | os.O_WRONLY


def _target(name):
    return f"{{REAL}}/{{name}}"


# Writes: each must leave REAL empty.
def io_open():
    with _io.open(_target("io_open"), "w") as handle:
        handle.write("x")


def io_fileio():
    _io.FileIO(_target("io_fileio"), "w").write(b"x")


def io_module_fileio():
    io.FileIO(_target("io_module_fileio"), "w").write(b"x")


def imported_fileio():
    IMPORTED_FILE_IO(_target("imported_fileio"), "w").write(b"x")


def posix_open():
    descriptor = posix.open(_target("posix_open"), O_NEW, 0o644)
    posix.write(descriptor, b"x")
    posix.close(descriptor)


def sys_modules_posix():
    real = sys.modules["posix"]
    real.close(real.open(_target("sys_modules_posix"), O_NEW, 0o644))


def local_import_os():
    import os as local_os

    local_os.close(local_os.open(_target("local_import_os"), O_NEW, 0o644))


def posix_mkdir():
    posix.mkdir(_target("posix_mkdir"))


def ctypes_libc_now():
    libc = ctypes.CDLL(None)
    libc.close(libc.open(_target("ctypes_libc_now").encode(), O_NEW, 0o644))


def ctypes_libc_loaded_before():
    return LIBC_OPEN(_target("ctypes_libc_loaded_before").encode(), O_NEW, 0o644)


def sqlite_file():
    connection = sqlite3.connect(_target("sqlite_file"))
    connection.execute("create table t (x)")
    connection.commit()
    connection.close()


def sqlite_attach():
    connection = sqlite3.connect(":memory:")
    connection.execute(f"attach database '{{_target('sqlite_attach')}}' as other")
    connection.execute("create table other.t (x)")
    connection.commit()


def sqlite_attach_imported_connect():
    sqlite_connect(":memory:").execute(
        f"attach database '{{_target('sqlite_attach_imported_connect')}}' as other")


def sqlite_uri_file():
    sqlite3.connect(f"file:{{_target('sqlite_uri_file')}}?mode=rwc", uri=True).execute(
        "create table t (x)")


def sqlite_vacuum_into():
    connection = sqlite3.connect(":memory:")
    connection.execute("create table t (x)")
    connection.execute(f"vacuum into '{{_target('sqlite_vacuum_into')}}'")


def unix_socket():
    server = socket.socket(socket.AF_UNIX)
    server.bind(_target("unix_socket"))
    server.close()


def readline_history():
    import readline

    readline.write_history_file(_target("readline_history"))


def thread_io_open():
    def write():
        try:
            _io.open(_target("thread_io_open"), "w").close()
        except OSError as exc:
            failures.append(exc)

    failures = []
    worker = threading.Thread(target=write)
    worker.start()
    worker.join()
    if failures:
        raise failures[0]


GO = threading.Event()
LEFT_BEHIND = []


def thread_left_running():
    def write_later():
        GO.wait()
        try:
            open(_target("thread_left_running"), "w").close()
        except OSError as exc:
            LEFT_BEHIND.append(exc)

    worker = threading.Thread(target=write_later, daemon=True)
    LEFT_BEHIND.append(worker)
    worker.start()


def mmap_world_file():
    with open("/prod/mapped.bin", "wb") as handle:
        handle.write(b"x" * 4096)
    with open("/prod/mapped.bin", "r+b") as handle:
        mapped = mmap.mmap(handle.fileno(), 4096)
        mapped[:1] = b"y"


def posix_mkfifo():
    posix.mkfifo(_target("posix_mkfifo"))


def posix_pwrite():
    # Descriptor numbers of the world's files are real descriptors' numbers too.
    with open("/prod/pwrite.txt", "w") as handle:
        posix.pwrite(handle.fileno(), b"x", 0)
    os.pwrite(2, b"x", 0)


def posix_closerange():
    posix.closerange(3, 4)  # would close a real descriptor chaos holds


def exit_process():
    os._exit(1)  # would end chaos' own process, and the run with it


def posix_chdir():
    posix.chdir(REAL)


def bz2_file():
    import bz2

    bz2.BZ2File(_target("bz2_file"), "w").close()


def lzma_file():
    import lzma

    lzma.LZMAFile(_target("lzma_file"), "w").close()


def gzip_file():
    import gzip

    gzip.open(_target("gzip_file"), "wb").close()


def tar_file():
    import tarfile

    tarfile.open(_target("tar_file"), "w").close()


def logging_file():
    import logging

    logging.FileHandler(_target("logging_file")).close()


def tempfile_in_real_folder():
    import tempfile

    tempfile.mkstemp(dir=REAL, prefix="tempfile_in_real_folder")


def pathlib_write():
    import pathlib

    pathlib.Path(_target("pathlib_write")).write_text("x")


def honest_work():
    """What a team's tool may do: all of it in the world, or harmless."""
    import concurrent.futures
    import glob
    import json
    from pathlib import Path
    import shutil
    import subprocess
    import tempfile
    import zipfile

    import chaos_sandbox_canary_helper  # imported during the call, from the real disk

    with open("/prod/notes.txt", "w") as handle:
        handle.write(chaos_sandbox_canary_helper.GREETING)
    shutil.copy("/prod/notes.txt", "/prod/copy.txt")
    with zipfile.ZipFile("/prod/notes.zip", "w") as archive:
        archive.write("/prod/copy.txt")
    with tempfile.NamedTemporaryFile("w", delete=False) as scratch:
        scratch.write("scratch")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        sizes = list(pool.map(os.path.getsize, ["/prod/notes.txt", scratch.name]))
    echoed = subprocess.run([sys.executable, "-c", "print('hi')"], capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, check=True).stdout.strip()
    os.makedirs("/prod/scratch/deep")
    pathlib_note = Path("/prod/scratch/deep/note.md")
    pathlib_note.write_text("# note")
    walked = sorted(name for _, _, names in os.walk("/prod/scratch") for name in names)
    found = glob.glob("/prod/scratch/**/*.md", recursive=True)
    shutil.rmtree("/prod/scratch")
    assert walked == ["note.md"] and found == ["/prod/scratch/deep/note.md"]
    assert not os.path.exists("/prod/scratch")
    memory = sqlite3.connect(":memory:")
    memory.execute("attach database 'file:shared?mode=memory&cache=shared' as shared")
    memory.execute("create table t (x)")
    memory.execute("insert into t values (1)")
    return json.dumps({{"sizes": sizes, "zip": zipfile.ZipFile("/prod/notes.zip").namelist(),
                        "subprocess": echoed, "rows": memory.execute("select * from t").fetchall(),
                        "anonymous_map": len(mmap.mmap(-1, 16))}})


# Reads: each must keep CANARY from the agent.
def read_io_open():
    return _io.open(SECRET).read()


def read_open_code():
    return io.open_code(SECRET).read().decode()


def read_posix():
    descriptor = posix.open(SECRET, os.O_RDONLY)
    return posix.read(descriptor, 1000).decode()


def read_linecache():
    import linecache

    return linecache.getline(SECRET, 1)


def list_real_folder():
    return posix.listdir(REAL)
'''

WRITES = ["io_open", "io_fileio", "io_module_fileio", "imported_fileio", "posix_open",
          "sys_modules_posix", "local_import_os", "posix_mkdir", "ctypes_libc_now",
          "sqlite_file", "sqlite_attach", "sqlite_attach_imported_connect",
          "sqlite_uri_file", "sqlite_vacuum_into", "unix_socket", "thread_io_open",
          "posix_mkfifo", "posix_pwrite", "posix_closerange", "posix_chdir", "bz2_file",
          "lzma_file", "gzip_file", "tar_file", "logging_file", "tempfile_in_real_folder",
          "pathlib_write"]
#: Routes no in-process seal can close (README "Your own tools", Limits): C code reached
#: without an audit event. The test shows what happens: the real file is written.
LIMITS = ["ctypes_libc_loaded_before", "readline_history"]
READS = ["read_io_open", "read_open_code", "read_posix", "read_linecache", "list_real_folder"]
OTHERS = ["exit_process", "mmap_world_file", "honest_work", "thread_left_running"]
ROUTES = WRITES + READS + OTHERS + LIMITS

PROFILE = f"""
version: 1
name: sandbox-canary
world:
  generator: sports_media
  params: {{teams: 2, matches_per_team: 1, clips_per_match: 1, stock_clips: 1}}
chain:
  entry: producer
  agents:
    producer:
      instructions: Try every door.
      tools: [{", ".join(ROUTES)}, finish]
task:
  kind: highlight_package
tools:
""" + "".join(f"""  {name}:
    callable: {MODULE}:{name}
    parameters: {{type: object, properties: {{}}}}
""" for name in ROUTES) + "models: [scripted/test-sandbox-canary]\n"


@policy("test-sandbox-canary")
def tries_every_route(brief, ctx):
    for name in ROUTES:
        yield name, {}
    yield "finish", {"result": {"team": brief["team"], "match_date": brief["match_date"],
                                "clips": [], "issues": []}}


@pytest.fixture(scope="module")
def returned(tmp_path_factory):
    """Each route's `tool_returned` event, after one episode tried them all."""
    folder = tmp_path_factory.mktemp("canary-tools")
    (folder / f"{MODULE}.py").write_text(TEAM_TOOLS)
    (folder / "chaos_sandbox_canary_helper.py").write_text("GREETING = 'hello'\n")
    REAL.mkdir()
    (REAL / "secret.txt").write_text(CANARY + "\n")
    sys.path.insert(0, str(folder))
    cwd = os.getcwd()
    try:
        profile = parse_profile(PROFILE)
        plan = EpisodePlan(profile.name, "p.yaml", "scripted/test-sandbox-canary", 0, "chaos")
        run = asyncio.run(run_episode(plan, profile, build_world(profile, 0)))
        assert os.getcwd() == cwd
        yield {e.tool: e for e in run.trace if e.type == "tool_returned"}
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(MODULE, None)
        sys.modules.pop("chaos_sandbox_canary_helper", None)
        for path in REAL.iterdir():
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()
        REAL.rmdir()


@pytest.mark.parametrize("route", WRITES)
def test_a_write_never_reaches_the_real_disk(returned, route):
    assert route in returned, f"{route} was never called"
    event = returned[route]
    assert not list(REAL.glob(f"{route}*")), f"{route} wrote a real file"
    assert not event.ok or event.result.startswith("error:"), event.result


@pytest.mark.parametrize("route", READS)
def test_a_read_never_reaches_the_real_disk(returned, route):
    assert CANARY not in returned[route].result


def test_a_refusal_names_the_route_and_the_way_that_works(returned):
    assert returned["io_fileio"].result == (
        "[Errno 13] opening a real file would reach the real disk: a user tool works on the "
        f"episode's world only (use open, os, pathlib or shutil): '{REAL}/io_fileio'")
    assert returned["sqlite_file"].result.startswith(
        "[Errno 13] sqlite3.connect (an in-memory database, ':memory:', works) would reach")
    assert returned["sqlite_attach"].result == "error: DatabaseError: not authorized"
    assert returned["posix_mkfifo"].result.startswith(
        "[Errno 13] os.mkfifo acts on the real machine, past the episode's world: a user tool")
    assert returned["exit_process"].result.startswith("[Errno 13] os._exit acts on the real")


def test_the_world_is_what_the_sealed_names_see(returned):
    # `import os` inside the function and `posix` both get the episode's world.
    assert returned["local_import_os"].result == (
        f"[Errno 2] No such file or directory: '{REAL}'")
    assert returned["mmap_world_file"].result.startswith("[Errno 13] mmap of descriptor")


def test_honest_work_in_the_world_still_works(returned):
    event = returned["honest_work"]
    assert event.ok, event.result
    assert json.loads(event.result) == {"sizes": [5, 7], "zip": ["prod/copy.txt"],
                                        "subprocess": "hi", "rows": [[1]], "anonymous_map": 16}


def test_a_thread_the_tool_leaves_running_stays_off_the_real_disk(returned):
    tools = sys.modules[MODULE]
    tools.GO.set()  # the episode is over: no patch any more, the thread's open is the real one
    worker, *_ = tools.LEFT_BEHIND
    worker.join()
    assert not (REAL / "thread_left_running").exists()
    assert isinstance(tools.LEFT_BEHIND[1], PermissionError)


@pytest.mark.parametrize("route", LIMITS)
def test_c_code_reached_without_an_audit_event_is_a_documented_limit(returned, route):
    assert returned[route].ok
    assert (REAL / route).exists()
