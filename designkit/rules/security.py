"""Security rules: authentication, rate limits and abuse controls, secrets, least privilege."""

from __future__ import annotations

from . import seeds
from .base import WRITE_METHODS, Hit, endpoint_label, is_placeholder, names_list, rule
from .secrets import looks_like_secret


@rule("SEC001", "security.authn-defined", "error", step="security", seed=seeds.AUTHN,
      checklist="security-observability", validates="authz-or-public", risk="high")
def authn_defined(ctx):
    """Every non-public endpoint and channel names an authentication scheme the design defines.

    Why: Authorization rules mean nothing unless the caller's identity is established by a known
    method (OIDC, signatures, mTLS ...); an undefined scheme is an unreviewed one.
    Fix: Set `auth:` to a name from `security.authentication` (or define the scheme there), or
    `auth: public` with a justification.
    Plan: In the security step, define each authentication method once and assign one to every surface.
    Bad:
        - {method: GET, path: /v1/orders, authorization: role:user}
    Good:
        - {method: GET, path: /v1/orders, auth: user-oidc, authorization: role:user}
    """
    schemes = ctx.auth_schemes
    known = names_list(sorted(schemes), 8) if schemes else "(none defined yet)"
    surfaces = [(kp, endpoint_label(ep), ep) for kp, ep in ctx.endpoints()]
    surfaces += [(kp, f"channel {ch.name}", ch) for kp, ch in ctx.channels()]
    for kp, label, s in surfaces:
        if s.auth == "public":
            continue
        if not s.auth:
            yield Hit(kp + ("auth",), f"{label} names no authentication method",
                      fix=f"set `auth:` to one of: {known}, or `public` with a justification")
        elif s.auth not in schemes:
            yield Hit(kp + ("auth",), f"{label} uses authentication {s.auth!r}, which security.authentication does not define",
                      fix=f"define {s.auth!r} in security.authentication or use one of: {known}")


@rule("SEC002", "security.rate-limits", "error", step="security", seed=seeds.RATE_LIMITS,
      checklist="security-observability", tiers={"B": "warning"})
def rate_limits(ctx):
    """Every public and every write endpoint or channel is rate limited.

    Why: Public and write surfaces are where floods, credential stuffing and cost attacks land;
    a limit per client, user or IP bounds the damage.
    Fix: Add `rate_limit: {limit: 10/second, key: user}` to the endpoint, or a
    `security.default_rate_limit` that applies to all.
    Plan: In the security step, set a default rate limit and tighter ones for public and write endpoints.
    Bad:
        - {method: POST, path: /v1/orders, auth: user-oidc, authorization: role:user}
    Good:
        - {method: POST, path: /v1/orders, auth: user-oidc, authorization: role:user, rate_limit: {limit: 5/second, key: user}}
    """
    if ctx.design.security.default_rate_limit is not None:
        return
    for kp, ep in ctx.endpoints():
        if ep.rate_limit is None and (ep.auth == "public" or ep.method in WRITE_METHODS):
            kind = "public" if ep.auth == "public" else "write"
            yield Hit(kp + ("rate_limit",), f"{kind} endpoint {endpoint_label(ep)} has no rate limit")
    for kp, ch in ctx.channels():
        if ch.rate_limit is None and (ch.auth == "public" or ch.writes or ch.direction != "publish"):
            yield Hit(kp + ("rate_limit",), f"channel {ch.name} accepts messages without a rate limit")


@rule("SEC003", "security.abuse-controls", "warning", step="security", seed=seeds.RATE_LIMITS,
      checklist="security-observability", tiers={"A": "error"})
def abuse_controls(ctx):
    """A design with public, inbound or write surfaces lists its abuse controls.

    Why: Rate limits alone do not stop oversized bodies, replayed requests, enumeration or
    expensive queries; the controls against them must be designed, not assumed.
    Fix: Add `security.abuse_controls`, e.g. body size caps, replay windows, constant-time
    comparisons, enumeration-resistant ids.
    Plan: In the security step, list the abuse cases for each public or write surface and the control for each.
    Bad:
        security: {abuse_controls: []}
    Good:
        security: {abuse_controls: [Bodies over 256 KiB are refused before they are read.]}
    """
    exposed = [endpoint_label(ep) for _, ep in ctx.endpoints() if ep.auth == "public" or ep.method in WRITE_METHODS]
    exposed += [f"channel {ch.name}" for _, ch in ctx.channels()]
    if exposed and not [c for c in ctx.design.security.abuse_controls if not is_placeholder(c)]:
        yield Hit(("security", "abuse_controls"),
                  f"no abuse controls are listed for the public or write surfaces ({names_list(exposed, 3)})")


_NEEDS_SECRET = {"hmac-signature": "signing secret", "api-key": "key store", "basic": "password store",
                 "mtls": "CA and key material"}


@rule("SEC004", "security.secrets-in-store", "error", step="security", seed=seeds.NO_SECRETS,
      checklist="security-observability", risk="high", tiers={"C": "error"})  # a safety rule: never softened
def secrets_in_store(ctx):
    """Every secret the design needs names the secret store that keeps it, never a value.

    Why: A secret without a stated home ends up in an environment file, a config map or the
    repository; naming the store (Vault, a cloud secrets manager) makes rotation and access review possible.
    Fix: Add `security.secrets` entries with `store: vault:kv/...` (a location, not the value) and
    `rotation`, and point each auth scheme's `secret:` at one.
    Plan: In the security step, list every secret, where it is kept and how it rotates.
    Bad:
        secrets: [{name: stripe-key, store: sk_live_51H...}]
    Good:
        secrets: [{name: stripe-key, store: "vault:kv/payments/stripe", rotation: every 90 days}]
    """
    secrets = {s.name for s in ctx.design.security.secrets}
    for i, s in enumerate(ctx.design.security.secrets):
        kp = ("security", "secrets", i, "store")
        if is_placeholder(s.store):
            yield Hit(kp, f"secret {s.name} does not say where it is kept")
        elif looks_like_secret(s.store):
            yield Hit(kp, f"secret {s.name} gives what looks like a value instead of a store location",
                      fix="replace the value with its location (e.g. vault:kv/app/NAME) and rotate the exposed secret")
    for i, scheme in enumerate(ctx.design.security.authentication):
        kp = ("security", "authentication", i, "secret")
        if scheme.secret and scheme.secret not in secrets:
            yield Hit(kp, f"auth scheme {scheme.name} uses secret {scheme.secret!r}, which security.secrets does not list",
                      fix=f"add {scheme.secret!r} to security.secrets with its store")
        elif not scheme.secret and scheme.type in _NEEDS_SECRET:
            yield Hit(kp, f"auth scheme {scheme.name} ({scheme.type}) does not name where its {_NEEDS_SECRET[scheme.type]} is kept",
                      fix="set `secret:` to a security.secrets entry that names its store")


@rule("SEC005", "security.least-privilege", "warning", step="security", seed=seeds.SECURITY,
      checklist="security-observability", tiers={"A": "error", "C": "info"})
def least_privilege(ctx):
    """Authorization defaults to deny, and the service's own access is least privilege.

    Why: Default-allow turns every forgotten rule into an open endpoint; a service account that
    can do everything turns one bug into a breach of every table and queue.
    Fix: Set `security.authorization.default: deny` and list in `security.least_privilege` what
    the service's database, queue and cloud roles may do.
    Plan: In the security step, scope each credential the service holds to the actions it needs.
    Bad:
        authorization: {model: rbac, default: allow}
    Good:
        authorization: {model: rbac, default: deny}
        least_privilege: [The database role can read and write its own tables only; no DDL.]
    """
    authz = ctx.design.security.authorization
    if authz is not None and authz.default == "allow":
        yield Hit(("security", "authorization", "default"), "authorization defaults to allow")
    holds_access = ctx.design.persistence.stores or [
        d for d in ctx.design.services.dependencies if d.kind != "library"]
    if holds_access and not ctx.design.security.least_privilege:
        yield Hit(("security", "least_privilege"),
                  "the service uses stores or services but states no least-privilege limits for its own access")
