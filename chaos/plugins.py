"""Plugins: faults, tools, worlds, task kinds, scripted agents, model providers and sinks.

A plugin is an installed package that names, in the entry-point group `chaos`, a module or a
callable::

    [project.entry-points.chaos]
    acme = "chaos_acme"                  # a module: importing it registers its parts
    acme-late = "chaos_acme.extra:setup"  # a callable: called once, with no arguments

Either way the plugin registers with the public decorators — `chaos.faults.fault`,
`chaos.tools.tool`, `chaos.world.world_generator`, `chaos.tasks.task_kind`,
`chaos.models.scripted.policy`, `chaos.models.provider`, `chaos.sinks.sink` — exactly as the
built-ins do. Plugins are loaded once per process, lazily: the first time any registry is
read (a profile validated, `chaos faults` listed), after the built-ins, in entry-point name
order.

A plugin that fails — it does not import, it raises, or it registers a name that is taken — is
left out whole (whatever it registered before failing is removed again) and a warning on stderr
names it and the fix; chaos goes on. `CHAOS_NO_PLUGINS=1` turns loading off.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from chaos._registry import NameClash, Registry

__all__ = ["DISABLE_ENV", "ENTRY_POINT_GROUP", "PluginReport", "import_modules", "load_plugins",
           "loaded_plugins"]

ENTRY_POINT_GROUP = "chaos"
DISABLE_ENV = "CHAOS_NO_PLUGINS"
#: Packages whose imports register the built-ins; imported before any plugin, so that a plugin
#: reusing a built-in name is the one refused.
BUILTINS = ("chaos.faults", "chaos.tools", "chaos.world", "chaos.tasks", "chaos.models.scripted",
            "chaos.sinks")


@dataclass(frozen=True)
class PluginReport:
    """What became of one entry point.

    Attributes:
        name: The entry point's name.
        value: What it points at (`module` or `module:callable`).
        distribution: The installed package that declares it, if known.
        error: Why it was left out; None when it loaded.
        added: Per registry kind ("fault kind", "tool"...), the names it registered.
    """

    name: str
    value: str
    distribution: str | None
    error: str | None = None
    added: dict[str, list[str]] = field(default_factory=dict)

    @property
    def loaded(self) -> bool:
        """Whether the plugin is in use."""
        return self.error is None


_reports: list[PluginReport] = []


def plugins_disabled() -> bool:
    """Whether `CHAOS_NO_PLUGINS` turns plugins off (any value but empty or `0`)."""
    return os.environ.get(DISABLE_ENV, "") not in ("", "0")


def _warn(message: str) -> None:
    print(f"chaos: warning: {message}", file=sys.stderr)


def _distribution(point: EntryPoint) -> str | None:
    dist = getattr(point, "dist", None)
    return None if dist is None else f"{dist.name} {dist.version}"


def _fix(point: EntryPoint, dist: str | None, exc: BaseException) -> str:
    """How to get rid of the warning."""
    off = f"or set {DISABLE_ENV}=1 to load no plugins"
    remove = f"uninstall it (pip uninstall {dist.split()[0]})" if dist else "uninstall it"
    if isinstance(exc, NameClash):
        return (f"the plugin must give its parts names of their own (a prefix such as "
                f"'{point.name}.'): update or {remove}, {off}")
    if isinstance(exc, ImportError):
        return f"install what it needs, update or {remove}, {off}"
    return f"update or {remove}, {off}"


def _load_one(point: EntryPoint, warn: Callable[[str], None]) -> PluginReport:
    """Load one entry point; on failure, take back whatever it registered."""
    dist = _distribution(point)
    before = {id(r): (r, r.snapshot()) for r in Registry.instances}
    try:
        target = point.load()
        if callable(target) and not isinstance(target, ModuleType):
            target()
    except (Exception, SystemExit) as exc:
        for registry, entries in before.values():
            registry.restore(entries)
        reason = f"{type(exc).__name__}: {exc}"
        warn(f"plugin '{point.name}' ({point.value}"
              f"{', from ' + dist if dist else ''}) was not loaded: {reason}; "
              f"{_fix(point, dist, exc)}")
        return PluginReport(point.name, point.value, dist, error=reason)
    added: dict[str, list[str]] = {}
    for registry in Registry.instances:
        old = before.get(id(registry), (registry, {}))[1]
        new = sorted(set(registry.snapshot()) - set(old))
        if new:
            added[registry.kind] = new
    return PluginReport(point.name, point.value, dist, added=added)


def _discover() -> list[EntryPoint]:
    """The installed `chaos` entry points, each (name, value) once, in name order."""
    unique = {(p.name, p.value): p for p in entry_points(group=ENTRY_POINT_GROUP)}
    return [unique[key] for key in sorted(unique)]


def load_plugins(points: Iterable[EntryPoint] | None = None,
                 warn: Callable[[str], None] | None = None) -> list[PluginReport]:
    """Load plugins (normally called for you, once, by the first registry read).

    Args:
        points: The entry points to load (default: the installed ones of group `chaos`).
        warn: Where warnings go (default: stderr).

    Returns:
        A report per entry point, in the order loaded (also kept for `loaded_plugins`).
    """
    if plugins_disabled():
        return []
    for module in BUILTINS:
        importlib.import_module(module)
    reports = [_load_one(p, warn or _warn) for p in (_discover() if points is None else points)]
    _reports.extend(reports)
    return reports


def loaded_plugins() -> list[PluginReport]:
    """The reports of every plugin loaded so far in this process (loading them if not yet)."""
    from chaos.faults import fault_kinds

    fault_kinds.names()  # the first registry read loads the plugins
    return list(_reports)


def import_modules(modules: Iterable[str]) -> None:
    """Import modules that are not installed as plugins (`--plugin`).

    A policy, fault or tool kept in the team's repository registers itself as it loads.

    Raises:
        InputError: A module cannot be imported.
    """
    from chaos.errors import InputError

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:
            raise InputError(f"plugin {name!r} cannot be imported ({type(exc).__name__}: "
                             f"{exc}); install the package that provides it, put it on "
                             "PYTHONPATH, or fix the name") from None
