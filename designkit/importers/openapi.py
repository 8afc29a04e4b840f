"""Import an OpenAPI 3.0 or 3.1 description (YAML or JSON) as a design file.

What OpenAPI says becomes design data: endpoints with parameters, bodies and responses,
entities from component schemas, security schemes and per-operation security, the server URL,
webhooks and callbacks. What it cannot say (invariants, classification, failure modes,
idempotency, observability) is left empty and marked ``# GAP`` in the written file, so the
workbook's checks show the engineer what to decide next.

The file is read with the loader's safe YAML reader (no object tags, alias bombs and deep
nesting refused, line numbers kept for messages). Only local ``$ref``s (``#/...``) are
resolved; a remote one is refused, never fetched. Every ``$ref`` is checked before anything
is imported, so a broken one is reported with its line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from ..core.errors import DesignFileError, ImportSourceError, Problem, UsageError
from ..core.loader import KeyPath, format_key_path, load_design_text, parse_yaml, read_text
from ..core.model import WRITE_METHODS

IMPORT_MAX_BYTES = 32 * 1024 * 1024   # the largest public API descriptions are ~10 MB
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_DESIGN_METHODS = {m.upper() for m in METHODS}
_NAME_MAX = 200

GAP_SECTIONS = {
    "services": "OpenAPI does not say how the service is built: add handlers, domain services, "
                "repositories/adapters and each dependency with its justification.",
    "persistence": "OpenAPI does not say where data lives: choose stores by access pattern, "
                   "tables with indexes, migrations and the idempotency model.",
    "reliability": "OpenAPI does not say what happens when things fail: add timeouts, retries, "
                   "fallbacks per dependency and the consistency model.",
    "performance": "OpenAPI does not say how much load to expect: add capacity, caching, "
                   "batching and scaling boundaries.",
    "observability": "OpenAPI does not cover observability: add structured logs, request ids, "
                     "metrics, traces, alerts and the audit trail.",
    "validation": "Add the tests per layer and per endpoint, and the CI hooks.",
    "decisions": "Record the decisions you make while filling the gaps.",
}


@dataclass
class ImportResult:
    """Design data from an OpenAPI file, and the gaps to mark in the written file."""

    data: dict[str, Any]
    gaps: dict[KeyPath, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)   # what could not be carried over

    def gap(self, where: KeyPath, text: str) -> None:
        self.gaps.setdefault(where, []).append(text)

    @property
    def gap_count(self) -> int:
        return sum(len(v) for v in self.gaps.values()) + len(GAP_SECTIONS)


# --------------------------------------------------------------------------- reading


class _Source:
    """The parsed OpenAPI document, its lines, and local $ref resolution."""

    def __init__(self, file: str, data: Any, lines: dict[KeyPath, int]):
        self.file, self.data, self.lines = file, data, lines

    def line(self, path: KeyPath) -> int | None:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def fail(self, path: KeyPath, message: str, fix: str = "") -> ImportSourceError:
        return ImportSourceError.single(
            self.file, message, line=self.line(path), key_path=format_key_path(path),
            fix=fix or "make this part follow the OpenAPI 3 specification (an editor with "
                       "OpenAPI validation shows the expected shape)")

    def pointer(self, ref: str, at: KeyPath) -> tuple[Any, KeyPath]:
        node: Any = self.data
        path: list[str | int] = []
        for raw in ref[1:].split("/")[1:] if ref.startswith("#/") else []:
            token = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
                path.append(token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
                path.append(int(token))
            else:
                raise self.fail(at, f"$ref {ref!r} points to nothing in this file",
                                fix="fix the pointer, or add the missing component")
        if ref not in ("#", "") and not ref.startswith("#/"):
            raise self.fail(at, f"$ref {ref!r} is not a JSON pointer",
                            fix="write local references as #/components/...")
        return node, tuple(path)

    def check_refs(self) -> None:
        """Refuse remote and broken $refs anywhere in the document, before importing."""
        stack: list[tuple[Any, KeyPath]] = [(self.data, ())]
        while stack:
            node, path = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if ref is not None and isinstance(ref, str) and not _inside_example(path):
                    at = path + ("$ref",)
                    if not ref.startswith("#"):
                        raise self.fail(at, f"remote $ref {ref!r} is not fetched (only references "
                                        "inside this file are resolved)",
                                        fix="bundle the description into one file first, e.g. "
                                            "`redocly bundle` or `swagger-cli bundle`")
                    self.pointer(ref, at)
                stack.extend((v, path + (k,)) for k, v in node.items() if isinstance(v, (dict, list)))
            elif isinstance(node, list):
                stack.extend((v, path + (i,)) for i, v in enumerate(node) if isinstance(v, (dict, list)))

    def deref(self, node: Any, path: KeyPath) -> tuple[Any, KeyPath]:
        """Follow $ref chains to the node they name; a chain that loops is an error."""
        seen: list[str] = []
        start = path
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise self.fail(start, "$ref cycle: " + " -> ".join(seen + [ref]),
                                fix="make one of these point at a real definition")
            seen.append(ref)
            node, path = self.pointer(ref, path + ("$ref",))
        return node, path


def _inside_example(path: KeyPath) -> bool:
    """Whether ``path`` is inside an example value, where a "$ref" key is data, not a reference."""
    for i, key in enumerate(path):
        if key == "example" and (i == 0 or path[i - 1] != "properties"):
            return True
        if key == "value" and i >= 2 and path[i - 2] == "examples":
            return True
    return False


def read_openapi(path: str | Path) -> _Source:
    """Read and check an OpenAPI file: size, text, YAML/JSON, version, and every $ref."""
    p = Path(path)
    shown = str(path)
    try:
        size = p.stat().st_size if p.is_file() else None
    except OSError:
        size = None
    if size is not None and size > IMPORT_MAX_BYTES:
        raise ImportSourceError.single(
            shown, f"is {size / 1e6:.0f} MB; an OpenAPI file to import is at most "
                   f"{IMPORT_MAX_BYTES // 2**20} MiB",
            fix="check that this is the file you meant, or split the API by tag")
    try:
        text, _ = read_text(p, what="OpenAPI file")
        try:
            data, lines = parse_yaml(text, shown)
        except DesignFileError:
            if not text.lstrip().startswith(("{", "[")):
                raise
            data, lines = _parse_json(text, shown), {}
    except ImportSourceError:
        raise
    except DesignFileError as exc:
        raise ImportSourceError(exc.problems) from None
    source = _Source(shown, data, lines)
    if not isinstance(data, dict):
        raise ImportSourceError.single(
            shown, "is not an OpenAPI description (the top level is not a mapping)", line=1,
            fix="give an OpenAPI 3.0 or 3.1 file (YAML or JSON) with `openapi: 3.x.y` at the top")
    if "swagger" in data:
        raise source.fail(("swagger",), f"is Swagger {data.get('swagger')} (OpenAPI 2.0), "
                          "which designkit does not import",
                          fix="convert it to OpenAPI 3 first (e.g. `npx swagger2openapi FILE`, or "
                              "the Swagger Editor's Convert to OpenAPI 3), then import that")
    version = data.get("openapi")
    if version is None:
        raise ImportSourceError.single(
            shown, "is not an OpenAPI description (no `openapi:` version key at the top level)",
            line=1, fix="give an OpenAPI 3.0 or 3.1 file; it starts with `openapi: 3.1.0`")
    if not isinstance(version, str) or not re.match(r"^3\.[01](\.\d+)?", version):
        raise source.fail(("openapi",), f"OpenAPI version {version!r} is not supported "
                          "(3.0 and 3.1 are)",
                          fix="write the version as text, e.g. openapi: \"3.1.0\"")
    for key in ("paths", "components", "webhooks"):
        if key in data and data[key] is not None and not isinstance(data[key], dict):
            raise source.fail((key,), f"`{key}` must be a mapping", fix=f"write {key} as key: value lines")
    source.check_refs()
    return source


def _parse_json(text: str, file: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise ImportSourceError.single(file, f"is neither valid YAML nor JSON ({exc})", line=line,
                                       fix="check the file's syntax") from None


# --------------------------------------------------------------------------- mapping


def _name(text: Any, fallback: str = "unnamed") -> str:
    value = " ".join(str(text).split()) if text is not None else ""
    return (value or fallback)[:_NAME_MAX]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:_NAME_MAX] or "imported-api"


class _Importer:
    def __init__(self, source: _Source, name: str | None):
        self.src = source
        self.doc: dict[str, Any] = source.data
        self.result = ImportResult({})
        self.name = name
        self.components: dict[str, Any] = (self.doc.get("components") or {}).get("schemas") or {}
        self.entities: set[str] = set()
        self.scheme_types: dict[str, str] = {}
        self._pending_webhooks: list[dict[str, Any]] = []   # from callbacks, met while reading paths

    # ------------------------------------------------------------------ schemas

    def _flatten(self, schema: Any, path: KeyPath, depth: int = 0) -> tuple[dict, KeyPath]:
        """Resolve refs and merge allOf parts into one schema mapping."""
        schema, path = self.src.deref(schema, path)
        if not isinstance(schema, dict):
            return {}, path
        if "allOf" in schema and isinstance(schema["allOf"], list) and depth < 16:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            props = dict(merged.get("properties") or {})
            required = list(merged.get("required") or [])
            for i, part in enumerate(schema["allOf"]):
                sub, _ = self._flatten(part, path + ("allOf", i), depth + 1)
                props.update(sub.get("properties") or {})
                required += [r for r in sub.get("required") or [] if r not in required]
                for k, v in sub.items():
                    if k not in ("properties", "required"):
                        merged.setdefault(k, v)
            merged["properties"], merged["required"] = props, required
            return merged, path
        return schema, path

    def field_of(self, name: str, schema: Any, path: KeyPath, required: bool,
                 depth: int = 0) -> dict[str, Any]:
        """A design field (type, bounds) from a property or parameter schema."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        flat, fpath = self._flatten(schema, path)
        out: dict[str, Any] = _Flow(name=_name(name))
        types = flat.get("type")
        nullable = bool(flat.get("nullable"))
        if isinstance(types, list):
            nullable = nullable or "null" in types
            types = next((t for t in types if t != "null"), None)
        fmt = flat.get("format")
        enum = [v for v in flat.get("enum") or [] if isinstance(v, (str, int)) and not isinstance(v, bool)]
        if enum:
            kind = "enum"
        elif types == "string":
            kind = {"uuid": "uuid", "date-time": "datetime", "date": "date", "email": "email",
                    "uri": "url", "url": "url", "binary": "binary", "byte": "binary",
                    "decimal": "decimal"}.get(fmt, "string")
        elif types in ("integer", "number", "boolean"):
            kind = types
        elif types == "array" and depth < 8:
            kind = "array"
        else:
            kind = "json"
        out["type"] = kind
        out["required"] = bool(required) and not nullable
        if kind == "array":
            self._array(out, flat, fpath, depth)
            bounds = {}    # an array's own bounds are its items'; the item's bounds come from _array
        else:
            bounds = flat
        if enum:
            out["enum"] = enum
        for key, attr, cast in (("maxLength", "max_length", int), ("minLength", "min_length", int),
                                ("minimum", "minimum", float), ("maximum", "maximum", float)):
            value = bounds.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if attr == "max_length" and value < 1:
                    continue
                if attr == "min_length" and value < 0:
                    continue
                out[attr] = int(value) if cast is int or float(value).is_integer() else value
        if isinstance(bounds.get("pattern"), str):
            out["pattern"] = bounds["pattern"]
        if isinstance(flat.get("description"), str) and flat["description"].strip():
            out["description"] = " ".join(flat["description"].split())
        elif ref and ref.startswith("#/components/schemas/"):
            out["description"] = f"a {ref.rsplit('/', 1)[-1]}"
        default = flat.get("default")
        if isinstance(default, (str, int, float, bool)) and kind != "json":
            out["default"] = default
        return out

    def _array(self, out: dict[str, Any], flat: dict, path: KeyPath, depth: int) -> None:
        """Fill an array field's items, item count bounds and per-item bounds from ``flat``."""
        items = flat.get("items")
        if isinstance(items, dict) and items:
            name = self._component_name(items["$ref"]) if isinstance(items.get("$ref"), str) else None
            if name in self.entities:
                out["items"] = _name(name)
            else:
                inner = self.field_of("item", items, path + ("items",), True, depth + 1)
                # an array of arrays keeps the outer one; its items stay json
                out["items"] = "json" if inner["type"] == "array" else inner["type"]
                for key in ("enum", "max_length", "min_length", "minimum", "maximum", "pattern"):
                    if key in inner and inner["type"] != "array":
                        out[key] = inner[key]
        for key, attr, least in (("maxItems", "max_items", 1), ("minItems", "min_items", 0)):
            value = flat.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value >= least:
                out[attr] = value

    def fields_of(self, schema: Any, path: KeyPath, *, entity: bool = False) -> list[dict[str, Any]]:
        """Design fields from an object schema's properties (defaults only for entity fields)."""
        flat, fpath = self._flatten(schema, path)
        required = set(r for r in flat.get("required") or [] if isinstance(r, str))
        props = flat.get("properties") or {}
        if not isinstance(props, dict):
            return []
        fields = [self.field_of(k, v, fpath + ("properties", k), k in required)
                  for k, v in props.items() if str(k).strip()]
        for f in fields:
            if f["required"]:
                del f["required"]     # the design's default
            if not entity:
                f.pop("default", None)
        return fields

    def _component_name(self, ref: str) -> str | None:
        prefix = "#/components/schemas/"
        return unquote(ref[len(prefix):]).replace("~1", "/").replace("~0", "~") \
            if ref.startswith(prefix) and "/" not in ref[len(prefix):] else None

    def schema_ref(self, schema: Any, path: KeyPath, depth: int = 0) -> tuple[str | None, list]:
        """(schema name for the design, inline fields) for a body schema."""
        if not isinstance(schema, dict):
            return None, []
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = self._component_name(ref)
            if name in self.entities:
                return name, []
            target, tpath = self.src.deref(schema, path)
            if depth < 8:
                return self.schema_ref(target, tpath, depth + 1)
            return None, []
        if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
            inner, _ = self.schema_ref(schema["items"], path + ("items",), depth + 1)
            return (inner + "[]" if inner and not inner.endswith("[]") else None), []
        fields = self.fields_of(schema, path)
        return None, fields

    # ------------------------------------------------------------------ document

    def run(self) -> ImportResult:
        doc, r = self.doc, self.result
        info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
        title = info.get("title") if isinstance(info.get("title"), str) else None
        data: dict[str, Any] = {"designkit": 1, "name": self.name or slug(title or "imported-api")}
        if title:
            data["title"] = _name(title)
        r.data = data
        summary = info.get("description") if isinstance(info.get("description"), str) else None
        data["scope"] = {"summary": summary.strip()} if summary and summary.strip() else {}
        r.gap(("scope",), "OpenAPI says what the API offers, not why: add requirements, "
                          "constraints (latency, throughput, availability), SLAs and the tier.")
        data["data_model"] = {"entities": self.entities_from_components()}
        api: dict[str, Any] = {}
        servers = doc.get("servers")
        if isinstance(servers, list) and servers and isinstance(servers[0], dict):
            api["base_url"] = self.server_url(servers[0])
            if len(servers) > 1:
                r.notes.append("servers: only the first server URL is kept (" + ", ".join(
                    str(s.get("url")) for s in servers[1:] if isinstance(s, dict)) + " dropped)")
        if isinstance(info.get("version"), str):
            r.gap(("api",), f"the API's own version is {info['version']}; decide the versioning "
                            "scheme and the policy for breaking changes (api.versioning).")
        r.gap(("api",), "OpenAPI has no error model of codes: name the error codes and their "
                        "shape in api.error_model, and list each endpoint's errors.")
        api["endpoints"] = self.endpoints()
        webhooks = self.webhooks()
        if webhooks:
            api["webhooks"] = webhooks
        data["api"] = api
        data["security"] = {"authentication": self.security_schemes()}
        if not data["security"]["authentication"]:
            r.gap(("security",), "the OpenAPI file defines no security scheme: decide how "
                                 "callers authenticate.")
        r.gap(("security",), "add authorization rules, rate limits and abuse controls, secrets "
                             "handling and least privilege.")
        for key in GAP_SECTIONS:
            data[key] = [] if key == "decisions" else {}
        return r

    def server_url(self, server: dict) -> str:
        url = str(server.get("url") or "/")
        variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}
        for var, spec in variables.items():
            if isinstance(spec, dict) and "default" in spec:
                url = url.replace("{" + var + "}", str(spec["default"]))
        return url

    def entities_from_components(self) -> list[dict[str, Any]]:
        entities = []
        base: KeyPath = ("components", "schemas")
        objects = {}
        for key, schema in self.components.items():
            flat, _ = self._flatten(schema, base + (key,))
            if flat.get("type") in ("object", None) and (flat.get("properties") or
                                                         flat.get("type") == "object"):
                objects[key] = flat
        self.entities = set(objects)
        for key in objects:
            entity: dict[str, Any] = {"name": _name(key)}
            description = objects[key].get("description")
            if isinstance(description, str) and description.strip():
                entity["description"] = description.strip()
            entity["fields"] = self.fields_of(self.components[key], base + (key,), entity=True)
            if any(f["name"] == "id" for f in entity["fields"]):
                entity["primary_key"] = ["id"]
            entities.append(entity)
            where = ("data_model", "entities", len(entities) - 1)
            self.result.gap(where, "classification, invariants and lifecycle are not in OpenAPI"
                            + ("; primary key assumed from the field `id`"
                               if "primary_key" in entity else "; choose the primary key"))
        skipped = [k for k in self.components if k not in objects]
        if skipped:
            self.result.notes.append("component schemas that are not objects stay inline "
                                     "(not entities): " + ", ".join(skipped))
        return entities

    def endpoints(self) -> list[dict[str, Any]]:
        paths = self.doc.get("paths") or {}
        out: list[dict[str, Any]] = []
        root_security = self.doc.get("security")
        for raw_path, item in paths.items():
            path_key: KeyPath = ("paths", raw_path)
            item, item_path = self.src.deref(item, path_key)
            if not isinstance(item, dict):
                raise self.src.fail(path_key, "a path item must be a mapping of operations")
            if not str(raw_path).startswith("/"):
                raise self.src.fail(path_key, f"path {raw_path!r} must start with /",
                                    fix=f"write /{str(raw_path).lstrip('/')}")
            shared = item.get("parameters") or []
            for method in METHODS:
                if method not in item:
                    continue
                op = item[method]
                op_path = item_path + (method,)
                if not isinstance(op, dict):
                    raise self.src.fail(op_path, f"operation {method.upper()} {raw_path} must be a mapping")
                out.append(self.endpoint(str(raw_path), method, op, op_path, shared,
                                         item_path + ("parameters",), root_security, len(out)))
            if "trace" in item:
                self.result.notes.append(f"TRACE {raw_path}: not imported (designs have no TRACE)")
        return out

    def parameters(self, shared: list, shared_path: KeyPath, own: list, own_path: KeyPath,
                   ) -> list[dict[str, Any]]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for params, base in ((shared, shared_path), (own, own_path)):
            if not isinstance(params, list):
                raise self.src.fail(base, "parameters must be a list")
            for i, raw in enumerate(params):
                p, ppath = self.src.deref(raw, base + (i,))
                if not isinstance(p, dict) or not isinstance(p.get("name"), str) \
                        or p.get("in") not in ("path", "query", "header", "cookie"):
                    raise self.src.fail(base + (i,), "a parameter needs a `name` and `in` "
                                        "(path, query, header or cookie)",
                                        fix="add e.g. `name: limit` and `in: query`")
                schema = p.get("schema")
                if schema is None and isinstance(p.get("content"), dict) and p["content"]:
                    schema = next(iter(p["content"].values())).get("schema")
                field = self.field_of(p["name"], schema or {}, ppath + ("schema",),
                                      bool(p.get("required")))
                param: dict[str, Any] = _Flow(name=field.pop("name"), **{"in": p["in"]})
                param["type"] = field.pop("type")
                if p.get("required") or p["in"] == "path":
                    param["required"] = True
                field.pop("required", None)
                field.pop("default", None)
                if isinstance(p.get("description"), str) and p["description"].strip():
                    field["description"] = " ".join(p["description"].split())
                param.update(field)
                merged[(p["name"], p["in"])] = param
        return list(merged.values())

    def body(self, op: dict, op_path: KeyPath) -> dict[str, Any] | None:
        raw = op.get("requestBody")
        if raw is None:
            return None
        body, bpath = self.src.deref(raw, op_path + ("requestBody",))
        content = body.get("content") if isinstance(body, dict) else None
        if not isinstance(content, dict) or not content:
            return None
        media = "application/json" if "application/json" in content else next(iter(content))
        spec = content[media] if isinstance(content[media], dict) else {}
        out: dict[str, Any] = {"content_type": media}
        name, fields = self.schema_ref(spec.get("schema"), bpath + ("content", media, "schema"))
        if name:
            out["schema"] = name
        elif fields:
            out["fields"] = fields
        return out

    def responses(self, op: dict, op_path: KeyPath, where: KeyPath) -> list[dict[str, Any]]:
        raw = op.get("responses") or {}
        out = []
        if not isinstance(raw, dict):
            raise self.src.fail(op_path + ("responses",), "responses must be a mapping of status codes")
        for status, resp in raw.items():
            code = str(status)
            if not code.isdigit() or not 100 <= int(code) <= 599:
                self.result.gap(where, f"response {code!r} (a default or a range) is not "
                                       "imported: list the statuses it stands for")
                continue
            resp, rpath = self.src.deref(resp, op_path + ("responses", status))
            item: dict[str, Any] = _Flow(status=int(code))
            if isinstance(resp, dict) and isinstance(resp.get("description"), str) \
                    and resp["description"].strip():
                item["description"] = " ".join(resp["description"].split())
            content = resp.get("content") if isinstance(resp, dict) else None
            if isinstance(content, dict) and content:
                media = "application/json" if "application/json" in content else next(iter(content))
                spec = content[media] if isinstance(content[media], dict) else {}
                name, fields = self.schema_ref(spec.get("schema"), rpath + ("content", media, "schema"))
                if name:
                    item["schema"] = name
                elif fields:
                    item = dict(item, fields=fields)     # nested: block style reads better
                if media != "application/json":
                    item["content_type"] = media
            out.append(item)
        return out

    def endpoint(self, path: str, method: str, op: dict, op_path: KeyPath, shared: list,
                 shared_path: KeyPath, root_security: Any, index: int) -> dict[str, Any]:
        where: KeyPath = ("api", "endpoints", index)
        e: dict[str, Any] = {}
        if isinstance(op.get("operationId"), str) and op["operationId"].strip():
            e["id"] = _name(op["operationId"])
        e["method"] = method.upper()
        e["path"] = path
        summary = op.get("summary") or op.get("description")
        if isinstance(summary, str) and summary.strip():
            text = " ".join(summary.split())
            first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
            e["summary"] = first if len(first) <= 200 else first[:197] + "..."
        if isinstance(op.get("tags"), list):
            tags = [_name(t) for t in op["tags"] if isinstance(t, str) and t.strip()]
            if tags:
                e["tags"] = tags
        security = op.get("security", root_security)
        self._security(e, security, where, op_path)
        params = self.parameters(shared, shared_path, op.get("parameters") or [],
                                 op_path + ("parameters",))
        if params:
            e["parameters"] = params
        body = self.body(op, op_path)
        if body:
            e["request"] = body
        responses = self.responses(op, op_path, where)
        if responses:
            e["responses"] = responses
        if op.get("deprecated") is True:
            e["deprecated"] = True
        if e["method"] in WRITE_METHODS:
            self.result.gap(where, "a write: decide its idempotency (idempotency-key, natural key, "
                                   "transactional) and the entities it writes")
        self._callbacks(op, op_path, e)
        return e

    def _security(self, e: dict, security: Any, where: KeyPath, op_path: KeyPath) -> None:
        if security is None or security == [] or security == [{}]:
            e["auth"] = "public"
            self.result.gap(where, "OpenAPI states no security here: justify it being public "
                                   "(public_justification) or name the auth scheme")
            return
        if not isinstance(security, list) or not all(isinstance(s, dict) for s in security):
            raise self.src.fail(op_path + ("security",), "security must be a list of mappings")
        alternatives = [s for s in security if s]
        first = alternatives[0]
        scheme, scopes = next(iter(first.items()))
        e["auth"] = _name(scheme)
        if scopes:
            e["authorization"] = "scopes: " + " ".join(str(s) for s in scopes)
        if len(first) > 1 or len(alternatives) > 1 or len(alternatives) < len(security):
            self.result.gap(where, "OpenAPI allowed " + " or ".join(
                " + ".join(s) or "no auth" for s in security)
                + f"; the design keeps {scheme}: say which callers use the others")
        if not e.get("authorization"):
            self.result.gap(where, "add the authorization rule (who may call it)")

    def _callbacks(self, op: dict, op_path: KeyPath, e: dict) -> None:
        callbacks = op.get("callbacks")
        if not isinstance(callbacks, dict):
            return
        for cb_name, cb in callbacks.items():
            cb, cb_path = self.src.deref(cb, op_path + ("callbacks", cb_name))
            if not isinstance(cb, dict):
                continue
            for expression, item in cb.items():
                item, ipath = self.src.deref(item, cb_path + (expression,))
                if not isinstance(item, dict):
                    continue
                for method in METHODS:
                    if isinstance(item.get(method), dict):
                        self._pending_webhooks.append(self.webhook(
                            str(cb_name), item[method], ipath + (method,),
                            event=f"{cb_name} (callback of {e.get('id') or e['method'] + ' ' + e['path']})",
                            delivery=f"{method.upper()} to {expression}"))

    def webhook(self, name: str, op: dict, op_path: KeyPath, *, event: str,
                delivery: str | None = None) -> dict[str, Any]:
        w: dict[str, Any] = {"name": _name(name), "event": _name(event)}
        body = self.body(op, op_path)
        if body and body.get("schema"):
            w["payload"] = body["schema"]
        elif body and body.get("fields"):
            w["fields"] = body["fields"]
        if delivery:
            w["delivery"] = delivery
        return w

    def webhooks(self) -> list[dict[str, Any]]:
        out = list(self._pending_webhooks)
        hooks = self.doc.get("webhooks") or {}
        for name, item in hooks.items():
            item, ipath = self.src.deref(item, ("webhooks", name))
            if not isinstance(item, dict):
                continue
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    op = item[method]
                    event = op.get("summary") if isinstance(op.get("summary"), str) else name
                    out.append(self.webhook(str(name), op, ipath + (method,), event=event))
        for i in range(len(out)):
            self.result.gap(("api", "webhooks", i), "how receivers verify it (signing) and the "
                                                    "retry and ordering policy (delivery)")
        return out

    def security_schemes(self) -> list[dict[str, Any]]:
        schemes = ((self.doc.get("components") or {}).get("securitySchemes") or {})
        out = []
        for key, raw in schemes.items():
            s, _ = self.src.deref(raw, ("components", "securitySchemes", key))
            if not isinstance(s, dict):
                continue
            kind, scheme = s.get("type"), str(s.get("scheme") or "").lower()
            item: dict[str, Any] = {"name": _name(key)}
            notes = [s["description"].strip()] if isinstance(s.get("description"), str) \
                and s["description"].strip() else []
            if kind == "http" and scheme == "basic":
                item["type"] = "basic"
            elif kind == "http" and scheme == "bearer":
                item["type"] = "jwt"
                item["header"] = "Authorization"
                if s.get("bearerFormat") and str(s["bearerFormat"]).upper() != "JWT":
                    notes.append(f"bearer format: {s['bearerFormat']}")
            elif kind == "apiKey":
                where = s.get("in")
                item["type"] = "session" if where == "cookie" else "api-key"
                if where == "query":
                    notes.append(f"sent in the query parameter {s.get('name')}")
                else:
                    item["header"] = _name(s.get("name") or "X-API-Key")
            elif kind == "oauth2":
                item["type"] = "oauth2"
                scopes: list[str] = []
                flows = s.get("flows") if isinstance(s.get("flows"), dict) else {}
                for flow in flows.values():
                    if isinstance(flow, dict) and isinstance(flow.get("scopes"), dict):
                        scopes += [_name(sc) for sc in flow["scopes"] if _name(sc) not in scopes]
                if scopes:
                    item["scopes"] = scopes
                notes += _oauth_urls_of(item, flows)
            elif kind == "openIdConnect":
                item["type"] = "oidc"
                if isinstance(s.get("openIdConnectUrl"), str) and s["openIdConnectUrl"].strip():
                    item["openid_connect_url"] = s["openIdConnectUrl"].strip()
            elif kind == "mutualTLS":
                item["type"] = "mtls"
            else:
                item["type"] = "other"
                notes.append(f"OpenAPI type {kind} {scheme}".strip())
            if notes:
                item["description"] = " ".join(notes)
            self.scheme_types[key] = item["type"]
            out.append(item)
        return out


_FLOW_ORDER = ("authorizationCode", "clientCredentials", "implicit", "password")
# the flow the exporter writes back for each pair of URLs the design keeps
_FLOW_OF_URLS = {(True, True): "authorizationCode", (False, True): "clientCredentials",
                 (True, False): "implicit"}


def _oauth_urls_of(item: dict[str, Any], flows: dict[str, Any]) -> list[str]:
    """Keep the URLs of one OAuth2 flow (the first of authorization code, client credentials,
    implicit, password); return notes on what the design cannot say (other flows, refresh URL)."""
    present = [f for f in _FLOW_ORDER if isinstance(flows.get(f), dict)]
    present += [f for f in flows if f not in present and isinstance(flows[f], dict)]
    if not present:
        return []
    chosen, flow = present[0], flows[present[0]]
    for key, attr in (("authorizationUrl", "authorization_url"), ("tokenUrl", "token_url")):
        if isinstance(flow.get(key), str) and flow[key].strip():
            item[attr] = flow[key].strip()
    notes = []
    kept = _FLOW_OF_URLS.get(("authorization_url" in item, "token_url" in item))
    if len(present) > 1 or (kept and kept != chosen):
        notes.append("OpenAPI flows: " + ", ".join(present) + f"; the design keeps the URLs of {chosen}")
    if isinstance(flow.get("refreshUrl"), str) and flow["refreshUrl"].strip():
        notes.append(f"refresh URL: {flow['refreshUrl'].strip()}")
    return notes


def import_openapi(path: str | Path, *, name: str | None = None) -> dict[str, Any]:
    """Design data from an OpenAPI 3.0/3.1 file (see :func:`import_openapi_result` for gaps)."""
    return import_openapi_result(path, name=name).data


def import_openapi_result(path: str | Path, *, name: str | None = None) -> ImportResult:
    """Design data from an OpenAPI file, with the gaps and notes the writer marks."""
    return _Importer(read_openapi(path), name).run()


# --------------------------------------------------------------------------- writing


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml emits 5x faster
    pass


class _Flow(dict):
    """A small mapping written on one line, like the examples' fields: {name: id, type: uuid}."""


def _str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Flow, lambda dumper, value: dumper.represent_mapping(
    "tag:yaml.org,2002:map", value, flow_style=True))


def _dump(value: Any, indent: int = 0) -> str:
    text = yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def _comment(lines: list[str], indent: int) -> str:
    pad = " " * indent
    out = []
    for line in lines:
        text = " ".join(line.split())
        out.append(f"{pad}# GAP: {text}\n")
    return "".join(out)


def render_design_yaml(result: ImportResult, source: str = "") -> str:
    """A readable design file: sections in step order, each gap marked ``# GAP:`` where it is."""
    data, gaps = result.data, result.gaps
    out = [f"# Imported by designkit from {source or 'an OpenAPI description'}.\n",
           "# What OpenAPI states was carried over; what it cannot state is marked `# GAP:`.\n",
           "# Run `designkit check` on this file to see what to decide next.\n"]
    for note in result.notes:
        out.append(f"# note: {' '.join(note.split())}\n")
    out.append(_dump({k: data[k] for k in ("designkit", "name", "title") if k in data}))
    for section in data:
        if section in ("designkit", "name", "title"):
            continue
        value = data[section]
        out.append("\n")
        if section in GAP_SECTIONS:
            out.append(_comment([GAP_SECTIONS[section]], 0))
        out.append(_comment(gaps.get((section,), []), 0))
        if section in ("data_model", "api") and isinstance(value, dict):
            out.append(f"{section}:\n")
            for key, items in value.items():
                if isinstance(items, list) and items and any(
                        (section, key, i) in gaps for i in range(len(items))):
                    out.append(f"  {key}:\n")
                    for i, item in enumerate(items):
                        out.append(_comment(gaps.get((section, key, i), []), 4))
                        out.append(_dump([item], 4))
                else:
                    out.append(_dump({key: items}, 2))
            if not value:
                out[-1] = f"{section}: {{}}\n"
        else:
            out.append(_dump({section: value}))
    return "".join(out)


def write_design_from_openapi(source: str | Path, output: str | Path, *, name: str | None = None,
                              force: bool = False) -> tuple[Path, int]:
    """Import ``source`` and write the design file; return its path and the number of gaps."""
    from ..core.files import write_text_atomic

    out = Path(output)
    if out.exists() and not force:
        raise UsageError(f"{out} exists; nothing was written. Give another -o, or --force to "
                         "overwrite it")
    result = import_openapi_result(source, name=name)
    text = render_design_yaml(result, Path(source).name)
    # The written file must load; a failure here is a bug in the importer, said plainly.
    try:
        load_design_text(text, str(out))
    except DesignFileError as exc:
        raise ImportSourceError([Problem(str(source), None, p.key_path,
                                             "imported design does not validate: " + p.message,
                                             "report this as a designkit bug with the OpenAPI file")
                                 for p in exc.problems]) from None
    write_text_atomic(out, text)
    return out, result.gap_count
