"""OpenAPI import, what a reviewer reads: stored resources as entities, request/response and
error shapes as API schemas, error responses as the error model, and `check` on the result
reporting gaps, not noise."""

from __future__ import annotations

import pytest
import yaml
from test_import_openapi import CORPUS, METHODS, operations, resolve

from designkit.core.loader import load_design_text, parse_key_path
from designkit.importers.openapi import import_openapi, import_openapi_result, render_design_yaml
from designkit.rules import run_checks

BY_NAME = {p.name: p for p in CORPUS}


def names(items) -> list[str]:
    return [x["name"] for x in items]


@pytest.mark.parametrize("source, entities, keys, schemas", [
    ("oai-petstore-expanded.yaml", ["Pet"], [["id"]], {"NewPet", "Error"}),
    ("redocly-museum.yaml", ["SpecialEvent"], [["eventId"]],
     {"BuyMuseumTickets", "MuseumTicketsConfirmation", "SpecialEventFields", "Error"}),
    ("oai-link-example.yaml", ["pullrequest"], [["id"]], {"user", "repository"}),
    ("oai-uspto.yaml", [], [], {"dataSetList"}),
])
def test_stored_resources_become_entities_and_wire_shapes_api_schemas(source, entities, keys, schemas):
    data = import_openapi(BY_NAME[source])
    got = data["data_model"]["entities"]
    assert names(got) == entities
    assert [e["primary_key"] for e in got] == keys
    for entity in got:                  # the key is always stored, even when a request omits it
        key = next(f for f in entity["fields"] if f["name"] == entity["primary_key"][0])
        assert key.get("required", True) is True
    assert schemas <= set(names(data["api"]["schemas"]))
    assert not set(entities) & set(names(data["api"]["schemas"]))


def test_a_read_only_api_says_its_entities_are_still_to_find():
    result = import_openapi_result(BY_NAME["oai-uspto.yaml"])
    assert any("stored resource" in g for g in result.gaps[("data_model",)])


def test_error_responses_become_the_error_model_and_each_endpoint_s_errors():
    museum = import_openapi(BY_NAME["redocly-museum.yaml"])
    model = museum["api"]["error_model"]
    assert model["format"] == "application/problem+json (schema Error)"
    assert model["fields"] == ["type", "title"]
    assert [(c["code"], c["status"]) for c in model["codes"]] == [
        ("bad_request", 400), ("unauthorized", 401), ("not_found", 404)]
    by_id = {e["id"]: e for e in museum["api"]["endpoints"]}
    assert by_id["deleteSpecialEvent"]["errors"] == ["bad_request", "unauthorized", "not_found"]
    for e in museum["api"]["endpoints"]:
        assert all(r["status"] < 400 for r in e.get("responses", [])), e["id"]

    result = import_openapi_result(BY_NAME["oai-petstore-expanded.yaml"])
    (code,) = result.data["api"]["error_model"]["codes"]
    assert (code["code"], code["status"], code["message"]) == ("unexpected_error", 500, "unexpected error")
    assert all(e["errors"] == ["unexpected_error"] for e in result.data["api"]["endpoints"])
    assert any("`default`" in g for g in result.gaps[("api", "endpoints", 0)])


def test_additional_properties_false_is_the_unknown_fields_policy(tmp_path):
    doc = {"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {"/a": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False,
            "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 9}}}}}},
        "responses": {"201": {"description": "ok"}}}}}}
    source = tmp_path / "a.yaml"
    source.write_text(yaml.safe_dump(doc))
    (e,) = import_openapi(source)["api"]["endpoints"]
    assert e["request"]["unknown_fields"] == "reject"


# --------------------------------------------------------------------------- check on the result

# Findings an imported design rightly has: what OpenAPI cannot state, each marked `# GAP` in
# the file. A new rule that fires on an imported corpus design belongs here only if a reviewer
# would agree the gap is real; otherwise fix the rule or the importer.
OPENAPI_CANNOT_STATE = {
    "SCP001": "requirements", "SCP002": "latency/throughput/availability", "SCP003": "the tier",
    "API001": "who may call (authorization) or why public",
    "API008": "the versioning scheme", "API012": "webhook signing and delivery policy",
    "SEC002": "rate limits", "SEC003": "abuse controls", "SEC004": "where basic-auth passwords live",
    "PER000": "where data lives", "PER002": "migrations", "OBS000": "observability", "REL002": "idempotency of writes", "REL005": "the consistency model",
    "PRF001": "capacity", "PRF002": "statelessness and scaling",
    "OBS001": "structured logs", "OBS002": "request ids", "OBS003": "whether deletes and admin actions are audited",
    "VAL001": "tests per endpoint", "VAL003": "CI hooks",
}
# Findings on what the source itself leaves open (checked against the source below).
SOURCE_LEAVES_OPEN = {
    "API003": "inputs without maxLength/maximum/maxItems in the source",
    "API004": "request bodies without additionalProperties",
    "API011": "lists without a bounded page size",
    "API005": "success bodies that are not objects (a string, a PNG, free-form records)",
    "API006": "no error response anywhere", "API007": "an operation with no error response",
    "DAT000": "no schema that is a stored resource (read by a GET, written by a POST/PUT/PATCH)",
    "SEC000": "no security scheme (and OpenAPI cannot state the rest of the section)",
}


def _error_statuses(op: dict) -> list[str]:
    return [str(c) for c in op.get("responses", {})
            if not (str(c).isdigit() and int(c) < 400) and not str(c).startswith("x-")]


def _source_ops(doc: dict) -> dict[tuple[str, str], dict]:
    out = {}
    for path, item in doc["paths"].items():
        item = resolve(doc, item)
        for m in METHODS:
            if m in item:
                out[(m.upper(), path)] = item[m]
    return out


def _object_body(doc: dict, op: dict) -> bool:
    for code, resp in op.get("responses", {}).items():
        resp = resolve(doc, resp)
        if str(code).startswith("2") and resp.get("content"):
            schema = resolve(doc, next(iter(resp["content"].values())).get("schema") or {})
            if schema.get("type") == "array":
                schema = resolve(doc, schema.get("items") or {})
            if schema.get("properties") or "allOf" in schema:
                return True
    return False


@pytest.mark.parametrize("source", CORPUS, ids=lambda p: p.name)
def test_check_on_an_imported_corpus_design_reports_gaps_not_noise(source):
    original = yaml.safe_load(source.read_text())
    document = load_design_text(render_design_yaml(import_openapi_result(source)), source.name)
    findings = run_checks(document).findings
    assert operations(original)
    ops = _source_ops(original)
    any_errors = any(_error_statuses(op) for op in ops.values())
    for f in findings:
        where = parse_key_path(f.key_path)
        assert f.code in OPENAPI_CANNOT_STATE or f.code in SOURCE_LEAVES_OPEN, \
            f"{source.name}: {f.code} {f.message} [{f.key_path}] is neither a gap OpenAPI " \
            "cannot state nor one the source leaves open"
        endpoint = None
        if where[:2] == ("api", "endpoints"):
            e = document.design.api.endpoints[where[2]]
            endpoint = ops[(e.method, e.path)]
        if f.code == "API006":
            assert not any_errors, f.message
        elif f.code == "API007":
            assert endpoint is not None and not _error_statuses(endpoint), f.message
        elif f.code == "API005":
            assert endpoint is not None and not _object_body(original, endpoint), f.message
        elif f.code == "DAT000":
            assert not document.design.data_model.entities, f.message
        elif f.code == "SEC000":
            assert not (original.get("components") or {}).get("securitySchemes"), f.message
    codes = {f.code for f in findings}
    assert "DAT001" not in codes and "SCP001" in codes
