"""The seed's checklist evaluated against designs: status, evidence, fix, risk, plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from designkit.core.loader import load_design, load_design_text
from designkit.core.steps import StepFailure
from designkit.outputs.checklist import evaluate_checklist
from designkit.rules import run_checks

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK = ROOT / "examples" / "webhook-ingestion" / "design.yaml"
DRAFT = ROOT / "examples" / "incomplete-draft" / "design.yaml"
SEED_TEXTS = [
    "Confirm requirements and constraints", "Define data model and invariants",
    "Specify API contracts and error shape", "Address failure modes and consistency",
    "Cover performance, scaling, and caching", "Include security and observability plans",
    "Every endpoint has authz rules or an explicit “public” justification.",
    "Inputs are validated; outputs are consistent with schema.",
    "Failure modes are explicit (timeouts, retries, fallbacks).",
]


def _items(path, failures=None):
    doc = load_design(path)
    return evaluate_checklist(doc, run_checks(doc), step_failures=failures or ())


def test_items_are_the_seed_lines_in_order():
    items = _items(WEBHOOK)
    assert [i.text for i in items] == SEED_TEXTS
    assert [i.group for i in items] == ["Response Checklist"] * 6 + ["Validation"] * 3


def test_complete_example_meets_every_item_with_concrete_evidence():
    items = {i.id: i for i in _items(WEBHOOK)}
    assert {i.status for i in items.values()} == {"met"}
    assert items["authz-or-public"].evidence.startswith("4 endpoints and channels: 3 with authorization rules")
    assert "health" in items["authz-or-public"].evidence
    assert "6 failure policies (postgresql, events-queue, redis, vault, stripe, adyen)" in items["failure-modes"].evidence
    assert items["requirements"].as_dict()["status"] == "met"


def test_draft_items_are_not_met_with_fix_risk_and_plan():
    items = {i.id: i for i in _items(DRAFT)}
    authz = items["authz-or-public"]
    assert authz.status == "not met" and authz.risk == "high"
    assert "API001 at api.endpoints[0].authorization (line 32)" in authz.fix
    assert authz.plan.startswith("1. ") and "security step" in authz.plan
    assert "without (POST /orders" in authz.evidence
    assert set(authz.codes) <= {"API001", "SEC001"}


def test_a_failed_step_makes_its_items_not_met_with_the_failure_as_evidence():
    failure = StepFailure("reliability", "07_reliability.ipynb", 3, "raise ValueError('boom')", "ValueError", "boom")
    items = {i.id: i for i in _items(WEBHOOK, [failure])}
    for item_id in ("failure-modes", "failure-modes-explicit"):
        assert items[item_id].status == "not met"
        assert "ValueError: boom" in items[item_id].evidence and items[item_id].risk == "high"
        assert items[item_id].failures == [failure]
    assert items["data-model"].status == "met"


def test_fully_waived_item_is_waived():
    text = """\
name: w
scope: {tier: C, requirements: [{text: Keep a list of notes for the team.}]}
api:
  versioning: {scheme: url-path, current: v1, policy: New versions live beside old ones for 6 months.}
  error_model: {format: problem+json, codes: [{code: not_found, status: 404, message: No such note.}]}
  endpoints:
    - {id: listNotes, method: GET, path: /v1/notes, auth: sso, responses: [{status: 200, fields: [{name: id, type: uuid}]}], errors: [not_found]}
security: {authentication: [{name: sso, type: oidc}]}
waivers:
  - {rule: API001, target: "api.endpoints[0]", status: accepted, justification: Every employee may read team notes by policy., owner: lead, expires: 2099-01-01}
"""
    doc = load_design_text(text)
    items = {i.id: i for i in evaluate_checklist(doc, run_checks(doc, today=dt.date(2026, 1, 1)))}
    assert items["authz-or-public"].status == "waived"
    assert "lead" in items["authz-or-public"].plan and "Waived: 1 finding (API001)" in items["authz-or-public"].evidence


def test_each_finding_names_the_item_it_holds_back_and_waiver_findings_take_the_waived_rules():
    text = """\
name: w
scope: {tier: B, requirements: [{text: Keep a list of notes for the team.}]}
api:
  endpoints:
    - {id: listNotes, method: GET, path: /v1/notes, auth: sso, responses: [{status: 200, fields: [{name: id, type: uuid}]}]}
security: {authentication: [{name: sso, type: oidc}]}
waivers:
  - {rule: API001, target: "api.endpoints[0]", status: accepted, justification: TBD, owner: lead, expires: 2099-01-01}
"""
    doc = load_design_text(text)
    result = run_checks(doc, today=dt.date(2026, 1, 1))
    by_code = {f.code: f for f in result.findings}
    assert by_code["API001"].checklist == "security-observability"
    assert by_code["API008"].checklist == "api-contracts"
    assert by_code["WVR001"].checklist == "security-observability"   # the item API001 feeds
    items = {i.id: i for i in evaluate_checklist(doc, result)}
    assert "WVR001" in items["security-observability"].codes
    assert "WVR001" not in items["requirements"].codes
    assert "API001" in items["authz-or-public"].codes and "API008" not in items["authz-or-public"].codes
