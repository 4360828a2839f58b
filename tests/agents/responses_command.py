"""An OpenAI Agents SDK agent as a team writes it, run as a command: the SDK's default model
(the Responses API) and default client (it reads OPENAI_BASE_URL and OPENAI_API_KEY), the
world's tools over MCP. Nothing here is chaos' but the environment variables."""

import asyncio
import os

from agents import Agent, ModelSettings, Runner, ToolsToFinalOutputResult, set_tracing_disabled
from agents.mcp import MCPServerStreamableHttp


def answered(context, results):
    """Stop once `finish` was accepted."""
    for result in results:
        items = result.output if isinstance(result.output, list) else [result.output]
        text = "".join(i.get("text", "") if isinstance(i, dict) else str(i) for i in items)
        if result.tool.name == "finish" and not text.startswith("error"):
            return ToolsToFinalOutputResult(is_final_output=True, final_output=text)
    return ToolsToFinalOutputResult(is_final_output=False)


async def main() -> None:
    set_tracing_disabled(True)
    world = MCPServerStreamableHttp({"url": os.environ["CHAOS_MCP_URL"], "timeout": 60},
                                    cache_tools_list=True, client_session_timeout_seconds=120)
    async with world:
        # `openai/`: the SDK's default provider reads a name's first `/` as a provider prefix.
        agent = Agent(name="producer", model="openai/" + os.environ["CHAOS_MODEL"],
                      mcp_servers=[world], tool_use_behavior=answered,
                      model_settings=ModelSettings(parallel_tool_calls=False))
        run = Runner.run_streamed(agent, os.environ["CHAOS_TASK"], max_turns=240)
        async for _event in run.stream_events():
            pass


if __name__ == "__main__":
    asyncio.run(main())
