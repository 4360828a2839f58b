"""Function agents for tests/agents/release.yaml (imported from the profile's folder)."""

import asyncio
import json


async def read_version(tools):
    for _attempt in range(5):  # fs.io_error fails the first reads
        text = await tools.call("read_file", {"path": "/desk/release.json"})
        try:
            return json.loads(json.loads(text)["content"])["version"]
        except ValueError:
            continue  # an error text: "[Errno 5] Input/output error: ..."
    return None


async def careful(task, tools, model_base_url):
    version = await read_version(tools)
    await tools.call("write_file", {"path": "/desk/note.txt", "content": f"release {version}\n"})
    await tools.call("finish", {"result": {"done": ["note", "answer"], "issues": [],
                                           "version": version}})


async def returns_answer(task, tools, model_base_url):
    version = await read_version(tools)
    await tools.call("write_file", {"path": "/desk/note.txt", "content": f"release {version}\n"})
    return {"done": ["note", "answer"], "issues": [], "version": version}


async def raises(task, tools, model_base_url):
    raise RuntimeError(f"the agent broke, holding key {tools.api_key}")


async def hangs(task, tools, model_base_url):
    await asyncio.sleep(3600)


async def returns_nothing(task, tools, model_base_url):
    await tools.call("list_dir", {"path": "/desk"})



async def naive(task, tools, model_base_url):
    """Takes the first release file it finds (a stale copy sorts first)."""
    found = json.loads(await tools.call("find_files", {"pattern": "/desk/*.json"}))
    path = found["matches"][0] if isinstance(found, dict) else found[0]
    for _attempt in range(5):
        text = await tools.call("read_file", {"path": path})
        try:
            version = json.loads(json.loads(text)["content"])["version"]
            break
        except ValueError:
            continue
    await tools.call("write_file", {"path": "/desk/note.txt", "content": f"release {version}\n"})
    return {"done": ["note", "answer"], "issues": [], "version": version}


async def openai_loop(task, tools, model_base_url):
    """A plain tool loop: the model through the gateway (openai SDK), tools called directly."""
    from openai import AsyncOpenAI

    model = AsyncOpenAI(base_url=model_base_url, api_key=tools.api_key)
    messages = [{"role": "user", "content": task}]
    for _ in range(60):
        reply = await model.chat.completions.create(model=tools.model, messages=messages,
                                                    tools=tools.schemas)
        message = reply.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            break
        for call in message.tool_calls:
            text = await tools.call(call.function.name, call.function.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": text})
            if call.function.name == "finish" and not text.startswith("error:"):
                await model.close()
                return
    await model.close()


async def over_mcp(task, tools, model_base_url):
    """The careful agent, its tools over MCP (the mcp SDK's client, in chaos' process)."""
    from mcp import Client

    async with Client(tools.mcp_url) as client:
        for _attempt in range(5):
            result = await client.call_tool("read_file", {"path": "/desk/release.json"})
            if not result.is_error:
                break
        version = json.loads(json.loads(result.content[0].text)["content"])["version"]
        await client.call_tool("write_file", {"path": "/desk/note.txt",
                                              "content": f"release {version}\n"})
        await client.call_tool("finish", {"result": {"done": ["note", "answer"], "issues": [],
                                                     "version": version}})


def not_async(task, tools, model_base_url):
    return {"version": "2.4.1"}


async def takes_two(task, tools):
    return {"version": "2.4.1"}
