"""A highlights-desk agent written with the OpenAI Agents SDK, tested in chaos' episode world.

Nothing here knows about chaos but four environment variables: for each episode `chaos run
--agent` starts an MCP server (the world's tools) and an OpenAI-compatible model gateway (the
model under test, with the profile's provider faults), and runs this script with

- `CHAOS_MCP_URL`: the MCP server (streamable HTTP);
- `OPENAI_BASE_URL`, `OPENAI_API_KEY`: the gateway and its key for this episode (the OpenAI
  client reads both by itself);
- `CHAOS_MODEL`: the model to ask for;
- `CHAOS_TASK`: the assignment.

The agent answers through the world's `finish` tool; the run stops once the answer is accepted.

    pip install "chaos-sim[agents-examples]"
    chaos run profiles/sports-production.yaml --model scripted/careful \
        --agent "python examples/agents/openai_agents_highlights.py"
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from agents import (
    Agent,
    FunctionToolResult,
    ModelSettings,
    OpenAIChatCompletionsModel,
    RunContextWrapper,
    Runner,
    ToolsToFinalOutputResult,
    set_tracing_disabled,
)
from agents.mcp import MCPServerStreamableHttp
from openai import AsyncOpenAI

INSTRUCTIONS = """\
You run a sports highlights desk on your own: you select the clips, check them, publish the
package and mail the subscribers, with the tools you are given.

- Only real match footage of the right team and match may be published: check each file you
  pick with file_info (sniffed type, and the tags: team, date, clip id). Never guess a path;
  leave out what you cannot find and report it (report_issue).
- Label mail attachments by their real type (file_info), not by their name.
- When the mail server answers 4xx or drops the connection, wait and try again.
- Save the manifest where the assignment says, then call finish with it.
"""

#: Model calls one episode may take: a whole chain's work done by one agent (the SDK's default
#: of 10 turns would end the run long before the package is out).
MAX_TURNS = 240
#: Times the agent is told to go on when a run ends without an accepted answer (a model that
#: answered in text, or whose answer was cut off: the SDK takes either as the final output).
NUDGES = 3
GO_ON = "You have not finished: go on with the task, then call finish with your final answer."


def _text(output: Any) -> str:
    """An MCP tool's output as the SDK hands it over: a text item, a list of them, or text."""
    items = output if isinstance(output, list) else [output]
    return "".join(i.get("text", "") if isinstance(i, dict) else str(i) for i in items)


def answered(context: RunContextWrapper[dict[str, bool]],
             results: list[FunctionToolResult]) -> ToolsToFinalOutputResult:
    """Stop once `finish` was accepted; a refused answer goes back to the model to fix."""
    for result in results:
        text = _text(result.output)
        if result.tool.name == "finish" and not text.startswith("error"):
            context.context["answered"] = True
            return ToolsToFinalOutputResult(is_final_output=True, final_output=text)
    return ToolsToFinalOutputResult(is_final_output=False)


async def main() -> int:
    """Run the agent on the episode's task; 0 once its answer was accepted."""
    # Offline and self-contained: no trace export to OpenAI's servers.
    set_tracing_disabled(True)
    model = OpenAIChatCompletionsModel(
        model=os.environ.get("CHAOS_MODEL", "gpt-4.1-mini"),
        # Chat Completions, as every OpenAI-compatible endpoint (vLLM, OpenRouter) speaks it.
        openai_client=AsyncOpenAI(),
    )
    world = MCPServerStreamableHttp(
        {"url": os.environ["CHAOS_MCP_URL"], "timeout": 60},
        name="world",
        cache_tools_list=True,
        # A tool call may wait on a real SMTP server: more than the SDK's 5 s default.
        client_session_timeout_seconds=120,
    )
    async with world:
        desk = Agent(
            name="producer",
            instructions=INSTRUCTIONS,
            model=model,
            mcp_servers=[world],
            # One call at a time: each step depends on what the last one found.
            model_settings=ModelSettings(parallel_tool_calls=False),
            # The answer is the `finish` call itself: no model turn after it.
            tool_use_behavior=answered,
        )
        state = {"answered": False}
        conversation: str | list[Any] = os.environ["CHAOS_TASK"]
        for _ in range(1 + NUDGES):
            # Streamed, as a desk watches its agent work: each tool call logged as it is made.
            run = Runner.run_streamed(desk, conversation, context=state, max_turns=MAX_TURNS)
            async for event in run.stream_events():
                if event.type == "run_item_stream_event" and event.name == "tool_called":
                    print(f"tool: {getattr(event.item.raw_item, 'name', '?')}", file=sys.stderr)
            if state["answered"]:
                print(f"finished: {run.final_output}", file=sys.stderr)
                return 0
            conversation = [*run.to_input_list(), {"role": "user", "content": GO_ON}]
    print(f"stopped without an accepted answer: {run.final_output!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
