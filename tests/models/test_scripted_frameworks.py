"""Scripted agents behind an agent framework: they read the brief and each tool's result however
the framework wrote the conversation (its own prompts, extra tools, wrapped MCP results)."""

import json

import pytest

from chaos.models._wire import messages_from_openai, tools_from_openai
from chaos.models.scripted import ScriptedModel

BRIEF = {"step": "distribute", "team": "Foxes", "opponent": "Harriers", "match_date": "2026-02-12",
         "mail": True, "subscribers": "/prod/subscribers.csv", "logo": "/prod/logo.png",
         "clips": []}
SUBSCRIBERS = {"path": "/prod/subscribers.csv", "content": "name,email,team,opt_in\n"
               "Ana,ana@example.org,Foxes,yes\nBo,bo@example.org,Foxes,yes\n"}
LOGO = {"path": "/prod/logo.png", "integrity": "ok", "sniffed_mime": "image/png",
        "extension_mime": "image/png"}
REFUSED = "error: SMTPDataError: 451 4.3.0 Temporary server failure; try again later"
TOOLS = ["read_file", "file_info", "send_email", "wait", "report_issue", "finish"]


def plain(text, ok):
    return text


def pydantic_ai(text, ok):
    """PydanticAI 2.x on Chat Completions: JSON results re-serialised, errors as {"error": ...}."""
    if not ok:
        return json.dumps({"error": text}, separators=(",", ":"))
    try:
        return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    except json.JSONDecodeError:
        return text


def pydantic_ai_retry(text, ok):
    """PydanticAI with tool_error_behavior='retry': the error, and advice to fix the call."""
    return text if ok else json.dumps({"error": text + "\n\nFix the errors and try again."})


def mcp_content_item(text, ok):
    """Agents SDK releases before 0.1: the JSON of the MCP content item."""
    return json.dumps({"type": "text", "text": text, "annotations": None, "meta": None})


def content_parts(text, ok):
    """Agents SDK 0.2+ and langchain-mcp-adapters: a list of text parts in the tool message."""
    return [{"type": "text", "text": text}]


class ToolException(Exception):
    """langchain_core's, as langchain-mcp-adapters raises it for an `isError` result."""


def langgraph_tool_node(text, ok):
    """LangGraph's ToolNode catching a tool's exception (its default template)."""
    return text if ok else f"Error: {ToolException(text)!r}\n Please fix your mistakes."


def body(wrap, results, system="You run a sports desk.", preamble=None, extra_tools=(),
         policy="careful"):
    """A Chat Completions request as a framework sends it, after `results` came back."""
    messages = [{"role": "system", "content": system}]
    if preamble:
        messages.append({"role": "user", "content": preamble})
    task = f"Mail the fans.\nBrief: {json.dumps(BRIEF)}"
    if "{task}" in system:
        messages[0]["content"] = system.format(task=task)
    else:
        messages.append({"role": "user", "content": task})
    model = ScriptedModel(policy)
    history = []
    for number, (text, ok) in enumerate(results, 1):
        call = model.next_call(messages_from_openai({"messages": messages + history}),
                               tools_from_openai({"tools": _tools(extra_tools)}), "remote")
        history += [{"role": "assistant", "content": None, "tool_calls": [
            {"id": f"c{number}", "type": "function",
             "function": {"name": call[0], "arguments": json.dumps(call[1])}}]},
            {"role": "tool", "tool_call_id": f"c{number}", "content": wrap(text, ok)}]
    return {"messages": messages + history, "tools": _tools(extra_tools)}


def _tools(extra=()):
    return [{"type": "function", "function": {"name": n, "description": n, "parameters": {
        "type": "object", "properties": {}}}} for n in [*TOOLS, *extra]]


def next_call(policy, request):
    return ScriptedModel(policy).next_call(messages_from_openai(request),
                                           tools_from_openai(request), "remote")


RESULTS = [(json.dumps(SUBSCRIBERS), True), (json.dumps(LOGO), True), (REFUSED, False)]


@pytest.mark.parametrize("wrap", [pydantic_ai, pydantic_ai_retry, mcp_content_item,
                                  content_parts, langgraph_tool_node])
def test_a_careful_agent_reads_a_refusal_through_any_wrapping_and_backs_off(wrap):
    assert next_call("careful", body(plain, RESULTS)) == ("wait", {"seconds": 5})
    assert next_call("careful", body(wrap, RESULTS)) == ("wait", {"seconds": 5})


@pytest.mark.parametrize("wrap", [pydantic_ai, mcp_content_item, content_parts])
def test_what_a_wrapped_result_held_is_what_the_agent_acts_on(wrap):
    # The subscribers and the logo's real type came through: the mail goes to the first fan
    # with the logo labelled by its bytes.
    name, args = next_call("careful", body(wrap, RESULTS[:2]))
    assert (name, args["to"]) == ("send_email", ["ana@example.org"])
    assert args["attachments"][0]["content_type"] == "image/png"


def test_a_naive_agent_gives_up_on_a_wrapped_refusal_as_on_a_plain_one():
    results = [RESULTS[0], RESULTS[2]]  # no look at the logo's bytes
    plain_next = next_call("naive", body(plain, results, policy="naive"))
    assert next_call("naive", body(pydantic_ai, results, policy="naive")) == plain_next
    assert plain_next[0] == "send_email" and plain_next[1]["to"] == ["bo@example.org"]


def test_the_brief_is_found_past_a_frameworks_own_prompts_and_tools():
    # PydanticAI can send its instructions as a user message; some agents add a preamble.
    request = body(plain, RESULTS[:1], preamble="Context: you are helpful. Think step by step.",
                   extra_tools=("final_result", "search_docs"))
    assert next_call("careful", request) == ("file_info", {"path": "/prod/logo.png"})


def test_the_brief_is_found_in_a_system_prompt_that_holds_the_task():
    request = body(plain, RESULTS[:1], system="You run a sports desk. Your job:\n{task}",
                   preamble="Begin.")
    assert next_call("careful", request) == ("file_info", {"path": "/prod/logo.png"})
