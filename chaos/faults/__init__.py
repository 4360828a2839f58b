"""Faults: the registry (`@fault`) and the built-in families."""

from chaos.faults import (  # noqa: F401  (registers built-ins)
    chain,
    fs,
    fs_access,
    fs_content,
    mail,
    model,
    smtp,
    upload,
)
from chaos.faults._base import (
    NEEDED,
    ChainHooks,
    DelegationFailed,
    Fault,
    FaultContext,
    FileSelect,
    NoParams,
    Taint,
    fault,
    fault_kinds,
    fault_union,
    select_files,
    selector_problems,
)

__all__ = [
    "ChainHooks",
    "DelegationFailed",
    "Fault",
    "FaultContext",
    "FileSelect",
    "NEEDED",
    "NoParams",
    "Taint",
    "fault",
    "fault_kinds",
    "fault_union",
    "select_files",
    "selector_problems",
]
