"""Plugin loading in-process, with entry points made up for the test."""

import sys
from importlib.metadata import EntryPoint

import pytest

from chaos.faults import fault_kinds
from chaos.plugins import load_plugins
from chaos.tools import tools

GOOD = '''
from chaos.faults import Fault, Taint, fault
from chaos.tools import tool
from pydantic import BaseModel


@fault("testplug.nothing")
class Nothing(Fault):
    summary = "Does nothing."

    def inject(self, ctx):
        return Taint()


class Args(BaseModel):
    path: str


@tool("testplug_echo", args=Args)
def echo(ctx, args):
    """Echo a path."""
    return args.path
'''

CLASHING = '''
from chaos.faults import Fault, Taint, fault


@fault("testplug.first")
class First(Fault):
    summary = "Registered before the clash."


@fault("fs.missing")
class Missing(Fault):
    summary = "Takes a built-in name."
'''

SETUP = '''
CALLS = []


def setup():
    from chaos.faults import Fault, fault

    @fault("testplug.from_setup")
    class FromSetup(Fault):
        summary = "Registered by a callable entry point."

    CALLS.append("setup")


def failing_setup():
    raise RuntimeError("the plugin's own bug")
'''


@pytest.fixture
def modules(tmp_path, monkeypatch):
    sources = {"testplug_good": GOOD, "testplug_clash": CLASHING, "testplug_setup": SETUP}
    for name, text in sources.items():
        (tmp_path / f"{name}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("CHAOS_NO_PLUGINS", raising=False)
    yield
    for name in sources:  # imported afresh by the next test: registering is importing
        sys.modules.pop(name, None)


def point(name, value):
    return EntryPoint(name=name, value=value, group="chaos")


def test_a_module_plugin_registers_its_fault_and_tool(modules):
    warnings = []
    (report,) = load_plugins([point("good", "testplug_good")], warn=warnings.append)
    assert report.loaded and warnings == []
    assert report.added == {"fault kind": ["testplug.nothing"], "tool": ["testplug_echo"]}
    assert fault_kinds.get("testplug.nothing").summary == "Does nothing."
    assert tools.get("testplug_echo").description == "Echo a path."


def test_a_callable_entry_point_is_called(modules):
    (report,) = load_plugins([point("setup", "testplug_setup:setup")], warn=print)
    import testplug_setup

    assert testplug_setup.CALLS == ["setup"]
    assert report.added == {"fault kind": ["testplug.from_setup"]}


def test_a_plugin_that_takes_a_built_in_name_is_left_out_whole(modules):
    builtin = fault_kinds.get("fs.missing")
    warnings = []
    (report,) = load_plugins([point("clash", "testplug_clash")], warn=warnings.append)
    assert not report.loaded
    assert fault_kinds.get("fs.missing") is builtin
    assert "testplug.first" not in fault_kinds  # what it registered before failing is gone
    (warning,) = warnings
    assert warning.startswith("plugin 'clash' (testplug_clash) was not loaded: NameClash: "
                              "fault kind 'fs.missing' is registered twice; ")
    assert "names of their own (a prefix such as 'clash.')" in warning
    assert "CHAOS_NO_PLUGINS=1" in warning


def test_a_broken_plugin_is_a_warning_and_the_others_still_load(modules):
    warnings = []
    reports = load_plugins([point("gone", "testplug_not_installed"),
                            point("buggy", "testplug_setup:failing_setup"),
                            point("good", "testplug_good")], warn=warnings.append)
    assert [r.loaded for r in reports] == [False, False, True]
    assert "plugin 'gone' (testplug_not_installed) was not loaded: ModuleNotFoundError" in \
        warnings[0]
    assert "install what it needs" in warnings[0]
    assert "plugin 'buggy' (testplug_setup:failing_setup) was not loaded: RuntimeError: the " \
           "plugin's own bug" in warnings[1]
    assert "testplug.nothing" in fault_kinds


def test_chaos_no_plugins_loads_nothing(modules, monkeypatch):
    monkeypatch.setenv("CHAOS_NO_PLUGINS", "1")
    assert load_plugins([point("good", "testplug_good")]) == []
    assert "testplug.nothing" not in fault_kinds
    # A name a plugin would give is then unknown, and the message says why.
    assert "plugins are off (CHAOS_NO_PLUGINS is set)" in fault_kinds.unknown_message(
        "testplug.nothing")
