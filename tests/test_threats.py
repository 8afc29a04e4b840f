"""The threat model derived from a design: diagram, STRIDE per element, mitigations, register, outputs."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from conftest import EXAMPLES, ROOT, WEBHOOK, run_cli

from designkit.core.loader import load_design, load_design_text
from designkit.rules import run_checks
from designkit.threats import PER_KIND, build_threat_model
from designkit.threats.render import dfd_mermaid, threats_as_dict

DRAFT = ROOT / "examples" / "incomplete-draft" / "design.yaml"


def _model(path=WEBHOOK):
    return build_threat_model(load_design(path).design)


def _edited(path, edit) -> str:
    data = yaml.safe_load(path.read_text())
    edit(data)
    return yaml.safe_dump(data, sort_keys=False)


# --------------------------------------------------------------------------- done when


@pytest.mark.parametrize("provider", ["stripe", "adyen"])
def test_webhook_provider_spoofing_is_mitigated_by_signature_verification(provider):
    threat = _model().threat(f"provider.{provider}/S")
    assert threat.category_name == "Spoofing" and threat.element_kind == "actor"
    assert threat.status == "mitigated"
    assert [m.id for m in threat.stated] == ["signature-verification"]
    assert "hmac-sha256" in threat.stated[0].evidence


@pytest.mark.parametrize("provider", ["stripe", "adyen"])
def test_webhook_replay_is_mitigated_by_the_idempotency_store(provider):
    threat = _model().threat(f"provider.{provider}/R")
    assert "replay" in threat.title and threat.status == "mitigated"
    store = next(m for m in threat.stated if m.id == "idempotency-store")
    assert "delivery-keys" in store.evidence and "idempotency_keys" in store.evidence
    assert threat.missing == []


def test_without_a_signature_or_dedupe_store_the_provider_threats_are_open():
    def strip(data):
        hook = data["api"]["inbound_webhooks"][0]
        del hook["signature"], hook["dedupe"], hook["replay_window"]

    model = build_threat_model(load_design_text(_edited(WEBHOOK, strip)).design)
    spoof, replay = model.threat("provider.stripe/S"), model.threat("provider.stripe/R")
    assert spoof.status == replay.status == "open"
    assert [(m.id, m.rule) for m in spoof.missing] == [("signature-verification", "API013")]
    assert [(m.id, m.rule) for m in replay.missing] == [("idempotency-store", "API014")]
    assert model.threat("provider.adyen/S").status == "mitigated"   # the other provider is untouched


def test_the_incomplete_draft_shows_what_is_missing():
    model = _model(DRAFT)
    missing = {t.id: {m.id for m in t.missing} for t in model.threats if t.missing}
    assert missing["provider.payment-provider/S"] == {"signature-verification"}
    assert missing["provider.payment-provider/R"] == {"idempotency-store"}
    assert missing["store.db/I"] == {"encryption-at-rest"}
    assert "tls" in missing["endpoint.POST-orders/I"] and "authorization" in missing["endpoint.POST-orders/I"]
    assert missing["clients.customer-jwt/S"] == {"authentication"}     # the scheme is never defined
    assert model.counts()["open"] > model.counts()["mitigated"]


def test_every_missing_mitigation_in_the_draft_is_reported_by_the_rule_it_names():
    model = _model(DRAFT)
    codes = {f.code for f in run_checks(load_design(DRAFT)).findings}
    named = {m.rule for t in model.threats for m in t.missing if m.rule}
    assert named and named <= codes, named - codes


def test_the_good_examples_have_no_threat_with_a_required_mitigation_missing():
    for path in EXAMPLES:
        if path != DRAFT:
            assert [t.id for t in _model(path).threats if t.missing] == [], path


# --------------------------------------------------------------------------- STRIDE and ids


def test_stride_letters_per_element_kind():
    model = _model()
    letters: dict[str, str] = {}
    for t in model.threats:
        letters[t.element] = letters.get(t.element, "") + t.category
    kinds = {e.id: e.kind for e in model.dfd.elements.values()} | {f.id: "flow" for f in model.dfd.flows}
    assert letters and all(letters[e] == PER_KIND[kinds[e]] for e in letters)
    assert {t.element_kind for t in model.threats} == {"actor", "process", "store", "flow"}
    assert len({t.id for t in model.threats}) == len(model.threats)


def test_threat_ids_are_stable_across_runs_and_unrelated_additions():
    before = [t.id for t in _model().threats]
    assert before == [t.id for t in _model().threats]

    def add_endpoint(data):
        data["api"]["endpoints"].insert(0, {"id": "ping", "method": "GET", "path": "/ping", "auth": "public",
                                            "public_justification": "Says pong."})
        data["services"]["components"].insert(0, {"name": "PingHandler", "kind": "handler"})

    after = {t.id for t in build_threat_model(load_design_text(_edited(WEBHOOK, add_endpoint)).design).threats}
    assert set(before) < after
    assert re.fullmatch(r"[\w.-]+/[STRIDE]", before[0])


def test_flows_carry_the_classification_of_their_data_and_cross_boundaries():
    flows = {f.id: f for f in _model().dfd.flows}
    ingest = flows["webhook-in.stripe-events"]
    assert ingest.classification == "pii"                # WebhookEvent.customer_email
    assert ingest.boundary == "third-party" and ingest.source == "provider.stripe"
    assert flows["endpoint.listEvents"].boundary == "public-ingress"
    assert flows["endpoint.health"].classification == "internal"
    assert flows["call.EventRepository.postgresql"].target == "store.main-db"
    assert flows["call.EventRepository.postgresql"].boundary is None
    assert flows["call.SecretRefresher.vault"].target == "service.vault"


def test_an_outbound_webhook_and_a_third_party_api_become_actors():
    text = """
name: x
api:
  webhooks: [{name: order-paid, event: order.paid, fields: [{name: email, type: email, classification: pii}]}]
services:
  components: [{name: Notifier, kind: adapter, depends_on: [push]}]
  dependencies: [{name: push, kind: external-api}]
"""
    model = build_threat_model(load_design_text(text).design)
    assert model.dfd.elements["subscribers"].zone == "third-party"
    assert model.dfd.elements["external.push"].zone == "third-party"
    signing = model.threat("webhook-out.order-paid/T")
    assert [(m.id, m.rule) for m in signing.missing] == [("webhook-signing", "API012")]
    assert [m.id for m in model.threat("webhook-out.order-paid/I").missing] == ["tls"]   # pii to the internet


# --------------------------------------------------------------------------- register


def test_an_accepted_threat_keeps_its_status_and_closes_its_finding():
    model = _model()
    threat = model.threat("store.rate-limit-cache/I")
    assert threat.status == "accepted" and threat.suppressed and threat.register.owner
    assert model.problems == []


def test_confidential_webhook_deliveries_without_tls_are_a_finding_on_their_flow():
    text = ("name: x\napi:\n  base_url: http://api.example.com\n  webhooks:\n"
            "    - {name: order-events, event: order.paid, payload: Order, signing: HMAC-SHA256 over the body,"
            " delivery: retries 3 times}\n"
            "data_model:\n  entities:\n    - {name: Order, classification: confidential, fields: [{name: id, type: uuid}]}\n")
    found = [f for f in run_checks(load_design_text(text)).findings if f.code == "THR002"]
    assert len(found) == 1 and found[0].message.endswith(": order-events"), found


def test_register_problems_point_at_the_entry():
    text = """
name: x
persistence: {stores: [{name: cache, kind: redis, ephemeral: true}]}
threats:
  - {id: store.cache/X}
  - {id: store.cache/I, status: accepted}
  - {id: store.cache/I, status: open}
"""
    problems = build_threat_model(load_design_text(text).design).problems
    assert [(p.index, p.field) for p in problems] == [(0, "id"), (1, "justification"), (2, "id")]
    assert "store.cache/I" in problems[0].message       # names the element's real threats


# --------------------------------------------------------------------------- outputs


def test_dfd_has_a_subgraph_per_trust_zone_and_every_modelled_flow():
    model = _model()
    text = dfd_mermaid(model.dfd)
    assert text.startswith("flowchart LR")
    zones = re.findall(r"^  subgraph (\w+)\[", text, flags=re.M)
    assert zones == ["internet", "third_party", "internal"]
    drawn = [f for f in model.dfd.flows if f.threats]
    assert text.count("|\"") == len(drawn)
    assert '-.->|"stripe-events (pii)"|' in text       # crosses a boundary: dotted


def test_dfd_labels_cannot_break_the_diagram():
    text = 'name: x\napi: {endpoints: [{id: "a\\"b|c<d>", method: GET, path: /x, auth: public}]}\n'
    out = dfd_mermaid(build_threat_model(load_design_text(text).design).dfd)
    assert '"a#quot;b/c#lt;d#gt;' in out


def test_json_output_is_the_whole_model():
    data = threats_as_dict(_model())
    assert data["counts"]["open"] == 0 and data["counts"]["accepted"] == 1
    threat = next(t for t in data["threats"] if t["id"] == "provider.stripe/S")
    assert threat["mitigations"][0]["key_path"] == "api.inbound_webhooks[0].signature"
    assert {z["id"] for z in data["zones"]} == {"internet", "third-party", "internal"}


@pytest.mark.parametrize("fmt", ["text", "json", "otm"])
def test_threats_command(fmt, tmp_path):
    result = run_cli("threats", WEBHOOK, "--format", fmt)
    assert result.returncode == 0, result.stderr
    if fmt == "text":
        assert "provider.stripe/S  mitigated" in result.stdout and "Signature verification" in result.stdout
    else:
        data = json.loads(result.stdout)
        assert (data["otmVersion"] == "0.2.0") if fmt == "otm" else ("threats" in data)
    out = tmp_path / "t.txt"
    assert run_cli("threats", WEBHOOK, "--format", fmt, "-o", out).returncode == 0 and out.stat().st_size


def test_threats_command_on_bad_input_exits_2_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nthreats: [{status: open}]\n")
    result = run_cli("threats", bad)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "threats" in result.stderr
