"""Profiles: the schema users write and the loader that locates every mistake.

`load_profile` reads a profile (and the profiles it `extends:`) and raises the first problem;
`check_profile` collects every problem at once; `profile_json_schema` is the schema editors
use; `write_new_profile` starts a commented profile from a template.
"""

from chaos.profile._jsonschema import profile_json_schema, profile_json_schema_text
from chaos.profile._loader import (
    LoadedProfile,
    ProfileCheck,
    check_profile,
    load_profile,
    parse_profile,
    profile_model,
)
from chaos.profile._roles import ROLES, agent_role, chain_shape, reachable, shape_text
from chaos.profile._schema import (
    AgentSpec,
    ChainSpec,
    FaultSpecBase,
    LatencySpec,
    LimitsSpec,
    PluginModelSpec,
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
from chaos.profile._templates import TEMPLATES, new_profile_text, write_new_profile

__all__ = [
    "AgentSpec",
    "ChainSpec",
    "FaultSpecBase",
    "LatencySpec",
    "LimitsSpec",
    "LoadedProfile",
    "PluginModelSpec",
    "PriceSpec",
    "Profile",
    "ProfileCheck",
    "ROLES",
    "RemoteModelSpec",
    "ReplayModelSpec",
    "RetrySpec",
    "ScriptedModelSpec",
    "TEMPLATES",
    "TargetSpec",
    "TaskSpec",
    "TriggerSpec",
    "WorldSpec",
    "agent_role",
    "chain_shape",
    "check_profile",
    "load_profile",
    "new_profile_text",
    "parse_profile",
    "profile_json_schema",
    "profile_json_schema_text",
    "profile_model",
    "reachable",
    "shape_text",
    "write_new_profile",
]
