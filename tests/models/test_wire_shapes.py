"""Every answer shape the wire formats allow, through the official SDKs, against strict servers.

The loopback server answers as the scripted `careful` policy would, reshaped the way real
providers and OpenAI-compatible servers (OpenRouter, vLLM, Ollama, llama.cpp, DeepSeek, LiteLLM)
answer, and refuses every request the real API would refuse (`chaos.models._wire_checks`). An
episode must complete with the scripted verdict (a garbled call is the model's to make again),
with no request refused and every token the server reported counted.
"""

import asyncio
import copy
import hashlib
import json
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaos.models import Message, ModelRequest, ProviderError, ToolSchema
from chaos.models._turns import ANTHROPIC_ID, WireMemory, anthropic_turn, openai_turn
from chaos.models._wire import anthropic_request, openai_request
from chaos.models._wire_checks import Issued, anthropic_problem, openai_problem
from chaos.models.loopback import LoopbackServer
from chaos.profile import parse_profile
from chaos.runner import build_world
from chaos.sim import EpisodePlan, run_episode
from tests.conftest import SPORTS

NUDGE = "Call finish with your final answer."


class Shaper:
    """The server's reshape hook: applies the current shape and counts what it reported."""

    def __init__(self) -> None:
        self.shape = None
        self.reported = [0, 0]
        self.shaped = 0
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def reset(self, shape):
        self.shape, self.reported, self.shaped, self._seen = shape, [0, 0], 0, set()

    def first_call(self, request) -> bool:
        """Whether this is the conversation's first call (for shapes that hit it once)."""
        # The system prompt and the task: the first blocks of a conversation, whatever follows
        # them (Anthropic's user turn grows when a nudge joins it).
        head = [m["content"] if isinstance(m["content"], str) else m["content"][0]
                for m in request["messages"][:2] if m["role"] in ("system", "user")]
        key = json.dumps([request.get("system"), head], sort_keys=True)
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
            return True

    def __call__(self, provider, request, answer):
        if self.shape is None:
            return None
        shaped, counted = self.shape(self, request, copy.deepcopy(answer))
        with self._lock:
            self.reported[0] += counted[0]
            self.reported[1] += counted[1]
            self.shaped += shaped != answer
        return shaped


@pytest.fixture(scope="module")
def shaper():
    return Shaper()


@pytest.fixture(scope="module")
def loopback(shaper):
    with LoopbackServer(reshape=shaper) as server:
        yield server


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-shapes-11111111")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-canary-shapes-2222")


@pytest.fixture(scope="module")
def profile(loopback):
    text = SPORTS.read_text()
    head, _, tail = text.partition("models:\n")
    models = ("models:\n"
              f"  - {{provider: openai, model: careful, base_url: '{loopback.openai_base_url}'}}\n"
              f"  - {{provider: anthropic, model: careful, base_url: "
              f"'{loopback.anthropic_base_url}'}}\n"
              "  - scripted/careful\n")
    return parse_profile(head + models + tail[tail.index("\nlimits:"):])


@pytest.fixture(scope="module")
def world(profile):
    return build_world(profile, 0)


def episode(profile, world, model):
    plan = EpisodePlan(profile.name, "p.yaml", model, 0, "clean")
    return asyncio.run(run_episode(plan, profile, world))


@pytest.fixture(scope="module")
def scripted(profile, world):
    return episode(profile, world, "scripted/careful").result


def verdict(result):
    return result.status, result.task.passed, tuple(result.task.reasons), result.error


# -- OpenAI-compatible answers --------------------------------------------------------------

def _message(answer):
    return answer["choices"][0]["message"]


def _tokens(answer):
    usage = answer["usage"]
    return usage["prompt_tokens"], usage["completion_tokens"]


def _calls(answer):
    return _message(answer).get("tool_calls") or []


def openai_shape(change):
    """A shape that rewrites the message and keeps the usage as reported."""

    def shape(shaper, request, answer):
        change(_message(answer), answer)
        return answer, _tokens(answer)

    return shape


def first_call_only(shape_first):
    """A shape for the conversation's first call; later calls are answered as they were."""

    def shape(shaper, request, answer):
        if shaper.first_call(request):
            return shape_first(answer)
        return answer, _tokens(answer) if "choices" in answer else _anthropic_tokens(answer)

    return shape


def _set(message, **fields):
    message.update(fields)


def _parts_with_reasoning(message, answer):
    text = message.get("content") or ""
    message["content"] = [{"type": "reasoning", "text": "First I look at the files."},
                          {"type": "thinking", "thinking": "Then I decide."},
                          *([{"type": "text", "text": text}] if text else [])]


def _object_arguments(message, answer):
    for call in message.get("tool_calls") or []:
        call["function"]["arguments"] = json.loads(call["function"]["arguments"])


def _double_encoded(message, answer):
    for call in message.get("tool_calls") or []:
        call["function"]["arguments"] = json.dumps(call["function"]["arguments"])


def _no_ids(message, answer):
    for call in message.get("tool_calls") or []:
        del call["id"]


def _same_id(message, answer):
    for call in message.get("tool_calls") or []:
        call["id"] = "call_0"


def _legacy_function_call(message, answer):
    calls = message.pop("tool_calls", None)
    if calls:
        message["function_call"] = calls[0]["function"]


def _length_empty(answer):
    message = _message(answer)
    message.update(content=None, tool_calls=None)
    answer["choices"][0]["finish_reason"] = "length"
    answer["usage"]["completion_tokens"] = 1024  # all of it spent on hidden reasoning
    return answer, _tokens(answer)


def _think_cut_off(answer):
    _message(answer).update(content="<think>The brief asks for clips, so I", tool_calls=None)
    answer["choices"][0]["finish_reason"] = "length"
    return answer, _tokens(answer)


def _refusal(answer):
    message = _message(answer)
    message.update(content=None, tool_calls=None, refusal="I can't help with that.")
    return answer, _tokens(answer)


def _no_choices(answer):
    answer["choices"] = []
    return answer, _tokens(answer)


def _garbled(arguments):
    def garble(answer):
        for call in _calls(answer):
            call["function"]["arguments"] = arguments
        return answer, _tokens(answer)

    return garble


def _usage(make, tokens=_tokens):
    """A shape whose usage `make(prompt, completion)` gives, with the tokens it should count."""
    def shape(shaper, request, answer):
        prompt, completion = tokens(answer)
        answer["usage"], counted = make(prompt, completion)
        if answer["usage"] is None:
            del answer["usage"]
        return answer, counted

    return shape


OPENAI_SHAPES = {
    "content null beside calls": openai_shape(lambda m, a: _set(
        m, content=None if m.get("tool_calls") else m["content"], refusal=None)),
    "content empty string": openai_shape(lambda m, a: _set(m, content=m.get("content") or "")),
    "content text beside calls": openai_shape(
        lambda m, a: _set(m, content=m.get("content") or "Let me do that.")),
    "content as parts with reasoning": openai_shape(_parts_with_reasoning),
    "content as text parts": openai_shape(lambda m, a: _set(m, content=[
        {"type": "text", "text": m.get("content") or ""}])),
    "reasoning_content (DeepSeek, vLLM, llama.cpp)": openai_shape(
        lambda m, a: _set(m, reasoning_content="I should use my tools.")),
    "reasoning and reasoning_details (OpenRouter)": openai_shape(lambda m, a: _set(
        m, reasoning="Thinking.", reasoning_details=[{"type": "reasoning.text",
                                                       "text": "Thinking."}])),
    "reasoning_content and thinking_blocks (LiteLLM)": openai_shape(lambda m, a: _set(
        m, reasoning_content="Plan.", thinking_blocks=[
            {"type": "thinking", "thinking": "Plan.", "signature": _signed("Plan.")}])),
    "think block inline": openai_shape(lambda m, a: _set(
        m, content="<think>plan the call</think>" + (m.get("content") or ""))),
    "arguments as an object": openai_shape(_object_arguments),
    "arguments double-encoded": openai_shape(_double_encoded),
    "calls without ids": openai_shape(_no_ids),
    "the same id every turn": openai_shape(_same_id),
    "legacy function_call": openai_shape(_legacy_function_call),
    "finish_reason length, no content, no call": first_call_only(_length_empty),
    "a refusal": first_call_only(_refusal),
    "think block cut off by length": first_call_only(_think_cut_off),
    "no choices": first_call_only(_no_choices),
    "arguments invalid JSON": first_call_only(_garbled('{"path": "clips/')),
    "arguments empty string": first_call_only(_garbled("")),
    "arguments null": first_call_only(_garbled(None)),
    "arguments a JSON list": first_call_only(_garbled("[1, 2]")),
    "usage missing": _usage(lambda p, c: (None, (0, 0))),
    "usage prompt only": _usage(lambda p, c: ({"prompt_tokens": p}, (p, 0))),
    "usage prompt and total": _usage(lambda p, c: ({"prompt_tokens": p, "total_tokens": p + c},
                                                   (p, c))),
    "usage with nulls": _usage(lambda p, c: ({"prompt_tokens": p, "completion_tokens": None},
                                             (p, 0))),
    "usage as strings": _usage(lambda p, c: ({"prompt_tokens": str(p),
                                              "completion_tokens": str(c)}, (p, c))),
    "usage in input/output names (LiteLLM)": _usage(
        lambda p, c: ({"input_tokens": p, "output_tokens": c}, (p, c))),
}


def run_shape(loopback, shaper, profile, world, model, shape):
    shaper.reset(shape)
    before = len(loopback.refusals)
    try:
        result = episode(profile, world, model)
    finally:
        shaper.shape = None
    assert loopback.refusals[before:] == []  # nothing a strict server would refuse
    return result


@pytest.mark.parametrize("name", OPENAI_SHAPES)
def test_openai_answer_shapes_complete_with_the_scripted_verdict(
        loopback, shaper, profile, world, scripted, name):
    result = run_shape(loopback, shaper, profile, world, "openai/careful", OPENAI_SHAPES[name])
    assert shaper.shaped > 0
    assert verdict(result.result) == verdict(scripted)
    usage = result.result.usage
    assert (usage.input_tokens, usage.output_tokens) == tuple(shaper.reported)


@pytest.mark.parametrize("arguments", ['{"path": "clips/', "[1, 2]"])
def test_unusable_arguments_are_the_models_to_redo(loopback, shaper, profile, world, arguments):
    result = run_shape(loopback, shaper, profile, world, "openai/careful",
                       first_call_only(_garbled(arguments)))
    returned = [e.result for e in result.trace if e.type == "tool_returned"]
    assert returned[0].startswith("error: the arguments of delegate ")
    assert result.result.status == "completed"


# -- Anthropic answers ----------------------------------------------------------------------

def _anthropic_tokens(answer):
    usage = answer["usage"]
    return usage["input_tokens"], usage["output_tokens"]


def _signed(text):
    return hashlib.sha256(text.encode()).hexdigest()


def anthropic_shape(change):
    def shape(shaper, request, answer):
        change(answer)
        return answer, _anthropic_tokens(answer)

    return shape


def _prepend(*blocks):
    def change(answer):
        answer["content"] = [copy.deepcopy(b) for b in blocks] + answer["content"]

    return change


def _whitespace_beside_tool_use(answer):
    if any(b["type"] == "tool_use" for b in answer["content"]):
        answer["content"].insert(0, {"type": "text", "text": "\n\n  "})


def _content_string(answer):
    answer.update(content="I will start with the clips.", stop_reason="end_turn")
    return answer, _anthropic_tokens(answer)


def _input_as_string(answer):
    for block in answer["content"]:
        if block["type"] == "tool_use":
            block["input"] = json.dumps(block["input"])


def _no_tool_use_ids(answer):
    for block in answer["content"]:
        if block["type"] == "tool_use":
            del block["id"]


def _odd_tool_use_ids(answer):
    for block in answer["content"]:
        if block["type"] == "tool_use":
            block["id"] = "call:" + block["id"] + ".0"


def _empty_max_tokens(answer):
    answer.update(content=[], stop_reason="max_tokens")
    answer["usage"]["output_tokens"] = 1024
    return answer, _anthropic_tokens(answer)


def _garbled_input(answer):
    for block in answer["content"]:
        if block["type"] == "tool_use":
            block["input"] = "{'path': "
    return answer, _anthropic_tokens(answer)


def _anthropic_usage(make):
    return _usage(make, _anthropic_tokens)


THINKING = {"type": "thinking", "thinking": "The brief asks for clips.",
            "signature": _signed("The brief asks for clips.")}
REDACTED = {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"}

ANTHROPIC_SHAPES = {
    "signed thinking before every answer": anthropic_shape(_prepend(THINKING)),
    "redacted thinking": anthropic_shape(_prepend(REDACTED)),
    "thinking and redacted thinking": anthropic_shape(_prepend(THINKING, REDACTED)),
    "unsigned thinking (a compatible server)": anthropic_shape(
        _prepend({"type": "thinking", "thinking": "Unsigned."})),
    "whitespace text beside tool_use": anthropic_shape(_whitespace_beside_tool_use),
    "content as a string (a compatible server)": first_call_only(_content_string),
    "input as a JSON string": anthropic_shape(_input_as_string),
    "tool_use without ids": anthropic_shape(_no_tool_use_ids),
    "tool_use ids the API would refuse": anthropic_shape(_odd_tool_use_ids),
    "empty content, stop_reason max_tokens": first_call_only(_empty_max_tokens),
    "input not JSON": first_call_only(_garbled_input),
    "usage missing": _anthropic_usage(lambda p, c: (None, (0, 0))),
    "usage output only": _anthropic_usage(lambda p, c: ({"output_tokens": c}, (0, c))),
    "usage with cache reads and writes": _anthropic_usage(lambda p, c: (
        {"input_tokens": p, "output_tokens": c, "cache_read_input_tokens": 7,
         "cache_creation_input_tokens": 5}, (p + 12, c))),
}


@pytest.mark.parametrize("name", ANTHROPIC_SHAPES)
def test_anthropic_answer_shapes_complete_with_the_scripted_verdict(
        loopback, shaper, profile, world, scripted, name):
    result = run_shape(loopback, shaper, profile, world, "anthropic/careful",
                       ANTHROPIC_SHAPES[name])
    assert shaper.shaped > 0
    assert verdict(result.result) == verdict(scripted)
    usage = result.result.usage
    assert (usage.input_tokens, usage.output_tokens) == tuple(shaper.reported)


# -- Provider faults on answers of every shape ------------------------------------------------

FAULTS = {
    "malformed json": "kind: model.malformed_tool_call\n    params: {mode: json, times: 2}",
    "unknown tool": "kind: model.malformed_tool_call\n    params: {mode: unknown_tool}",
    "truncated": "kind: model.truncated",
    "empty response": "kind: model.empty_response",
}
FAULTED_SHAPES = {
    "openai/careful": ("arguments as an object", "content as parts with reasoning",
                       "calls without ids"),
    "anthropic/careful": ("signed thinking before every answer", "input as a JSON string",
                          "whitespace text beside tool_use"),
}


@pytest.fixture(scope="module")
def faulted(profile):
    def make(fault):
        text = SPORTS.read_text()
        head, _, tail = text.partition("models:\n")
        models = "models:\n" + "".join(
            f"  - {{provider: {m.provider}, model: careful, base_url: '{m.base_url}'}}\n"
            for m in profile.models if getattr(m, "base_url", None)) + "  - scripted/careful\n"
        text = head + models + tail[tail.index("\nlimits:"):]
        head, _, tail = text.partition("faults:\n")
        return parse_profile(f"{head}faults:\n  - id: broken\n    {FAULTS[fault]}\n"
                             + tail[tail.index("\nmodels:"):])

    return make


def chaos_episode(profile, world, model):
    plan = EpisodePlan(profile.name, "p.yaml", model, 0, "chaos")
    return asyncio.run(run_episode(plan, profile, world))


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("model,shape", [(m, s) for m, shapes in FAULTED_SHAPES.items()
                                         for s in shapes])
def test_provider_faults_break_every_shape_the_way_they_break_the_plain_one(
        loopback, shaper, faulted, world, fault, model, shape):
    profile = faulted(fault)
    expected = chaos_episode(profile, world, "scripted/careful").result
    shapes = OPENAI_SHAPES if model.startswith("openai") else ANTHROPIC_SHAPES
    shaper.reset(shapes[shape])
    before = len(loopback.refusals)
    try:
        result = chaos_episode(profile, world, model).result
    finally:
        shaper.shape = None
    assert loopback.refusals[before:] == []
    assert verdict(result) == verdict(expected)
    assert [(f.kind, f.outcome) for f in result.faults] == \
        [(f.kind, f.outcome) for f in expected.faults]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize("body,reason", [
    (b"<html>502 Bad Gateway</html>", "answered with a body that is not JSON"),
    (b'{"choices": [', "answered with a body that is not JSON"),
    (b"[]", "the endpoint answered with no "),
    (b'"ok"', "the endpoint answered with no "),
])
def test_an_answer_that_is_no_completion_is_a_plain_provider_error(
        loopback, shaper, profile, world, provider, body, reason):
    result = run_shape(loopback, shaper, profile, world, f"{provider}/careful",
                       lambda shaper, request, answer: ((200, body), (0, 0)))
    assert result.result.status == "crashed"
    assert reason in result.result.error
    failed = [e for e in result.trace if e.type == "model_failed"]
    assert len(failed) == profile.limits.retry.attempts  # retried like a 5xx


# -- Any JSON at all: read into a turn or a provider error, and sent back as strict servers take it

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=12)


def maybe(strategy):
    return st.one_of(JSON, strategy)


ARGUMENTS = maybe(st.sampled_from(['{"path": "a"}', "{}", "", '"{\\"x\\": 1}"', "[1]", "{bad",
                                   '{"a": ' * 3000]))
OPENAI_CALL = maybe(st.fixed_dictionaries({}, optional={
    "id": maybe(st.sampled_from(["call_1", "call_1", "", "x y"])),
    "type": maybe(st.just("function")),
    "function": maybe(st.fixed_dictionaries({}, optional={
        "name": maybe(st.sampled_from(["read_file", "finish", ""])), "arguments": ARGUMENTS}))}))
OPENAI_ANSWER = maybe(st.fixed_dictionaries({}, optional={
    "choices": maybe(st.lists(maybe(st.fixed_dictionaries({}, optional={
        "finish_reason": maybe(st.sampled_from(["stop", "length", "tool_calls"])),
        "message": maybe(st.fixed_dictionaries({}, optional={
            "content": maybe(st.lists(maybe(st.fixed_dictionaries({}, optional={
                "type": maybe(st.sampled_from(["text", "reasoning", "thinking", "refusal"])),
                "text": JSON, "refusal": JSON})), max_size=3)),
            "tool_calls": maybe(st.lists(OPENAI_CALL, max_size=3)),
            "function_call": JSON, "refusal": JSON,
            "reasoning_content": JSON, "reasoning": JSON}))})), max_size=2)),
    "usage": maybe(st.fixed_dictionaries({}, optional={
        "prompt_tokens": JSON, "completion_tokens": JSON, "total_tokens": JSON})),
    "error": JSON}))
ANTHROPIC_BLOCK = maybe(st.fixed_dictionaries({}, optional={
    "type": maybe(st.sampled_from(["text", "tool_use", "thinking", "redacted_thinking"])),
    "text": JSON, "id": maybe(st.sampled_from(["toolu_1", "toolu_1", "", "a.b"])),
    "name": maybe(st.sampled_from(["read_file", ""])), "input": maybe(ARGUMENTS),
    "thinking": JSON, "signature": JSON, "data": JSON}))
ANTHROPIC_ANSWER = maybe(st.fixed_dictionaries({}, optional={
    "type": maybe(st.sampled_from(["message", "error"])),
    "content": maybe(st.lists(ANTHROPIC_BLOCK, max_size=4)),
    "stop_reason": JSON, "error": JSON,
    "usage": maybe(st.fixed_dictionaries({}, optional={
        "input_tokens": JSON, "output_tokens": JSON, "cache_read_input_tokens": JSON}))}))
TOOLS = (ToolSchema("read_file", "Read a file.", {"type": "object", "properties": {}}),
         ToolSchema("finish", "Finish.", {"type": "object", "properties": {}}))


def conversation(turns):
    """What the chain sends after these turns: each call answered, a nudge after an empty one."""
    messages = [Message("system", "You work through tools."), Message("user", "Do the task.")]
    for turn in turns:
        messages.append(Message("assistant", turn.text, turn.tool_calls))
        messages += [Message("tool", "ok" if n % 2 else "", tool_call_id=c.id, name=c.name)
                     for n, c in enumerate(turn.tool_calls)]
        if not turn.tool_calls:
            messages.append(Message("user", NUDGE))
    return tuple(messages)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(OPENAI_ANSWER, min_size=1, max_size=3), st.sampled_from([TOOLS, ()]))
def test_any_openai_answer_is_read_and_echoed_as_strict_servers_take_it(answers, tools):
    memory, issued, turns = WireMemory("call"), Issued(), []
    for answer in answers:
        try:
            turns.append(openai_turn(copy.deepcopy(answer), memory))
        except ProviderError:
            continue
        issued.record_openai(answer)
    for turn in turns:
        assert all(isinstance(c.arguments, dict) for c in turn.tool_calls)
        assert turn.usage.input_tokens >= 0 and turn.usage.output_tokens >= 0
    body = {"model": "m", "max_tokens": 16,
            **openai_request(conversation(turns), tools, memory)}
    assert openai_problem(json.loads(json.dumps(body)), issued) is None


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(ANTHROPIC_ANSWER, min_size=1, max_size=3), st.sampled_from([TOOLS, ()]))
def test_any_anthropic_answer_is_read_and_echoed_as_strict_servers_take_it(answers, tools):
    memory, issued, turns = WireMemory("toolu", ANTHROPIC_ID), Issued(), []
    for answer in answers:
        try:
            turns.append(anthropic_turn(copy.deepcopy(answer), memory))
        except ProviderError:
            continue
        issued.record_anthropic(answer)
    for turn in turns:
        assert all(isinstance(c.arguments, dict) for c in turn.tool_calls)
    body = {"model": "m", "max_tokens": 16,
            **anthropic_request(conversation(turns), tools, memory)}
    assert anthropic_problem(json.loads(json.dumps(body)), issued) is None


def _text_around_tool_use(answer):
    _prepend(THINKING)(answer)
    answer["content"].insert(1, {"type": "text", "text": "First, "})
    answer["content"].append({"type": "text", "text": "then I wait."})


def test_a_turn_with_signed_thinking_goes_back_exactly_as_received(
        loopback, shaper, profile, world, scripted):
    """Text after a tool_use stays after it: the API refuses a rebuilt thinking turn."""
    seen = []

    def shape(shaper, request, answer):
        seen.extend(m["content"] for m in request["messages"] if m["role"] == "assistant")
        _text_around_tool_use(answer)
        return answer, _anthropic_tokens(answer)

    result = run_shape(loopback, shaper, profile, world, "anthropic/careful", shape)
    assert verdict(result.result) == verdict(scripted)
    echoed = next(c for c in seen if any(b["type"] == "tool_use" for b in c))
    assert [b["type"] for b in echoed] == ["thinking", "text", "tool_use", "text"]
    assert echoed[0] == THINKING


@pytest.mark.parametrize("base_url,parameter", [
    (None, "max_completion_tokens"), ("https://api.openai.com/v1", "max_completion_tokens"),
    ("https://openrouter.ai/api/v1", "max_tokens"), ("http://localhost:11434/v1", "max_tokens"),
])
def test_openai_itself_gets_max_completion_tokens(base_url, parameter):
    """OpenAI refuses `max_tokens` for its reasoning models; compatible servers know only it."""
    from chaos.models._remote import OpenAIModel, http_module
    from chaos.profile import RemoteModelSpec

    httpx, sent = http_module(), []

    def answer(request):
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"choices": [{"message": {"content": "done"}}]})

    async def call():
        spec = RemoteModelSpec(provider="openai", model="o4-mini", base_url=base_url,
                               max_tokens=77)
        model = OpenAIModel(spec, httpx.MockTransport(answer))
        try:
            return await model.complete(ModelRequest("a#1", "a", (
                Message("user", "Do the task."),), TOOLS))
        finally:
            await model.aclose()

    assert asyncio.run(call()).text == "done"
    assert sent[0][parameter] == 77
    assert not {"max_tokens", "max_completion_tokens"} - {parameter} & set(sent[0])
    assert openai_problem(sent[0]) is None
