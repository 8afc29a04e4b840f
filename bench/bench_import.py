"""Benchmark: import a large OpenAPI description (a few MB, hundreds of operations).

The description is synthesized (no network), shaped like the large public ones (Twilio's is
1.9 MB): RESOURCES resources, each with list, create, get, replace and delete operations, shared
parameters and error responses through $refs, an object schema of 20 properties with bounds,
form-encoded create bodies, vendor extensions (`x-twilio`-like) on paths, operations and
properties, and descriptions of realistic length. `--size-mb` picks the number of resources
that makes the JSON that size. It is written as YAML and as JSON, and each is imported end to end
(read, check every $ref, map, write the design file, load it back), as `designkit import openapi`
does. `--cli` times what a user runs instead: `designkit import openapi` and then `designkit
check` on the result, each a fresh process. `--chain N` times a description whose one schema is
reached through a chain of N `$ref`s.

    .venv/bin/python bench/bench_import.py [--resources 300 | --size-mb 1.9] [--repeat 3] [--cli]
    .venv/bin/python bench/bench_import.py --size-mb 1.9 --repeat 5 --cli --against ../base
    .venv/bin/python bench/bench_import.py --size-mb 1.9 --repeat 5 --record   # the guard's record
    .venv/bin/python bench/bench_import.py --compare   # same description; exit 1 if 20% worse
    .venv/bin/python bench/bench_import.py --chain 30000
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import guard  # noqa: E402
from measure import ROOT, child_env, load_average, run_once, summary  # noqa: E402

from designkit.importers.openapi import write_design_from_openapi  # noqa: E402

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
            if j % 5 == 4:
                prop["nullable"] = True
                prop["x-vendor"] = {"pii": {"handling": "standard", "deleteSla": 30}}
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
            "x-vendor": {"defaultOutputProperties": ["id", "field_00", "field_01"],
                         "pathType": "list", "mountName": f"resource_{i:04d}"},
            "post": {"operationId": f"create{name}", "tags": [f"tag{i % 20}"],
                     "description": LOREM, "security": [{"oauth": ["write"]}],
                     "x-maturity": ["GA"],
                     "requestBody": {"content": {"application/x-www-form-urlencoded": {
                         "schema": {"type": "object", "required": ["field_00"], "properties": {
                             k: v for k, v in props.items() if k != "id"}}}}},
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


def resources_for(size_mb: float) -> int:
    """How many resources make the JSON description about ``size_mb`` MB."""
    sample = 20
    per = (len(json.dumps(synthesize(sample * 2), indent=2))
           - len(json.dumps(synthesize(sample), indent=2))) / sample
    base = len(json.dumps(synthesize(0), indent=2))
    return max(1, round((size_mb * 1e6 - base) / per))


def chain(n: int) -> dict:
    """A description whose one schema is reached through n chained $refs."""
    schemas = {f"S{i}": {"$ref": f"#/components/schemas/S{i + 1}"} for i in range(n)}
    schemas[f"S{n}"] = {"type": "object", "properties": {"id": {"type": "string"}}}
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}}}
    return {"openapi": "3.1.0", "info": {"title": "Chain", "version": "1"},
            "paths": {"/a": {"post": {"requestBody": body,
                                      "responses": {"200": {"description": "ok", **body}}}}},
            "components": {"schemas": schemas}}


def time_cli(source: Path, out: Path, repeat: int, trees: dict[str, Path] | None = None
             ) -> dict[str, dict[str, dict]]:
    """`designkit import openapi` then `designkit check`, as a user runs them (fresh processes).

    With several ``trees`` (``now``: this checkout; ``against``: another), each run imports and
    checks with every tree in turn (interleaved), each in its own folder, so a busy machine
    slows them alike. Returns, per tree, the guard's rows (``import``, ``check``, ``total``:
    median wall and CPU seconds, peak MiB).
    """
    trees = trees or {"now": ROOT}
    env = child_env()
    outs = {name: out.with_name(f"{out.stem}-{name}.yaml") for name in trees}

    def commands(name: str) -> tuple[list[str], list[str]]:
        return ([sys.executable, "-m", "designkit", "import", "openapi", str(source), "-o",
                 str(outs[name]), "--force"],
                [sys.executable, "-m", "designkit", "check", str(outs[name]), "--fail-on", "never"])

    for name, tree in trees.items():                          # warm-up (bytecode, model cache)
        for cmd in commands(name):
            run_once(cmd, env=env, cwd=tree, ok=(0,))
    runs: dict[str, tuple[list, list]] = {name: ([], []) for name in trees}
    for _ in range(repeat):
        for name, tree in trees.items():
            importing, checking = commands(name)
            runs[name][0].append(run_once(importing, env=env, cwd=tree, ok=(0,)))
            runs[name][1].append(run_once(checking, env=env, cwd=tree, ok=(0,)))
    for name, (imports, checks) in runs.items():
        totals = [i[0] + c[0] for i, c in zip(imports, checks, strict=True)]
        cpu = [i[2] + c[2] for i, c in zip(imports, checks, strict=True)]
        print(f"      cli ({name}): import {statistics.median(i[0] for i in imports):.2f} s + check "
              f"{statistics.median(c[0] for c in checks):.2f} s = {statistics.median(totals):.2f} s "
              f"wall (median of {repeat}; best {min(totals):.2f} s), CPU {statistics.median(cpu):.2f} s "
              f"(import {statistics.median(i[2] for i in imports):.2f} s + check "
              f"{statistics.median(c[2] for c in checks):.2f} s), peak "
              f"{max(x[1] for x in imports + checks):.0f} MiB (import "
              f"{max(i[1] for i in imports):.0f} MiB)")
    print(f"      load {load_average()}")
    out_rows = {}
    for name, (imports, checks) in runs.items():
        both = [(i[0] + c[0], max(i[1], c[1]), i[2] + c[2]) for i, c in zip(imports, checks, strict=True)]
        out_rows[name] = {part: summary(*map(list, zip(*rows, strict=True)))
                          for part, rows in (("import", imports), ("check", checks), ("total", both))}
    return out_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, help="resources to synthesize (default 300)")
    parser.add_argument("--size-mb", type=float, help="make the JSON about this size instead")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cli", action="store_true",
                        help="also time `designkit import openapi` + `designkit check` as processes")
    parser.add_argument("--against", type=Path,
                        help="with --cli: also time another checkout's designkit, interleaved")
    parser.add_argument("--chain", type=int, help="time one chain of this many $refs instead")
    guard.add_options(parser, "import")
    args = parser.parse_args(argv)
    old = guard.recorded("import") if args.compare else None
    if args.compare and old is None:
        return 2
    if args.record or args.compare:
        args.cli = True               # the guarded figures are the processes'
    if old is not None and args.resources is None and args.size_mb is None:
        args.resources = old["resources"]     # compare the description that was recorded
    if args.chain:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "chain.json"
            source.write_text(json.dumps(chain(args.chain)), encoding="utf-8")
            start = time.perf_counter()
            write_design_from_openapi(source, Path(tmp) / "design.yaml")
            print(f"chain of {args.chain:,} $refs: import {time.perf_counter() - start:.2f} s")
        return 0
    resources = resources_for(args.size_mb) if args.size_mb else (args.resources or 300)
    doc = synthesize(resources)
    rows: dict[str, dict] = {}
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
            if args.cli:
                measured = time_cli(source, out, args.repeat, {"now": ROOT, **(
                    {"against": args.against.resolve()} if args.against else {})})
                rows.update({f"{kind} {part}": row for part, row in measured["now"].items()})
    if not rows:
        return 0
    return guard.finish(args, "import", rows, runs=args.repeat, old=old, resources=resources,
                        operations=operations)


if __name__ == "__main__":
    sys.exit(main())
