"""The team's own agent in the episode's world: MCP server, model gateway, commands, functions.

Built in the areas of issue 15; see README "Test your own agent".
"""

from chaos.agents._gateway import GatewayEndpoint, ModelBackend, new_gateway_key
from chaos.agents._own import run_own_agent

__all__ = ["GatewayEndpoint", "ModelBackend", "new_gateway_key", "run_own_agent"]
