import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from chaos.errors import InputError
from chaos.sweep import SweepStore
from tests.sweep.conftest import episode, store_sweep, sweep


def test_each_episode_is_stored_once(tmp_path):
    with SweepStore(str(tmp_path / "h.db")) as store:
        e = episode("p", "m/a", 0, "chaos", outcomes={"fs.decoy": "propagated"})
        store_sweep(store, "s1", [e])
        assert store.add("s1", "0" * 64, json.loads(e.model_dump_json()),
                         e.model_dump_json()) is False
        assert store.count("s1") == 1
        assert store.keys("s1") == {e.key}


def test_a_sqlite_store_is_one_file_in_wal_mode(tmp_path):
    with SweepStore(str(tmp_path / "h.db")) as store:
        store_sweep(store, "s1", [episode("p", "m/a", 0, "clean")])
    import sqlite3

    connection = sqlite3.connect(tmp_path / "h.db")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexes = {row[1] for row in connection.execute("PRAGMA index_list(faults)")}
    assert "ix_faults_sweep_model_kind" in indexes


def test_resuming_with_an_edited_profile_is_refused(tmp_path, profile_path):
    edited = tmp_path / "sports-production.yaml"
    shutil.copyfile(profile_path, edited)
    sweep(tmp_path, str(edited), "night", seeds=[0], models=["scripted/naive"], arms=["clean"])
    edited.write_text(edited.read_text() + "\n# edited\n")
    with pytest.raises(InputError, match=r"changed since sweep 'night' began.*--no-resume"):
        sweep(tmp_path, str(edited), "night", seeds=[0], models=["scripted/naive"],
              arms=["clean"])
    again = sweep(tmp_path, str(edited), "night", seeds=[0], models=["scripted/naive"],
                  arms=["clean"], options={"resume": False})
    assert again.ran == 1


def test_a_sqlalchemy_url_works_like_a_path(tmp_path, profile_path):
    url = f"sqlite:///{tmp_path / 'url.db'}"
    outcome = sweep(tmp_path, profile_path, "u", store=url, seeds=[0],
                    models=["scripted/careful"], arms=["clean"])
    assert outcome.ran == 1
    with SweepStore(url) as store:
        assert store.count("u") == 1


def test_a_store_url_without_its_driver_names_the_extra(tmp_path):
    with pytest.raises(InputError, match=r"not a usable store.*chaos-sim\[postgres\]"):
        SweepStore("postgresql+nosuchdriver://u@localhost/db")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL server (Debian's postgresql package), or skip."""
    pytest.importorskip("psycopg")
    bindir = Path("/usr/lib/postgresql")
    initdb = sorted(bindir.glob("*/bin/initdb")) if bindir.is_dir() else []
    if not initdb:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    bin_dir = initdb[-1].parent
    data = Path(tempfile.mkdtemp(prefix="chaos-pg-"))  # under /tmp: the postgres user reaches it
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser")
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    init = subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data / "db"), "-A",
                           "trust", "-U", "chaos"], capture_output=True, text=True)
    if init.returncode:
        pytest.skip(f"initdb failed: {init.stderr[-300:]}")
    server = subprocess.Popen([*as_user, str(bin_dir / "postgres"), "-D", str(data / "db"),
                               "-p", str(port), "-k", str(data), "-c",
                               "listen_addresses=127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"postgresql+psycopg://chaos@127.0.0.1:{port}/postgres"
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.skip("PostgreSQL did not start")
        yield url
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(data, ignore_errors=True)


def test_a_postgresql_store_holds_a_sweep(tmp_path, profile_path, postgres_url):
    first = sweep(tmp_path, profile_path, "pg", store=postgres_url, seeds=[0, 1],
                  models=["scripted/naive"])
    local = sweep(tmp_path, profile_path, "lite", seeds=[0, 1], models=["scripted/naive"])
    assert first.ran == 4
    assert first.results_path.read_bytes() == local.results_path.read_bytes()
    again = sweep(tmp_path, profile_path, "pg", store=postgres_url, seeds=[0, 1, 2],
                  models=["scripted/naive"], options={"out": tmp_path / "pg2"})
    assert again.ran == 2  # only seed 2 was missing
    with SweepStore(postgres_url) as store:
        assert store.count("pg") == 6
        assert [s.id for s in store.sweeps()] == ["pg"]
