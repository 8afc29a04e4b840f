"""The API surface as the API and security rules see it: who calls what, and what names resolve.

Shared by ``api``, ``events`` and ``security`` (not a rule module: it defines no rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .base import WRITE_METHODS, Context, KeyPath, endpoint_label, is_placeholder

# Auth schemes that establish a person's identity: their callers hold roles.
USER_SCHEMES = frozenset({"oauth2", "oidc", "jwt", "session", "basic"})


def surfaces_with_callers(ctx: Context) -> Iterator[tuple[KeyPath, str, Any]]:
    """(key path, label, surface) of every endpoint, and of every channel someone connects to.

    A channel the service only publishes to a broker has no callers of its own: who may read
    it is the broker's grants, not an authentication scheme or a rate limit on this service.
    """
    for kp, ep in ctx.endpoints():
        yield kp, endpoint_label(ep), ep
    for kp, ch in ctx.channels():
        if ch.has_callers:
            yield kp, f"channel {ch.name}", ch


def states_access(access) -> bool:
    """Whether an authorization rule says something: a role, a scope or a real condition."""
    return access is not None and bool(access.roles or access.scopes or not is_placeholder(access.condition))


_ROUTE = re.compile(r"^\s*([A-Za-z]+)\s+(/\S*)\s*$")


def find_endpoint(ctx: Context, ref: str | None) -> tuple[KeyPath, Any] | None:
    """The endpoint an ``id`` or ``"METHOD /path"`` reference names, or None."""
    if not ref:
        return None
    route = _ROUTE.match(ref)
    for kp, ep in ctx.endpoints():
        if ep.id == ref or (route and ep.method == route.group(1).upper() and ep.path == route.group(2)):
            return kp, ep
    return None


def idempotency_places(ctx: Context) -> set[str]:
    """Names a dedupe ``store`` may use: persistence idempotency stores, tables and stores."""
    return set(ctx.idempotency_stores) | set(ctx.tables) | set(ctx.stores)


def _keywords(*words: str) -> re.Pattern:
    return re.compile(r"(^|[/_.\-{])(" + "|".join(words) + r")($|[/_.\-}])", re.IGNORECASE)


# What a path or operation id says an endpoint does (matched on whole path segments and id words).
ACCESS_CHANGE = _keywords(r"roles?", r"permissions?", r"grants?", r"members?", r"memberships?",
                          r"invit\w*", r"acls?", r"policies", r"policy", r"access", r"api-?keys?",
                          r"passwords?", r"credentials?", r"mfa", r"2fa")
EXPORT = _keywords(r"exports?", r"dumps?", r"takeout", r"bulk-export")
MONEY = _keywords(r"checkouts?", r"payments?", r"pay", r"charges?", r"refunds?", r"payouts?", r"transfers?",
                  r"withdrawals?", r"captures?", r"purchases?", r"top-?ups?", r"disbursements?")
CREDENTIAL = _keywords(r"login", r"logins", r"sign-?in", r"token", r"tokens", r"oauth", r"passwords?",
                       r"reset", r"otp", r"mfa", r"2fa", r"verify", r"verification", r"sign-?up", r"register",
                       r"sessions?")


# Operational paths (probes, metrics, discovery) that carry no version and no business contract.
OPERATIONAL = re.compile(r"^/(\.well-known|healthz?|readyz?|livez?|ready|live|metrics|ping|status)(/|$)")


def is_probe(ep) -> bool:
    """An operational GET (/healthz, /readyz ...) with no inputs: its contract is its status code."""
    return (ep.method in ("GET", "HEAD") and bool(OPERATIONAL.match(ep.path)) and not ep.parameters
            and ep.request is None and not ep.writes)


_CAMEL_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")   # a plain replacement: no template to expand per call


def endpoint_words(ep) -> str:
    """An endpoint's path and its operation id split at camelCase, for keyword matching."""
    return ep.path + "/" + (_CAMEL_HUMP.sub("_", ep.id) if ep.id else "")


def sensitive_actions(ep) -> list[str]:
    """The sensitive actions an endpoint performs (empty when none): what an audit trail is for.

    Admin actions, deletes, role/permission/credential changes, exports and money movement. A
    write to classified data is not by itself one: ingesting 50,000 readings a second is not an
    audit event, changing who may read them is.
    """
    words = endpoint_words(ep)
    out = []
    if ep.admin:
        out.append("is an admin action")
    if ep.method == "DELETE":
        out.append("deletes data")
    if ep.method in WRITE_METHODS and ACCESS_CHANGE.search(words):
        out.append("changes roles, permissions or credentials")
    if EXPORT.search(words):
        out.append("exports data")
    if ep.method in WRITE_METHODS and MONEY.search(words):
        out.append("moves money")
    return out
