"""Secrets handling and least privilege: where each secret lives and rotates, what the service may do.

Values found in the file are ``secrets.py``'s concern; these rules judge the design's statements:
a secret's kind and reference, that none lives in the repository, that the important ones
rotate, and that the service's own grants name actions and resources rather than wildcards.
"""

from __future__ import annotations

import re

from . import seeds
from .base import Hit, is_placeholder, names_list, rule
from .secrets import looks_like_secret

# Auth schemes whose verification needs a shared secret, and what that secret is.
_NEEDS_SECRET = {"hmac-signature": "signing secret", "api-key": "key store", "basic": "password store"}
# Webhook signature schemes verified with a shared secret (the others use the provider's public key).
_SHARED_SECRET = ("hmac-sha256", "hmac-sha512", "hmac-sha1", "shared-token")


@rule("SEC004", "security.secrets-in-store", "error", step="security", seed=seeds.NO_SECRETS,
      checklist="security-observability", risk="high", tiers={"C": "error"})  # a safety rule: never softened
def secrets_in_store(ctx):
    """Every secret the design needs says where it lives, as a kind and a reference, never a value.

    Why: A secret without a stated home ends up in an environment file, a config map or the
    repository; naming the store (Vault, a cloud secret manager, KMS) makes rotation and access
    review possible.
    Fix: Add `security.secrets` entries with `kind:` (secret-manager, vault, kms, hsm, k8s-secret,
    env-injected, file) and `ref:` (its location there, not the value), and point each auth
    scheme's and webhook signature's `secret:` at one.
    Plan: In the security step, list every secret, where it is kept and how it rotates.
    Bad:
        secrets: [{name: stripe-key, kind: vault, ref: sk_live_51H...}]
    Good:
        secrets: [{name: stripe-key, kind: vault, ref: kv/payments/stripe, rotation: every 90 days}]
    """
    secrets = {s.name for s in ctx.design.security.secrets}
    known = names_list(sorted(secrets), 8) if secrets else "(none listed yet)"
    for i, s in enumerate(ctx.design.security.secrets):
        kp = ("security", "secrets", i)
        if s.kind is None:
            yield Hit(kp + ("kind",), f"secret {s.name} does not say what kind of store keeps it",
                      fix="add `kind:` (secret-manager, vault, kms, hsm, k8s-secret, env-injected, file or other)")
        if is_placeholder(s.ref):
            yield Hit(kp + ("ref",), f"secret {s.name} does not say where in its store it is kept",
                      fix="add `ref:` (e.g. kv/app/NAME), the location, never the value")
        elif looks_like_secret(s.ref):
            yield Hit(kp + ("ref",), f"secret {s.name} gives what looks like a value instead of a location",
                      fix="replace the value with its location (e.g. kv/app/NAME) and rotate the exposed secret")
    for i, scheme in enumerate(ctx.design.security.authentication):
        kp = ("security", "authentication", i, "secret")
        if scheme.secret and scheme.secret not in secrets:
            yield Hit(kp, f"auth scheme {scheme.name} uses secret {scheme.secret!r}, which security.secrets does not list",
                      fix=f"add {scheme.secret!r} to security.secrets with its kind and ref")
        elif not scheme.secret and scheme.type in _NEEDS_SECRET:
            yield Hit(kp, f"auth scheme {scheme.name} ({scheme.type}) does not name where its "
                      f"{_NEEDS_SECRET[scheme.type]} is kept",
                      fix=f"set `secret:` to a security.secrets entry: {known}")
    for i, hook in enumerate(ctx.design.api.inbound_webhooks):
        sig = hook.signature
        if sig is None:
            continue
        kp = ("api", "inbound_webhooks", i, "signature", "secret")
        if sig.secret and sig.secret not in secrets:
            yield Hit(kp, f"inbound webhook {hook.name} verifies with secret {sig.secret!r}, which security.secrets does not list",
                      fix=f"add {sig.secret!r} to security.secrets with its kind and ref")
        elif not sig.secret and sig.scheme in _SHARED_SECRET:
            yield Hit(kp, f"inbound webhook {hook.name} ({sig.scheme}) does not name the secret it verifies with",
                      fix=f"set `secret:` to a security.secrets entry: {known}")


@rule("SEC005", "security.least-privilege", "warning", step="security", seed=seeds.SECURITY,
      checklist="security-observability", tiers={"A": "error", "C": "info"})
def least_privilege(ctx):
    """Authorization defaults to deny, and the service's own access is stated as grants.

    Why: Default-allow turns every forgotten rule into an open endpoint; a service account that
    can do everything turns one bug into a breach of every table and queue. Prose ("minimal
    rights") cannot be reviewed; a grant (principal, actions, resource) can.
    Fix: Set `security.authorization.default: deny` and list in `security.grants` what each of the
    service's identities may do on which resource.
    Plan: In the security step, scope each credential the service holds to the actions it needs.
    Bad:
        authorization: {model: rbac, default: allow}
        least_privilege: [The service has minimal rights.]
    Good:
        authorization: {model: rbac, default: deny}
        grants: [{principal: app db role, actions: [SELECT, INSERT, UPDATE], resource: tables orders and order_lines}]
    """
    authz = ctx.design.security.authorization
    if authz is not None and authz.default == "allow":
        yield Hit(("security", "authorization", "default"), "authorization defaults to allow")
    holds_access = ctx.design.persistence.stores or [
        d for d in ctx.design.services.dependencies if d.kind != "library"]
    if holds_access and not ctx.design.security.grants:
        said = " (only in prose)" if ctx.design.security.least_privilege else ""
        yield Hit(("security", "grants"),
                  f"the service uses stores or services but states no grants for its own access{said}",
                  fix="add `grants: [{principal: ..., actions: [...], resource: ...}]`")


_IN_REPOSITORY = re.compile(r"\b(repo|repository|git|github|gitlab|source control|version control|checked in|"
                            r"committed)\b|(^|[/\s])\.env\b", re.IGNORECASE)


def in_repository(secret) -> bool:
    """Whether a secret's stated home is a file in the repository."""
    ref = (secret.ref or "").strip()
    if _IN_REPOSITORY.search(ref):
        return True
    # a mounted file (/run/secrets/db) is fine; a relative path is a path in the checkout
    return secret.kind == "file" and bool(ref) and not ref.startswith(("/", "~")) and "://" not in ref


@rule("SEC007", "security.no-secrets-in-repository", "error", step="security", seed=seeds.NO_SECRETS,
      checklist="security-observability", risk="high", tiers={"C": "error"})  # a safety rule: never softened
def no_secrets_in_repository(ctx):
    """No secret is kept in a file in the repository (a relative path, a .env file, "in git").

    Why: The seed's safety rule: do not design systems that require storing secrets in source
    control. Everyone with read access to the repository, every clone and every CI log holds a
    secret committed there, and history keeps it after it is deleted.
    Fix: Keep it in a secret manager, Vault or KMS and inject it at run time (`kind: env-injected`
    from the platform, or `kind: file` mounted at an absolute path such as /run/secrets/NAME).
    Plan: In the security step, move every secret out of the repository into a store the platform injects from.
    Bad:
        secrets: [{name: db-password, kind: file, ref: config/secrets.yaml}]
    Good:
        secrets: [{name: db-password, kind: file, ref: /run/secrets/db-password, rotation: 90 days}]
    """
    for i, s in enumerate(ctx.design.security.secrets):
        if in_repository(s):
            yield Hit(("security", "secrets", i, "ref"),
                      f"secret {s.name} is kept in the repository ({s.ref}): a secret in source control "
                      "is leaked to everyone who can read it",
                      fix="move it to a secret manager or Vault, e.g. `kind: vault`, `ref: kv/app/NAME`, "
                          "and rotate it")


@rule("SEC008", "security.secret-rotation", "warning", step="security", seed=seeds.SECURITY,
      checklist="security-observability", tiers={"A": "error", "C": "info"})
def secret_rotation(ctx):
    """Every secret of an important system states how and how often it is rotated.

    Why: Secrets leak (a laptop, a log line, a departed employee); rotation bounds how long a
    leaked one works, and a secret never rotated cannot be rotated in a hurry either.
    Fix: Add `rotation:` (e.g. "every 90 days, old and new both accepted for a day", or "per lease"
    for dynamic credentials).
    Plan: In the security step, give each secret a rotation period and a rotation that does not need downtime.
    Bad:
        secrets: [{name: signing-key, kind: vault, ref: kv/app/signing}]
    Good:
        secrets: [{name: signing-key, kind: vault, ref: kv/app/signing, rotation: every 90 days, two keys accepted during rotation}]
    """
    for i, s in enumerate(ctx.design.security.secrets):
        rotation = (s.rotation or "").strip().lower().strip(".")
        if is_placeholder(s.rotation) or rotation in ("never", "manual", "manually", "not rotated"):
            yield Hit(("security", "secrets", i, "rotation"), f"secret {s.name} states no rotation",
                      fix="add `rotation:` (e.g. every 90 days)")


_WILD_ACTION = re.compile(r"\*|\*:\*|[\w.-]+:\*|all|all privileges|full[_ -]?access", re.IGNORECASE)
_WILD_RESOURCE = re.compile(r"[*.:/\s]*\*[*.:/\s]*|arn:[^:]*:[^:]*:[^:]*:[^:]*:\*|all|any|everything",
                            re.IGNORECASE)


@rule("SEC009", "security.no-wildcard-grants", "warning", step="security", seed=seeds.SECURITY,
      checklist="security-observability", risk="high", tiers={"A": "error", "C": "info"})
def no_wildcard_grants(ctx):
    """No grant allows every action (`*`, `s3:*`, `admin:*`) or every resource (`*`).

    Why: A wildcard grant is the opposite of least privilege: it allows what nobody reviewed,
    including actions added to the provider after the design (delete, change policy), and turns
    one compromised pod into control of the whole account or database.
    Fix: Name the actions the service calls (`s3:GetObject`, `s3:PutObject`) and the resources it
    touches (a bucket prefix, a table, a queue ARN).
    Plan: In the security step, list each identity's calls from the code paths that make them.
    Bad:
        grants: [{principal: ingest-pods, actions: ["s3:*"], resource: "*"}]
    Good:
        grants: [{principal: ingest-pods, actions: ["s3:PutObject"], resource: "arn:aws:s3:::uploads/incoming/*"}]
    """
    for i, g in enumerate(ctx.design.security.grants):
        kp = ("security", "grants", i)
        for j, action in enumerate(g.actions):
            if _WILD_ACTION.fullmatch(action.strip()):
                yield Hit(kp + ("actions", j), f"the grant to {g.principal} allows {action!r}: every action, "
                          "reviewed or not",
                          fix="list the actions it calls instead")
        if _WILD_RESOURCE.fullmatch(g.resource.strip()):
            yield Hit(kp + ("resource",), f"the grant to {g.principal} applies {names_list(g.actions, 3)} to every "
                      f"resource ({g.resource!r})",
                      fix="name the resources it touches (a bucket prefix, a table, a queue)")
