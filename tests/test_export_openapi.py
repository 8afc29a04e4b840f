"""OpenAPI 3.1 export: valid for every example and a draft, and faithful to the design."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from designkit.core.loader import load_design, load_design_text
from designkit.outputs.exporters import export
from designkit.outputs.exporters.openapi import build_openapi

EXAMPLES = sorted(Path(__file__).resolve().parents[1].glob("examples/*/design.yaml"))

DRAFT = """
name: half-done
api:
  endpoints:
    - {method: POST, path: '/orders/{order_id}/items', request: {schema: 'Missing[]'}}
    - {method: GET, path: /orders, auth: nobody-defined-this}
    - {method: GET, path: /orders}
"""


@pytest.fixture(params=EXAMPLES, ids=lambda p: p.parent.name)
def example(request):
    return load_design(request.param)


def test_examples_exist():
    assert EXAMPLES, "no examples/*/design.yaml found"


def test_every_example_exports_valid_openapi_31(example, tmp_path):
    (path,) = export("openapi", example, tmp_path / "openapi.yaml")
    doc = yaml.safe_load(path.read_text())
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_operations_match_the_designs_endpoints(example):
    design = example.design
    doc = build_openapi(design)
    ops = {(m.upper(), p): op for p, item in doc["paths"].items() for m, op in item.items()}
    assert set(ops) == {(e.method, e.path) for e in design.api.endpoints}
    ids = [op["operationId"] for op in ops.values()]
    assert len(ids) == len(set(ids))
    for e in design.api.endpoints:
        op = ops[(e.method, e.path)]
        if e.id:
            assert op["operationId"] == e.id
        assert op.get("tags", []) == e.tags
        if e.auth == "public":
            assert op["security"] == []
        elif e.auth:
            assert list(op["security"][0]) == [e.auth]
            assert e.auth in doc["components"]["securitySchemes"]
        declared = {(p.name, p.location) for p in e.parameters}
        assert declared <= {(p["name"], p["in"]) for p in op.get("parameters", [])}
        if e.rate_limit:
            assert "429" in op["responses"]
            assert op["x-rate-limit"]["limit"] == e.rate_limit.limit
        if e.idempotency and e.idempotency.strategy == "idempotency-key":
            assert "idempotency-key" in {p["name"].lower() for p in op["parameters"]}


def test_bounds_and_error_model_are_carried(example):
    design = example.design
    doc = build_openapi(design)
    schemas = doc["components"]["schemas"]
    for entity in design.data_model.entities:
        if any(s.name == entity.name for s in design.api.schemas):
            continue
        props = schemas[entity.name]["properties"]
        for f in entity.fields:
            if f.max_length:
                assert props[f.name]["maxLength"] == f.max_length
            if f.maximum is not None:
                assert props[f.name]["maximum"] == f.maximum
            if f.enum:
                assert props[f.name]["enum"] == [str(v) for v in f.enum] or \
                    props[f.name]["enum"] == f.enum
        required = {f.name for f in entity.fields if f.required}
        assert set(schemas[entity.name].get("required", [])) == required
    if design.api.error_model and design.api.error_model.codes:
        for code in design.api.error_model.codes:
            assert code.code in doc["components"]["responses"]
        for e in design.api.endpoints:
            op = doc["paths"][e.path][e.method.lower()]
            for code in e.errors:
                status = next(c.status for c in design.api.error_model.codes if c.code == code)
                assert str(status) in op["responses"]


def test_webhook_example_details():
    path = next((p for p in EXAMPLES if p.parent.name == "webhook-ingestion"), None)
    if path is None:
        pytest.skip("webhook-ingestion example not present")
    doc = build_openapi(load_design(path).design)
    ingest = doc["paths"]["/v1/webhooks/{provider}"]["post"]
    assert ingest["security"] == [{"provider-signature": []}]
    assert doc["paths"]["/healthz"]["get"]["security"] == []
    assert ingest["responses"]["401"]["description"].count(":") >= 2   # two codes share 401
    assert ingest["responses"]["413"] == {"$ref": "#/components/responses/payload_too_large"}
    ok = ingest["responses"]["200"]
    assert "RateLimit-Limit" in ok["headers"]
    assert doc["components"]["responses"]["rate_limited"]["headers"]["Retry-After"]
    assert doc["servers"] == [{"url": "https://hooks.example.com"}]


def test_a_draft_still_exports_valid_openapi():
    design = load_design_text(DRAFT).design
    doc = build_openapi(design)
    validate(doc)
    post = doc["paths"]["/orders/{order_id}/items"]["post"]
    # the undeclared path variable is declared so the document holds
    assert {"name": "order_id", "in": "path"}.items() <= post["parameters"][0].items()
    # an unknown schema is not a dangling $ref
    assert "$ref" not in str(post["requestBody"])
    assert "security" not in post        # auth undecided: OpenAPI says nothing
    assert "nobody-defined-this" in doc["components"]["securitySchemes"]


def test_json_output_when_the_file_ends_in_json(example, tmp_path):
    import json

    (path,) = export("openapi", example, tmp_path / "api.json")
    validate(json.loads(path.read_text()))


ARRAYS = """
name: arrays
data_model:
  entities:
    - name: Tag
      fields: [{name: label, type: string, max_length: 30}]
    - name: Post
      fields:
        - {name: tags, type: array, items: Tag, max_items: 10, min_items: 1}
        - {name: words, type: array, items: string, max_length: 20, max_items: 100}
        - {name: ghosts, type: array, items: Ghost}
        - {name: anything, type: array}
api:
  endpoints:
    - method: GET
      path: /posts
      auth: sso
      parameters: [{name: ids, in: query, type: array, items: uuid, max_items: 50}]
security:
  authentication:
    - {name: sso, type: oauth2}
    - {name: login, type: oidc}
"""


def test_arrays_and_schemes_without_urls_export_as_valid_openapi():
    doc = build_openapi(load_design_text(ARRAYS).design)
    validate(doc)
    post = doc["components"]["schemas"]["Post"]["properties"]
    assert post["tags"] == {"type": "array", "items": {"$ref": "#/components/schemas/Tag"},
                            "maxItems": 10, "minItems": 1}
    assert post["words"] == {"type": "array", "items": {"type": "string", "maxLength": 20},
                             "maxItems": 100}
    assert "$ref" not in str(post["ghosts"])          # an unknown item schema is not a dangling $ref
    assert post["anything"] == {"type": "array", "items": {}}
    (ids,) = doc["paths"]["/posts"]["get"]["parameters"]
    assert ids["schema"] == {"type": "array", "items": {"type": "string", "format": "uuid"},
                             "maxItems": 50}
    schemes = doc["components"]["securitySchemes"]
    # no URLs in the design: no URL is invented; the client sends a bearer token, the gap is named
    assert "://" not in str(schemes)
    assert schemes["sso"]["type"] == schemes["login"]["type"] == "http"
    assert schemes["sso"]["scheme"] == schemes["login"]["scheme"] == "bearer"
    assert "token_url" in schemes["sso"]["x-designkit-gap"]
    assert "openid_connect_url" in schemes["login"]["x-designkit-gap"]


def test_identity_urls_the_design_states_are_exported_as_stated():
    text = ARRAYS.replace("{name: sso, type: oauth2}", "{name: sso, type: oauth2, token_url: 'https://id.test/token'}")
    text = text.replace("{name: login, type: oidc}",
                        "{name: login, type: oidc, openid_connect_url: 'https://id.test/.well-known/openid-configuration'}")
    doc = build_openapi(load_design_text(text).design)
    validate(doc)
    schemes = doc["components"]["securitySchemes"]
    assert schemes["sso"]["flows"] == {"clientCredentials": {"tokenUrl": "https://id.test/token", "scopes": {}}}
    assert schemes["login"] == {"type": "openIdConnect", "x-designkit-type": "oidc",
                                "openIdConnectUrl": "https://id.test/.well-known/openid-configuration"}


def test_inbound_webhooks_access_rules_and_bodiless_replies_export_as_stated():
    text = """
name: uploads
api:
  endpoints:
    - id: createUpload
      method: POST
      path: /v1/uploads
      auth: m2m
      authorization: {roles: [uploader], scopes: [files.write], condition: within the caller's quota}
      responses: [{status: 202, body: none}]
      capability_urls: [{method: PUT, store: files, expiry: 15 minutes, max_bytes: 1048576, checksum: sha256}]
    - {id: ingestStripe, method: POST, path: /v1/hooks/stripe, auth: public, responses: [{status: 200, body: none}]}
  inbound_webhooks:
    - {name: stripe-events, provider: stripe, endpoint: ingestStripe, replay_window: 5 minutes,
       signature: {scheme: hmac-sha256, signs: [timestamp, body]}}
security:
  authentication: [{name: m2m, type: oauth2, token_url: "https://id.test/token", scopes: [files.write, files.read]}]
"""
    doc = build_openapi(load_design_text(text).design)
    validate(doc)
    upload = doc["paths"]["/v1/uploads"]["post"]
    assert upload["security"] == [{"m2m": ["files.write"]}]          # scopes by reference, not by word match
    assert upload["description"] == "Authorization: roles: uploader; scopes: files.write; within the caller's quota"
    assert upload["responses"]["202"] == {"description": "Accepted"}    # no body: no content
    assert upload["x-capability-urls"] == [{"method": "PUT", "store": "files", "expiry": "15 minutes",
                                            "max_bytes": 1048576, "checksum": "sha256"}]
    (hook,) = doc["paths"]["/v1/hooks/stripe"]["post"]["x-inbound-webhooks"]
    assert hook["provider"] == "stripe" and hook["signature"]["signs"] == ["timestamp", "body"]
