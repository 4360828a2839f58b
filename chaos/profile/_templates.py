"""Commented starting points for new profiles (`chaos new NAME --from TEMPLATE`)."""

from __future__ import annotations

import re
import shlex
from importlib import resources
from pathlib import Path

from chaos._registry import did_you_mean
from chaos.errors import InputError

__all__ = ["TEMPLATES", "new_profile_text", "write_new_profile"]

#: The templates `chaos new` knows, the default first.
TEMPLATES = ("blank", "sports-production", "sports-rubric", "minimal")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def new_profile_text(name: str, template: str = TEMPLATES[0], file: str | None = None) -> str:
    """A commented profile called `name`, from `template`.

    Args:
        name: The profile's name ([A-Za-z0-9_.-]).
        template: One of TEMPLATES.
        file: The file name the comments' example commands use (default: NAME.yaml).

    Raises:
        InputError: An invalid name or an unknown template.
    """
    if not _NAME.match(name):
        raise InputError(f"profile name '{name}' may hold only letters, digits, '_', '.' and "
                         "'-'; for example: chaos new my-pipeline")
    if template not in TEMPLATES:
        raise InputError(f"unknown template '{template}'{did_you_mean(template, list(TEMPLATES))}"
                         f" (valid: {', '.join(TEMPLATES)})")
    text = resources.files("chaos.profile").joinpath("templates", f"{template}.yaml").read_text(
        encoding="utf-8")
    return text.replace("__NAME__", name).replace("__FILE__", shlex.quote(file or f"{name}.yaml"))


def write_new_profile(name: str, template: str = TEMPLATES[0], out: Path | None = None) -> Path:
    """Write a new profile file; never overwrites.

    Args:
        name: The profile's name.
        template: One of TEMPLATES.
        out: The file to write (default: NAME.yaml in the current folder).

    Returns:
        The file written.

    Raises:
        InputError: An invalid name or template, a file already there, a folder that cannot
            be made.
    """
    path = out if out is not None else Path(f"{name}.yaml")
    text = new_profile_text(name, template, str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder {path.parent} ({exc.strerror or exc}); "
                         "choose another path") from None
    if not path.parent.is_dir():
        raise InputError(f"{path.parent} is not a folder; choose another path")
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise InputError(f"{path} already exists; chaos new never overwrites a file: choose "
                         "another NAME or --out, or remove it") from None
    except OSError as exc:
        raise InputError(f"cannot write {path} ({exc.strerror}); choose another --out") from None
    return path
