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
