"""Profiles: the schema users write and the loader that locates every mistake."""

from chaos.profile._loader import LoadedProfile, load_profile, parse_profile, profile_model
from chaos.profile._schema import (
    AgentSpec,
    ChainSpec,
    FaultSpecBase,
    LatencySpec,
    LimitsSpec,
    PriceSpec,
    Profile,
    RemoteModelSpec,
    ReplayModelSpec,
    RetrySpec,
    ScriptedModelSpec,
    TargetSpec,
    TaskSpec,
    TriggerSpec,
    WorldSpec,
)

__all__ = [
    "AgentSpec",
    "ChainSpec",
    "FaultSpecBase",
    "LatencySpec",
    "LimitsSpec",
    "LoadedProfile",
    "PriceSpec",
    "Profile",
    "RemoteModelSpec",
    "ReplayModelSpec",
    "RetrySpec",
    "ScriptedModelSpec",
    "TargetSpec",
    "TaskSpec",
    "TriggerSpec",
    "WorldSpec",
    "load_profile",
    "parse_profile",
    "profile_model",
]
