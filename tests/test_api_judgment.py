"""Judgment on the API, security and webhooks side: wrong findings stay fixed, and what the
examples now state is load-bearing (take a statement away and the rule that needs it fires)."""

from __future__ import annotations

import json

import pytest
from conftest import WEBHOOK

from designkit.core.loader import load_design, load_design_text
from designkit.core.model import AccessRule, Endpoint
from designkit.importers.openapi import import_openapi_result, render_design_yaml
from designkit.outputs.exporters.openapi import build_openapi
from designkit.rules import run_checks


def codes_at(text: str) -> dict[str, set[str]]:
    """Rule code -> key paths of its findings on a design given as text."""
    out: dict[str, set[str]] = {}
    for f in run_checks(load_design_text(text)).findings:
        out.setdefault(f.code, set()).add(f.key_path)
    return out


# --------------------------------------------------------------------------- wrong findings, reproduced


PETS = {
    "openapi": "3.1.0", "info": {"title": "pets", "version": "1"},
    "paths": {"/v1/pets/{id}": {"get": {
        "operationId": "getPet",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 36}}],
        "responses": {"200": {"description": "The pet", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}},
            "404": {"description": "No such pet"}, "429": {"description": "Slow down"}}}}},
}


def test_api007_does_not_say_no_errors_when_an_imported_operation_has_4xx_responses(tmp_path):
    source = tmp_path / "pets.json"
    source.write_text(json.dumps(PETS))
    design = render_design_yaml(import_openapi_result(source, name="pets"))
    found = [f for f in run_checks(load_design_text(design)).findings if f.code == "API007"]
    assert not [f for f in found if "declares no errors" in f.message], [f.message for f in found]


def test_api007_still_says_it_when_an_endpoint_declares_no_error_at_all():
    text = "name: x\napi: {endpoints: [{method: GET, path: /v1/a, responses: [{status: 200, body: none}]}]}\n"
    assert codes_at(text)["API007"] == {"api.endpoints[0].errors"}


PAYMENTS = """\
name: payments
api:
  endpoints:
    - id: pay
      method: POST
      path: /v1/payments
      idempotency: {strategy: idempotency-key, key: header Idempotency-Key, store: request-keys, ttl: 24 hours}
      writes: [Payment]
persistence:
  stores: [{name: db, kind: postgresql}]
  tables: [{name: idempotency_keys, store: db, columns: [{name: key, type: string, max_length: 255}], primary_key: [key]}]
  idempotency: [{name: request-keys, table: idempotency_keys}]
"""


def test_per003_does_not_call_store_and_ttl_missing_when_the_endpoint_states_them():
    assert "PER003" not in codes_at(PAYMENTS)
    untimed = PAYMENTS.replace(", ttl: 24 hours}", "}")
    (finding,) = [f for f in run_checks(load_design_text(untimed)).findings if f.code == "PER003"]
    assert finding.key_path == "persistence.idempotency[0].ttl"
    assert "does not say how long it keeps a key" in finding.message


def test_an_oidc_scheme_without_its_url_gets_no_invented_url_in_openapi():
    text = WEBHOOK.read_text().replace(
        "      openid_connect_url: https://sso.example.com/.well-known/openid-configuration\n", "")
    design = load_design_text(text).design
    scheme = build_openapi(design)["components"]["securitySchemes"]["operator-oidc"]
    assert "openIdConnectUrl" not in scheme and "://" not in json.dumps(scheme)
    assert "openid_connect_url" in scheme["x-designkit-gap"]
    assert codes_at(text)["SEC011"] == {"security.authentication[1].openid_connect_url"}


# --------------------------------------------------------------------------- the example's statements matter


@pytest.mark.parametrize(("old", "new", "code", "key_path"), [
    # a dedupe TTL shorter than the provider's retry window: a late retry is processed twice
    ('ttl: 35 days}\n  endpoints:', 'ttl: 7 days}\n  endpoints:', "API014", "api.inbound_webhooks[1].dedupe.ttl"),
    # a Stripe timestamp signed but its window dropped
    ("      replay_window: 5 minutes\n", "", "API013", "api.inbound_webhooks[0].replay_window"),
    # Adyen signs no timestamp: without its dedupe store, nothing refuses a replay
    ('      dedupe: {store: delivery-keys, key: "adyen:pspReference + eventCode", ttl: 35 days}\n', "",
     "API013", "api.inbound_webhooks[1].replay_window"),
    ("        signs: [timestamp, body]\n", "        signs: [timestamp]\n", "API013",
     "api.inbound_webhooks[0].signature.signs"),
    ("      kind: vault\n      ref: kv/webhook-ingestion/providers\n",
     "      kind: file\n      ref: config/provider-secrets.yaml\n", "SEC007", "security.secrets[0].ref"),
    ('actions: ["sqs:SendMessage"], resource: queue events-queue}', 'actions: ["sqs:*"], resource: queue events-queue}',
     "SEC009", "security.grants[2].actions[0]"),
    ("      rotation: per lease\n", "", "SEC008", "security.secrets[1].rotation"),
    ("      audit: {event: event.replayed, records: [actor, target, outcome, request_id], denied: true}\n", "",
     "OBS003", "api.endpoints[2].audit"),
    ("      retention: 4 days\n", "", "API015", "api.channels[0].retention"),
    ("    roles: [operator]\n", "    roles: [admin]\n", "SEC012", "api.endpoints[1].authorization.roles[0]"),
])
def test_each_new_statement_of_the_webhook_example_is_load_bearing(old, new, code, key_path):
    text = WEBHOOK.read_text()
    assert text.count(old) == 1, old
    assert code not in codes_at(text)
    assert key_path in codes_at(text.replace(old, new)).get(code, set())


def test_the_webhook_example_states_its_inbound_webhooks_secrets_and_grants():
    design = load_design(WEBHOOK).design
    hooks = {h.provider: h for h in design.api.inbound_webhooks}
    assert set(hooks) == {"stripe", "adyen"}
    assert all(h.signature and "body" in h.signature.signs and h.dedupe.store for h in hooks.values())
    assert {s.kind for s in design.security.secrets} == {"vault"} and design.security.grants


# --------------------------------------------------------------------------- authorization by reference


@pytest.mark.parametrize(("text", "roles", "scopes", "condition"), [
    ("role:operator", ["operator"], [], None),
    ("role:customer; the caller's own orders", ["customer"], [], "the caller's own orders"),
    ("roles: member, admin", ["member", "admin"], [], None),
    ("scopes: stock.read stock.write", [], ["stock.read", "stock.write"], None),
    ("The message's author only.", [], [], "The message's author only."),
])
def test_authorization_text_reads_as_references(text, roles, scopes, condition):
    rule = Endpoint(method="GET", path="/v1/a", authorization=text).authorization
    assert (rule.roles, rule.scopes, rule.condition) == (roles, scopes, condition)
    # the text it is shown as (forms, tables, OpenAPI) reads back to the same rule
    again = Endpoint(method="GET", path="/v1/a", authorization=str(rule)).authorization
    assert again == rule


def test_a_form_box_left_unchanged_does_not_rewrite_a_structured_value():
    from designkit.jupyter.forms.fields import FieldSpec, field_edits, to_text

    rule = AccessRule(roles=["operator"], condition="owns it")
    box = FieldSpec(("authorization",), "Authorization")
    assert field_edits(("api", "endpoints", 0), box, rule, to_text(rule, "text")) == []
    assert field_edits(("api", "endpoints", 0), box, rule, "roles: admin") == [
        ("set", ("api", "endpoints", 0, "authorization"), "roles: admin")]
    audit = load_design(WEBHOOK).design.api.endpoints[2].audit
    tick = FieldSpec(("audit",), "Audited", "bool")
    assert field_edits(("api", "endpoints", 2), tick, audit, True) == []     # the scope is kept
    assert field_edits(("api", "endpoints", 2), tick, audit, False) == [("set", ("api", "endpoints", 2, "audit"), False)]
