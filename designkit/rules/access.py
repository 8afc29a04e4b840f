"""Access rules that reason about who reaches which data: tenant isolation and read-only roles.

API001 asks that every surface states an access rule; these ask whether the rule it states can
be right for what the surface touches.
"""

from __future__ import annotations

import re

from . import seeds
from .base import WRITE_METHODS, Hit, endpoint_label, is_placeholder, is_stated, names_list, rule
from .data import snake_name
from .surfaces import USER_SCHEMES

# Entities that are a tenant: the boundary a multi-tenant design keeps every other record within.
_TENANT_NAMES = frozenset({"tenant", "organization", "organisation", "org", "workspace", "company"})


def tenant_scoped(ctx) -> tuple[str | None, set[str]]:
    """The tenant entity and the entities kept within a tenant (a relationship to it or its ``*_id``)."""
    tenant = next((e.name for e in ctx.design.data_model.entities if e.name.lower() in _TENANT_NAMES), None)
    if tenant is None:
        return None, set()
    key = f"{snake_name(tenant)}_id"
    scoped = {e.name for e in ctx.design.data_model.entities
              if e.name != tenant and (any(r.target == tenant for r in e.relationships)
                                       or any(f.name == key for f in e.fields))}
    return tenant, scoped


@rule("SEC013", "security.tenant-isolation", "error", step="security", seed=seeds.AUTHZ,
      checklist="security-observability", validates="authz-or-public", risk="high", tiers={"C": "warning"})
def tenant_isolation(ctx):
    """In a multi-tenant design, every signed-in surface that touches tenant data says how the caller's tenant bounds it.

    Why: A role says what kind of action a caller may take, not whose data: `roles: [member]` on
    GET /documents/{id} lets a member of one tenant read another tenant's document by guessing
    its id. Tenant isolation is the condition every query carries, and a reviewer must see it
    stated on each surface that reads or writes tenant-scoped data, or once for the whole design
    when the storage enforces it (`security.authorization.tenant_isolation`, e.g. row-level security).
    Fix: Add the tenant to the access rule, e.g. `authorization: {roles: [member], condition: the document's tenant_id is the caller's}`,
    or state how the storage enforces it everywhere in `security.authorization.tenant_isolation`.
    Plan: In the security step, state for each surface how the caller's tenant (from the token) filters what it reaches.
    Bad:
        - {id: getDocument, method: GET, path: "/v1/documents/{id}", auth: tenant-oidc, authorization: {roles: [member]}, reads: [Document]}
    Good:
        - {id: getDocument, method: GET, path: "/v1/documents/{id}", auth: tenant-oidc, authorization: {roles: [member], condition: the document's tenant_id is the caller's}, reads: [Document]}
    """
    tenant, scoped = tenant_scoped(ctx)
    access_model = ctx.design.security.authorization
    if not scoped or (access_model is not None and is_stated(access_model.tenant_isolation)):
        return      # not multi-tenant, or isolated for the whole design (row-level security ...)
    schemes = {a.name: a.type for a in ctx.design.security.authentication}
    surfaces = [*ctx.endpoints(), *ctx.channels()]
    for kp, surface in surfaces:
        if schemes.get(surface.auth or "") not in USER_SCHEMES:
            continue       # public surfaces answer to API001; machine callers have no tenant of their own
        touched = [n for n in [*getattr(surface, "reads", []), *surface.writes] if n in scoped]
        access = surface.authorization
        if touched and (access is None or is_placeholder(access.condition)):
            name = endpoint_label(surface) if kp[1] == "endpoints" else f"channel {surface.name}"
            yield Hit(kp + ("authorization",), f"{name} touches {names_list(sorted(set(touched)), 3)}, kept per "
                      f"{tenant}, but its access rule does not say how the caller's {tenant.lower()} bounds it",
                      fix=f"add the condition beside its roles: `authorization: {{condition: \"only records of the caller's "
                          f"{tenant.lower()} ({snake_name(tenant)}_id from the token)\"}}`")


# Role names that say their holder only looks.
_READ_ONLY_ROLE = re.compile(r"(^|[-_.])(reader|readers|viewer|viewers|read-?only|readonly|observer|auditor)s?($|[-_.])",
                             re.IGNORECASE)


@rule("SEC014", "security.read-only-roles-do-not-write", "error", step="security", seed=seeds.AUTHZ,
      checklist="security-observability", validates="authz-or-public", risk="high", tiers={"C": "warning"})
def read_only_roles_do_not_write(ctx):
    """A role the design names as read-only (reader, viewer, auditor) is never allowed a write.

    Why: The role's name is the design's own promise of what its holders can do; granting it a
    write (a reversal, a delete) breaks that promise silently, and whoever assigned the role to a
    reporting job or an auditor handed out a write permission without knowing it.
    Fix: Remove the read-only role from the write's `authorization.roles`, or create a role that
    says it writes, e.g. `roles: [finance-admin]`.
    Plan: In the security step, check each write's roles against what the role names promise.
    Bad:
        - {id: reverseTransfer, method: POST, path: "/v1/transfers/{id}/reversal", authorization: {roles: [ledger-reader, finance-admin]}}
    Good:
        - {id: reverseTransfer, method: POST, path: "/v1/transfers/{id}/reversal", authorization: {roles: [finance-admin]}}
    """
    for kp, ep in ctx.endpoints():
        if ep.method not in WRITE_METHODS or (not ep.writes and ep.reads):
            continue       # a read, or a query sent as POST (search): it changes nothing
        roles = [r for r in (ep.authorization.roles if ep.authorization else []) if _READ_ONLY_ROLE.search(r)]
        if roles:
            yield Hit(kp + ("authorization",), f"{endpoint_label(ep)} changes data but allows {names_list(roles, 3)}, "
                      "a role whose name says it only reads",
                      fix=f"remove {roles[0]} from its roles, or name a role that writes")
