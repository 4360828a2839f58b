"""Own-agent test helpers: the small release profile, scripts, whether a process lives."""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
RELEASE = HERE / "release.yaml"


def alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie waiting to be reaped does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def release_profile(tmp_path: Path, **chain: object):
    """The release profile as a file in `tmp_path`, its chain's own agent replaced by `chain`."""
    import yaml

    from chaos.profile import load_profile

    data = yaml.safe_load(RELEASE.read_text())
    data["chain"].pop("function", None)
    data["chain"].update(chain)
    path = tmp_path / "release.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_profile(path)


def script(tmp_path: Path, name: str, body: str) -> list[str]:
    """A Python script in `tmp_path` and the command that runs it."""
    import sys

    path = tmp_path / name
    path.write_text(body)
    return [sys.executable, os.fspath(path)]
