"""The team's own agent in the episode's world: MCP server, model gateway, commands, functions.

See README "Test your own agent". A function agent is `async def agent(task, tools,
model_base_url)`, `tools` an `EpisodeTools`.
"""

from chaos.agents._function import EpisodeTools
from chaos.agents._gateway import GatewayEndpoint, ModelBackend, new_gateway_key
from chaos.agents._mcp import McpEndpoint, serve_stdio
from chaos.agents._own import run_own_agent
from chaos.agents._server import Endpoints, serve_episode

__all__ = ["Endpoints", "EpisodeTools", "GatewayEndpoint", "McpEndpoint", "ModelBackend",
           "new_gateway_key", "run_own_agent", "serve_episode", "serve_stdio"]
