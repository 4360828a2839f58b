"""`chaos explain` gives one verdict per fault, threatens nothing with a fault that can never
fire, makes no draw claim the run never makes, and gives the run's own reason words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.coverage.conftest import chaos

PROFILES = Path(__file__).parents[2] / "profiles"
PROFILE = f"""version: 1
extends: {PROFILES / 'clinic-lab-reports.yaml'}
name: verdicts
episodes: 1
models: [scripted/careful]
faults+:
  - id: never-write
    kind: fs.io_error
    target: {{tag: report, pick: 1}}
    trigger: {{when: tool_call, tool: write_file}}
  - id: nth-too-many
    kind: fs.empty
    target: {{glob: /clinic/patients.csv}}
    trigger: {{when: tool_call, tool: read_file, nth: 999, probability: 0.5}}
  - id: start-outside
    kind: fs.empty
    target: {{glob: /clinic/lab/reports/SHA256SUMS}}
    trigger: {{when: start, window: [5, 10]}}
"""


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("verdicts") / "verdicts.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def _cells(output: str, fault_id: str) -> str:
    """The explain table's rows of one fault, as one text (the 'this seed' column folds)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if f"│ {fault_id} " in line)
    rows = []
    for line in lines[start:]:
        if line.startswith(("├", "└")) or (rows and "│ " in line and
                                             line.split("│")[1].strip() and
                                             not line.split("│")[1].strip().startswith(
                                                 ("fs.", "{", '"'))
                                             and line is not lines[start]):
            break
        rows.append(line.split("│")[4].strip())
    return " ".join(rows)


def test_a_fault_that_can_never_fire_has_one_verdict_and_threatens_nothing(profile):
    result = chaos("explain", str(profile))
    assert result.exit_code == 0, result.output
    for fault_id in ("never-write", "start-outside"):
        cell = _cells(result.output, fault_id)
        assert "can never fire" in cell, cell
        assert "takes effect" not in cell and "threatens" not in cell, cell
        assert "skipped" not in cell, cell
    plan = json.loads(chaos("explain", str(profile), "--json").output)
    assert all("never-write" not in e["threatened_by"] for e in plan["expectations"])
    fault = next(f for f in plan["faults"] if f["id"] == "never-write")
    assert fault["takes_effect"] == "never" and fault["threatens"] == []


def test_no_draw_claim_before_the_nth_event_comes(profile):
    result = chaos("explain", str(profile))
    cell = _cells(result.output, "nth-too-many")
    assert "if its 999th read_file call comes" in cell
    plan = json.loads(chaos("explain", str(profile), "--json").output)
    why = " ".join(r["why"] for r in plan["coverage"]["cannot_fire"]
                   if r["fault"] == "nth-too-many")
    assert "this seed's draw" not in why or "if its 999th read_file call comes" in why


def test_the_run_s_reason_carries_explain_s_structural_cause(profile, tmp_path):
    plan = json.loads(chaos("explain", str(profile), "--json").output)
    predicted = next(r for r in plan["coverage"]["cannot_fire"] if r["fault"] == "never-write")
    assert "no agent has the tool write_file" in predicted["why"]
    out = tmp_path / "run"
    result = chaos("run", str(profile), "--out", str(out))
    assert result.exit_code in (0, 1), result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rows = {r["fault"]: r for r in results["summary"]["coverage"]["profiles"]["verdicts"]
            ["never_fired"]}
    for fault_id in ("never-write", "start-outside"):
        predicted = next(r for r in plan["coverage"]["cannot_fire"] if r["fault"] == fault_id)
        assert rows[fault_id]["why"] == predicted["why"], fault_id
        assert rows[fault_id]["reasons"] == {predicted["code"]: 1}, fault_id
    nth = rows["nth-too-many"]["why"]
    assert "only" not in nth or "of the 999 needed" not in nth
    assert "999th" in nth


def test_without_send_email_an_smtp_fault_can_never_fire_but_an_attachment_fault_can(tmp_path):
    path = tmp_path / "no-mail.yaml"
    path.write_text(f"""version: 1
extends: {PROFILES / 'shop-catalogue.yaml'}
name: no-mail
episodes: 1
models: [scripted/careful]
faults:
  - id: refused
    kind: smtp.recipient_refused
  - id: broken-attachment
    kind: mail.corrupt_attachment
    target: {{tag: product_photo, pick: 1}}
""", encoding="utf-8")
    result = chaos("explain", str(path), "--json")
    assert result.exit_code == 0, result.output
    faults = {f["id"]: f for f in json.loads(result.output)["faults"]}
    assert faults["refused"]["takes_effect"] == "never"
    assert faults["broken-attachment"]["takes_effect"] == "yes"
