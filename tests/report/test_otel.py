"""OpenTelemetry export: OTLP/JSON lines a tracing tool can load, GenAI span names, sim time."""

import base64
import json
import shutil
from collections import Counter

import pytest
from click.testing import CliRunner
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from chaos._clock import SIM_EPOCH
from chaos.cli import main
from chaos.errors import InputError
from chaos.report._run_dir import load_results, read_trace
from chaos.report.otel import OTEL_PATH, episode_request, write_otlp
from chaos.results import EpisodeResult, TaskResult, UsageResult
from chaos.sim import AgentStarted, EpisodeFinished, ModelCalled, ToolCalled, ToolReturned
from tests.conftest import REPO, SPORTS

KITCHEN = REPO / "profiles" / "kitchen-sink.yaml"
EPOCH_NS = int(SIM_EPOCH.timestamp()) * 1_000_000_000
SPAN_EVENTS = ("agent_started", "model_called", "model_failed", "tool_called")
SPAN_EVENT_EVENTS = ("fault_injected", "fault_touched", "issue_reported", "mail_received")
CONTENT_KEYS = {"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.tool.call.arguments",
                "gen_ai.tool.call.result", "chaos.issue.summary", "chaos.mail.subject"}


def _run(out, profile, *args, code=0):
    result = CliRunner().invoke(main, ["run", str(profile), *args, "--quiet", "--out", str(out)])
    assert result.exit_code == code, result.output
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run directories: sports (4 models, both arms), kitchen-sink (model faults), and a chain
    with its editor pinned to another model that runs past a short deadline (crashes)."""
    base = tmp_path_factory.mktemp("otel")
    text = SPORTS.read_text()
    assert "deadline_ms: 1800000" in text and "    editor:\n" in text
    pinned = base / "pinned-short.yaml"
    pinned.write_text(text.replace("deadline_ms: 1800000", "deadline_ms: 30000").replace(
        "    editor:\n", "    editor:\n      model: scripted/naive\n"))
    return {
        "sports": _run(base / "sports", SPORTS, "--episodes", "1"),
        "kitchen": _run(base / "kitchen", KITCHEN, "--episodes", "1", "--model",
                        "scripted/careful"),
        # Every episode crashes: exit 4, a model that completed no episode.
        "crash": _run(base / "crash", pinned, "--episodes", "1", "--model", "scripted/careful",
                      code=4),
    }


def _export(run_dir, **options):
    results = load_results(run_dir)
    path = write_otlp(run_dir, results, **options)
    return results, [json.loads(line) for line in path.read_text().splitlines()]


def _spans(request):
    (resource,) = request["resourceSpans"]
    (scope,) = resource["scopeSpans"]
    return scope["spans"]


def _attrs(item):
    def plain(value):
        (kind, inner), = value.items()
        if kind == "arrayValue":
            return [plain(v) for v in inner.get("values", [])]
        return int(inner) if kind == "intValue" else inner
    return {a["key"]: plain(a["value"]) for a in item.get("attributes", [])}


def _ms(nanos):
    return (int(nanos) - EPOCH_NS) // 1_000_000


def _episodes(run_dir, results, requests):
    for episode, request in zip(results.episodes, requests, strict=True):
        yield episode, read_trace(run_dir, episode), _spans(request)


@pytest.mark.parametrize("name", ["sports", "kitchen", "crash"])
def test_every_line_parses_as_an_export_request_with_the_official_proto(runs, name):
    results, requests = _export(runs[name])
    assert len(requests) == len(results.episodes)
    for request in requests:
        spans = _spans(request)
        for span in spans:
            # The OTLP/JSON rules themselves: hex ids, integer enums, int64 as decimal strings.
            assert len(span["traceId"]) == 32 and len(span["spanId"]) == 16
            int(span["traceId"], 16), int(span["spanId"], 16)
            assert isinstance(span["kind"], int)
            assert span["startTimeUnixNano"].isdigit() and span["endTimeUnixNano"].isdigit()
            assert isinstance(span.get("status", {}).get("code", 0), int)
            # Protobuf's JSON mapping wants base64 for bytes; OTLP/JSON uses hex for the ids.
            for key in ("traceId", "spanId", "parentSpanId"):
                if key in span:
                    span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
        parsed = json_format.Parse(json.dumps(request), ExportTraceServiceRequest())
        (scope,) = parsed.resource_spans[0].scope_spans
        assert len(scope.spans) == len(spans)
        assert all(s.end_time_unix_nano >= s.start_time_unix_nano for s in scope.spans)


@pytest.mark.parametrize("name", ["sports", "kitchen", "crash"])
def test_each_episode_is_one_trace_whose_parents_all_exist(runs, name):
    results, requests = _export(runs[name])
    trace_ids = set()
    for _, _, spans in _episodes(runs[name], results, requests):
        (trace_id,) = {s["traceId"] for s in spans}
        trace_ids.add(trace_id)
        ids = [s["spanId"] for s in spans]
        assert len(set(ids)) == len(ids)
        roots = [s for s in spans if "parentSpanId" not in s]
        assert len(roots) == 1
        assert all(s["parentSpanId"] in ids for s in spans if s is not roots[0])
    assert len(trace_ids) == len(results.episodes)


@pytest.mark.parametrize("name", ["sports", "kitchen", "crash"])
def test_one_span_per_agent_model_call_and_tool_call_and_events_for_the_rest(runs, name):
    results, requests = _export(runs[name])
    for _, events, spans in _episodes(runs[name], results, requests):
        kinds = Counter(e.type for e in events)
        assert len(spans) == 1 + sum(kinds[k] for k in SPAN_EVENTS)
        names = Counter(e["name"] for s in spans for e in s.get("events", []))
        assert names == {f"chaos.{k.replace('_', '.', 1)}": kinds[k]
                         for k in SPAN_EVENT_EVENTS if kinds[k]}
        by_kind = Counter(_attrs(s).get("gen_ai.operation.name") for s in spans)
        assert by_kind["invoke_agent"] == kinds["agent_started"]
        assert by_kind["chat"] == kinds["model_called"] + kinds["model_failed"]
        assert by_kind["execute_tool"] == kinds["tool_called"]


def test_spans_carry_the_genai_names_and_the_trace_values(runs):
    results, requests = _export(runs["sports"])
    for episode, events, spans in _episodes(runs["sports"], results, requests):
        provider, _, model = episode.model.partition("/")
        chats = [s for s in spans if s["name"].startswith("chat ")]
        calls = [e for e in events if e.type == "model_called"]
        assert len(chats) == len(calls)
        for span, call in zip(chats, calls, strict=True):
            attrs = _attrs(span)
            assert span["name"] == f"chat {model}"
            assert attrs["gen_ai.operation.name"] == "chat"
            assert attrs["gen_ai.provider.name"] == f"chaos.{provider}"
            assert attrs["gen_ai.request.model"] == model
            assert attrs["gen_ai.usage.input_tokens"] == call.input_tokens
            assert attrs["gen_ai.usage.output_tokens"] == call.output_tokens
            assert _ms(span["endTimeUnixNano"]) == call.t_ms
        tools = [s for s in spans if s["name"].startswith("execute_tool ")]
        called = [e for e in events if e.type == "tool_called"]
        assert [(_attrs(s)["gen_ai.tool.name"], _attrs(s)["gen_ai.tool.call.id"]) for s in tools] \
            == [(e.tool, e.call_id) for e in called]
        assert all(s["name"] == f"execute_tool {_attrs(s)['gen_ai.tool.name']}" for s in tools)
        agents = [s for s in spans if s["name"].startswith("invoke_agent ")]
        assert [_attrs(s)["gen_ai.agent.name"] for s in agents] == [
            e.agent for e in events if e.type == "agent_started"]
        root = _attrs(next(s for s in spans if "parentSpanId" not in s))
        assert (root["chaos.episode.key"], root["chaos.seed"], root["chaos.arm"]) == (
            episode.key, episode.seed, episode.arm)
        assert root["chaos.task.passed"] is episode.task.passed
        assert root["chaos.handled"] is episode.handled
        assert root["chaos.reproduce"] == episode.reproduce


def test_delegated_agents_nest_under_the_delegate_call_that_started_them(runs):
    results, requests = _export(runs["sports"])
    for _, _, spans in _episodes(runs["sports"], results, requests):
        by_id = {s["spanId"]: s for s in spans}
        agents = [s for s in spans if s["name"].startswith("invoke_agent ")]
        entry, *delegated = agents
        assert "parentSpanId" not in by_id[entry["parentSpanId"]]
        assert delegated
        for span in delegated:
            parent = by_id[span["parentSpanId"]]
            assert parent["name"] == "execute_tool delegate"
            caller = by_id[parent["parentSpanId"]]
            assert caller["name"].startswith("invoke_agent ")


@pytest.mark.parametrize("name", ["sports", "kitchen", "crash"])
def test_every_span_and_event_lies_inside_its_parent(runs, name):
    results, requests = _export(runs[name])
    for episode, _, spans in _episodes(runs[name], results, requests):
        by_id = {s["spanId"]: s for s in spans}
        root = next(s for s in spans if "parentSpanId" not in s)
        assert _ms(root["startTimeUnixNano"]) == 0
        assert _ms(root["endTimeUnixNano"]) >= episode.sim_time_ms
        for span in spans:
            start, end = int(span["startTimeUnixNano"]), int(span["endTimeUnixNano"])
            assert start <= end
            if span is not root:
                parent = by_id[span["parentSpanId"]]
                assert int(parent["startTimeUnixNano"]) <= start
                assert end <= int(parent["endTimeUnixNano"])
            for event in span.get("events", []):
                assert start <= int(event["timeUnixNano"]) <= end, (span["name"], event)


def test_the_same_run_gives_the_same_bytes_wherever_it_lies(runs, tmp_path):
    results = load_results(runs["kitchen"])
    first = write_otlp(runs["kitchen"], results).read_bytes()
    assert write_otlp(runs["kitchen"], results).read_bytes() == first
    moved = tmp_path / "moved"
    shutil.copytree(runs["kitchen"], moved)
    assert write_otlp(moved, load_results(moved)).read_bytes() == first
    assert (moved / OTEL_PATH).is_file()


def test_fault_outcomes_reach_the_root_and_the_injection_events(runs):
    results, requests = _export(runs["sports"])
    seen = set()
    for episode, _, spans in _episodes(runs["sports"], results, requests):
        root = next(s for s in spans if "parentSpanId" not in s)
        attrs = _attrs(root)
        outcomes = {f.id: f.outcome for f in episode.faults}
        assert dict(zip(attrs["chaos.fault.ids"], attrs["chaos.fault.outcomes"], strict=True)) \
            == outcomes
        for event in root.get("events", []):
            if event["name"] == "chaos.fault.injected":
                event_attrs = _attrs(event)
                assert event_attrs["chaos.fault.outcome"] == outcomes[event_attrs["chaos.fault.id"]]
        propagated = [i for i, o in outcomes.items() if o == "propagated"]
        assert attrs["chaos.faults.propagated"] == len(propagated)
        if propagated:
            assert root["status"]["code"] == 2
            assert all(i in root["status"]["message"] for i in propagated)
            seen.add("propagated")
        else:
            assert "status" not in root
            seen.add("clean" if episode.arm == "clean" else "held")
    assert seen == {"propagated", "clean", "held"}


def test_failed_model_calls_and_tools_are_errors_with_an_error_type(runs):
    results, requests = _export(runs["kitchen"])
    _, events, spans = next(e for e in _episodes(runs["kitchen"], results, requests)
                            if e[0].arm == "chaos")
    failed_calls = [e for e in events if e.type == "model_failed"]
    error_chats = [s for s in spans if s["name"].startswith("chat ") and "status" in s]
    assert failed_calls and len(error_chats) == len(failed_calls)
    for span, failure in zip(error_chats, failed_calls, strict=True):
        assert span["status"] == {"message": failure.error, "code": 2}
        # The HTTP status when the provider answered one, the error's class when it did not.
        expected = str(failure.status) if failure.status else failure.error.split(":")[0]
        assert _attrs(span)["error.type"] == expected
    assert {_attrs(s)["error.type"] for s in error_chats} >= {"429", "503", "APITimeoutError"}
    failed_tools = {e.call_id + e.invocation for e in events
                    if e.type == "tool_returned" and not e.ok}
    error_tools = [s for s in spans if s["name"].startswith("execute_tool ") and "status" in s]
    assert failed_tools and len(error_tools) == len(failed_tools)
    # errno names for the filesystem faults (io_error, permission_denied, missing).
    assert {"EIO", "EACCES", "ENOENT"} <= {_attrs(s)["error.type"] for s in error_tools}
    # Without content, the status names the error's class, not the tool's text.
    assert all(s["status"]["message"] == _attrs(s)["error.type"] for s in error_tools)
    results, requests = _export(runs["sports"])
    mail = [s for _, _, spans in _episodes(runs["sports"], results, requests) for s in spans
            if s["name"] == "execute_tool send_email" and "status" in s]
    assert {_attrs(s)["error.type"] for s in mail} == {"SMTPDataError", "SMTPServerDisconnected"}


def test_a_crashed_episode_ends_its_open_spans_with_it_in_error(runs):
    results, requests = _export(runs["crash"])
    for episode, _, spans in _episodes(runs["crash"], results, requests):
        assert episode.status == "crashed"
        root = next(s for s in spans if "parentSpanId" not in s)
        assert root["status"]["code"] == 2 and episode.error in root["status"]["message"]
        open_ones = [s for s in spans if _attrs(s).get("error.type") == "unfinished"]
        assert {s["name"] for s in open_ones} >= {"invoke_agent producer",
                                                  "execute_tool delegate"}
        assert all(s["endTimeUnixNano"] == root["endTimeUnixNano"] for s in open_ones)


def test_a_pinned_agent_is_shown_with_its_own_model(runs):
    _, requests = _export(runs["crash"])
    chats = {(s["parentSpanId"], _attrs(s)["gen_ai.request.model"])
             for r in requests for s in _spans(r) if s["name"].startswith("chat ")}
    agents = {s["spanId"]: _attrs(s)["gen_ai.agent.name"]
              for r in requests for s in _spans(r) if s["name"].startswith("invoke_agent ")}
    shown = {(agents[parent], model) for parent, model in chats}
    assert ("editor", "naive") in shown and ("producer", "careful") in shown
    assert all(model == ("naive" if agent == "editor" else "careful") for agent, model in shown)


def test_content_is_left_out_unless_asked_and_then_cut(runs):
    results, requests = _export(runs["sports"])
    task = read_trace(runs["sports"], results.episodes[0])[1].task
    text = (runs["sports"] / OTEL_PATH).read_text()
    assert task[:60] not in text
    assert not CONTENT_KEYS & {k for r in requests for s in _spans(r) for k in _attrs(s)}
    _, requests = _export(runs["sports"], include_content=True, content_limit=40)
    keys = {k for r in requests for s in _spans(r) for k in _attrs(s)}
    assert CONTENT_KEYS - {"chaos.issue.summary", "chaos.mail.subject"} <= keys
    root_agent = next(s for s in _spans(requests[0]) if s["name"].startswith("invoke_agent "))
    (message,) = json.loads(_attrs(root_agent)["gen_ai.input.messages"])
    content = message["parts"][0]["content"]
    assert content.startswith(task[:40]) and content.endswith(
        f"[{len(task) - 40} more characters]")


def _episode(**overrides):
    return EpisodeResult(**{
        "key": "p/scripted-careful/seed-0/chaos", "profile": "p", "model": "scripted/careful",
        "seed": 0, "arm": "chaos", "status": "completed", "task": TaskResult(passed=True,
                                                                             reasons=[]),
        "faults": [], "sim_time_ms": 10, "usage": UsageResult(), "trace": "t.jsonl",
        "reproduce": "chaos run p.yaml --seed 0", **overrides})


def test_agent_text_stays_data_and_secrets_stay_out(monkeypatch):
    canary = "sk-canary0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    nasty = 'line\nbreak "quoted" </script><script>alert(1)</script>\u2028 ' + canary
    events = [
        AgentStarted(seq=0, t_ms=0, agent="producer", invocation="producer#1", task=nasty),
        ModelCalled(seq=1, t_ms=5, agent="producer", invocation="producer#1", step=1,
                    latency_ms=5, text=nasty, tool_calls=["read_file"]),
        ToolCalled(seq=2, t_ms=5, agent="producer", invocation="producer#1", call_id="c1",
                   tool="read_file", arguments={"path": nasty}),
        ToolReturned(seq=3, t_ms=9, agent="producer", invocation="producer#1", call_id="c1",
                     tool="read_file", ok=True, result=nasty),
        EpisodeFinished(seq=4, t_ms=10, status="completed"),
    ]
    line = json.dumps(episode_request(_episode(), events, include_content=True),
                      ensure_ascii=False, separators=(",", ":"))
    assert "\n" not in line and canary not in line
    spans = _spans(json.loads(line))
    tool = next(s for s in spans if s["name"] == "execute_tool read_file")
    assert _attrs(tool)["gen_ai.tool.call.result"] == nasty.replace(canary, "[redacted]")


def test_a_missing_trace_leaves_the_root_and_a_broken_one_names_file_and_line(runs, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(runs["crash"], run)
    results = load_results(run)
    first, second = results.episodes
    (run / first.trace).unlink()
    requests = [json.loads(line) for line in
                write_otlp(run, results).read_text().splitlines()]
    (root,) = _spans(requests[0])
    assert _attrs(root)["chaos.trace.missing"] is True
    (run / second.trace).write_text('{"seq": 0, "t_ms": "soon", "type": "episode_started"}\n')
    with pytest.raises(InputError) as info:
        write_otlp(run, results)
    assert f"{second.trace.rsplit('/', 1)[-1]}:1:" in str(info.value)
