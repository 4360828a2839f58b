"""A highlights-desk agent written with PydanticAI, tested in chaos' episode world.

Nothing here knows about chaos but four environment variables: for each episode `chaos run
--agent` starts an MCP server (the world's tools) and an OpenAI-compatible model gateway (the
model under test, with the profile's provider faults), and runs this script with

- `CHAOS_MCP_URL`: the MCP server (streamable HTTP);
- `OPENAI_BASE_URL`, `OPENAI_API_KEY`: the gateway and its key for this episode;
- `CHAOS_MODEL`: the model to ask for;
- `CHAOS_TASK`: the assignment.

The agent answers through the world's `finish` tool.

    pip install "chaos-sim[agents-examples]"
    chaos run profiles/sports-production.yaml --model scripted/careful \
        --agent "python examples/agents/pydantic_ai_highlights.py"
"""

from __future__ import annotations

import asyncio
import os
import sys

from pydantic_ai import Agent, UsageLimits
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.messages import ModelMessage, ToolReturnPart
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

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

#: Model calls one episode may take: a whole chain's work done by one agent (PydanticAI's
#: default limit of 50 requests is too few for it).
REQUEST_LIMIT = 240
#: Times the agent is told to go on when a run ends without an accepted answer (a model that
#: answered in text, or whose answer was cut off: PydanticAI takes either as the output).
NUDGES = 3
GO_ON = "You have not finished: go on with the task, then call finish with your final answer."


def answered(messages: list[ModelMessage]) -> bool:
    """Whether the world accepted a `finish` (a refused one comes back as a failed call)."""
    return any(isinstance(part, ToolReturnPart) and part.tool_name == "finish"
               and part.outcome == "success" for m in messages for part in m.parts)


async def main() -> int:
    """Run the agent on the episode's task; 0 once its answer was accepted."""
    model = OpenAIChatModel(
        os.environ.get("CHAOS_MODEL", "gpt-4.1-mini"),
        provider=OpenAIProvider(base_url=os.environ.get("OPENAI_BASE_URL"),
                                api_key=os.environ.get("OPENAI_API_KEY")),
    )
    # A failed tool call (a 451 from the mail server, a file that is not there) is an answer the
    # model must see and may act on, not a wrong call to correct: 'failed' shows the model the
    # error without spending the tool's retry budget (with the default 'retry', a second failure
    # of one tool in a row would end the run).
    world = MCPToolset(os.environ["CHAOS_MCP_URL"], tool_error_behavior="failed",
                       read_timeout=120)
    desk = Agent(model, instructions=INSTRUCTIONS, toolsets=[world], name="producer")
    async with desk:
        result = await desk.run(os.environ["CHAOS_TASK"],
                                usage_limits=UsageLimits(request_limit=REQUEST_LIMIT))
        for _ in range(NUDGES):
            if answered(result.all_messages()):
                break
            result = await desk.run(GO_ON, message_history=result.all_messages(),
                                    usage_limits=UsageLimits(request_limit=REQUEST_LIMIT))
    if not answered(result.all_messages()):
        print(f"stopped without an accepted answer: {result.output!r}", file=sys.stderr)
        return 1
    print(f"finished: {result.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
