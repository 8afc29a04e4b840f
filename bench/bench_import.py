"""Benchmark: import a large OpenAPI description (a few MB, hundreds of operations).

The description is synthesized (no network): RESOURCES resources, each with list, create, get,
replace and delete operations, shared parameters and error responses through $refs, an object
schema of 20 properties with bounds, and descriptions of realistic length. It is written as YAML
and as JSON, and each is imported end to end (read, check every $ref, map, write the design
file, load it back), as `designkit import openapi` does.

    .venv/bin/python bench/bench_import.py [--resources 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from designkit.importers.openapi import write_design_from_openapi

LOREM = ("This field is part of the resource's public contract; clients may rely on its "
         "presence and type across minor versions. ") * 3


def synthesize(resources: int) -> dict:
    paths: dict = {}
    schemas: dict = {
        "Error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string", "maxLength": 64}, "message": {"type": "string"}}},
    }
    for i in range(resources):
        name = f"Resource{i:04d}"
        props = {"id": {"type": "string", "format": "uuid", "description": LOREM}}
        for j in range(19):
            kind = ("string", "integer", "number", "boolean")[j % 4]
            prop: dict = {"type": kind, "description": LOREM}
            if kind == "string":
                prop["maxLength"] = 100 + j
            elif kind == "integer":
                prop.update(minimum=0, maximum=1000 * j + 1)
            props[f"field_{j:02d}"] = prop
        schemas[name] = {"type": "object", "description": f"A {name}.", "required": ["id"],
                         "properties": props}
        ref = {"$ref": f"#/components/schemas/{name}"}
        base = f"/v1/resource-{i:04d}"
        errors = {"400": {"$ref": "#/components/responses/BadRequest"},
                  "404": {"$ref": "#/components/responses/NotFound"}}
        paths[base] = {
            "get": {"operationId": f"list{name}", "tags": [f"tag{i % 20}"], "description": LOREM,
                    "parameters": [{"$ref": "#/components/parameters/Limit"},
                                   {"$ref": "#/components/parameters/Cursor"}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "array", "items": ref}}}}, **errors}},
            "post": {"operationId": f"create{name}", "tags": [f"tag{i % 20}"],
                     "description": LOREM, "security": [{"oauth": ["write"]}],
                     "requestBody": {"content": {"application/json": {"schema": ref}}},
                     "responses": {"201": {"description": "created", "content": {
                         "application/json": {"schema": ref}}}, **errors}},
        }
        paths[base + "/{id}"] = {
            "parameters": [{"$ref": "#/components/parameters/Id"}],
            **{m: {"operationId": f"{m}{name}", "tags": [f"tag{i % 20}"], "description": LOREM,
                   **({"requestBody": {"content": {"application/json": {"schema": ref}}}}
                      if m == "put" else {}),
                   "responses": {"200": {"description": "ok", "content": {"application/json": {
                       "schema": ref}}}, **errors}}
               for m in ("get", "put", "delete")},
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Large synthetic API", "version": "1.0.0", "description": LOREM},
        "servers": [{"url": "https://api.example.com"}],
        "security": [{"oauth": ["read"]}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": {
                "Id": {"name": "id", "in": "path", "required": True,
                       "schema": {"type": "string", "format": "uuid"}},
                "Limit": {"name": "limit", "in": "query",
                          "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                "Cursor": {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            },
            "responses": {
                "BadRequest": {"description": "bad request", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}}}},
                "NotFound": {"description": "not found", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}}}},
            },
            "securitySchemes": {"oauth": {"type": "oauth2", "flows": {"clientCredentials": {
                "tokenUrl": "https://auth.example.com/token",
                "scopes": {"read": "read", "write": "write"}}}}},
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    doc = synthesize(args.resources)
    operations = sum(1 for item in doc["paths"].values() for m in item if m != "parameters")
    with tempfile.TemporaryDirectory() as tmp:
        sources = {
            "yaml": Path(tmp) / "large.yaml",
            "json": Path(tmp) / "large.json",
        }
        sources["yaml"].write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        sources["json"].write_text(json.dumps(doc, indent=2), encoding="utf-8")
        print(f"{operations} operations, {len(doc['components']['schemas'])} schemas "
              f"(python {sys.version.split()[0]}, libyaml {yaml.__with_libyaml__})")
        for kind, source in sources.items():
            times = []
            for _ in range(args.repeat):
                out = Path(tmp) / "design.yaml"
                start = time.perf_counter()
                write_design_from_openapi(source, out, force=True)
                times.append(time.perf_counter() - start)
            size = source.stat().st_size / 1e6
            print(f"{kind:4}  {size:5.1f} MB  import median {statistics.median(times):5.2f} s  "
                  f"(best {min(times):.2f} s of {args.repeat}; design file "
                  f"{out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
