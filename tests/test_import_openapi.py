"""OpenAPI import: every corpus file round-trips its operations; bad input is refused clearly."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import ROOT, run_cli
from openapi_spec_validator import validate

from designkit.exporters.openapi import build_openapi
from designkit.importers.openapi import IMPORT_MAX_BYTES, import_openapi
from designkit.loader import load_design

CORPUS = sorted((ROOT.parent / "shared" / "corpus" / "openapi").glob("*.y*ml"))
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


def test_corpus_is_there():
    assert len(CORPUS) >= 5, "../shared/corpus/openapi/ is missing"


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
    assert objects <= {e["name"] for e in data["data_model"]["entities"]}
    schemes = original.get("components", {}).get("securitySchemes") or {}
    assert {s["name"] for s in data["security"]["authentication"]} == set(schemes)
    hooks = set(original.get("webhooks") or {})
    callbacks = {name for item in original["paths"].values() for m in METHODS
                 if isinstance(item.get(m), dict) for name in item[m].get("callbacks", {})}
    assert {w["name"] for w in data["api"].get("webhooks", [])} == hooks | callbacks
    if original.get("servers"):
        assert data["api"]["base_url"].startswith(original["servers"][0]["url"].split("{")[0])


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
    size = next(f for f in design.entity("Thing").fields if f.name == "size")
    assert (size.type, size.required, size.minimum, size.maximum) == ("integer", False, 1, 9)
    assert design.api.webhooks[0].payload == "Thing"
    assert operations(build_openapi(design)) == operations(doc)


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
