"""OpenAPI import: every corpus file round-trips its operations; bad input is refused clearly."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import ROOT, run_cli
from openapi_spec_validator import validate

from designkit.core.loader import load_design, load_design_text
from designkit.importers.openapi import (
    IMPORT_MAX_BYTES,
    import_openapi,
    import_openapi_result,
    render_design_yaml,
)
from designkit.outputs.exporters.openapi import build_openapi

CORPUS_DIR = ROOT / "tests" / "data" / "openapi"
CORPUS = sorted(CORPUS_DIR.glob("*.y*ml"))
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


def resolve(doc: dict, node):
    """Follow local $refs (an independent, minimal resolver for the test's own reading)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
        seen += 1
        assert seen < 50
    return node


def operations(doc: dict) -> dict[tuple[str, str], dict]:
    """(METHOD, path) -> the operation's parameters and effective security, normalised."""
    out = {}
    root_security = doc.get("security")
    for path, item in (doc.get("paths") or {}).items():
        item = resolve(doc, item)
        shared = [resolve(doc, p) for p in item.get("parameters", [])]
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            params = {(p["name"], p["in"]): p for p in shared}
            params.update({(p["name"], p["in"]): p
                           for p in (resolve(doc, x) for x in op.get("parameters", []))})
            security = op.get("security", root_security) or []
            security = [s for s in security if s] if security != [{}] else []
            out[(method.upper(), path)] = {
                "parameters": sorted((n, i, bool(p.get("required")) or i == "path")
                                     for (n, i), p in params.items()),
                "security": [{k: sorted(v) for k, v in s.items()} for s in security],
            }
    return out


def test_corpus_ships_with_the_tests_and_its_licences():
    """The corpus lives in the repository (a fresh clone tests alone), each file's source and
    licence listed, with the licence texts those licences ask to be kept beside the copies."""
    assert len(CORPUS) >= 5, f"{CORPUS_DIR} is missing the corpus"
    readme = (CORPUS_DIR / "README.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in readme.splitlines()
            if line.startswith("| `")}
    assert set(rows) == {p.name for p in CORPUS}
    for name, row in rows.items():
        licence = "MIT" if "redocly" in name else "Apache-2.0"
        assert f"| {licence} |" in row, name
    assert "Apache License" in (CORPUS_DIR / "licenses" / "Apache-2.0.txt").read_text()
    assert "Copyright (c) 2023 Redocly LLC" in (CORPUS_DIR / "licenses" / "MIT-Redocly.txt").read_text()


@pytest.mark.parametrize("source", CORPUS, ids=lambda p: p.name)
def test_import_then_export_keeps_every_operation(source, tmp_path):
    out = tmp_path / "design.yaml"
    r = run_cli("import", "openapi", source, "-o", out)
    assert r.returncode == 0, r.stderr
    document = load_design(out)             # the written file loads
    exported = build_openapi(document.design)
    validate(exported)
    original = yaml.safe_load(source.read_text())
    before, after = operations(original), operations(exported)
    assert before, "the corpus file has operations"
    assert list(after) == list(before)
    for key in before:
        assert after[key] == before[key], key


@pytest.mark.parametrize("source", CORPUS, ids=lambda p: p.name)
def test_import_carries_schemas_webhooks_and_servers(source):
    original = yaml.safe_load(source.read_text())
    data = import_openapi(source)
    objects = {k for k, v in (original.get("components", {}).get("schemas") or {}).items()
               if "properties" in v or v.get("type") == "object" or "allOf" in v}
    named = {e["name"] for e in data["data_model"]["entities"]} | \
        {s["name"] for s in data["api"].get("schemas", [])}
    assert objects <= named
    schemes = original.get("components", {}).get("securitySchemes") or {}
    assert {s["name"] for s in data["security"]["authentication"]} == set(schemes)
    hooks = set(original.get("webhooks") or {})
    callbacks = {name for item in original["paths"].values() for m in METHODS
                 if isinstance(item.get(m), dict) for name in item[m].get("callbacks", {})}
    assert {w["name"] for w in data["api"].get("webhooks", [])} == hooks | callbacks
    if original.get("servers"):
        assert data["api"]["base_url"].startswith(original["servers"][0]["url"].split("{")[0])


_FORMATS = {"uuid", "date-time", "date", "email", "uri"}    # the formats a design type keeps


def array_shape(doc: dict, schema) -> dict | None:
    """An array schema's item type, format or $ref target, and item counts; None if no array."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    schema = resolve(doc, schema)
    if not isinstance(schema, dict) or schema.get("type") != "array":
        return None
    raw = schema.get("items") or {}
    item_ref = raw.get("$ref", "")
    items = resolve(doc, raw)
    if item_ref and (items.get("type") == "object" or "properties" in items):
        kind = "$ref " + item_ref.rsplit("/", 1)[-1]
    elif items.get("type") == "object" or "properties" in items or not items.get("type"):
        kind = None                  # an inline object or anything: the design keeps json
    else:
        kind = items["type"] + ("/" + items["format"] if items.get("format") in _FORMATS else "")
    return {"items": kind, "maxItems": schema.get("maxItems"), "minItems": schema.get("minItems"),
            "via": ref}


def arrays(doc: dict) -> dict[tuple, dict]:
    """Every array parameter and component property, keyed by where it is."""
    out = {}
    for method, path in operations(doc):
        item = resolve(doc, doc["paths"][path])
        for raw in item.get("parameters", []) + item[method.lower()].get("parameters", []):
            p = resolve(doc, raw)
            shape = array_shape(doc, p.get("schema"))
            if shape:
                out[(method, path, p["name"], p["in"])] = shape
    for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
        for prop, sub in (schema.get("properties") or {}).items():
            shape = array_shape(doc, sub)
            if shape:
                out[(name, prop)] = shape
    return out


def exported_shape(shape: dict) -> dict:
    """What the export of an imported array is expected to say (a $ref'd array comes inline)."""
    return {**shape, "via": None}


@pytest.mark.parametrize("source", CORPUS, ids=lambda p: p.name)
def test_array_parameters_and_properties_survive_the_round_trip(source):
    original = yaml.safe_load(source.read_text())
    document = load_design_text(render_design_yaml(import_openapi_result(source)))
    exported = build_openapi(document.design)
    before, after = arrays(original), arrays(exported)
    for key, shape in before.items():
        assert key in after, key
        assert after[key] == exported_shape(shape), key
        if shape["items"] is None:
            assert resolve(exported, after_items(exported, key)) == {}, key


def after_items(doc: dict, key: tuple) -> dict:
    if len(key) == 2:
        return doc["components"]["schemas"][key[0]]["properties"][key[1]]["items"]
    op = doc["paths"][key[1]][key[0].lower()]
    return next(p for p in op["parameters"] if (p["name"], p["in"]) == key[2:])["schema"]["items"]


def test_the_corpus_arrays_are_typed_in_the_design():
    by_name = {p.name: p for p in CORPUS}
    pets = import_openapi(by_name["oai-petstore-expanded.yaml"])
    (find,) = [e for e in pets["api"]["endpoints"] if e.get("id") == "findPets"]
    tags = next(p for p in find["parameters"] if p["name"] == "tags")
    assert (tags["type"], tags["items"]) == ("array", "string")
    museum = import_openapi(by_name["redocly-museum.yaml"])
    event = next(e for e in museum["data_model"]["entities"] if e["name"] == "SpecialEvent")
    dates = next(f for f in event["fields"] if f["name"] == "dates")
    assert (dates["type"], dates["items"]) == ("array", "date")
    exported = build_openapi(load_design_text(
        render_design_yaml(import_openapi_result(by_name["redocly-museum.yaml"]))).design)
    assert exported["components"]["schemas"]["SpecialEvent"]["properties"]["dates"]["items"] == \
        {"type": "string", "format": "date"}


def test_gaps_are_marked_in_the_written_file(tmp_path):
    out = tmp_path / "design.yaml"
    source = next(p for p in CORPUS if "petstore" in p.name)
    assert run_cli("import", "openapi", source, "-o", out).returncode == 0
    text = out.read_text()
    for section in ("reliability", "observability", "persistence", "services"):
        head, _, _ = text.partition(f"\n{section}:")
        assert head.rstrip().splitlines()[-1].startswith("# GAP:"), section
    assert "idempotency" in text       # writes get an idempotency gap


def test_json_input_and_3_1_features(tmp_path):
    doc = {
        "openapi": "3.1.0", "info": {"title": "Tiny JSON", "version": "2"},
        "paths": {"/things/{id}": {
            "parameters": [{"$ref": "#/components/parameters/Id"}],
            "put": {"operationId": "putThing", "security": [{"oauth": ["things:write"]}],
                    "requestBody": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "responses": {"200": {"description": "ok"}}}}},
        "webhooks": {"thingChanged": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Thing"}}}},
            "responses": {"200": {"description": "ok"}}}}},
        "components": {
            "parameters": {"Id": {"name": "id", "in": "path", "required": True,
                                  "schema": {"type": "string", "format": "uuid"}}},
            "schemas": {"Thing": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string", "format": "uuid"},
                "size": {"type": ["integer", "null"], "minimum": 1, "maximum": 9}}}},
            "securitySchemes": {"oauth": {"type": "oauth2", "flows": {"clientCredentials": {
                "tokenUrl": "https://a.example/token", "scopes": {"things:write": "w"}}}}}},
    }
    source = tmp_path / "api.json"
    source.write_text(json.dumps(doc, indent=1))
    out = tmp_path / "design.yaml"
    r = run_cli("import", "openapi", source, "-o", out)
    assert r.returncode == 0, r.stderr
    design = load_design(out).design
    (e,) = design.api.endpoints
    assert (e.id, e.method, e.auth) == ("putThing", "PUT", "oauth")
    assert e.parameters[0].type == "uuid" and e.request.schema_ == "Thing"
    (thing,) = design.api.schemas       # a body only: no GET reads it back, so not an entity
    size = next(f for f in thing.fields if f.name == "size")
    assert (size.type, size.required, size.minimum, size.maximum) == ("integer", False, 1, 9)
    assert design.api.webhooks[0].payload == "Thing"
    assert operations(build_openapi(design)) == operations(doc)


def test_array_bounds_item_refs_and_oauth_urls_round_trip(tmp_path):
    flows = {
        "code": {"authorizationCode": {"authorizationUrl": "https://id.example/authorize",
                                       "tokenUrl": "https://id.example/token",
                                       "refreshUrl": "https://id.example/refresh",
                                       "scopes": {"read": "r"}}},
        "implicit": {"implicit": {"authorizationUrl": "https://id.example/authorize", "scopes": {}}},
        "machine": {"clientCredentials": {"tokenUrl": "https://id.example/token", "scopes": {}}},
        "both": {"implicit": {"authorizationUrl": "https://id.example/a", "scopes": {}},
                 "clientCredentials": {"tokenUrl": "https://id.example/t", "scopes": {}}},
    }
    doc = {
        "openapi": "3.0.3", "info": {"title": "Arrays", "version": "1"},
        "security": [{"code": ["read"]}],
        "paths": {"/things": {"get": {
            "parameters": [
                {"name": "ids", "in": "query", "schema": {
                    "type": "array", "maxItems": 20, "minItems": 1,
                    "items": {"type": "string", "format": "uuid"}}},
                {"name": "state", "in": "query", "schema": {
                    "type": "array", "maxItems": 2,
                    "items": {"type": "string", "enum": ["open", "closed"]}}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}}}}}},
        "components": {
            "schemas": {"Thing": {"type": "object", "properties": {
                "children": {"type": "array", "maxItems": 5,
                             "items": {"$ref": "#/components/schemas/Thing"}},
                "labels": {"type": "array", "items": {"type": "string", "maxLength": 30}}}}},
            "securitySchemes": {
                **{name: {"type": "oauth2", "flows": f} for name, f in flows.items()},
                "oidc": {"type": "openIdConnect",
                         "openIdConnectUrl": "https://id.example/.well-known/openid-configuration"}}},
    }
    source = tmp_path / "api.yaml"
    source.write_text(yaml.safe_dump(doc))
    out = tmp_path / "design.yaml"
    r = run_cli("import", "openapi", source, "-o", out)
    assert r.returncode == 0, r.stderr
    design = load_design(out).design
    ids, state = design.api.endpoints[0].parameters
    assert (ids.type, ids.items, ids.max_items, ids.min_items) == ("array", "uuid", 20, 1)
    assert (state.items, state.enum, state.max_items) == ("enum", ["open", "closed"], 2)
    children, labels = design.api.schemas[0].fields
    assert (children.type, children.items, children.max_items) == ("array", "Thing", 5)
    assert (labels.items, labels.max_length) == ("string", 30)
    schemes = {s.name: s for s in design.security.authentication}
    assert (schemes["code"].authorization_url, schemes["code"].token_url) == (
        "https://id.example/authorize", "https://id.example/token")
    assert "https://id.example/refresh" in schemes["code"].description
    assert schemes["oidc"].openid_connect_url.endswith("/openid-configuration")
    assert "flows" in schemes["both"].description     # the flow it could not keep is said

    exported = build_openapi(design)
    validate(exported)
    assert operations(exported) == operations(doc)
    assert arrays(exported) == {k: exported_shape(v) for k, v in arrays(doc).items()}
    params = exported["paths"]["/things"]["get"]["parameters"]
    assert params[1]["schema"]["items"] == {"type": "string", "enum": ["open", "closed"]}
    thing = exported["components"]["schemas"]["Thing"]["properties"]
    assert thing["children"]["items"] == {"$ref": "#/components/schemas/Thing"}
    assert thing["labels"]["items"] == {"type": "string", "maxLength": 30}
    out_schemes = exported["components"]["securitySchemes"]
    for name in ("code", "implicit", "machine"):
        got = out_schemes[name]["flows"]
        assert {f: {k: v for k, v in spec.items() if k != "scopes"} for f, spec in got.items()} == \
            {f: {k: v for k, v in spec.items() if k not in ("scopes", "refreshUrl")}
             for f, spec in flows[name].items()}, name
        assert "placeholder" not in out_schemes[name].get("description", "")
    assert out_schemes["code"]["flows"]["authorizationCode"]["scopes"] == {"read": "read"}
    assert out_schemes["oidc"]["openIdConnectUrl"] == doc["components"]["securitySchemes"][
        "oidc"]["openIdConnectUrl"]
    assert "placeholder" not in out_schemes["oidc"].get("description", "")


# --------------------------------------------------------------------------- bad input

BAD = {
    "not-openapi.yaml": ("name: my-service\nitems: [1, 2]\n", "not an OpenAPI description", None),
    "swagger.yaml": ("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n",
                     "Swagger 2.0", 1),
    "broken-ref.yaml": ("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n"
                        "      responses:\n        '200':\n          $ref: '#/components/responses/Nope'\n",
                        "points to nothing", 8),
    "remote-ref.yaml": ("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n"
                        "      responses:\n        '200':\n"
                        "          $ref: 'https://example.com/common.yaml#/responses/Ok'\n",
                        "is not fetched", 8),
    "file-ref.yaml": ("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n"
                      "  /a: {$ref: 'paths/a.yaml'}\n", "is not fetched", 4),
    "cycle.yaml": ("openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n"
                   "      parameters: [{$ref: '#/components/parameters/A'}]\n"
                   "      responses: {'200': {description: ok}}\n"
                   "components:\n  parameters:\n    A: {$ref: '#/components/parameters/B'}\n"
                   "    B: {$ref: '#/components/parameters/A'}\n", "$ref cycle", 6),
    "version-4.yaml": ("openapi: 4.0.0\ninfo: {title: x, version: '1'}\n", "not supported", 1),
    "bad-yaml.yaml": ("openapi: 3.0.0\ninfo: {title: x\npaths: {}\n", "syntax error", None),
    "a-list.json": ("[1, 2, 3]", "not an OpenAPI description", 1),
    # JSON is read by `json`; its lines are found when a message needs one
    "broken-ref.json": ('{\n "openapi": "3.0.3",\n "info": {"title": "x", "version": "1"},\n'
                        ' "paths": {"/a": {"get": {"responses": {\n'
                        '   "200": {"$ref": "#/components/responses/Nope"}}}}}\n}\n',
                        "points to nothing", 5),
    "duplicate-key.json": ('{"openapi": "3.0.3",\n "info": {"title": "x", "version": "1"},\n'
                           ' "openapi": "3.1.0"}', "duplicate key", 3),
    "binary.yaml": (b"openapi: 3.0.0\n\x00\x01\x02", "binary data", 2),
    "bad-param.yaml": ("openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n"
                       "      parameters: [{name: q}]\n      responses: {'200': {description: ok}}\n",
                       "needs a `name` and `in`", 6),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_refused_clearly(name, tmp_path):
    content, expected, line = BAD[name]
    source = tmp_path / name
    source.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "design.yaml"
    r = run_cli("import", "openapi", source, "-o", out)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert expected in r.stderr
    assert str(source) in r.stderr
    assert "fix:" in r.stderr
    if line is not None:
        assert f"{source}:{line}:" in r.stderr
    assert not out.exists()


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    source = tmp_path / "huge.yaml"
    with source.open("wb") as f:          # sparse: costs no disk and no time
        f.truncate(IMPORT_MAX_BYTES + 1)
    r = run_cli("import", "openapi", source, "-o", tmp_path / "d.yaml")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "MiB" in r.stderr and str(source) in r.stderr


def test_missing_file_and_existing_output(tmp_path):
    r = run_cli("import", "openapi", tmp_path / "nope.yaml", "-o", tmp_path / "d.yaml")
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    existing = tmp_path / "design.yaml"
    existing.write_text("keep me")
    r = run_cli("import", "openapi", CORPUS[0], "-o", existing)
    assert r.returncode == 2 and "--force" in r.stderr
    assert existing.read_text() == "keep me"


def test_export_cli_writes_each_kind(tmp_path):
    design = ROOT / "examples" / "webhook-ingestion" / "design.yaml"
    for kind, target in (("openapi", "o.yaml"), ("diagrams", "diag"), ("adr", "adr")):
        r = run_cli("export", kind, design, "-o", tmp_path / target)
        assert r.returncode == 0, r.stderr
        assert (tmp_path / target).exists()
    r = run_cli("export", "sql", design, "--dialect", "sqlite")
    assert r.returncode == 0 and "CREATE TABLE" in r.stdout
    r = run_cli("export", "pdf", design)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = run_cli("export", "openapi", tmp_path / "missing.yaml")
    assert r.returncode == 2 and "no such file" in r.stderr
