"""Who may call what, how often, and what is kept of it: auth, authorization, limits, idempotency, audit."""

from __future__ import annotations

from ..core.durations import leading_duration, parse_rate
from ..core.placeholders import is_stated
from .base import Hit, check
from .context import pair


def _surfaces(ctx):
    """Endpoints and channels in both designs: (label, old, new, old key path, new key path)."""
    for p in ctx.endpoint_pairs:
        yield p.label, p.old, p.new, p.old_path, p.new_path
    for o, n, okp, nkp in ctx.iter_named(lambda d: d.api.channels, ("api", "channels")):
        yield f"channel {n.name}", o, n, okp, nkp


def _open(auth) -> bool:
    return auth is None or auth == "public"


@check("DIFF061", "auth-removed", "breaking", area="security")
def auth_removed(ctx):
    """An endpoint or channel that required authentication is now public (or names no scheme).

    Why: Anyone can call it; whatever it reads or changes is exposed to the internet.
    Fix: Restore the auth scheme; if it must be public, write `public_justification` and make
    sure it exposes nothing private.
    """
    for label, o, n, okp, nkp in _surfaces(ctx):
        if not _open(o.auth) and _open(n.auth):
            yield Hit(f"{label}: authentication removed (was {o.auth}, now {n.auth or 'none'})",
                      old=(*okp, "auth"), new=(*nkp, "auth") if n.auth else nkp)


@check("DIFF062", "auth-scheme-changed", "breaking", area="security")
def auth_scheme_changed(ctx):
    """An endpoint or channel now takes another authentication scheme.

    Why: Clients present the old credentials (an API key where an OAuth token is now required) and get 401.
    Fix: Accept both schemes during a migration window, announced to clients.
    """
    for label, o, n, okp, nkp in _surfaces(ctx):
        if not _open(o.auth) and not _open(n.auth) and o.auth != n.auth:
            yield Hit(f"{label}: authentication changed from {o.auth} to {n.auth}",
                      old=(*okp, "auth"), new=(*nkp, "auth"))


def _rule(x):
    a = x.authorization
    return a if a is not None and (a.roles or a.scopes or a.condition) else None


@check("DIFF063", "authorization-removed", "breaking", area="security")
def authorization_removed(ctx):
    """An endpoint or channel lost its authorization rule.

    Why: Any authenticated caller may now use it, whatever their role or whoever owns the data.
    Fix: Restore the rule (`authorization: {roles: [...]}`, or the ownership condition).
    """
    for label, o, n, okp, nkp in _surfaces(ctx):
        if _rule(o) and not _rule(n):
            yield Hit(f"{label}: authorization rule removed (was: {_rule(o)})",
                      old=(*okp, "authorization"), new=nkp)


@check("DIFF064", "roles-widened", "warning", area="security")
def roles_widened(ctx):
    """More roles may now call an endpoint or use a channel.

    Why: A widened grant is how privileges creep; the new roles should be a decision, not a side effect.
    Fix: Confirm the new roles need it; otherwise keep the old list.
    """
    for label, o, n, okp, nkp in _surfaces(ctx):
        if _rule(o) and _rule(n) and o.authorization.roles:
            added = [r for r in n.authorization.roles if r not in o.authorization.roles]
            if added:
                yield Hit(f"{label}: role(s) {', '.join(added)} may now call it",
                          old=(*okp, "authorization"), new=(*nkp, "authorization"))


@check("DIFF065", "roles-narrowed", "breaking", area="security")
def roles_narrowed(ctx):
    """Fewer roles may call an endpoint or use a channel.

    Why: Callers with the dropped roles now get 403.
    Fix: Confirm nobody with those roles still needs it, and tell them before the release.
    """
    for label, o, n, okp, nkp in _surfaces(ctx):
        if _rule(o) and _rule(n) and n.authorization.roles:
            gone = [r for r in o.authorization.roles if r not in n.authorization.roles]
            if gone:
                yield Hit(f"{label}: role(s) {', '.join(gone)} may no longer call it",
                          old=(*okp, "authorization"), new=(*nkp, "authorization"))


@check("DIFF066", "scopes-loosened", "warning", area="security")
def scopes_loosened(ctx):
    """An endpoint or channel requires fewer OAuth scopes than before.

    Why: Tokens granted for less now reach it; a token meant to read may now write.
    Fix: Keep the scope, or confirm that every token without it may do this.
    """
    for label, o, n, okp, nkp in _surfaces(ctx):
        if _rule(o) and _rule(n):
            gone = [s for s in o.authorization.scopes if s not in n.authorization.scopes]
            if gone:
                yield Hit(f"{label}: scope(s) {', '.join(gone)} no longer required",
                          old=(*okp, "authorization"), new=(*nkp, "authorization"))


@check("DIFF067", "scopes-added", "breaking", area="security")
def scopes_added(ctx):
    """An endpoint or channel requires an OAuth scope it did not require.

    Why: Existing tokens lack the scope and get 403 until users grant it again.
    Fix: Roll the scope out to clients' tokens first, then require it.
    """
    for label, o, n, okp, nkp in _surfaces(ctx):
        if _rule(n):
            old = o.authorization.scopes if o.authorization else []
            added = [s for s in n.authorization.scopes if s not in old]
            if added:
                yield Hit(f"{label}: now requires scope(s) {', '.join(added)}",
                          old=okp, new=(*nkp, "authorization"))


@check("DIFF068", "ownership-condition-removed", "breaking", area="security")
def ownership_condition_removed(ctx):
    """An authorization rule lost its condition (the owner, the tenant, the author).

    Why: With the role alone, any holder of the role reaches every record, not just their own
    (broken object-level authorization).
    Fix: Restore the condition, or justify in a decision why every holder may see every record.
    """
    for label, o, n, okp, nkp in _surfaces(ctx):
        if _rule(o) and o.authorization.condition and _rule(n) and not n.authorization.condition:
            yield Hit(f"{label}: condition {o.authorization.condition!r} removed",
                      old=(*okp, "authorization"), new=(*nkp, "authorization"))


@check("DIFF069", "auth-scheme-removed", "breaking", area="security")
def auth_scheme_removed(ctx):
    """An authentication scheme was removed from security.authentication.

    Why: Clients that authenticate with it are locked out.
    Fix: Keep the scheme until no client uses it; move clients to its replacement first.
    """
    for i, s in ctx.named(lambda d: d.security.authentication).removed:
        yield Hit(f"authentication scheme {s.name} ({s.type}) was removed",
                  old=("security", "authentication", i))


@check("DIFF070", "default-allow", "breaking", area="security")
def default_allow(ctx):
    """Authorization now allows by default, or no longer has a model.

    Why: Anything without an explicit rule is open; a forgotten rule becomes a hole instead of a 403.
    Fix: Keep `default: deny` and give each endpoint its rule.
    """
    o, n = ctx.old.security.authorization, ctx.new.security.authorization
    at = ("security", "authorization")
    if o and o.default == "deny" and o.model != "none" and n and (n.default == "allow" or n.model == "none"):
        what = "default allow" if n.default == "allow" else "model none"
        yield Hit(f"authorization is now {what}", old=at, new=at)


# --------------------------------------------------------------------------- rate limits


def _limits(ctx):
    for label, o, n, okp, nkp in _surfaces(ctx):
        yield label, o.rate_limit, n.rate_limit, (*okp, "rate_limit"), (*nkp, "rate_limit"), nkp
    at = ("security", "default_rate_limit")
    yield ("the default rate limit", ctx.old.security.default_rate_limit, ctx.new.security.default_rate_limit,
           at, at, ("security",))


@check("DIFF071", "rate-limit-removed", "warning", area="security")
def rate_limit_removed(ctx):
    """A rate limit was removed.

    Why: One client (or an attacker) can now exhaust the service, its database or its bill.
    Fix: Keep a limit; raise it if it was too low.
    """
    for label, o, n, okp, _, parent in _limits(ctx):
        if o is not None and n is None:
            yield Hit(f"{label}: rate limit {o.limit} removed", old=okp, new=parent)


@check("DIFF072", "rate-limit-raised", "warning", area="security")
def rate_limit_raised(ctx):
    """A rate limit was raised.

    Why: More load per client reaches the service; the capacity plan and dependencies' quotas
    must allow it.
    Fix: Check the capacity numbers and the dependencies' limits against the new rate.
    """
    for label, o, n, okp, nkp, _ in _limits(ctx):
        if o and n and (parse_rate(o.limit) or 0) < (parse_rate(n.limit) or 0) and parse_rate(o.limit):
            yield Hit(f"{label}: rate limit raised from {o.limit} to {n.limit}", old=okp, new=(*nkp, "limit"))


@check("DIFF073", "rate-limit-lowered", "warning", area="security")
def rate_limit_lowered(ctx):
    """A rate limit was lowered.

    Why: Clients that stayed under the old limit are now throttled with 429.
    Fix: Check real traffic per client against the new limit before lowering it.
    """
    for label, o, n, okp, nkp, _ in _limits(ctx):
        if o and n and parse_rate(n.limit) is not None and (parse_rate(o.limit) or 0) > parse_rate(n.limit):
            yield Hit(f"{label}: rate limit lowered from {o.limit} to {n.limit}", old=okp, new=(*nkp, "limit"))


# --------------------------------------------------------------------------- idempotency and audit


@check("DIFF074", "idempotency-removed", "breaking", area="security")
def idempotency_removed(ctx):
    """An endpoint lost its idempotency.

    Why: Clients and proxies retry on timeouts; every retry now repeats the effect (a second charge).
    Fix: Keep the idempotency key (or the natural key) and its store.
    """
    for p in ctx.endpoint_pairs:
        if p.old.idempotency and not p.new.idempotency:
            yield Hit(f"{p.label}: idempotency ({p.old.idempotency.strategy}) removed",
                      old=(*p.old_path, "idempotency"), new=p.new_path)


@check("DIFF075", "idempotency-key-changed", "breaking", area="security")
def idempotency_key_changed(ctx):
    """Where an endpoint reads its idempotency key (or its strategy) changed.

    Why: Clients send the key where it was; the server no longer sees it, and retries repeat the effect.
    Fix: Read the key from both places for a release.
    """
    for p in ctx.endpoint_pairs:
        o, n = p.old.idempotency, p.new.idempotency
        if o and n and (o.strategy != n.strategy or (o.key and n.key != o.key)):
            was, now = (f"{x.strategy} {x.key or ''}".strip() for x in (o, n))
            yield Hit(f"{p.label}: idempotency changed from {was} to {now}",
                      old=(*p.old_path, "idempotency"), new=(*p.new_path, "idempotency"))


@check("DIFF076", "idempotency-ttl-shortened", "warning", area="security")
def idempotency_ttl_shortened(ctx):
    """Idempotency keys are kept for less time than before.

    Why: A retry that arrives after the new TTL (a provider retrying for 3 days) is applied twice.
    Fix: Keep keys longer than the longest retry window of any client or provider.
    """
    items = [(p.label, p.old.idempotency, p.new.idempotency, (*p.old_path, "idempotency", "ttl"),
              (*p.new_path, "idempotency", "ttl")) for p in ctx.endpoint_pairs]
    items += [(f"idempotency store {n.ref}", o, n, (*okp, "ttl"), (*nkp, "ttl"))
              for o, n, okp, nkp in ctx.iter_named(lambda d: d.persistence.idempotency,
                                                   ("persistence", "idempotency"), key=lambda s: s.ref)]
    for label, o, n, okp, nkp in items:
        old = leading_duration(o.ttl) if o else None
        new = leading_duration(n.ttl) if n else None
        if old and new and new < old:
            yield Hit(f"{label}: idempotency keys kept {n.ttl} instead of {o.ttl}", old=okp, new=nkp)


@check("DIFF077", "audit-removed", "warning", area="security")
def audit_removed(ctx):
    """An audited action is no longer audited.

    Why: The action still happens but leaves no trace; investigations and compliance reviews lose it.
    Fix: Keep `audit` on the endpoint or channel and the event in observability.audit.events.
    """
    for label, o, n, okp, nkp in _surfaces(ctx):
        if o.audit and not n.audit:
            yield Hit(f"{label} is no longer audited", old=(*okp, "audit"), new=nkp)
    o, n = ctx.old.observability.audit, ctx.new.observability.audit
    if o:
        for k, event in enumerate(o.events):
            if not n or event not in n.events:
                yield Hit(f"audit event {event!r} is no longer recorded", old=("observability", "audit", "events", k),
                          new=("observability", "audit") if n else ("observability",))


@check("DIFF078", "log-redaction-removed", "warning", area="security")
def log_redaction_removed(ctx):
    """A field is no longer redacted from logs.

    Why: Its values (an e-mail address, a token) now land in log storage, which is kept longer and
    read by more people than the database.
    Fix: Keep the field in observability.logs.redact.
    """
    o, n = ctx.old.observability.logs, ctx.new.observability.logs
    if o:
        for k, name in enumerate(o.redact):
            if not n or name not in n.redact:
                yield Hit(f"{name} is no longer redacted from logs", old=("observability", "logs", "redact", k),
                          new=("observability", "logs") if n else ("observability",))


# --------------------------------------------------------------------------- the service's own privileges


@check("DIFF113", "grant-widened", "warning", area="security")
def grant_widened(ctx):
    """The service's own identity may do more than before (a grant gained actions, or a new grant).

    Why: least privilege erodes one grant at a time; a compromised service can now do what was added.
    Fix: confirm each added action is needed by a named component; otherwise keep the old grant.
    """
    old = {(g.principal, g.resource): set(g.actions) for g in ctx.old.security.grants}
    for j, g in enumerate(ctx.new.security.grants):
        was = old.get((g.principal, g.resource))
        added = [a for a in g.actions if was is None or a not in was]
        if added:
            yield Hit(f"{g.principal} may now {', '.join(added)} on {g.resource}",
                      new=("security", "grants", j, "actions"))


@check("DIFF114", "capability-url-loosened", "warning", area="security")
def capability_url_loosened(ctx):
    """A presigned or capability URL an endpoint hands out works for longer, or more than once.

    Why: whoever holds the link (a forwarded e-mail, a log line, a browser history) can use it
    for longer or again.
    Fix: keep the expiry short and the link single-use where it was.
    """
    for p in ctx.endpoint_pairs:
        for i, o, j, n in pair(p.old.capability_urls, p.new.capability_urls, lambda u: (u.name, u.method)).both:
            okp, nkp = (*p.old_path, "capability_urls", i), (*p.new_path, "capability_urls", j)
            a, b = leading_duration(o.expiry), leading_duration(n.expiry)
            if a and (b is None or b > a):
                yield Hit(f"{p.label}: capability URL expiry lengthened from {o.expiry} to {n.expiry or 'none'}",
                          old=(*okp, "expiry"), new=(*nkp, "expiry") if n.expiry else nkp)
            if o.single_use and not n.single_use:
                yield Hit(f"{p.label}: capability URL is no longer single-use", old=(*okp, "single_use"), new=nkp)


@check("DIFF115", "secret-rotation-dropped", "warning", area="security")
def secret_rotation_dropped(ctx):
    """A secret is no longer rotated.

    Why: a leaked key stays valid for ever; rotation is what bounds the damage of a leak nobody noticed.
    Fix: keep the rotation (every 90 days, or per lease), or say in a decision why this key cannot rotate.
    """
    for o, n, okp, nkp in ctx.iter_named(lambda d: d.security.secrets, ("security", "secrets")):
        if is_stated(o.rotation) and not is_stated(n.rotation):
            yield Hit(f"secret {n.name} is no longer rotated (was: {o.rotation})", old=(*okp, "rotation"), new=nkp)


# --------------------------------------------------------------------------- encryption


_WIRE = {"mtls": 2, "tls": 1, "none": 0}


@check("DIFF119", "encryption-in-transit-weakened", "breaking", area="security")
def encryption_in_transit_weakened(ctx):
    """Data on the wire is less protected than before (TLS dropped, mTLS to TLS, an older TLS version).

    Why: whoever sits on the network path (a shared cluster, a peered VPC, a proxy) can now read
    or alter requests, tokens and personal data.
    Fix: keep TLS (mTLS where it was) on that side, and the minimum version at 1.3 where it was.
    """
    o, n = ctx.old.security.transport, ctx.new.security.transport
    at = ("security", "transport")
    if o is None:
        return
    for side in ("external", "internal"):
        a, b = getattr(o, side), getattr(n, side) if n else None
        if a and a != "none" and (b is None or _WIRE[b] < _WIRE[a]):
            yield Hit(f"{side} traffic: {a} became {b or 'unstated'}", old=(*at, side),
                      new=(*at, side) if b else (at if n else ("security",)))
    if o.min_tls_version and n and n.min_tls_version and n.min_tls_version < o.min_tls_version:
        yield Hit(f"minimum TLS version lowered from {o.min_tls_version} to {n.min_tls_version}",
                  old=(*at, "min_tls_version"), new=(*at, "min_tls_version"))


@check("DIFF120", "encryption-at-rest-removed", "breaking", area="persistence")
def encryption_at_rest_removed(ctx):
    """A store that encrypted its data at rest no longer says it does.

    Why: disks, snapshots and backups now hold the data in the clear; a lost backup is a breach.
    Fix: keep `encryption_at_rest` (e.g. AES-256 with KMS-managed keys) on the store.
    """
    for o, n, okp, nkp in ctx.iter_named(lambda d: d.persistence.stores, ("persistence", "stores")):
        if _encrypted(o.encryption_at_rest) and not _encrypted(n.encryption_at_rest):
            yield Hit(f"store {n.name}: encryption at rest removed (was: {o.encryption_at_rest})",
                      old=(*okp, "encryption_at_rest"), new=(*nkp, "encryption_at_rest") if n.encryption_at_rest else nkp)


def _encrypted(text: str | None) -> bool:
    return is_stated(text) and text.strip().lower().rstrip(".") not in ("none", "unencrypted", "not encrypted")
