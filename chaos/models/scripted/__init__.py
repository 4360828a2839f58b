"""Scripted reference agents: deterministic, no API key, the calibration set."""

from chaos.models.scripted import _expect  # noqa: F401 (registers the core `expect` skill)
from chaos.models.scripted._adapter import ScriptedModel
from chaos.models.scripted._policies import Policy, PolicyContext, Style, policies, policy
from chaos.models.scripted._roles import Reach
from chaos.models.scripted._skills import skill, skills

__all__ = ["Policy", "PolicyContext", "Reach", "ScriptedModel", "Style", "policies", "policy",
           "skill", "skills"]
