"""A function agent written with the OpenAI Agents SDK as its docs show it: the default model
(the Responses API), the default client pointed at the episode's gateway."""

from __future__ import annotations

from typing import Any


async def agents_sdk(task: str, tools: Any, model_base_url: str, stream: bool = True) -> None:
    """The episode's tools as the SDK's function tools; `finish` accepted ends the run."""
    from agents import (
        Agent,
        FunctionTool,
        Runner,
        ToolsToFinalOutputResult,
        set_default_openai_client,
        set_tracing_disabled,
    )
    from openai import AsyncOpenAI

    set_tracing_disabled(True)
    set_default_openai_client(AsyncOpenAI(base_url=model_base_url, api_key=tools.api_key),
                              use_for_tracing=False)

    def function_tool(schema: dict[str, Any]) -> FunctionTool:
        name = schema["function"]["name"]

        async def invoke(_context: Any, arguments: str) -> str:
            return await tools.call(name, arguments)

        return FunctionTool(name=name, description=schema["function"]["description"],
                            params_json_schema=schema["function"]["parameters"],
                            on_invoke_tool=invoke, strict_json_schema=False)

    def finished(_context: Any, results: list[Any]) -> ToolsToFinalOutputResult:
        done = [r for r in results if r.tool.name == "finish"
                and not str(r.output).startswith("error:")]
        return ToolsToFinalOutputResult(bool(done), done[0].output if done else None)

    # The SDK reads a model name's first `/` as a provider prefix: `openai/` names the
    # OpenAI provider (the default client), and what follows is the id sent.
    agent = Agent(name="highlights", model=f"openai/{tools.model}",
                  tools=[function_tool(s) for s in tools.schemas], tool_use_behavior=finished)
    if stream:
        run = Runner.run_streamed(agent, task, max_turns=60)
        async for _event in run.stream_events():
            pass
    else:
        await Runner.run(agent, task, max_turns=60)


async def agents_sdk_plain(task: str, tools: Any, model_base_url: str) -> None:
    """The same agent, its model calls not streamed (`Runner.run`)."""
    await agents_sdk(task, tools, model_base_url, stream=False)
