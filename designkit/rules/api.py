"""API surface rules: authorization, response contracts, error shape, versioning, operations.

What a request may carry (schemas, bounds, unknown fields, mass assignment) is in ``inputs``."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from . import seeds
from .base import (
    Hit,
    endpoint_label,
    is_placeholder,
    names_list,
    rule,
)
from .surfaces import (
    OPERATIONAL,
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
        ok = [(j, r) for j, r in enumerate(ep.responses) if 200 <= r.status < 300]
        if not ok:
            yield Hit(kp + ("responses",), f"{endpoint_label(ep)} declares no success (2xx) response",
                      fix="add its success response, e.g. `responses: [{status: 200, schema: NAME}]` "
                          "(a success that deliberately carries nothing says body none)")
            continue
        for j, r in ok:
            if r.status not in (204, 205) and ep.method != "HEAD" and r.body != "none" \
                    and not r.schema_ and not r.fields:
                yield Hit(kp + ("responses", j), f"{endpoint_label(ep)} response {r.status} has no schema",
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
        if not ep.errors and not any(r.status >= 400 for r in ep.responses):
            if is_probe(ep):
                continue   # a liveness or readiness probe fails by not answering 200
            yield Hit(kp + ("errors",), f"{endpoint_label(ep)} declares no errors (no error codes and no 4xx/5xx responses)")
            continue
        for j, code in enumerate(ep.errors):
            if code not in codes:
                yield Hit(kp + ("errors", j), f"{endpoint_label(ep)} returns error {code!r}, which the error model does not define",
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
    # one pass: the endpoints with a business contract, their first path segment, whether it is a version
    contracts = []
    for kp, ep in ctx.endpoints():
        if not OPERATIONAL.match(ep.path):
            first = ep.path.strip("/").split("/", 1)[0]
            contracts.append((kp, ep, first, bool(_VERSION.match(first))))
    versioned = [(kp, ep) for kp, ep, _, has_version in contracts if has_version]
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
    for kp, ep, first, has_version in contracts:
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


_PATH_VARIABLE = re.compile(r"\{[^}]*\}")


def _shape(path: str) -> str:
    path = path.rstrip("/") or "/"
    return _PATH_VARIABLE.sub("{}", path) if "{" in path else path


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
    routes: dict[tuple[str, str], Any] = {}    # -> the first endpoint of the route
    ids: set[str] = set()
    for kp, ep in ctx.endpoints():
        route = (ep.method, _shape(ep.path))
        if route in routes:
            yield Hit(kp + ("path",), f"{ep.route} duplicates {endpoint_label(routes[route])}")
        else:
            routes[route] = ep
        if ep.id:
            if ep.id in ids:
                yield Hit(kp + ("id",), f"operation id {ep.id!r} is used twice")
            ids.add(ep.id)


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
