"""OpenAPI 3.1 from the API surface, the data model and the security section.

What the design states goes in as OpenAPI; what OpenAPI has no field for (rate limits,
idempotency, data classification) goes in as ``x-`` extensions beside the standard headers,
so nothing the design decided is lost. A draft still exports a valid document: a schema it
cannot find becomes a described object, a path variable it does not declare becomes a string.
Nothing is invented: an OIDC or OAuth2 scheme whose URLs the design does not state exports as
what OpenAPI can say without them (an HTTP bearer scheme) with ``x-designkit-gap`` naming the
missing key, never a made-up URL.
"""

from __future__ import annotations

import re
from typing import Any

from ...core.model import (
    AuthScheme,
    Body,
    Design,
    Endpoint,
    Response,
    Webhook,
)
from . import DocumentExporter
from .schemas import field_schema, info_object, object_schema, schema_key

OPENAPI_VERSION = "3.1.0"
PROBLEM_SCHEMA = "Problem"

_STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved",
                302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized",
                403: "Forbidden", 404: "Not Found", 409: "Conflict", 413: "Payload Too Large",
                422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Error",
                503: "Service Unavailable"}

_RATE_HEADERS = {
    "RateLimit-Limit": "Requests allowed in the current window.",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the window resets.",
}


class _Builder:
    def __init__(self, design: Design):
        self.design = design
        self.schemas: dict[str, Any] = {}
        self.responses: dict[str, Any] = {}
        self.headers: dict[str, Any] = {}
        self.schemes: dict[str, AuthScheme] = {s.name: s for s in design.security.authentication}
        self.codes = {c.code: c for c in (design.api.error_model.codes
                                          if design.api.error_model else [])}
        self.operation_ids: set[str] = set()
        # component schema keys, known before they are built, so array items can $ref them
        self.known: set[str] = {schema_key(x.name) for x in (*design.data_model.entities,
                                                              *design.api.schemas)}
        if design.api.error_model is not None:
            self.known.add(PROBLEM_SCHEMA)

    # ------------------------------------------------------------------ document

    def build(self) -> dict[str, Any]:
        d = self.design
        doc: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": info_object(d)}
        if d.api.base_url:
            doc["servers"] = [{"url": d.api.base_url}]
        self._component_schemas()
        self._error_responses()
        tags = sorted({t for e in d.api.endpoints for t in e.tags})
        if tags:
            doc["tags"] = [{"name": t} for t in tags]
        paths: dict[str, Any] = {}
        for endpoint in d.api.endpoints:
            item = paths.setdefault(endpoint.path, {})
            method = endpoint.method.lower()
            if method not in item:      # a duplicate method+path is a design problem the checks report
                item[method] = self._operation(endpoint)
        doc["paths"] = paths
        names: set[str] = set()
        webhooks = {self._unique(w.name, names): self._webhook(w) for w in d.api.webhooks}
        if webhooks:
            doc["webhooks"] = webhooks
        components: dict[str, Any] = {}
        for key, value in (("schemas", self.schemas), ("responses", self.responses),
                           ("headers", self.headers),
                           ("securitySchemes", {schema_key(n): self._security_scheme(s)
                                                for n, s in self.schemes.items()})):
            if value:
                components[key] = value
        if components:
            doc["components"] = components
        if d.api.channels:
            doc["x-channels"] = [c.model_dump(mode="json", by_alias=True, exclude_none=True,
                                              exclude_defaults=True) | {"name": c.name}
                                 for c in d.api.channels]
        return doc

    # ------------------------------------------------------------------ schemas

    def _component_schemas(self) -> None:
        for entity in self.design.data_model.entities:
            schema = object_schema(entity.fields, description=entity.description, known=self.known)
            schema["x-classification"] = entity.classification
            if entity.invariants:
                schema["x-invariants"] = list(entity.invariants)
            self.schemas.setdefault(schema_key(entity.name), schema)
        for named in self.design.api.schemas:
            # an api schema is what the wire carries; it wins over an entity of the same name
            self.schemas[schema_key(named.name)] = object_schema(
                named.fields, description=named.description, unknown_fields=named.unknown_fields,
                known=self.known)
        em = self.design.api.error_model
        if em is not None:
            props: dict[str, Any] = {}
            for name in em.fields or ["code", "message"]:
                props[name] = {"type": "integer"} if name == "status" else {"type": "string"}
            if "code" in props and em.codes:
                props["code"]["enum"] = [c.code for c in em.codes]
            schema = {"type": "object", "description": em.format or "The error shape.",
                      "properties": props}
            if "code" in props:
                schema["required"] = ["code"]
            self.schemas.setdefault(PROBLEM_SCHEMA, schema)

    def _ref_or_schema(self, name: str | None, fields: list, unknown: str | None = None,
                       ) -> dict[str, Any] | None:
        if name:
            many = name.endswith("[]")
            base = name[:-2].strip() if many else name
            key = schema_key(base)
            if key in self.schemas:
                one: dict[str, Any] = {"$ref": f"#/components/schemas/{key}"}
            else:
                one = {"type": "object", "description": f"schema {base!r} is not defined in the design"}
            return {"type": "array", "items": one} if many else one
        if fields:
            return object_schema(fields, unknown_fields=unknown, known=self.known)
        return None

    # ------------------------------------------------------------------ errors

    def _error_content(self) -> dict[str, Any]:
        em = self.design.api.error_model
        media = "application/problem+json" if em and em.format and "problem" in em.format \
            else "application/json"
        return {media: {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}}}

    def _error_responses(self) -> None:
        for code in self.codes.values():
            response: dict[str, Any] = {"description": code.message,
                                        "content": self._error_content(), "x-error-code": code.code}
            if code.status == 429:
                response["headers"] = {"Retry-After": self._header(
                    "Retry-After", "Seconds to wait before retrying.", "integer")}
            self.responses[schema_key(code.code)] = response

    # ------------------------------------------------------------------ operations

    def _unique(self, base: str, used: set[str]) -> str:
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        return name

    def _operation(self, e: Endpoint) -> dict[str, Any]:
        base = e.id or (e.method.lower() + "".join(
            p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", e.path) if p))
        op: dict[str, Any] = {"operationId": self._unique(base, self.operation_ids)}
        if e.summary:
            op["summary"] = e.summary
        if e.tags:
            op["tags"] = list(e.tags)
        if e.authorization and str(e.authorization):
            op["description"] = f"Authorization: {e.authorization}"
        params = self._parameters(e)
        if params:
            op["parameters"] = params
        if e.request is not None:
            body = self._request_body(e.request)
            if body:
                op["requestBody"] = body
        op["responses"] = self._responses(e)
        security = self._operation_security(e)
        if security is not None:
            op["security"] = security
        if e.deprecated:
            op["deprecated"] = True
        if e.rate_limit:
            op["x-rate-limit"] = e.rate_limit.model_dump(exclude_none=True)
        if e.idempotency:
            op["x-idempotency"] = e.idempotency.model_dump(exclude_none=True)
        if e.capability_urls:
            op["x-capability-urls"] = [u.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
                                       | {"method": u.method} for u in e.capability_urls]
        hooks = [h for h in self.design.api.inbound_webhooks if h.endpoint in (e.id, e.route)]
        if hooks:
            op["x-inbound-webhooks"] = [h.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
                                        | {"name": h.name} for h in hooks]
        if e.public_justification:
            op["x-public-justification"] = e.public_justification
        if e.errors:
            op["x-error-codes"] = list(e.errors)
        return op

    def _parameters(self, e: Endpoint) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for p in e.parameters:
            key = (p.name.lower() if p.location == "header" else p.name, p.location)
            if key in seen:
                continue
            seen.add(key)
            param: dict[str, Any] = {"name": p.name, "in": p.location}
            if p.description:
                param["description"] = p.description
            if p.required or p.location == "path":
                param["required"] = True
            schema = field_schema(p, self.known)
            schema.pop("description", None)
            param["schema"] = schema
            out.append(param)
        # every {variable} in the path must be declared; a draft may not have done it yet
        for var in re.findall(r"{([^}/]+)}", e.path):
            if (var, "path") not in seen:
                seen.add((var, "path"))
                out.append({"name": var, "in": "path", "required": True,
                            "schema": {"type": "string"},
                            "description": "Not declared in the design yet."})
        if e.idempotency and e.idempotency.strategy == "idempotency-key" \
                and ("idempotency-key", "header") not in seen:
            out.append({"name": "Idempotency-Key", "in": "header", "required": False,
                        "description": e.idempotency.key or "A client-chosen key that makes a retry safe.",
                        "schema": {"type": "string", "maxLength": 255}})
        return out

    def _request_body(self, body: Body) -> dict[str, Any] | None:
        schema = self._ref_or_schema(body.schema_, body.fields, body.unknown_fields)
        if schema is None:
            return None
        if body.max_bytes:
            schema = {**schema, "x-max-bytes": body.max_bytes} if "$ref" not in schema \
                else {"allOf": [schema], "x-max-bytes": body.max_bytes}
        return {"required": True, "content": {body.content_type: {"schema": schema}}}

    def _responses(self, e: Endpoint) -> dict[str, Any]:
        responses: dict[str, Any] = {}
        for r in e.responses:
            responses[str(r.status)] = self._response(r, e)
        by_status: dict[int, list[str]] = {}
        for code in e.errors:
            if code in self.codes:
                by_status.setdefault(self.codes[code].status, []).append(code)
        for status, codes in sorted(by_status.items()):
            if str(status) in responses:
                continue
            if len(codes) == 1:
                responses[str(status)] = {"$ref": f"#/components/responses/{schema_key(codes[0])}"}
            else:
                responses[str(status)] = {
                    "description": "; ".join(f"{c}: {self.codes[c].message}" for c in codes),
                    "content": self._error_content()}
        if e.rate_limit and "429" not in responses:
            responses["429"] = {"description": "Too many requests."}
        if e.rate_limit:
            retry = self._header("Retry-After", "Seconds to wait before retrying.", "integer")
            responses["429"] = self._with_headers(responses["429"], {"Retry-After": retry})
        if not responses:
            responses["default"] = {"description": "Responses are not designed yet."}
        return responses

    def _response(self, r: Response, e: Endpoint) -> dict[str, Any]:
        out: dict[str, Any] = {"description": r.description or _STATUS_TEXT.get(r.status, "Response")}
        schema = self._ref_or_schema(r.schema_, r.fields)
        if schema is not None and r.status != 204:
            out["content"] = {r.content_type: {"schema": schema}}
        if e.rate_limit and 200 <= r.status < 300:
            out["headers"] = {name: self._header(name, text, "integer")
                              for name, text in _RATE_HEADERS.items()}
        return out

    def _header(self, name: str, description: str, type_: str) -> dict[str, Any]:
        self.headers.setdefault(name, {"description": description, "schema": {"type": type_}})
        return {"$ref": f"#/components/headers/{name}"}

    @staticmethod
    def _with_headers(response: dict[str, Any], headers: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in response:   # a shared response is left as is; the header is documented there
            return response
        return {**response, "headers": {**response.get("headers", {}), **headers}}

    # ------------------------------------------------------------------ security

    def _operation_security(self, e: Endpoint) -> list[dict[str, list[str]]] | None:
        if e.auth is None:
            return None             # undecided: the checks report it; OpenAPI says nothing
        if e.auth == "public":
            return []
        scheme = self.schemes.get(e.auth)
        scopes: list[str] = []
        if scheme is not None and scheme.type in ("oauth2", "oidc") and e.authorization:
            scopes = list(e.authorization.scopes)
        if scheme is None:
            # a scheme the security section does not define yet: declare it so the reference holds
            self.schemes[e.auth] = AuthScheme(name=e.auth, type="other",
                                              description="Not defined in security.authentication yet.")
        return [{schema_key(e.auth): scopes}]

    def _security_scheme(self, s: AuthScheme) -> dict[str, Any]:
        note = s.description or ""
        header = s.header if s.header and re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", s.header) \
            else None
        if s.type == "jwt":
            out: dict[str, Any] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        elif s.type == "basic":
            out = {"type": "http", "scheme": "basic"}
        elif s.type == "oidc" and s.openid_connect_url:
            out = {"type": "openIdConnect", "openIdConnectUrl": s.openid_connect_url}
        elif s.type == "oauth2" and (s.token_url or s.authorization_url):
            out = {"type": "oauth2", "flows": self._oauth_flows(s)}
        elif s.type in ("oidc", "oauth2"):
            # OpenAPI requires the URL these types name; without it, say what the client sends
            # (a bearer token) and name the gap rather than invent an identity provider.
            missing = "openid_connect_url" if s.type == "oidc" else "token_url"
            out = {"type": "http", "scheme": "bearer",
                   "x-designkit-gap": f"{missing} is not in the design; set it in security.authentication"}
            note = (note + " " if note else "") + f"({s.type}; its {missing} is not in the design yet)"
        elif s.type == "mtls":
            out = {"type": "mutualTLS"}
        elif s.type == "session":
            out = {"type": "apiKey", "in": "cookie", "name": header or "session"}
        else:   # api-key, hmac-signature, other: a credential in a header
            out = {"type": "apiKey", "in": "header", "name": header or (
                "X-API-Key" if s.type == "api-key" else "Authorization")}
            if s.header and not header:
                note = (note + " " if note else "") + f"(header: {s.header})"
        if note:
            out["description"] = note
        out["x-designkit-type"] = s.type
        return out

    @staticmethod
    def _oauth_flows(s: AuthScheme) -> dict[str, Any]:
        """The OAuth2 flow the design's URLs imply: both URLs, the authorization code flow; a
        token URL alone, client credentials; an authorization URL alone, implicit."""
        scopes = {sc: sc for sc in s.scopes}
        if s.authorization_url and s.token_url:
            return {"authorizationCode": {"authorizationUrl": s.authorization_url,
                                          "tokenUrl": s.token_url, "scopes": scopes}}
        if s.authorization_url:
            return {"implicit": {"authorizationUrl": s.authorization_url, "scopes": scopes}}
        return {"clientCredentials": {"tokenUrl": s.token_url, "scopes": scopes}}

    # ------------------------------------------------------------------ webhooks

    def _webhook(self, w: Webhook) -> dict[str, Any]:
        op: dict[str, Any] = {"operationId": self._unique("webhook_" + schema_key(w.name),
                                                          self.operation_ids),
                              "summary": f"Sent on {w.event}"}
        schema = self._ref_or_schema(w.payload, w.fields)
        if schema is not None:
            op["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": schema}}}
        notes = [f"Signing: {w.signing}" if w.signing else "",
                 f"Delivery: {w.delivery}" if w.delivery else ""]
        if any(notes):
            op["description"] = "\n\n".join(n for n in notes if n)
        op["responses"] = {"2XX": {"description": "The receiver accepted the event."}}
        return {"post": op}


def component_schemas(design: Design) -> dict[str, Any]:
    """The ``components.schemas`` of the export (entities, api schemas, the error shape): the
    AsyncAPI export uses the same ones, so a message payload and a response body agree."""
    builder = _Builder(design)
    builder._component_schemas()
    return builder.schemas


def build_openapi(design: Design) -> dict[str, Any]:
    """The OpenAPI 3.1 document for a design, as plain data."""
    return _Builder(design).build()


def render_openapi(design: Design, *, format: str = "yaml") -> str:
    """The OpenAPI 3.1 document as YAML (default) or JSON text."""
    return OpenApiExporter().text(design, format=format)


class OpenApiExporter(DocumentExporter):
    kind = "openapi"
    name = f"OpenAPI {OPENAPI_VERSION}"
    description = "OpenAPI 3.1 (YAML; JSON when the output file ends in .json)"

    def build(self, design: Design) -> dict[str, Any]:
        return build_openapi(design)
