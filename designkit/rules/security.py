"""Security rules: authentication, roles, rate limits and abuse controls, auth scheme details, bearer URLs."""

from __future__ import annotations

from ..core.durations import format_duration, parse_duration, parse_rate
from . import seeds
from .base import WRITE_METHODS, Hit, endpoint_label, is_placeholder, names_list, rule
from .surfaces import (
    CREDENTIAL,
    MONEY,
    USER_SCHEMES,
    endpoint_words,
    is_probe,
    surfaces_with_callers,
)


@rule("SEC001", "security.authn-defined", "error", step="security", seed=seeds.AUTHN,
      checklist="security-observability", validates="authz-or-public", risk="high")
def authn_defined(ctx):
    """Every non-public endpoint, and every channel with callers, names an authentication scheme the design defines.

    Why: Authorization rules mean nothing unless the caller's identity is established by a known
    method (OIDC, signatures, mTLS ...); an undefined scheme is an unreviewed one. A channel the
    service only publishes to a broker has no callers to authenticate.
    Fix: Set `auth:` to a name from `security.authentication` (or define the scheme there), or
    `auth: public` with a justification.
    Plan: In the security step, define each authentication method once and assign one to every surface.
    Bad:
        - {method: GET, path: /v1/orders, authorization: {roles: [user]}}
    Good:
        - {method: GET, path: /v1/orders, auth: user-oidc, authorization: {roles: [user]}}
    """
    schemes = ctx.auth_schemes
    known = names_list(sorted(schemes), 8) if schemes else "(none defined yet)"
    for kp, label, s in surfaces_with_callers(ctx):
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
    """Every public and every write endpoint, and every channel that receives messages, is rate limited.

    Why: Public and write surfaces are where floods, credential stuffing and cost attacks land;
    a limit per client, user or IP bounds the damage. A channel the service only publishes on
    receives nothing to limit. A default counted per user limits nothing on a surface no user
    calls (devices over mTLS, public endpoints): those need their own limit and key.
    Fix: Add `rate_limit: {limit: 10/second, key: user}` to the endpoint, or a
    `security.default_rate_limit` that applies to all.
    Plan: In the security step, set a default rate limit and tighter ones for public and write endpoints.
    Bad:
        - {method: POST, path: /v1/orders, auth: user-oidc}
    Good:
        - {method: POST, path: /v1/orders, auth: user-oidc, rate_limit: {limit: 5/second, key: user}}
    """
    default = ctx.design.security.default_rate_limit
    if default is not None:
        yield from _default_without_its_key(ctx, default)
        return
    for kp, ep in ctx.endpoints():
        if ep.rate_limit is None and (ep.auth == "public" or ep.method in WRITE_METHODS):
            kind = "public" if ep.auth == "public" else "write"
            yield Hit(kp + ("rate_limit",), f"{kind} endpoint {endpoint_label(ep)} has no rate limit")
    for kp, ch in ctx.channels():
        if ch.rate_limit is None and ch.inbound:
            yield Hit(kp + ("rate_limit",), f"channel {ch.name} accepts messages without a rate limit")


# Schemes whose callers are devices, clients or providers: someone outside, but no user.
_NON_PERSON_CALLERS = frozenset({"mtls", "api-key", "hmac-signature"})
# Keys a limit can only be counted by when the caller is a person signed in with a user scheme.
_PERSON_KEYS = frozenset({"user", "account", "member", "customer"})


def _default_without_its_key(ctx, default):
    """Surfaces that fall back on a default counted per user while no user calls them."""
    if default.key.strip().lower() not in _PERSON_KEYS:
        return
    schemes = {a.name: a.type for a in ctx.design.security.authentication}
    for kp, surface in [*ctx.endpoints(), *ctx.channels()]:
        is_channel = kp[1] == "channels"
        if surface.rate_limit is not None or (is_channel and not surface.inbound):
            continue
        if not is_channel and ((surface.auth != "public" and surface.method not in WRITE_METHODS)
                               or is_probe(surface)):
            continue
        kind = schemes.get(surface.auth or "")
        if surface.auth != "public" and kind not in _NON_PERSON_CALLERS:
            continue     # a user scheme has a user to count; an `other` scheme (cloud IAM) is not judged
        who = "anyone (public)" if surface.auth == "public" else f"{surface.auth} ({kind or 'no'} scheme)"
        name = f"channel {surface.name}" if is_channel else endpoint_label(surface)
        yield Hit(kp + ("rate_limit",), f"{name} relies on the default rate limit, counted per {default.key}, "
                  f"but its callers are {who}, with no {default.key} to count by",
                  fix="add `rate_limit: {limit: 1/second, key: device}` (yours: per ip, client or device)")


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
    exposed = [label for _, label, s in surfaces_with_callers(ctx)
               if s.auth == "public" or getattr(s, "method", "POST") in WRITE_METHODS]
    if exposed and not [c for c in ctx.design.security.abuse_controls if not is_placeholder(c)]:
        yield Hit(("security", "abuse_controls"),
                  f"no abuse controls are listed for the public or write surfaces ({names_list(exposed, 3)})")


# Callers that prove a service's or provider's identity by key material: no person, so no one to
# try passwords or stolen cards through them; their limit is sized per calling service.
_MACHINE_SCHEMES = frozenset({"mtls", "hmac-signature"})


def attack_target(ep) -> str | None:
    """'an authentication' or 'a payment' when an endpoint is a usual abuse target, else None."""
    if ep.method not in WRITE_METHODS:
        return None
    if CREDENTIAL.search(endpoint_words(ep)):
        return "an authentication"
    if MONEY.search(endpoint_words(ep)):
        return "a payment"
    return None


@rule("SEC010", "security.abuse-target-rate-limits", "warning", step="security", seed=seeds.RATE_LIMITS,
      checklist="security-observability", risk="high", tiers={"A": "error", "C": "info"})
def abuse_target_rate_limits(ctx):
    """Login, token and checkout or payment endpoints have their own rate limit, tighter than the default.

    Why: A default sized for ordinary traffic (say 50 requests a second per IP) lets an attacker
    try 4 million passwords or stolen cards a day from one address. Authentication and payment
    endpoints need limits sized for a person, keyed by account or card as well as IP. Endpoints
    only services reach (mTLS, signed provider webhooks) have no person behind them: their limit
    is sized per calling service instead.
    Fix: Add `rate_limit:` to the endpoint, tighter than `security.default_rate_limit`
    (e.g. `{limit: 5/minute, key: account}` on login).
    Plan: In the security step, size a limit for each authentication and payment endpoint from how often a real user calls it.
    Bad:
        default_rate_limit: {limit: 50/second, key: ip}
        endpoints: [{id: login, method: POST, path: /v1/sessions, auth: public}]
    Good:
        endpoints: [{id: login, method: POST, path: /v1/sessions, auth: public, rate_limit: {limit: 5/minute, key: account}}]
    """
    default = ctx.design.security.default_rate_limit
    if default is None:
        return      # SEC002 asks for a limit on every write already
    default_rate = parse_rate(default.limit)
    schemes = {a.name: a.type for a in ctx.design.security.authentication}
    for kp, ep in ctx.endpoints():
        target = attack_target(ep)
        if target is None or schemes.get(ep.auth) in _MACHINE_SCHEMES:
            continue
        label = endpoint_label(ep)
        if ep.rate_limit is None:
            yield Hit(kp + ("rate_limit",), f"{label} is {target} endpoint relying only on the default "
                      f"rate limit ({default.limit} per {default.key})",
                      fix="add `rate_limit: {limit: 5/minute, key: account}` (sized for one real user)")
            continue
        own = parse_rate(ep.rate_limit.limit)
        if own is not None and default_rate is not None and own >= default_rate:
            yield Hit(kp + ("rate_limit", "limit"), f"{label} is {target} endpoint whose limit "
                      f"({ep.rate_limit.limit}) is no tighter than the default ({default.limit})")


@rule("SEC011", "security.auth-scheme-details", "warning", step="security", seed=seeds.AUTHN,
      checklist="security-observability", tiers={"C": "info"})
def auth_scheme_details(ctx):
    """Every auth scheme states what verifying it needs: OIDC its discovery URL, OAuth2 its token or authorization URL, mTLS its trust anchor.

    Why: "OIDC" without the issuer does not say whose tokens are accepted; an mTLS scheme without
    the CA bundle client certificates must chain to accepts any certificate. Exports (OpenAPI)
    need these facts and never invent them.
    Fix: Add `openid_connect_url:` (oidc), `token_url:` and/or `authorization_url:` (oauth2), or
    `trust_anchor:` (mtls: the CA bundle; it is public, no secret needed).
    Plan: In the security step, name the identity provider or certificate authority behind each scheme.
    Bad:
        authentication: [{name: partners, type: mtls}]
    Good:
        authentication: [{name: partners, type: mtls, trust_anchor: partner CA bundle (ca/partners.pem)}]
    """
    for i, s in enumerate(ctx.design.security.authentication):
        kp = ("security", "authentication", i)
        if s.type == "oidc" and is_placeholder(s.openid_connect_url):
            yield Hit(kp + ("openid_connect_url",), f"OIDC scheme {s.name} names no discovery URL (whose tokens it accepts)",
                      fix="add `openid_connect_url: https://ISSUER/.well-known/openid-configuration`")
        elif s.type == "oauth2" and is_placeholder(s.token_url) and is_placeholder(s.authorization_url):
            yield Hit(kp + ("token_url",), f"OAuth2 scheme {s.name} names no token or authorization URL",
                      fix="add `token_url:` (and `authorization_url:` for the authorization code flow)")
        elif s.type == "mtls" and is_placeholder(s.trust_anchor) and not s.secret:
            yield Hit(kp + ("trust_anchor",), f"mTLS scheme {s.name} names no trust anchor (the CA bundle client "
                      "certificates must chain to)",
                      fix="add `trust_anchor:` naming the CA bundle (public; no secret needed)")


@rule("SEC012", "security.roles-defined", "error", step="security", seed=seeds.AUTHZ,
      checklist="security-observability", validates="authz-or-public", risk="high", tiers={"C": "warning"})
def roles_defined(ctx):
    """Authorization rules name roles from `security.authorization.roles` and scopes their auth scheme defines.

    Why: A role is a reference, not a word: `role: admn` or a role nobody defined grants access to
    nobody (or, worse, to whoever the code's default is). Under RBAC, a rule for people that names
    no role leaves every signed-in user allowed.
    Fix: Use names from `security.authorization.roles` (or add the role there), and scopes from the
    endpoint's auth scheme `scopes`.
    Plan: In the security step, list the roles once and give each user-facing endpoint the roles that may call it.
    Bad:
        authorization: {model: rbac, roles: [operator]}
        endpoints: [{method: POST, path: /v1/replays, auth: sso, authorization: {roles: [admin]}}]
    Good:
        authorization: {model: rbac, roles: [operator]}
        endpoints: [{method: POST, path: /v1/replays, auth: sso, authorization: {roles: [operator]}}]
    """
    authz = ctx.design.security.authorization
    defined = set(authz.roles) if authz else set()
    rbac = authz is not None and authz.model == "rbac" and bool(defined)
    for kp, label, s in surfaces_with_callers(ctx):
        access = s.authorization
        if s.auth == "public":
            continue
        for j, role in enumerate(access.roles if access else []):
            if role not in defined:
                yield Hit(kp + ("authorization", "roles", j),
                          f"{label} allows role {role!r}, which security.authorization.roles does not define",
                          fix=f"use one of: {names_list(sorted(defined), 8)}" if defined
                          else f"add `security.authorization: {{model: rbac, roles: [{role}]}}`")
        scheme = ctx.auth_schemes.get(s.auth or "")
        for j, scope in enumerate(access.scopes if access else []):
            if scheme is not None and scheme.scopes and scope not in scheme.scopes:
                yield Hit(kp + ("authorization", "scopes", j),
                          f"{label} requires scope {scope!r}, which auth scheme {scheme.name} does not define",
                          fix=f"use one of: {names_list(scheme.scopes, 8)}")
        if rbac and scheme is not None and scheme.type in USER_SCHEMES and access is not None \
                and not access.roles and not access.scopes:
            yield Hit(kp + ("authorization", "roles"),
                      f"{label} names no role, so under RBAC every signed-in user may call it",
                      fix=f"name the roles that may call it, e.g. `authorization: {{roles: [{sorted(defined)[0]}]}}` "
                          f"(defined: {names_list(sorted(defined), 8)})")


# Upper bounds on how long a bearer URL may work before someone must ask for a new one.
MAX_UPLOAD_URL = parse_duration("1 hour")
MAX_DOWNLOAD_URL = parse_duration("24 hours")
# Our own link, checked on every use, can be revoked when it leaks: it may live longer.
MAX_REVOCABLE_URL = parse_duration("30 days")


@rule("API017", "api.capability-url-limits", "error", step="security", seed=seeds.SECURITY,
      checklist="security-observability", risk="high", tiers={"C": "warning"})
def capability_url_limits(ctx):
    """Every presigned or capability URL expires soon, and an upload URL bounds what it accepts.

    Why: Whoever holds the URL may use it: it is forwarded, logged by proxies and kept in browser
    history. A URL without an expiry is a permanent credential; a long one outlives the reason it
    was issued; an upload URL without a length bound lets its holder store any amount at our cost.
    A capability link we check on every use (`revocable: true`) can be withdrawn when it leaks, so
    a download link of that kind may live up to 30 days; a presigned URL cannot be withdrawn.
    Fix: Add `expiry:` (uploads at most 1 hour, downloads at most 24 hours, revocable capability
    links at most 30 days) and, on PUT or POST URLs, `max_bytes:` (bound into the signature) and
    ideally `checksum:`.
    Plan: In the security step, set each bearer URL's lifetime and the bounds its signature enforces.
    Bad:
        capability_urls: [{method: PUT, store: uploads}]
    Good:
        capability_urls: [{method: PUT, store: uploads, expiry: 15 minutes, max_bytes: 10485760, checksum: sha256}]
    """
    for kp, ep in ctx.endpoints():
        for j, url in enumerate(ep.capability_urls):
            ukp = kp + ("capability_urls", j)
            label = f"{endpoint_label(ep)} hands out a {url.method} {url.kind} URL"
            upload = url.method in ("PUT", "POST", "PATCH")
            limit = MAX_UPLOAD_URL if upload else MAX_REVOCABLE_URL if url.revocable else MAX_DOWNLOAD_URL
            if not url.expiry:
                yield Hit(ukp + ("expiry",), f"{label} that never expires",
                          fix=f"add `expiry:` (at most {format_duration(limit)})")
            elif parse_duration(url.expiry) > limit:
                yield Hit(ukp + ("expiry",), f"{label} that works for {url.expiry}, longer than "
                          f"{format_duration(limit)}", fix=f"set `expiry:` to {format_duration(limit)} or less")
            if upload and url.max_bytes is None:
                yield Hit(ukp + ("max_bytes",), f"{label} with no bound on the upload's size",
                          fix="add `max_bytes:` (the content length the signature allows)")
            if url.store and url.store not in ctx.stores:
                yield Hit(ukp + ("store",), f"{label} into {url.store!r}, which is not a persistence store")
