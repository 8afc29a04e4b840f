"""Mapping operations: endpoints with parameters, bodies, responses, errors and security;
callbacks and webhooks as the design's outbound webhooks."""

from __future__ import annotations

import re
from typing import Any

from ...core.loader import KeyPath
from ...core.yamlout import FlowMap
from .errors import ErrorCodes
from .refs import References
from .result import ImportResult, clean_name, one_line
from .schemas import SchemaMapper
from .walk import METHODS, Operation, is_success, media, operations, responses

_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_PARAMETER_IN = ("path", "query", "header", "cookie")


class OperationMapper:
    """Turns the operations, callbacks and webhooks of one document into design data."""

    def __init__(self, refs: References, mapper: SchemaMapper, result: ImportResult):
        self.refs, self.schemas, self.result = refs, mapper, result
        self.errors = ErrorCodes(mapper)
        self._callbacks: list[dict[str, Any]] = []   # met while reading paths, listed as webhooks

    # ------------------------------------------------------------------ endpoints

    def endpoints(self, doc: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        root_security = doc.get("security")
        for o in operations(doc, self.refs):
            out.append(self.endpoint(o, root_security, ("api", "endpoints", len(out))))
        for raw_path, item in (doc.get("paths") or {}).items():
            if isinstance(item, dict) and "trace" in item:
                self.result.notes.append(f"TRACE {raw_path}: not imported (designs have no TRACE)")
        return out

    def endpoint(self, o: Operation, root_security: Any, where: KeyPath) -> dict[str, Any]:
        op = o.op
        e: dict[str, Any] = {}
        if isinstance(op.get("operationId"), str) and op["operationId"].strip():
            e["id"] = clean_name(op["operationId"])
        e["method"] = o.method.upper()
        e["path"] = o.path
        summary = one_line(op.get("summary")) or one_line(op.get("description"))
        if summary:
            first = re.split(r"(?<=[.!?])\s", summary, maxsplit=1)[0]
            e["summary"] = first if len(first) <= 200 else first[:197] + "..."
        if isinstance(op.get("tags"), list):
            tags = [clean_name(t) for t in op["tags"] if isinstance(t, str) and t.strip()]
            if tags:
                e["tags"] = tags
        self._security(e, op.get("security", root_security), where, o.at)
        params = self.parameters(o.shared, o.shared_at, op.get("parameters") or [],
                                 o.at + ("parameters",))
        if params:
            e["parameters"] = params
        body = self.body(op, o.at)
        if body:
            e["request"] = body
        success, errors = self.responses(op, o.at, where)
        if success:
            e["responses"] = success
        if errors:
            e["errors"] = errors
        if op.get("deprecated") is True:
            e["deprecated"] = True
        if e["method"] in _WRITE_METHODS:
            self.result.gap(where, "a write: decide its idempotency (idempotency-key, natural key, "
                                   "transactional) and the entities it writes")
        self._collect_callbacks(op, o.at, e)
        return e

    def parameters(self, shared: Any, shared_path: KeyPath, own: Any, own_path: KeyPath,
                   ) -> list[dict[str, Any]]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for params, base in ((shared, shared_path), (own, own_path)):
            if not isinstance(params, list):
                raise self.refs.src.fail(base, "parameters must be a list")
            for i, raw in enumerate(params):
                p, ppath = self.refs.deref(raw, base + (i,))
                if not isinstance(p, dict) or not isinstance(p.get("name"), str) \
                        or p.get("in") not in _PARAMETER_IN:
                    raise self.refs.src.fail(base + (i,), "a parameter needs a `name` and `in` "
                                             "(path, query, header or cookie)",
                                             fix="add e.g. `name: limit` and `in: query`")
                schema = p.get("schema")
                if schema is None:
                    found = media(p.get("content"))
                    schema = found[1].get("schema") if found else None
                field = self.schemas.field_of(p["name"], schema or {}, ppath + ("schema",),
                                              bool(p.get("required")))
                param: dict[str, Any] = FlowMap(name=field.pop("name"), **{"in": p["in"]})
                param["type"] = field.pop("type")
                if p.get("required") or p["in"] == "path":
                    param["required"] = True
                field.pop("required", None)
                field.pop("default", None)
                description = one_line(p.get("description"))
                if description:
                    field["description"] = description
                param.update(field)
                merged[(p["name"], p["in"])] = param
        return list(merged.values())

    def body(self, op: dict[str, Any], op_path: KeyPath) -> dict[str, Any] | None:
        raw = op.get("requestBody")
        if raw is None:
            return None
        body, bpath = self.refs.deref(raw, op_path + ("requestBody",))
        found = media(body.get("content") if isinstance(body, dict) else None)
        if found is None:
            return None
        kind, spec = found
        return {"content_type": kind,
                **self.schemas.body(spec.get("schema"), bpath + ("content", kind, "schema"))}

    def responses(self, op: dict[str, Any], op_path: KeyPath, where: KeyPath,
                  ) -> tuple[list[dict[str, Any]], list[str]]:
        """The success responses, and the error codes of the error responses."""
        success: list[dict[str, Any]] = []
        errors: list[str] = []
        for code, written, resp, rpath in responses(op, op_path, self.refs):
            if not is_success(code):
                named = self.errors.code_for(written, code, resp, rpath)
                if named is None:
                    self.result.gap(where, f"response {code!r} (a range) is not imported: list "
                                           "the statuses it stands for")
                    continue
                name, gap = named
                if name not in errors:
                    errors.append(name)
                if gap:
                    self.result.gap(where, gap)
                continue
            item: dict[str, Any] = FlowMap(status=int(code))
            description = one_line(resp.get("description"))
            if description:
                item["description"] = description
            found = media(resp.get("content"))
            if found:
                kind, spec = found
                shape = self.schemas.body(spec.get("schema"), rpath + ("content", kind, "schema"))
                shape.pop("unknown_fields", None)       # a response has no such policy
                if "fields" in shape:
                    item = dict(item)                   # nested: block style reads better
                item.update(shape)
                if kind != "application/json":
                    item["content_type"] = kind
            success.append(item)
        return success, errors

    def _security(self, e: dict, security: Any, where: KeyPath, op_path: KeyPath) -> None:
        if security is None or security == [] or security == [{}]:
            e["auth"] = "public"
            self.result.gap(where, "OpenAPI states no security here: justify it being public "
                                   "(public_justification) or name the auth scheme")
            return
        if not isinstance(security, list) or not all(isinstance(s, dict) for s in security):
            raise self.refs.src.fail(op_path + ("security",), "security must be a list of mappings")
        alternatives = [s for s in security if s]
        scheme, scopes = next(iter(alternatives[0].items()))
        e["auth"] = clean_name(scheme)
        if scopes:
            e["authorization"] = "scopes: " + " ".join(str(s) for s in scopes)
        if len(alternatives[0]) > 1 or len(alternatives) > 1 or len(alternatives) < len(security):
            self.result.gap(where, "OpenAPI allowed " + " or ".join(
                " + ".join(s) or "no auth" for s in security)
                + f"; the design keeps {scheme}: say which callers use the others")
        if not e.get("authorization"):
            self.result.gap(where, "add the authorization rule (who may call it)")

    # ------------------------------------------------------------------ webhooks

    def _collect_callbacks(self, op: dict, op_path: KeyPath, e: dict) -> None:
        callbacks = op.get("callbacks")
        if not isinstance(callbacks, dict):
            return
        for cb_name, cb in callbacks.items():
            if str(cb_name).startswith("x-"):
                continue
            cb, cb_path = self.refs.deref(cb, op_path + ("callbacks", cb_name))
            if not isinstance(cb, dict):
                continue
            for expression, item in cb.items():
                if str(expression).startswith("x-"):
                    continue
                item, ipath = self.refs.deref(item, cb_path + (expression,))
                if not isinstance(item, dict):
                    continue
                for method in METHODS:
                    if isinstance(item.get(method), dict):
                        caller = e.get("id") or e["method"] + " " + e["path"]
                        self._callbacks.append(self.webhook(
                            str(cb_name), item[method], ipath + (method,),
                            event=f"{cb_name} (callback of {caller})",
                            delivery=f"{method.upper()} to {expression}"))

    def webhook(self, name: str, op: dict, op_path: KeyPath, *, event: str,
                delivery: str | None = None) -> dict[str, Any]:
        w: dict[str, Any] = {"name": clean_name(name), "event": clean_name(event)}
        body = self.body(op, op_path) or {}
        if body.get("schema"):
            w["payload"] = body["schema"]
        elif body.get("fields"):
            w["fields"] = body["fields"]
        if delivery:
            w["delivery"] = delivery
        return w

    def webhooks(self, doc: dict[str, Any]) -> list[dict[str, Any]]:
        """Callbacks met while mapping endpoints, then the document's own webhooks."""
        out = list(self._callbacks)
        for name, item in (doc.get("webhooks") or {}).items():
            item, ipath = self.refs.deref(item, ("webhooks", name))
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
