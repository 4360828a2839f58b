"""`chaos mcp`: an episode served to the `mcp` SDK's own client over stdio and HTTP, then judged."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp")

from click.testing import CliRunner  # noqa: E402
from mcp import Client, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402

from chaos.cli import main  # noqa: E402
from tests.conftest import REPO, SPORTS  # noqa: E402

CLINIC = REPO / "profiles" / "clinic-lab-reports.yaml"


def chaos_mcp(*args):
    return StdioServerParameters(command=sys.executable, args=["-m", "chaos.cli", "mcp", *args],
                                 env=dict(os.environ))


async def do_the_clinic_task(client):
    """What a careful agent does: mail each patient their report, report what failed."""
    listing = await client.call_tool("read_file", {"path": "/clinic/patients.csv"})
    rows = list(csv.DictReader(io.StringIO(json.loads(listing.content[0].text)["content"])))
    done, issues, errors = [], [], []
    for row in rows:
        sent = await client.call_tool("send_email", {
            "to": [row["email"]], "subject": f"Your lab report {row['patient_id']}",
            "body": "Attached.", "attachments": [
                {"path": f"/clinic/lab/reports/{row['patient_id']}.pdf",
                 "content_type": "application/pdf"}]})
        if sent.is_error:
            errors.append(sent.content[0].text)
            issues.append(f"{row['patient_id']} {row['email']}: {sent.content[0].text}")
            await client.call_tool("report_issue", {
                "severity": "error", "summary": issues[-1],
                "paths": [f"/clinic/lab/reports/{row['patient_id']}.pdf"]})
        else:
            done.append("reports")
    finished = await client.call_tool("finish", {"result": {"done": done, "issues": issues}})
    return rows, errors, finished


def read_run(out):
    results = json.loads((out / "results.json").read_text())
    (episode,) = results["episodes"]
    trace = [json.loads(line) for line in (out / episode["trace"]).read_text().splitlines()]
    return episode, trace


def test_over_stdio_a_client_does_the_task_and_the_oracle_passes_it(tmp_path):
    out = tmp_path / "run"
    stderr = tmp_path / "stderr.txt"

    async def main():
        with stderr.open("w") as errlog:
            transport = stdio_client(chaos_mcp(str(CLINIC), "--seed", "3", "--arm", "clean",
                                               "--out", str(out)), errlog=errlog)
            async with Client(transport) as client:
                names = [t.name for t in (await client.list_tools()).tools]
                return names, await do_the_clinic_task(client)

    names, (rows, errors, finished) = asyncio.run(main())
    assert names == ["read_file", "report_issue", "finish", "list_dir", "find_files",
                     "file_info", "send_email", "wait"]
    assert errors == [] and not finished.is_error
    episode, trace = read_run(out)
    assert episode["status"] == "completed" and episode["arm"] == "clean"
    assert episode["task"]["passed"] is True
    assert episode["reproduce"] == (f"chaos mcp {CLINIC} --model scripted/careful --seed 3 "
                                    "--arm clean")
    received = [e for e in trace if e["type"] == "mail_received"]
    assert len(received) == len(rows)  # real mail, through the real SMTP server
    sent = [e for e in trace if e["type"] == "tool_returned" and e["tool"] == "send_email"]
    assert {e["agent"] for e in sent} == {"coordinator"} and all(e["ok"] for e in sent)
    assert (out / "junit.xml").exists()
    lines = stderr.read_text().splitlines()
    assert lines[-2] == "clinic-lab-reports/scripted-careful/seed-3/clean: task passed"
    assert lines[-1] == f"results: {out / 'results.json'}"


def test_over_stdio_a_refused_recipient_is_the_smtp_error_and_reporting_it_is_judged(tmp_path):
    out = tmp_path / "run"

    async def main():
        transport = stdio_client(chaos_mcp(str(CLINIC), "--seed", "3", "--only-fault",
                                           "refused-recipient", "--out", str(out)),
                                 errlog=open(os.devnull, "w"))  # noqa: SIM115
        async with Client(transport) as client:
            return await do_the_clinic_task(client)

    _rows, errors, finished = asyncio.run(main())
    (error,) = errors
    assert error.startswith("error: SMTPRecipientsRefused: ") and " 550 " in error
    assert not finished.is_error
    episode, trace = read_run(out)
    (fault,) = episode["faults"]
    assert fault["id"] == "refused-recipient" and fault["outcome"] == "detected"
    assert episode["handled"] is True
    assert episode["reproduce"].endswith("--arm chaos --only-fault refused-recipient")


REQUESTS = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"}}},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
     "params": {"name": "read_file", "arguments": {"path": "/nowhere.txt"}}},
    {"jsonrpc": "2.0", "id": 4, "method": "tools/call",
     "params": {"name": "list_dir", "arguments": {"path": "/prod"}}},
]


def raw_stdio(out, *args, term=False):
    """Speak JSON-RPC lines to `chaos mcp` over stdio, as a client does; close; collect."""
    process = subprocess.Popen(
        [sys.executable, "-m", "chaos.cli", "mcp", str(SPORTS), *args, "--out", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    answers = []
    try:
        for request in REQUESTS:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            if "id" in request:  # a client waits for its answers before it closes
                answers.append(json.loads(process.stdout.readline()))
        process.stdin.close()
        process.stdin = None
        if term:  # as a client does that gives up waiting: SIGTERM right after the close
            process.send_signal(signal.SIGTERM)
        rest, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    return process.returncode, answers, rest, stderr


def test_stdout_carries_the_protocol_only_and_closing_stdin_ends_the_episode(tmp_path):
    out = tmp_path / "run"
    code, answers, rest, stderr = raw_stdio(out, "--agent", "editor")
    assert code == 0, stderr
    assert rest == ""  # nothing but the answers, one JSON-RPC message a line
    assert [a["id"] for a in answers] == [1, 2, 3, 4]
    assert [t["name"] for t in answers[1]["result"]["tools"]] == [
        "list_dir", "find_files", "read_file", "file_info", "report_issue", "finish"]
    assert answers[2]["result"] == {"content": [{"type": "text", "text": (
        "[Errno 2] No such file or directory: '/nowhere.txt'")}], "isError": True}
    episode, trace = read_run(out)
    assert episode["status"] == "crashed"
    assert episode["error"] == ("the MCP client closed the connection before the entry agent "
                                "'producer' called finish")
    calls = [(e["type"], e["agent"]) for e in trace if e["type"].startswith("tool_")]
    assert calls == [("tool_called", "editor"), ("tool_returned", "editor")] * 2
    assert "crashed: the MCP client closed the connection" in stderr


def test_a_sigterm_after_the_client_closes_does_not_cut_the_run_directory_short(tmp_path):
    out = tmp_path / "run"
    code, _answers, _rest, stderr = raw_stdio(out, term=True)
    assert code == 0, stderr
    episode, trace = read_run(out)
    assert episode["status"] == "crashed" and trace[-1]["type"] == "episode_finished"
    assert (out / "junit.xml").exists()


def test_the_same_calls_give_the_same_bytes(tmp_path):
    runs = [tmp_path / "one", tmp_path / "two"]
    for out in runs:
        assert raw_stdio(out, "--seed", "2")[0] == 0
    episode, _trace = read_run(runs[0])
    for name in ("results.json", episode["trace"]):
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes()


def non_loopback_address():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: picks the outgoing address
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def start_http(*args):
    process = subprocess.Popen([sys.executable, "-m", "chaos.cli", "mcp", *args, "--http"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = process.stderr.readline().strip()
    return process, url


def test_over_http_the_server_binds_loopback_only_and_ends_after_finish(tmp_path):
    out = tmp_path / "run"
    process, url = start_http(str(SPORTS), "--seed", "1", "--out", str(out))
    try:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp"), url
        port = int(url.split(":")[2].split("/")[0])
        if (address := non_loopback_address()) is not None:
            with pytest.raises(OSError), socket.create_connection((address, port), timeout=5):
                pass

        async def main():
            async with Client(url) as client:
                await client.call_tool("list_dir", {"path": "/"})
                return await client.call_tool("finish", {"result": {
                    "team": "?", "match_date": "2026-01-01", "clips": []}})

        finished = asyncio.run(main())
        assert not finished.is_error
        stdout, stderr = process.communicate(timeout=60)  # it stops by itself
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert stdout == ""
    episode, _trace = read_run(out)
    assert episode["status"] == "completed" and episode["task"]["passed"] is False
    assert "sports-production/scripted-careful/seed-1/chaos: task failed (" in stderr


def test_over_http_ctrl_c_judges_and_writes_the_episode(tmp_path):
    out = tmp_path / "run"
    process, url = start_http(str(SPORTS), "--agent", "qa", "--out", str(out))
    try:
        assert url.endswith("/agents/qa/mcp"), url

        async def main():
            async with Client(url) as client:
                await client.call_tool("list_dir", {"path": "/"})

        asyncio.run(main())
        process.send_signal(signal.SIGINT)
        _stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    episode, trace = read_run(out)
    assert episode["error"] == ("chaos mcp was stopped (Ctrl-C or a signal) before the entry "
                                "agent 'producer' called finish")
    assert [e["agent"] for e in trace if e["type"] == "tool_called"] == ["qa"]


@pytest.mark.parametrize(("args", "message"), [
    (["--agent", "nobody"], "--agent nobody: the chain of "),
    (["--only-fault", "nope"], "--only-fault nope: no fault of "),
    (["--model", "nope/x"], "--model nope/x: unknown model provider 'nope'"),
    (["--port", "8080"], "--port 8080: the port is for --http"),
    (["--seed", "-1"], "Invalid value for '--seed'"),
    (["--model", "openai/gpt-4o-mini"], "--model scripted/careful"),
])
def test_bad_input_is_a_located_error_and_exit_2(args, message, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = CliRunner().invoke(main, ["mcp", str(SPORTS), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_profile_error_names_its_place_and_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPORTS.read_text().replace("entry: producer", "entry: nobody"))
    result = CliRunner().invoke(main, ["mcp", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:" in result.output and "nobody" in result.output


@pytest.mark.parametrize("module", ["mcp.server.lowlevel", "uvicorn"])
def test_without_the_sdk_it_says_which_extra_to_install(module, monkeypatch):
    monkeypatch.setitem(sys.modules, module, None)
    result = CliRunner().invoke(main, ["mcp", str(SPORTS), "--http"])
    assert result.exit_code == 2
    assert "pip install 'chaos-sim[agents]'" in result.output and "Traceback" not in result.output


def test_a_chaos_arm_without_faults_is_refused(tmp_path):
    calm = tmp_path / "calm.yaml"
    text = SPORTS.read_text()
    calm.write_text(text[:text.index("faults:\n")] + text[text.index("models:\n"):])
    result = CliRunner().invoke(main, ["mcp", str(calm)])
    assert result.exit_code == 2 and "use --arm clean" in result.output


def test_a_run_directory_in_use_is_refused(tmp_path):
    (tmp_path / "results.json").write_text("{}")
    result = CliRunner().invoke(main, ["mcp", str(SPORTS), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "already holds a run" in result.output


def test_chaos_and_its_help_do_not_import_the_mcp_stack():
    code = ("import sys\nfrom click.testing import CliRunner\nimport chaos\n"
            "from chaos.cli import main\n"
            "assert CliRunner().invoke(main, ['--help']).exit_code == 0\n"
            "assert CliRunner().invoke(main, ['mcp', '--help']).exit_code == 0\n"
            "print(sorted(m for m in ('mcp', 'starlette', 'uvicorn') if m in sys.modules))")
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=60, cwd=Path(REPO))
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "[]"
