"""Scripted reference agents: deterministic, no API key, the calibration set."""

from chaos.models.scripted._adapter import ScriptedModel
from chaos.models.scripted._policies import Policy, PolicyContext, policies, policy

__all__ = ["Policy", "PolicyContext", "ScriptedModel", "policies", "policy"]
