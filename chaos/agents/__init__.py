"""The team's own agent in the episode's world: MCP server, model gateway, commands, functions.

See README "Test your own agent".
"""

from chaos.agents._gateway import GatewayEndpoint, ModelBackend, new_gateway_key
from chaos.agents._mcp import McpEndpoint, serve_stdio
from chaos.agents._own import run_own_agent

__all__ = ["GatewayEndpoint", "McpEndpoint", "ModelBackend", "new_gateway_key", "run_own_agent",
           "serve_stdio"]
