"""Profiles with declared world files, for the world tests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from chaos.profile import check_profile

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


def readme_world_profile() -> str:
    """The profile of the README's "World files" section, as written."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("### World files"):]
    return re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)


def with_files(files_yaml: str, generator: bool = True) -> str:
    """A runnable sports profile whose world also declares `files_yaml` (a YAML list)."""
    text = readme_world_profile()
    head, rest = text.split("  files:\n", 1)
    tail = rest[rest.index("chain:\n"):]
    if not generator:
        head = head.replace("  generator: sports_media        # optional: omit it for a world "
                            "of these files only\n  params: {teams: 2, matches_per_team: 1}\n",
                            "")
        tail = re.sub(r"faults:\n(  - .*\n)+", "faults: []\n", tail)
    indented = "".join(f"    {line}\n" for line in files_yaml.strip("\n").split("\n"))
    return f"{head}  files:\n{indented}{tail}"


def check(tmp_path: Path, text: str, fixtures: bool = True):
    """Write `text` as tmp_path/p.yaml (with the fixture folder `matters/` beside it)."""
    if fixtures and not (tmp_path / "matters").exists():
        shutil.copytree(FIXTURES / "matters", tmp_path / "matters")
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return check_profile(path)
