"""Input rules: what a request may carry. Schemas on every body, bounds on every field, a policy
for unknown fields, and no mass assignment of what the caller must not set."""

from __future__ import annotations

import re

from . import seeds
from .base import (
    Hit,
    endpoint_label,
    field_is_bounded,
    names_list,
    rule,
    strip_list,
)
from .surfaces import (
    MONEY,
    endpoint_words,
    find_endpoint,
)


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
        for j, p in enumerate(ep.parameters):
            why = field_is_bounded(p)
            if why:
                yield Hit(kp + ("parameters", j), f"{endpoint_label(ep)} parameter {p.name!r} is unbounded ({why})")
        body = ep.request
        if body is None:
            continue
        if body.max_bytes is None:
            yield Hit(kp + ("request", "max_bytes"), f"{endpoint_label(ep)} accepts a body of any size",
                      fix="add `max_bytes:` to the request (the largest body accepted)")
        for j, f in enumerate(body.fields):
            why = field_is_bounded(f)
            if why:
                yield Hit(kp + ("request", "fields", j), f"{endpoint_label(ep)} body field {f.name!r} is unbounded ({why})")
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
        i = ctx.schema_positions[name]
        base = ("api", "schemas", i)
    elif name in ctx.entities:
        i = ctx.entity_positions[name]
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
                ("api", "schemas", ctx.schema_positions[named.name], "unknown_fields")
            yield Hit(where, f"{endpoint_label(ep)} accepts fields its schema does not name, and {why}")
