"""Test-only scripted policies, loaded into sweep workers as a plugin (`--plugin`).

- `flaky` is `careful`, except that for one match in five its producer's model call raises
  (10 %) or blocks its process for a minute (10 %), decided by the match, so the same seeds
  fail in every process;
- `fatal` is `careful`, except that for one match in five it kills its own process (SIGKILL);
- `slow` is `careful` taking 10 ms of wall-clock time per producer call, so that a sweep lasts
  long enough to be killed in the middle, however fast episodes get.
"""

from __future__ import annotations

import os
import signal
import time
import zlib
from typing import Any

from chaos.models.scripted import policies, policy

RAISED = "flaky model: the provider answered 500 three times"


def fate(brief: dict[str, Any]) -> str:
    """`raise`, `hang` or `ok`: what `flaky` does on this match (`fatal`: `raise` kills)."""
    digest = zlib.crc32(f"{brief.get('team')}|{brief.get('match_date')}".encode()) % 10
    return {0: "raise", 1: "hang"}.get(digest, "ok")


def _careful(brief: dict[str, Any], context: Any) -> Any:
    return policies.get("careful")(brief, context)


@policy("flaky")
def flaky(brief: dict[str, Any], context: Any) -> Any:
    if brief.get("step") == "produce_package":
        what = fate(brief)
        if what == "raise":
            raise RuntimeError(RAISED)
        if what == "hang":
            time.sleep(60)  # blocks the event loop: only the worker's watchdog can stop it
    return _careful(brief, context)


@policy("fatal")
def fatal(brief: dict[str, Any], context: Any) -> Any:
    if brief.get("step") == "produce_package" and fate(brief) != "ok":
        os.kill(os.getpid(), signal.SIGKILL)
    return _careful(brief, context)


@policy("slow")
def slow(brief: dict[str, Any], context: Any) -> Any:
    if brief.get("step") == "produce_package":
        time.sleep(0.01)
    return _careful(brief, context)
