"""`Finite`: the click type of every float option; nan and inf are no numbers here.

click's `FloatRange` lets `nan` through (every comparison with it is false) and `inf`
through an open-ended range, so `--budget-usd nan` meant no budget and `--episode-timeout
inf` no timeout. Every float option of every command takes this type instead.
"""

from __future__ import annotations

import math
from typing import Any

import click

__all__ = ["Finite"]


class Finite(click.FloatRange):
    """A `click.FloatRange` that refuses nan and inf (exit 2, naming the option)."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        """Parse `value` as a float; refuse nan and inf, then check the range."""
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number; give a number such as "
                      f"{self._example()}", param, ctx)
        return super().convert(number, param, ctx)

    def _example(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{(self.min + self.max) / 2:g}"
        return f"{(self.min or 0) + 1:g}"
