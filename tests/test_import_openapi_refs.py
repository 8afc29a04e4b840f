"""OpenAPI import, the document's plumbing: how the importer is built, long `$ref` chains in
linear work, cycles named briefly, and vendor extensions skipped with a gap instead of aborting."""

from __future__ import annotations

import ast

import pytest
import tomllib
import yaml
from conftest import ROOT, run_cli
from referencing import Registry

from designkit.core.loader import load_design
from designkit.importers.openapi import import_openapi, import_openapi_result

PACKAGE = ROOT / "designkit" / "importers"
Resolver = type(Registry().resolver())


def test_the_importer_is_split_by_concern_and_writes_yaml_through_the_one_writer():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert {"source.py", "refs.py", "document.py", "writer.py"} <= {p.name for p in modules}
    for path in modules:
        text = path.read_text()
        assert len(text.splitlines()) <= 450, f"{path.name} is over 450 lines"
        imported = {a.name.split(".")[0] for node in ast.walk(ast.parse(text))
                    if isinstance(node, ast.Import) for a in node.names}
        imported |= {(node.module or "").split(".")[0] for node in ast.walk(ast.parse(text))
                     if isinstance(node, ast.ImportFrom) and node.level == 0}
        assert not imported & {"yaml", "ruamel"}, f"{path.name} writes YAML a way of its own"


def test_referencing_resolves_the_refs_and_is_declared():
    """The importer imports `referencing` itself, so the project declares it (both lists)."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("referencing") for d in deps)
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    assert any(isinstance(d, str) and d.startswith("referencing") for d in conda)


def _chain_doc(n: int, *, cycle: bool = False) -> dict:
    schemas = {f"S{i}": {"$ref": f"#/components/schemas/S{i + 1}"} for i in range(n)}
    schemas[f"S{n}"] = {"$ref": "#/components/schemas/S0"} if cycle else {
        "type": "object", "required": ["id"], "properties": {
            "id": {"type": "string", "format": "uuid"}, "size": {"type": "integer"}}}
    params = {f"P{i}": {"$ref": f"#/components/parameters/P{i + 1}"} for i in range(n)}
    params[f"P{n}"] = {"name": "limit", "in": "query",
                       "schema": {"type": "integer", "minimum": 1, "maximum": 50}}
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}}}
    return {
        "openapi": "3.1.0", "info": {"title": "Chains", "version": "1"},
        "paths": {
            "/things": {
                "get": {"parameters": [{"$ref": "#/components/parameters/P0"}], "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "array", "items": {"$ref": "#/components/schemas/S0"}}}}}}},
                "post": {"requestBody": body, "responses": {"201": {"description": "made", **body}}},
            }},
        "components": {"schemas": schemas, "parameters": params},
    }


def test_a_3000_long_ref_chain_is_followed_once_per_ref(tmp_path, monkeypatch):
    n = 3000
    source = tmp_path / "chain.yaml"
    source.write_text(yaml.safe_dump(_chain_doc(n)))
    lookups = []
    original = Resolver.lookup
    monkeypatch.setattr(Resolver, "lookup", lambda self, ref: lookups.append(ref) or original(self, ref))
    data = import_openapi(source)
    distinct = 2 * (n + 1)                      # S0..S3000 and P0..P3000
    assert 0 < len(lookups) <= distinct, "each $ref is looked up once, whatever the chain"
    (get, post) = data["api"]["endpoints"]
    assert get["parameters"][0]["name"] == "limit" and get["parameters"][0]["maximum"] == 50
    # S0..S2999 only point onwards: they are names for S3000, not schemas of their own
    assert get["responses"][0]["schema"] == f"S{n}[]" and post["request"]["schema"] == f"S{n}"
    assert [e["name"] for e in data["data_model"]["entities"]] == [f"S{n}"]
    assert "schemas" not in data["api"]


def test_a_long_ref_cycle_is_refused_with_a_short_message(tmp_path):
    source = tmp_path / "cycle.yaml"
    source.write_text(yaml.safe_dump(_chain_doc(3000, cycle=True)))
    r = run_cli("import", "openapi", source, "-o", tmp_path / "d.yaml")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "$ref cycle" in r.stderr and "more" in r.stderr and f"{source}:" in r.stderr
    assert len(r.stderr) < 2000


EXTENSIONS = """\
openapi: 3.1.0
info:
  title: With extensions
  version: '1'
  x-topics:
    - title: Getting started
      content: {$ref: ./docs/getting-started.md}
paths:
  x-internal-paths: {$ref: 'https://internal.example/paths.yaml'}
  /things/{id}:
    get:
      x-codeSamples: [{lang: sh, source: {$ref: samples/get.sh}}]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
        - {name: x-trace, in: header, schema: {type: string, maxLength: 64}}
      responses:
        '200':
          description: ok
          headers:
            x-rate-limit: {schema: {type: integer}}
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string, format: uuid}
                  x-request-id: {type: string, maxLength: 64}
        x-stoplight: {id: abc}
"""


def test_refs_inside_vendor_extensions_are_skipped_with_a_gap(tmp_path):
    source = tmp_path / "ext.yaml"
    source.write_text(EXTENSIONS)
    out = tmp_path / "design.yaml"
    r = run_cli("import", "openapi", source, "-o", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "# GAP: vendor extensions are not imported (x-codeSamples, x-internal-paths, " \
           "x-stoplight, x-topics)" in text
    (e,) = load_design(out).design.api.endpoints
    assert [p.name for p in e.parameters] == ["id", "x-trace"]
    assert [f.name for f in e.responses[0].fields] == ["id", "x-request-id"]   # names, not extensions


@pytest.mark.parametrize("where", ["info", "operation"])
def test_a_remote_ref_outside_an_extension_is_still_refused(tmp_path, where):
    text = EXTENSIONS.replace("x-topics", "topics") if where == "info" else \
        EXTENSIONS.replace("x-codeSamples", "codeSamples")
    source = tmp_path / "ext.yaml"
    source.write_text(text)
    r = run_cli("import", "openapi", source, "-o", tmp_path / "d.yaml")
    assert r.returncode == 2 and "is not fetched" in r.stderr and "Traceback" not in r.stderr


def test_gap_count_and_result_name_every_extension_once(tmp_path):
    source = tmp_path / "ext.yaml"
    source.write_text(EXTENSIONS)
    result = import_openapi_result(source)
    (gap,) = result.gaps[()]
    assert gap.count("x-") == 4
