"""API surface rules: authorization, contracts, bounds, error shape, versioning."""

from __future__ import annotations

import re
from collections import Counter

from . import seeds
from .base import (
    Hit,
    endpoint_label,
    field_is_bounded,
    is_placeholder,
    names_list,
    rule,
    strip_list,
)
from .surfaces import (
    MONEY,
    OPERATIONAL,
    endpoint_words,
    find_endpoint,
    is_probe,
    states_access,
    surfaces_with_callers,
)


@rule("API001", "api.authz-or-public", "error", step="security", seed=seeds.V_AUTHZ,
      checklist="security-observability", validates="authz-or-public", risk="high")
def authz_or_public(ctx):
    """Every endpoint and every channel with callers has an authorization rule, or is public with a written justification.

    Why: An endpoint without a stated authorization rule is open to every authenticated caller
    (or to everyone); "public" must be a decision someone wrote down, not a default. A channel
    the service only publishes to a broker has no callers: the broker's grants decide who reads it.
    Fix: Add `authorization: {roles: [NAME]}` (roles from security.authorization.roles) and/or a
    `condition` in words; or set `auth` to `public` with a `public_justification` that says why
    that is safe.
    Plan: In the security step, decide per endpoint and channel who may call it; justify each public one.
    Bad:
        - {method: GET, path: /v1/orders, auth: user-jwt}
        - {method: GET, path: /healthz, auth: public, public_justification: TBD}
    Good:
        - {method: GET, path: /v1/orders, auth: user-jwt, authorization: {roles: [customer], condition: "the caller's own orders only"}}
        - {method: GET, path: /healthz, auth: public, public_justification: Answers ok only; no data, no side effects.}
    """
    for kp, label, s in surfaces_with_callers(ctx):
        if s.auth == "public":
            if is_placeholder(s.public_justification):
                said = "no" if not (s.public_justification or "").strip() else "a placeholder"
                yield Hit(kp + ("public_justification",),
                          f"{label} is public with {said} justification",
                          fix="write in `public_justification` why it is safe to call without credentials "
                              "(what it returns, what it cannot change)")
        elif not states_access(s.authorization):
            yield Hit(kp + ("authorization",), f"{label} has no authorization rule")


@rule("API002", "api.request-schema", "error", step="api", seed=seeds.V_INPUTS,
      checklist="api-contracts", validates="inputs-outputs", risk="high", tiers={"C": "warning"})
def request_schema(ctx):
    """Every request body and incoming channel message has a schema.

    Why: Input without a schema cannot be validated; anything the client sends reaches the domain code.
    Fix: Give the body `schema: NAME` (an entity or api.schemas entry) or inline `fields:`.
    Plan: In the API step, write the schema of each request body and message.
    Bad:
        request: {content_type: application/json}
    Good:
        request: {schema: CreateOrder, max_bytes: 65536, unknown_fields: reject}
    """
    for kp, ep in ctx.endpoints():
        if ep.request is not None and not ep.request.schema_ and not ep.request.fields:
            yield Hit(kp + ("request",), f"{endpoint_label(ep)} takes a body without a schema")
    for kp, ch in ctx.channels():
        if not ch.message and not ch.fields:
            yield Hit(kp + ("message",), f"channel {ch.name} has no message schema",
                      fix="add `message: NAME` or inline `fields:` to the channel")


_SIZE_TYPES = ("json", "binary")


@rule("API003", "api.input-bounds", "error", step="api", seed=seeds.V_INPUTS,
      checklist="api-contracts", validates="inputs-outputs", risk="medium", tiers={"C": "warning"})
def input_bounds(ctx):
    """Every input has bounds: lengths on strings, ranges on numbers, counts on arrays, a size limit on bodies.

    Why: Unbounded inputs are the cheapest denial of service and the usual source of overflow,
    truncation and storage surprises.
    Fix: Add `max_length` (or `enum`/`pattern`) to strings, `minimum` and `maximum` to numbers,
    `max_items` to arrays (and the item bounds to arrays of strings or numbers), and `max_bytes`
    to each request body.
    Plan: In the API step, set a bound on every parameter and body field, and a body size limit.
    Bad:
        parameters: [{name: limit, in: query, type: integer}, {name: tags, in: query, type: array, items: string}]
    Good:
        parameters: [{name: limit, in: query, type: integer, minimum: 1, maximum: 100}, {name: tags, in: query, type: array, items: string, max_length: 40, max_items: 10}]
    """
    seen_schemas: set[str] = set()
    for kp, ep in ctx.endpoints():
        label = endpoint_label(ep)
        for j, p in enumerate(ep.parameters):
            why = field_is_bounded(p)
            if why:
                yield Hit(kp + ("parameters", j), f"{label} parameter {p.name!r} is unbounded ({why})")
        body = ep.request
        if body is None:
            continue
        if body.max_bytes is None:
            yield Hit(kp + ("request", "max_bytes"), f"{label} accepts a body of any size",
                      fix="add `max_bytes:` to the request (the largest body accepted)")
        for j, f in enumerate(body.fields):
            why = field_is_bounded(f)
            if why:
                yield Hit(kp + ("request", "fields", j), f"{label} body field {f.name!r} is unbounded ({why})")
        yield from _named_schema_bounds(ctx, body.schema_, seen_schemas)
    for kp, ch in ctx.channels():
        if ch.direction == "publish":
            continue
        for j, f in enumerate(ch.fields):
            why = field_is_bounded(f)
            if why:
                yield Hit(kp + ("fields", j), f"channel {ch.name} message field {f.name!r} is unbounded ({why})")
        yield from _named_schema_bounds(ctx, ch.message, seen_schemas)


def _named_schema_bounds(ctx, ref, seen):
    """Bounds of a named input schema, reported once at its definition (where the fix goes)."""
    if not ref:
        return
    name = strip_list(ref)
    if name in seen:
        return
    seen.add(name)
    if name in ctx.schemas:
        i = list(ctx.schemas).index(name)
        base = ("api", "schemas", i)
    elif name in ctx.entities:
        i = list(ctx.entities).index(name)
        base = ("data_model", "entities", i)
    else:
        return
    for j, f in enumerate((ctx.schemas.get(name) or ctx.entities.get(name)).fields):
        why = field_is_bounded(f)
        if why:
            yield Hit(base + ("fields", j), f"input schema {name} field {f.name!r} is unbounded ({why})")


@rule("API004", "api.unknown-fields-policy", "warning", step="api", seed=seeds.V_INPUTS,
      checklist="api-contracts", validates="inputs-outputs", tiers={"A": "error"})
def unknown_fields_policy(ctx):
    """Every request body says whether fields its schema does not name are rejected or allowed.

    Why: Silently accepted unknown fields hide client bugs and enable mass assignment; rejecting
    or allowing them must be a decision.
    Fix: Add `unknown_fields: reject` (or `allow`, when passing a third party's payload through) to
    the request or to its named schema.
    Plan: In the API step, decide the unknown-field policy per request body.
    Bad:
        request: {schema: CreateOrder, max_bytes: 65536}
    Good:
        request: {schema: CreateOrder, max_bytes: 65536, unknown_fields: reject}
    """
    for kp, ep in ctx.endpoints():
        body = ep.request
        if body is None or body.unknown_fields:
            continue
        named = ctx.schemas.get(strip_list(body.schema_)) if body.schema_ else None
        if named is not None and named.unknown_fields:
            continue
        yield Hit(kp + ("request", "unknown_fields"),
                  f"{endpoint_label(ep)} does not say what happens to unknown body fields")
    for kp, ch in ctx.channels():
        named = ctx.schemas.get(strip_list(ch.message)) if ch.message else None
        if ch.direction != "publish" and named is not None and not named.unknown_fields:
            yield Hit(kp + ("message",),
                      f"channel {ch.name} message schema {named.name} does not say what happens to unknown fields",
                      fix=f"add `unknown_fields: reject` (or allow) to api.schemas {named.name}")


@rule("API005", "api.response-schema", "error", step="api", seed=seeds.V_INPUTS,
      checklist="api-contracts", validates="inputs-outputs", tiers={"C": "warning"})
def response_schema(ctx):
    """Every endpoint declares its success response, and that response's schema or that it has no body.

    Why: Clients, generated SDKs and contract tests need the exact success shape; "returns the
    order" is not a contract, and neither is a 202 that may or may not carry something.
    Fix: Add `responses: [{status: 200, schema: NAME}]`, or `body: none` on a success response that
    deliberately carries nothing (204 and 205 never do).
    Plan: In the API step, write the success response of each endpoint with a named or inline schema.
    Bad:
        responses: [{status: 202}]
    Good:
        responses: [{status: 202, body: none}]
    """
    for kp, ep in ctx.endpoints():
        label = endpoint_label(ep)
        ok = [(j, r) for j, r in enumerate(ep.responses) if 200 <= r.status < 300]
        if not ok:
            yield Hit(kp + ("responses",), f"{label} declares no success (2xx) response",
                      fix="add its success response, e.g. `responses: [{status: 200, schema: NAME}]` "
                          "(a success that deliberately carries nothing says body none)")
            continue
        for j, r in ok:
            if r.status not in (204, 205) and ep.method != "HEAD" and r.body != "none" \
                    and not r.schema_ and not r.fields:
                yield Hit(kp + ("responses", j), f"{label} response {r.status} has no schema",
                          fix="add `schema: NAME` or inline `fields:`, or `body: none` when it deliberately carries nothing")


@rule("API006", "api.error-model", "error", step="api", seed=seeds.ERROR_MODEL,
      checklist="api-contracts", risk="medium", tiers={"C": "warning"})
def error_model(ctx):
    """The design has one error model: a format, its fields, and stable codes with messages.

    Why: One error shape lets clients handle failures uniformly; ad-hoc error bodies per endpoint
    leak internals and break clients.
    Fix: Add `api.error_model` with `format` (e.g. RFC 9457 problem+json), `fields`, and `codes`
    (code, status, message).
    Plan: In the API step, define the error shape once and list every error code clients can get.
    Bad:
        api: {endpoints: [...]}
    Good:
        error_model: {format: application/problem+json, fields: [type, title, status, code], codes: [{code: not_found, status: 404, message: No such order.}]}
    """
    if not ctx.has_surface:
        return
    em = ctx.design.api.error_model
    if em is None:
        yield Hit(("api", "error_model"), "the API has no error model")
        return
    if not em.codes:
        yield Hit(("api", "error_model", "codes"), "the error model lists no error codes")
    if is_placeholder(em.format) and not em.fields:
        yield Hit(("api", "error_model", "format"), "the error model states neither a format nor its fields")
    dup = [c for c, n in Counter(c.code for c in em.codes).items() if n > 1]
    for code in dup:
        yield Hit(("api", "error_model", "codes"), f"error code {code!r} is defined more than once")


@rule("API007", "api.errors-from-model", "error", step="api", seed=seeds.API_DESIGN,
      checklist="api-contracts", validates="inputs-outputs", tiers={"C": "warning"})
def errors_from_model(ctx):
    """Every endpoint declares the errors it returns (error codes, or 4xx/5xx responses), each code from the error model.

    Why: Errors are part of the contract; an endpoint whose failures are undeclared, or declared
    with codes the error model does not have, gives clients nothing to handle. A liveness or
    readiness probe (a GET on /healthz, /readyz ... with no inputs) is exempt: it fails by not
    answering 200, and its callers are the platform's probes, not clients.
    Fix: Add `errors: [code, ...]` using codes from `api.error_model.codes` (or list its 4xx/5xx
    `responses`), or add the missing codes to the error model.
    Plan: In the API step, list the error codes each endpoint can return, from the shared error model.
    Bad:
        errors: [oops]
    Good:
        errors: [validation_failed, not_found, rate_limited]
    """
    codes = ctx.error_codes
    for kp, ep in ctx.endpoints():
        label = endpoint_label(ep)
        if not ep.errors and not any(r.status >= 400 for r in ep.responses):
            if is_probe(ep):
                continue   # a liveness or readiness probe fails by not answering 200
            yield Hit(kp + ("errors",), f"{label} declares no errors (no error codes and no 4xx/5xx responses)")
            continue
        for j, code in enumerate(ep.errors):
            if code not in codes:
                yield Hit(kp + ("errors", j), f"{label} returns error {code!r}, which the error model does not define",
                          fix=f"use one of: {names_list(sorted(codes), 8)}" if codes
                          else "add the code to api.error_model.codes")


_VERSION = re.compile(r"^(v\d+(\.\d+)?|\d{4}-\d{2}-\d{2})$", re.IGNORECASE)


@rule("API008", "api.versioning", "error", step="api", seed=seeds.API_DESIGN,
      checklist="api-contracts", tiers={"C": "info", "B": "warning"})
def versioning(ctx):
    """The API states a versioning scheme, every endpoint follows it, and `none` is a real choice.

    Why: Without a version in every contract, the first breaking change breaks every client at
    once. `versioning: none` is honest only for an API whose paths carry no version and that is
    not business critical: a tier A API will need to change without breaking its clients.
    Fix: Add `api.versioning` (scheme, current, policy); with `url-path`, start each path with
    the current version (operational paths like /healthz excepted) or mark older ones `deprecated`.
    Plan: In the API step, choose one versioning scheme and apply it to every endpoint.
    Bad:
        versioning: {scheme: none, policy: We never break clients.}
        endpoints: [{method: GET, path: /v1/orders}]
    Good:
        versioning: {scheme: url-path, current: v1, policy: /v2 beside /v1 for 6 months.}
        endpoints: [{method: GET, path: /v1/orders}]
    """
    api = ctx.design.api
    if not api.endpoints and not api.channels:
        return
    v = api.versioning
    if v is None:
        yield Hit(("api", "versioning"), "the API states no versioning scheme")
        return
    versioned = [(kp, ep) for kp, ep in ctx.endpoints()
                 if not OPERATIONAL.match(ep.path) and _VERSION.match(ep.path.strip("/").split("/", 1)[0])]
    if v.scheme == "none":
        if is_placeholder(v.policy):
            yield Hit(("api", "versioning", "policy"), "versioning is 'none' without a policy saying how changes ship")
        if versioned:
            yield Hit(("api", "versioning", "scheme"),
                      f"versioning is 'none' but paths carry a version ({names_list([ep.path for _, ep in versioned], 3)})",
                      fix="set `scheme: url-path` with `current:` the version the paths carry")
        elif ctx.tier == "A":
            yield Hit(("api", "versioning", "scheme"),
                      "versioning is 'none' on a tier A API: the first breaking change breaks every client",
                      fix="choose a scheme (`scheme: url-path`, `current: v1`) and a policy for retiring versions")
        return
    if not v.current:
        yield Hit(("api", "versioning", "current"), f"versioning scheme {v.scheme} does not name the current version")
    if is_placeholder(v.policy):
        yield Hit(("api", "versioning", "policy"), "versioning has no policy for breaking changes")
    versioned_paths = {kp for kp, _ in versioned}
    for kp, ep in ctx.endpoints():
        if OPERATIONAL.match(ep.path):
            continue
        first = ep.path.strip("/").split("/", 1)[0]
        has_version = kp in versioned_paths
        if v.scheme == "url-path":
            if not has_version:
                yield Hit(kp + ("path",), f"{endpoint_label(ep)} path {ep.path} has no version segment",
                          fix=f"start the path with /{v.current or 'v1'}/")
            elif v.current and first.lower() != v.current.lower() and not ep.deprecated:
                yield Hit(kp + ("path",),
                          f"{endpoint_label(ep)} is under {first} but the current version is {v.current}",
                          fix=f"move it to /{v.current}/ or mark it `deprecated: true`")
        elif has_version:
            yield Hit(kp + ("path",),
                      f"{endpoint_label(ep)} has a version in its path but the scheme is {v.scheme}",
                      fix="remove the version segment, or switch the scheme to url-path")


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


@rule("API009", "api.unique-operations", "error", step="api", seed=seeds.API_ENDPOINTS,
      checklist="api-contracts", tiers={"C": "error"})
def unique_operations(ctx):
    """No two endpoints share a method and path, or an operation id.

    Why: Two definitions of one route cannot both be implemented; one of them silently wins.
    Fix: Remove or merge the duplicate, or give each operation its own id.
    Plan: In the API step, keep one definition per route and per operation id.
    Bad:
        - {id: getOrder, method: GET, path: "/v1/orders/{id}"}
        - {id: getOrder, method: GET, path: "/v1/orders/{order_id}"}
    Good:
        - {id: getOrder, method: GET, path: "/v1/orders/{order_id}"}
    """
    routes: dict[tuple[str, str], str] = {}
    ids: dict[str, str] = {}
    for kp, ep in ctx.endpoints():
        route = (ep.method, _shape(ep.path))
        label = endpoint_label(ep)
        if route in routes:
            yield Hit(kp + ("path",), f"{ep.route} duplicates {routes[route]}")
        else:
            routes[route] = label
        if ep.id:
            if ep.id in ids:
                yield Hit(kp + ("id",), f"operation id {ep.id!r} is used twice")
            ids[ep.id] = label


_PARAM = re.compile(r"\{([^}]+)\}")


@rule("API010", "api.path-parameters", "error", step="api", seed=seeds.API_SURFACE,
      checklist="api-contracts", tiers={"C": "warning"})
def path_parameters(ctx):
    """Every `{name}` in a path is declared as a path parameter, and every path parameter is in the path.

    Why: An undeclared path parameter has no type or bounds; a declared one missing from the path
    can never be sent.
    Fix: Declare each `{name}` of the path, e.g. `parameters: [{name: order_id, in: path, required: true, type: uuid}]`,
    and remove a declared path parameter the path does not have.
    Plan: In the API step, declare each path segment variable with its type and bounds.
    Bad:
        - {method: GET, path: "/v1/orders/{order_id}"}
    Good:
        - {method: GET, path: "/v1/orders/{order_id}", parameters: [{name: order_id, in: path, type: uuid, required: true}]}
    """
    for kp, ep in ctx.endpoints():
        in_path = _PARAM.findall(ep.path)
        declared = {p.name: j for j, p in enumerate(ep.parameters) if p.location == "path"}
        for name in in_path:
            if name not in declared:
                yield Hit(kp + ("parameters",), f"{endpoint_label(ep)} path variable {{{name}}} is not declared")
        for name, j in declared.items():
            if name not in in_path:
                yield Hit(kp + ("parameters", j), f"{endpoint_label(ep)} declares path parameter {name!r} not in {ep.path}")


_PAGE_PARAMS = {"limit", "page_size", "pagesize", "per_page", "size", "max_results", "first", "top", "count"}


@rule("API011", "api.bounded-lists", "warning", step="api", seed=seeds.PERFORMANCE,
      checklist="performance")
def bounded_lists(ctx):
    """Every GET that returns a list takes a page-size parameter with a maximum.

    Why: A list without a page limit returns the whole table the day it is large, in one response.
    Fix: Add a bounded page size, e.g. `parameters: [{name: limit, in: query, type: integer, minimum: 1, maximum: 100}]`
    (and a cursor for the next page).
    Plan: In the API step, paginate every collection endpoint with a bounded page size.
    Bad:
        - {method: GET, path: /v1/orders, responses: [{status: 200, schema: "Order[]"}]}
    Good:
        - {method: GET, path: /v1/orders, parameters: [{name: limit, in: query, type: integer, minimum: 1, maximum: 100}], responses: [{status: 200, schema: "Order[]"}]}
    """
    for kp, ep in ctx.endpoints():
        if ep.method != "GET":
            continue
        lists = any(r.schema_ and r.schema_.endswith("[]") for r in ep.responses if 200 <= r.status < 300)
        if not lists:
            continue
        page = [p for p in ep.parameters if p.name.lower() in _PAGE_PARAMS and p.maximum is not None]
        if not page:
            yield Hit(kp + ("parameters",), f"{endpoint_label(ep)} returns a list without a bounded page size")


# Fields that decide who may do what: a client that can set them grants itself privileges.
_ACCESS_FIELDS = frozenset({
    "role", "roles", "permission", "permissions", "scope", "scopes", "is_admin", "admin", "is_staff",
    "is_superuser", "superuser", "owner", "owner_id", "tenant_id", "account_id", "org_id",
    "organization_id", "workspace_id", "group", "groups", "verified", "email_verified", "status",
    "balance", "credit", "price", "amount", "plan", "tier",
})
_PRIVILEGED_ROLE = re.compile(r"admin|owner|super|root|staff|operator|manager", re.IGNORECASE)


def _webhook_endpoints(ctx) -> set[tuple]:
    """Key paths of the endpoints inbound webhooks arrive on: their bodies are the provider's."""
    out = set()
    for hook in ctx.design.api.inbound_webhooks:
        found = find_endpoint(ctx, hook.endpoint)
        if found is not None:
            out.add(tuple(found[0]))
    return out


def _privileges(ctx, ep) -> str | None:
    """Why a write carries privileges a client could widen with extra fields, or None."""
    if ep.admin:
        return "it is an admin action"
    roles = [r for r in (ep.authorization.roles if ep.authorization else []) if _PRIVILEGED_ROLE.search(r)]
    if roles:
        return f"its callers hold {', '.join(roles)}"
    if MONEY.search(endpoint_words(ep)):
        return "it moves money"
    written = [ctx.entities[name] for name in ep.writes if name in ctx.entities]
    for entity in written:
        hit = [f.name for f in entity.fields if f.name.lower() in _ACCESS_FIELDS]
        if hit:
            return (f"it writes {entity.name}, whose {names_list(hit, 3)} "
                    f"{'decides' if len(hit) == 1 else 'decide'} access or value")
    # a body bound straight onto a stored entity reaches every field of it
    entity = ctx.entities.get(strip_list(ep.request.schema_)) if ep.request.schema_ else None
    if entity is not None and strip_list(ep.request.schema_) not in ctx.schemas:
        hit = [f.name for f in entity.fields
               if f.name.lower() in _ACCESS_FIELDS or f.classification in ("credential", "secret")]
        if hit:
            return (f"the body binds onto {entity.name}, whose {names_list(hit, 3)} "
                    f"{'decides' if len(hit) == 1 else 'decide'} access or value")
    return None


@rule("API016", "api.no-mass-assignment", "warning", step="api", seed=seeds.V_INPUTS,
      checklist="api-contracts", validates="inputs-outputs", risk="high", tiers={"A": "error", "C": "info"})
def no_mass_assignment(ctx):
    """A write that carries privileges rejects body fields its schema does not name.

    Why: With `unknown_fields: allow`, a client can send `role: admin` or `owner_id` alongside the
    fields it may set, and a handler that binds the body onto the stored record applies them (mass
    assignment). Allowing unknown fields is right for a third party's payload kept as received (an
    inbound webhook's body), not for an admin action, a money movement, or a write to a record
    with access- or value-deciding fields (status, amount, owner...).
    Fix: Set `unknown_fields: reject` on the request (or its named schema) and list the fields a
    client may set.
    Plan: In the API step, give each privileged write an input schema of exactly the settable fields.
    Bad:
        - {method: PATCH, path: "/v1/users/{id}", admin: true, request: {schema: UserPatch, unknown_fields: allow}}
    Good:
        - {method: PATCH, path: "/v1/users/{id}", admin: true, request: {schema: UserPatch, unknown_fields: reject}}
    """
    webhooks = _webhook_endpoints(ctx)
    signed = {a.name for a in ctx.design.security.authentication if a.type == "hmac-signature"}
    for kp, ep in ctx.endpoints():
        body = ep.request
        if body is None or ep.method not in ("POST", "PUT", "PATCH") or tuple(kp) in webhooks or ep.auth in signed:
            continue      # a provider's signed payload is kept as received
        named = ctx.schemas.get(strip_list(body.schema_)) if body.schema_ else None
        policy = body.unknown_fields or (named.unknown_fields if named is not None else None)
        if policy != "allow":
            continue
        why = _privileges(ctx, ep)
        if why:
            where = kp + ("request", "unknown_fields") if body.unknown_fields else \
                ("api", "schemas", list(ctx.schemas).index(named.name), "unknown_fields")
            yield Hit(where, f"{endpoint_label(ep)} accepts fields its schema does not name, and {why}")
