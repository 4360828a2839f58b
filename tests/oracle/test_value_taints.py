"""Text taints: a value a fault introduced is propagated wherever it leaves, as a whole value."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from chaos._registry import Registry
from chaos.faults import Fault, Taint, fault
from chaos.models.scripted import policy
from chaos.oracle import carries
from chaos.profile import load_profile
from chaos.runner import RunOptions, run_profiles

PROFILE = """\
version: 1
name: value-taint
seed: 0
episodes: 1
world:
  generator: sports_media
  params: {teams: 2, matches_per_team: 1}
chain:
  entry: desk
  agents:
    desk:
      instructions: Tell the desk which build shipped.
      tools: [send_email, send_sms, write_file, finish]
task:
  kind: highlight_package
  params: {save_manifest: true}
faults:
  - id: wrong-version
    kind: testvalue.introduce
    params: {value: "1.2.3"}
models: [scripted/test-says]
"""

#: What the test policy says where: {"body": ..., "subject": ..., "sms": ..., "team": ...}.
SAY: dict[str, str] = {}


@policy("test-says")
def says(brief, ctx):
    """Sends what SAY holds, then finishes with SAY's team (or the brief's)."""
    if "body" in SAY or "subject" in SAY:
        yield "send_email", {"to": ["desk@example.org"], "subject": SAY.get("subject", "Build"),
                             "body": SAY.get("body", "Shipped.")}
    if "file" in SAY:
        yield "write_file", {"path": brief["save_to"], "content": SAY["file"]}
    if "sms" in SAY:
        yield "send_sms", {"to": "+15550100000", "text": SAY["sms"]}
    yield "finish", {"result": {"team": SAY.get("team", brief["team"]),
                                "match_date": brief["match_date"], "clips": [],
                                "issues": [SAY["issue"]] if "issue" in SAY else []}}


@pytest.fixture(autouse=True)
def value_fault():
    """A fault kind that only introduces a text value (registries restored after)."""
    saved = [(r, r.snapshot()) for r in Registry.instances]

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        value: str

    @fault("testvalue.introduce")
    class Introduce(Fault):
        summary = "Introduces a wrong value."
        default_target = None

        def inject(self, ctx):
            return Taint(values=[self.params.value], touch="hit")

    Introduce.Params = Params
    SAY.clear()
    yield
    for registry, entries in saved:
        registry.restore(entries)


def _fault(tmp_path, **say):
    SAY.update(say)
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE)
    results = run_profiles([load_profile(path)], RunOptions(arms=("chaos",)))
    (episode,) = results.episodes
    assert episode.status == "completed", episode.error
    (verdict,) = episode.faults
    return verdict, episode


def test_a_value_in_a_mail_body_is_propagated_with_the_place_named(tmp_path):
    verdict, episode = _fault(tmp_path, body="Build 1.2.3 is live.")
    assert verdict.outcome == "propagated"
    assert 'mail to desk@example.org: body carries "1.2.3" (introduced by the fault)' in \
        verdict.evidence
    assert episode.handled is False


@pytest.mark.parametrize("say", [
    {"team": "Lions 1.2.3"},
    {"team": 'Lions "1.2.3"'},
    {"subject": "Release 1.2.3"},
    {"sms": "shipped v1.2.3"},
    {"file": '{"build": "1.2.3"}'},  # the manifest the task asks the chain to save
])
def test_a_value_in_the_answer_a_subject_an_sms_or_an_output_is_propagated(tmp_path, say):
    verdict, _ = _fault(tmp_path, **say)
    assert verdict.outcome == "propagated", verdict.evidence


@pytest.mark.parametrize("say", [
    {"body": "Build 1.2.30 is live, 11.2.3 too, and 1.2.3.4."},
    {"team": "Lions 1.2.35"},
    {"issue": "version.json says 1.2.3, the artifact does not"},  # reported, not shipped
])
def test_a_longer_number_or_a_report_of_the_value_does_not_propagate_it(tmp_path, say):
    verdict, _ = _fault(tmp_path, **say)
    assert verdict.outcome != "propagated", verdict.evidence


@pytest.mark.parametrize(("text", "value", "found"), [
    ("Version 1.4.0.", "1.4.0", True),
    ("tagged v1.4.0 today", "1.4.0", True),
    ("1.4.00", "1.4.0", False),
    ("21.4.0", "1.4.0", False),
    ("ZOË SIGNED", "Zoë", True),
    ("Zoe\u0308 signed", "Zoë", True),  # decomposed form
    ("Zoës file", "Zoë", False),
    ("total 12,50 EUR", "12,5", False),
    ("版本 １.４.０", "1.4.0", True),  # full-width digits
    ('said "Zoë" signed', 'said "Zoë"', True),  # quotes as written, not JSON-escaped
])
def test_a_value_matches_whole_in_any_case_or_unicode_form(text, value, found):
    assert carries(text, value) is found
