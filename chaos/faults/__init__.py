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
    ChainHooks,
    DelegationFailed,
    Fault,
    FaultContext,
    NoParams,
    Taint,
    fault,
    fault_kinds,
    fault_union,
)

__all__ = [
    "ChainHooks",
    "DelegationFailed",
    "Fault",
    "FaultContext",
    "NoParams",
    "Taint",
    "fault",
    "fault_kinds",
    "fault_union",
]
