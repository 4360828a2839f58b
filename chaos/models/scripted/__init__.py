"""Scripted reference agents: deterministic, no API key, the calibration set."""

from chaos.models.scripted import _expect  # noqa: F401 (registers the core `expect` skill)
from chaos.models.scripted._adapter import ScriptedModel
from chaos.models.scripted._policies import Policy, PolicyContext, Style, policies, policy

__all__ = ["Policy", "PolicyContext", "ScriptedModel", "Style", "policies", "policy"]
