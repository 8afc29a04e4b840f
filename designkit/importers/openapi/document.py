"""Mapping a whole document to design data, section by section, noting each gap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .operations import OperationMapper
from .refs import References
from .result import GAP_SECTIONS, ImportResult, clean_name, one_line, slug
from .roles import Roles, decide_roles
from .schemas import SchemaMapper, is_alias, unknown_fields_of
from .security import security_schemes
from .source import Source, read_source


def import_openapi_result(path: str | Path, *, name: str | None = None) -> ImportResult:
    """Design data from an OpenAPI file, with the gaps and notes the writer marks."""
    source = read_source(path)
    refs = References(source)
    refs.check()
    return map_document(source, refs, name)


def map_document(source: Source, refs: References, name: str | None = None) -> ImportResult:
    """Design data from a read and checked document (see the package docstring)."""
    doc: dict[str, Any] = source.data
    result = ImportResult({})
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    title = info.get("title") if isinstance(info.get("title"), str) else None
    data: dict[str, Any] = {"designkit": 1, "name": name or slug(title or "imported-api")}
    if title:
        data["title"] = clean_name(title)
    result.data = data
    summary = info.get("description") if isinstance(info.get("description"), str) else None
    data["scope"] = {"summary": summary.strip()} if summary and summary.strip() else {}
    result.gap(("scope",), "OpenAPI says what the API offers, not why: add requirements, "
                           "constraints (latency, throughput, availability), SLAs and the tier.")

    components = (doc.get("components") or {}).get("schemas") or {}
    schemas = SchemaMapper(refs)
    roles = decide_roles(doc, refs, schemas, components)
    schemas.named = set(roles.entities) | set(roles.schemas)
    data["data_model"] = {"entities": _entities(roles, components, schemas, result)}

    ops = OperationMapper(refs, schemas, result)
    api: dict[str, Any] = {}
    servers = doc.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        api["base_url"] = _server_url(servers[0])
        if len(servers) > 1:
            result.notes.append("servers: only the first server URL is kept (" + ", ".join(
                str(s.get("url")) for s in servers[1:] if isinstance(s, dict)) + " dropped)")
    if isinstance(info.get("version"), str):
        result.gap(("api",), f"the API's own version is {info['version']}; decide the versioning "
                             "scheme and the policy for breaking changes (api.versioning).")
    named = _named_schemas(roles, components, schemas)
    if named:
        api["schemas"] = named
    api["endpoints"] = ops.endpoints(doc)
    webhooks = ops.webhooks(doc)
    if webhooks:
        api["webhooks"] = webhooks
    _error_model(api, ops, result)
    data["api"] = _in_design_order(api)

    data["security"] = {"authentication": security_schemes(doc, refs)}
    if not data["security"]["authentication"]:
        result.gap(("security",), "the OpenAPI file defines no security scheme: decide how "
                                  "callers authenticate.")
    result.gap(("security",), "add authorization rules, rate limits and abuse controls, secrets "
                              "handling and least privilege.")
    for key in GAP_SECTIONS:
        data[key] = [] if key == "decisions" else {}
    if refs.extensions:
        result.gap((), "vendor extensions are not imported (" + ", ".join(
            f"{k} x{n}" if n > 1 else k for k, n in sorted(refs.extensions.items()))
            + "): carry over by hand what they say that the design needs")
    return result


def _server_url(server: dict) -> str:
    url = str(server.get("url") or "/")
    variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}
    for var, spec in variables.items():
        if isinstance(spec, dict) and "default" in spec:
            url = url.replace("{" + var + "}", str(spec["default"]))
    return url


def _entities(roles: Roles, components: dict, schemas: SchemaMapper,
              result: ImportResult) -> list[dict[str, Any]]:
    entities = []
    for key, primary_key in roles.entities.items():
        path = ("components", "schemas", key)
        entity: dict[str, Any] = {"name": clean_name(key)}
        description = one_line(schemas.flatten(components[key], path)[0].get("description"))
        if description:
            entity["description"] = description
        entity["primary_key"] = primary_key
        entity["fields"] = schemas.fields_of(components[key], path, keep_defaults=True)
        for f in entity["fields"]:
            if f["name"] in primary_key:
                f.pop("required", None)   # optional in a request (server-made), always stored
        entities.append(entity)
        result.gap(("data_model", "entities", len(entities) - 1),
                   "classification, invariants and lifecycle are not in OpenAPI; primary key "
                   f"taken from the field `{primary_key[0]}`")
    if not entities:
        result.gap(("data_model",), "no schema looks like a stored resource (an id field, read "
                                    "by a GET and written by a POST, PUT or PATCH): add the "
                                    "entities the service keeps.")
    aliases = [k for k, s in components.items() if is_alias(s)]
    kept = set(roles.entities) | set(roles.schemas) | set(aliases)
    skipped = [k for k in components if k not in kept and not str(k).startswith("x-")]
    if skipped:
        result.notes.append("component schemas that are not objects stay inline: "
                            + _some(skipped))
    if aliases:
        result.notes.append("component schemas that only point at another ($ref) are named by "
                            "what they point at: " + _some(aliases))
    return entities


def _some(names: list, shown: int = 20) -> str:
    text = ", ".join(map(str, names[:shown]))
    return text + (f" and {len(names) - shown:,} more" if len(names) > shown else "")


def _named_schemas(roles: Roles, components: dict, schemas: SchemaMapper) -> list[dict[str, Any]]:
    out = []
    for key in roles.schemas:
        path = ("components", "schemas", key)
        flat, _ = schemas.flatten(components[key], path)
        item: dict[str, Any] = {"name": clean_name(key)}
        description = one_line(flat.get("description"))
        if description:
            item["description"] = description
        item["fields"] = schemas.fields_of(components[key], path)
        policy = unknown_fields_of(flat)
        if policy:
            item["unknown_fields"] = policy
        out.append(item)
    return out


def _error_model(api: dict[str, Any], ops: OperationMapper, result: ImportResult) -> None:
    model = ops.errors.model()
    if model is None:
        result.gap(("api",), "OpenAPI lists no error responses: name the error codes and their "
                             "shape in api.error_model, and list each endpoint's errors.")
        return
    api["error_model"] = model
    if "fields" not in model:
        result.gap(("api",), "the error responses have no object schema: state the error "
                             "shape (api.error_model.format and fields).")
    if ops.errors.mixed_payloads:
        result.gap(("api",), "error responses also come as " + ", ".join(
            ops.errors.mixed_payloads) + ": decide on one error shape.")


_API_ORDER = ("base_url", "versioning", "error_model", "schemas", "endpoints", "channels", "webhooks")


def _in_design_order(api: dict[str, Any]) -> dict[str, Any]:
    return {k: api[k] for k in _API_ORDER if k in api}
