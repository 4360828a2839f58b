"""The README's `expect` example loads as written and its episodes are judged as it says."""

import asyncio
import json
import re

from chaos.mail import MailServer
from chaos.models.scripted import policies
from chaos.profile import parse_profile
from chaos.runner import build_world
from chaos.sim import EpisodePlan, run_episode
from tests.conftest import REPO
from tests.tasks import expect_profiles  # noqa: F401  (registers the probe policies)


def example() -> str:
    text = (REPO / "README.md").read_text()
    section = text[text.index("### Declaring the expected end state (`expect`)"):]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def runnable(text: str) -> str:
    """The example, with a probe policy where the reference policies cannot do `expect` yet."""
    if "expect" in getattr(policies.get("careful"), "task_kinds", ("expect",)):
        return text
    return text.replace("models: [scripted/careful, scripted/naive]",
                        "models: [scripted/expect-probe-last]")


def test_the_readme_example_loads_and_every_expectation_kind_is_in_it():
    profile = parse_profile(runnable(example()), "clinic.yaml")
    parts = {e["id"]: next(k for k in e if k not in ("id", "for_each", "hints"))
             for e in profile.task.expect}
    assert set(parts.values()) == {"mail", "upload", "write", "answer", "sms", "must_not"}


def test_the_readme_example_runs_and_its_evidence_reads_as_documented():
    profile = parse_profile(runnable(example()), "clinic.yaml")
    model = profile.models[0].id
    plan = EpisodePlan(profile.name, "clinic.yaml", model, 0, "clean")
    with MailServer() as server:
        episode = asyncio.run(run_episode(plan, profile, build_world(profile, 0), server))
    assert episode.result.status == "completed", episode.result.error
    reasons = episode.result.task.reasons
    brief = next(e.task for e in episode.trace if e.type == "agent_started")
    assert "answer with the release version (2.4.1)" in brief  # the prompt, filled
    values = json.loads(brief.rpartition("Brief: ")[2])["values"]
    assert values["version"] == {"json": {"find": {"glob": "/clinic/**/release.json",
                                                   "pick": "only"}}, "at": "version"}
    if model == "scripted/expect-probe-last":
        # The probe mails and texts as the brief says; the brief gives `{version}` as a name
        # to compute, never its value, so the probe's text is unfilled.
        assert not any(r.startswith("reports[") for r in reasons), reasons
        assert "desk: sms to +15550100000: no text holds '2.4.1'" in reasons
        assert "billing: write /out/billing.json: the file was not written" in reasons


def test_the_json_schema_covers_every_expect_key():
    import jsonschema
    import yaml

    from chaos.profile import profile_json_schema

    schema = profile_json_schema()
    document = yaml.safe_load(example())
    jsonschema.validate(document, schema)
    document["task"]["expect"][0]["mail"]["bogus"] = 1
    try:
        jsonschema.validate(document, schema)
    except jsonschema.ValidationError as exc:
        assert "'bogus' was unexpected" in exc.message
    else:
        raise AssertionError("an unknown key under task.expect[0].mail passed the schema")
