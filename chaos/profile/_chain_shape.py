"""Chains a task cannot be done with: checked on load, never a silent 0/N at run time.

- an agent the entry never reaches (no `delegates_to` path leads to it);
- a part of the task (a mail, an upload, an SMS, a file to write: an `expect` entry, or a
  task parameter its kind lists in `chain_needs`) that needs a tool no agent the entry
  reaches has;
- for scripted models: files to find, or values to read, but no reachable agent with
  `find_files`, or `read_file`.
"""

from __future__ import annotations

from typing import Any

from chaos.profile._roles import acting_agents
from chaos.profile._schema import Profile

__all__ = ["chain_problems"]

Problem = tuple[tuple[Any, ...], str]

#: An `expect` entry's key -> the tools (any of them) that do it.
_EXPECT_TOOLS = {"mail": ("send_email",), "upload": ("publish",), "sms": ("send_sms",),
                 "write": ("write_file",)}
_VALUE_KEYS = ("sum", "mean", "min", "max", "count", "first", "last", "json", "text", "file")


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    return value


def _expectations(profile: Profile) -> tuple[tuple[str, ...], list[Any]]:
    """Where the expectations are (`task.expect`, or `task.params.expect`), and the entries."""
    entries = getattr(profile.task, "expect", None)
    if entries is not None:
        return ("task", "expect"), [_plain(x) for x in entries]
    params = profile.task.params
    entries = params.get("expect") if isinstance(params, dict) else None
    return ("task", "params", "expect"), list(entries) if isinstance(entries, list) else []


def _has_value(node: Any) -> bool:
    """Whether a part of an expectation is a value read from a file (`{sum: "PATH#col"}`)."""
    if isinstance(node, dict):
        return any(k in _VALUE_KEYS and isinstance(v, str) for k, v in node.items()) or \
            any(_has_value(v) for v in node.values())
    return isinstance(node, list) and any(_has_value(v) for v in node)


def _reads_values(entry: dict[str, Any]) -> bool:
    """Whether doing the entry means reading a value from a file."""
    return _has_value(entry.get("write")) or _has_value(entry.get("answer"))


def _finds_files(entry: dict[str, Any]) -> bool:
    """Whether doing the entry means looking for a file (attachments, uploads, read values)."""
    mail, upload = entry.get("mail") or {}, entry.get("upload") or {}
    if isinstance(mail, dict) and mail.get("attachments"):
        return True
    if isinstance(upload, dict) and upload.get("files"):
        return True
    return _reads_values(entry)


def _dotted(loc: tuple[Any, ...]) -> str:
    """`task.expect[0].mail`, as a user reads a place in the profile."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


def _scripted(profile: Profile) -> bool:
    ids = [m.id for m in profile.models] + [a.model for a in profile.chain.agents.values()
                                            if a.model is not None]
    return any(i.startswith("scripted/") for i in ids)


def _param_needs(profile: Profile, tools: set[str], who: str) -> list[Problem]:
    """Task parameters asking for a part no reachable agent has the tool for.

    A task kind says which with `chain_needs`: {parameter: (tools, any one of which does it)}.
    """
    from chaos.tasks import task_kinds

    if profile.task.kind not in task_kinds or not isinstance(profile.task.params, dict):
        return []
    needs = getattr(task_kinds.get(profile.task.kind), "chain_needs", None) or {}
    problems: list[Problem] = []
    for name, wanted in needs.items():
        if profile.task.params.get(name) and not tools & set(wanted):
            problems.append((("task", "params", name), f"task.params.{name}: needs "
                             f"{' or '.join(wanted)}, but no agent the entry reaches has it "
                             f"(reached: {who}); add '{wanted[0]}' to the tools of one of them, "
                             f"make an agent that has it reachable, or set {name}: false"))
    return problems


def chain_problems(profile: Profile) -> list[Problem]:
    """Agents never reached, and parts of the task no reachable agent has the tool for."""
    from chaos.profile._salvage import STUB_INSTRUCTIONS

    chain = profile.chain
    entry = chain.entry
    if entry not in chain.agents or any(a.instructions == STUB_INSTRUCTIONS
                                        for a in chain.agents.values()):
        return []  # an agent that failed the schema: who reaches what is not known
    reached = acting_agents(chain)
    problems: list[Problem] = []
    for name in chain.agents:
        if name not in reached:
            problems.append((("chain", "agents", name), f"chain.agents.{name}: agent '{name}' "
                             f"is never reached: no "
                             f"delegates_to path leads to it from the entry '{entry}'; add "
                             f"'{name}' to the delegates_to of an agent the entry reaches "
                             f"(e.g. '{entry}', with the 'delegate' tool), or remove it"))
    tools = {t for name in reached for t in chain.agents[name].tools}
    who = ", ".join(reached)
    problems += _param_needs(profile, tools, who)
    where, entries = _expectations(profile)
    for i, entry_spec in enumerate(entries):
        if not isinstance(entry_spec, dict):
            continue
        for key, wanted in _EXPECT_TOOLS.items():
            if entry_spec.get(key) is None or tools & set(wanted):
                continue
            problems.append(((*where, i, key), f"{_dotted((*where, i, key))}: expectation "
                             f"'{entry_spec.get('id', i)}' needs {wanted[0]}, but no agent the "
                             f"entry reaches has it (reached: {who}); add '{wanted[0]}' to the "
                             "tools of one of them, or make an agent that has it reachable "
                             "through delegates_to"))
        if _scripted(profile) and "read_file" not in tools and _reads_values(entry_spec):
            problems.append(((*where, i), f"{_dotted((*where, i))}: expectation "
                             f"'{entry_spec.get('id', i)}' needs values read from files, and "
                             f"no agent the entry reaches has read_file (reached: {who}); add "
                             "'read_file' to one of them"))
        if _scripted(profile) and "find_files" not in tools and _finds_files(entry_spec):
            problems.append(((*where, i), f"{_dotted((*where, i))}: expectation "
                             f"'{entry_spec.get('id', i)}' needs files found, and scripted "
                             f"agents look with find_files, which no agent the entry reaches "
                             f"has (reached: {who}); add 'find_files' to one of them"))
    return problems
