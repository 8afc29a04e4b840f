"""What the design already states against a threat: each check answers one mitigation for one element.

A :class:`Mitigation` says whether the design states it (with the evidence, or what is missing),
whether the threat needs it (``required``: the risk exists, e.g. restricted data on the wire),
where it is or belongs (a key path) and which rule reports it when a required one is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..core.model import Design
from ..core.placeholders import is_stated
from .dfd import RESTRICTED, SENSITIVE, Flow

# Rules whose mitigation (TLS) is always derived from a flow: a threat lacks it only on account of
# its own flow or, for an actor, of a flow that touches it (see the catalogue in stride.py).
TLS_RULES = frozenset({"THR002", "THR004"})


@dataclass(frozen=True, slots=True)
class Mitigation:
    """One control against one threat, as the design states it (or does not)."""

    id: str              # stable: signature-verification, tls, encryption-at-rest ...
    name: str
    stated: bool
    evidence: str        # what the design says, or what is missing
    key_path: tuple = ()
    required: bool = True
    rule: str | None = None   # the rule that reports it when required and missing

    @property
    def missing(self) -> bool:
        return self.required and not self.stated

    def as_dict(self) -> dict:
        from ..core.loader import format_key_path

        return {"id": self.id, "name": self.name, "stated": self.stated, "required": self.required,
                "evidence": self.evidence, "key_path": format_key_path(self.key_path), "rule": self.rule}


def _m(id_, name, stated, evidence, key_path=(), *, required=True, rule=None, missing=None) -> Mitigation:
    return Mitigation(id_, name, bool(stated), evidence if stated else (missing or evidence), tuple(key_path),
                      required, rule)


class Mitigations:
    """The design-wide facts mitigations are read from, computed once per model."""

    def __init__(self, design: Design):
        self.design = design
        # TLS is stated design-wide: its mitigation differs between flows only in whether the
        # flow needs it, so one (frozen) instance per answer serves every flow
        self._tls: dict[tuple, Mitigation] = {}

    def may_be_missing(self, rule: str, flow: Flow) -> bool:
        """Whether a threat can lack a mitigation ``rule`` reports on account of ``flow``. TLS
        (``TLS_RULES``) is stated design-wide, and a flow needs it only for what it carries: when it
        is stated or not needed, no threat of the flow (or of its ends) lacks it."""
        if rule == "THR002":
            return not self._public_tls[0] and _needs_public_tls(flow)
        if rule == "THR004":
            return not self._internal_tls_ok(mtls=False) and _needs_internal_tls(flow, mtls=False)
        return True

    @cached_property
    def auth_schemes(self) -> dict:
        return {s.name: s for s in self.design.security.authentication}

    @cached_property
    def dedupe_names(self) -> dict[str, str]:
        """Names a dedupe or idempotency ``store`` may use -> what it is, for evidence."""
        p = self.design.persistence
        out = {t.name: f"table {t.name}" for t in p.tables}
        out.update({s.name: f"store {s.name}" for s in p.stores})
        for s in p.idempotency:
            out[s.table] = out[s.ref] = f"idempotency store {s.ref} (table {s.table}" + (f", ttl {s.ttl})" if s.ttl else ")")
        return out

    # ---- transport
    @cached_property
    def _public_tls(self) -> tuple[bool, str, tuple]:
        """Whether the design says the public edge uses TLS, what says so (or not), and where."""
        t = self.design.security.transport
        base = (self.design.api.base_url or "").lower()
        if t is not None and t.external in ("tls", "mtls"):
            return True, f"security.transport.external: {t.external}", ("security", "transport", "external")
        if t is None or t.external is None:
            if base.startswith(("https://", "wss://")):
                return True, f"api.base_url is {self.design.api.base_url}", ("api", "base_url")
        said = "security.transport.external is none" if t is not None and t.external == "none" else \
            "neither an https:// api.base_url nor security.transport.external says TLS"
        return False, said, ("security", "transport", "external")

    def public_tls(self, flow: Flow, kp=()) -> Mitigation:
        needed = _needs_public_tls(flow)
        known = self._tls.get(("public", needed))
        if known is None:
            stated, said, where = self._public_tls
            known = self._tls[("public", needed)] = _m("tls", "TLS on the public edge", stated, said, where,
                                                       required=needed, rule="THR002")
        return known

    def _internal_tls_ok(self, *, mtls: bool) -> bool:
        t = self.design.security.transport
        value = t.internal if t is not None else None
        return value == "mtls" if mtls else value in ("tls", "mtls")

    def internal_tls(self, flow: Flow, *, mtls: bool = False) -> Mitigation:
        needed = _needs_internal_tls(flow, mtls=mtls)
        known = self._tls.get(("internal", mtls, needed))
        if known is None:
            t = self.design.security.transport
            value = t.internal if t is not None else None
            name = "mTLS between workloads" if mtls else "TLS inside the network"
            known = self._tls[("internal", mtls, needed)] = _m(
                "mtls" if mtls else "internal-tls", name, self._internal_tls_ok(mtls=mtls),
                f"security.transport.internal: {value}", ("security", "transport", "internal"), required=needed,
                rule=None if mtls else "THR004", missing="security.transport.internal does not say tls or mtls")
        return known

    # ---- callers
    def authentication(self, auth: str | None, kp) -> Mitigation:
        if auth == "public":
            return _m("authentication", "Authentication", False, "public by design", kp, required=False)
        scheme = self.auth_schemes.get(auth or "")
        return _m("authentication", "Authentication", scheme is not None,
                  f"{auth} ({scheme.type})" if scheme else "", kp, rule="SEC001",
                  missing=f"{auth!r} is not defined in security.authentication" if auth else "no auth stated")

    def authorization(self, surfaces: list[tuple[tuple, object]]) -> Mitigation:
        gaps = [kp for kp, s in surfaces if not _access_stated(s)]
        kp = gaps[0] + ("authorization",) if gaps else (surfaces[0][0] + ("authorization",) if surfaces else ())
        said = (f"{surfaces[0][1].authorization}" if len(surfaces) == 1 and surfaces[0][1].authorization
                else f"{len(surfaces)} surface(s) state who may call them")
        return _m("authorization", "Authorization on every call", not gaps, said, kp, rule="API001",
                  missing=f"{len(gaps)} of {len(surfaces)} surface(s) state no authorization rule or public justification")

    def rate_limit(self, surface, kp) -> Mitigation:
        own = getattr(surface, "rate_limit", None)
        default = self.design.security.default_rate_limit
        limit = own or default
        return _m("rate-limit", "Rate limit", limit is not None,
                  f"{limit.limit} per {limit.key}" + ("" if own else " (default)") if limit else "",
                  kp + ("rate_limit",), rule="SEC002", missing="no rate limit and no security.default_rate_limit")

    def input_validation(self, body, kp) -> Mitigation | None:
        if body is None:
            return None     # nothing arrives to validate
        schema = body.schema_ or ("inline fields" if body.fields else None)
        parts = [f"schema {schema}"] if schema else []
        if body.unknown_fields == "reject":
            parts.append("unknown fields rejected")
        if body.max_bytes:
            parts.append(f"at most {body.max_bytes} bytes")
        return _m("input-validation", "Input validation", schema is not None, ", ".join(parts),
                  kp + ("request",), rule="API002", missing="the request body has no schema")

    def audit(self, surfaces, kp) -> Mitigation:
        """Admin actions and deletes by these callers are audited; other writes should be (recommended)."""
        must = [(k, s) for k, s in surfaces if getattr(s, "admin", False) or getattr(s, "method", "") == "DELETE"]
        should = [(k, s) for k, s in surfaces if getattr(s, "method", "POST") != "GET" and getattr(s, "writes", None)]
        audit = self.design.observability.audit
        trail = audit is not None and is_stated(audit.store)
        if not must and not should:
            return _m("audit", "Audit trail", trail, f"audit trail in {audit.store}" if trail else "",
                      ("observability", "audit"), required=False, missing="no audit trail stated")
        group = must or should
        gaps = [k for k, s in group if not s.audit]
        what = "admin action(s) and delete(s)" if must else "write(s)"
        return _m("audit", "Audit of their actions", not gaps, f"{len(group)} {what} audited",
                  (gaps[0] if gaps else group[0][0]) + ("audit",), required=bool(must), rule="OBS003",
                  missing=f"{len(gaps)} of {len(group)} {what} not audited")

    def request_ids(self) -> Mitigation:
        r = self.design.observability.request_ids
        return _m("request-ids", "Request ids propagated and logged", r is not None and r.propagate,
                  f"{r.header} propagated" if r else "", ("observability", "request_ids"), required=False,
                  rule="OBS002", missing="no request ids")

    # ---- inbound webhooks
    def signature(self, hooks) -> Mitigation:
        gaps, said = [], []
        for kp, h in hooks:
            sig = h.signature
            if h.exposure == "private" and (sig is None or sig.scheme == "none"):
                said.append(f"{h.name}: private link only")
            elif sig is None or sig.scheme == "none" or (sig.scheme not in ("mtls",) and "body" not in sig.signs):
                gaps.append(kp + ("signature",))
            else:
                said.append(f"{h.name}: {sig.scheme}" + (f" over {', '.join(sig.signs)}" if sig.signs else ""))
        return _m("signature-verification", "Signature verification", not gaps, "; ".join(said),
                  gaps[0] if gaps else hooks[0][0] + ("signature",), rule="API013",
                  missing="no signature over the body is verified")

    def replay_window(self, hooks) -> Mitigation:
        signed = [(kp, h) for kp, h in hooks if h.signature and "timestamp" in h.signature.signs]
        gaps = [kp for kp, h in signed if not h.replay_window]
        said = [f"{h.name}: {h.replay_window}" for _, h in signed if h.replay_window]
        return _m("replay-window", "Replay window on a signed timestamp", bool(said) and not gaps, "; ".join(said),
                  (gaps[0] if gaps else hooks[0][0]) + ("replay_window",), required=bool(signed), rule="API013",
                  missing="no replay window" + (" on the signed timestamp" if signed else " (no signed timestamp)"))

    def dedupe_store(self, hooks) -> Mitigation:
        gaps, said = [], []
        for kp, h in hooks:
            name = h.dedupe.store if h.dedupe else None
            if name and name in self.dedupe_names:
                said.append(f"{h.name}: {self.dedupe_names[name]}")
            else:
                gaps.append(kp + ("dedupe",))
        return _m("idempotency-store", "Idempotency store of deliveries seen", not gaps, "; ".join(said),
                  gaps[0] if gaps else hooks[0][0] + ("dedupe",), rule="API014",
                  missing="no dedupe store that persistence defines")

    # ---- outbound webhooks
    def signing(self, hook, kp) -> Mitigation:
        return _m("webhook-signing", "Signed deliveries", is_stated(hook.signing), f"signed: {hook.signing}",
                  kp + ("signing",), rule="API012", missing="deliveries are not signed")

    def delivery(self, hook, kp) -> Mitigation:
        return _m("delivery-policy", "Delivery and retry policy", is_stated(hook.delivery), f"{hook.delivery}",
                  kp + ("delivery",), rule="API012", missing="no delivery policy")

    # ---- stores and processes
    def encryption_at_rest(self, store, kp, classes) -> Mitigation:
        text = getattr(store, "encryption_at_rest", None)
        ok = is_stated(text) and text.strip().lower() not in ("none", "no", "false", "off")
        return _m("encryption-at-rest", "Encryption at rest", ok, f"{text}", kp + ("encryption_at_rest",),
                  required=bool(classes & RESTRICTED), rule="THR003",
                  missing="encryption_at_rest says none" if is_stated(text) else "encryption at rest is not stated")

    def grants_for(self, names: list[str]) -> Mitigation:
        grants = self.design.security.grants
        hits = [g for g in grants if any(n and n.lower() in g.resource.lower() for n in names)]
        return _m("least-privilege", "Least-privilege grants", bool(hits),
                  "; ".join(f"{g.principal}: {', '.join(g.actions)}" for g in hits[:3]),
                  ("security", "grants"), required=False, rule="SEC005", missing="no grant names it")

    def workload_identity(self) -> Mitigation:
        principals = sorted({g.principal for g in self.design.security.grants})
        return _m("workload-identity", "Own workload identities", bool(principals), ", ".join(principals[:3]),
                  ("security", "grants"), required=False, rule="SEC005", missing="no identity of the service's own is stated")

    def scaling(self, name: str) -> Mitigation:
        unit = next((u for u in self.design.performance.scaling if name in u.runs), None)
        said = f"{unit.name}: {unit.scales}" + (f", up to {unit.max_replicas}" if unit and unit.max_replicas else "") if unit else ""
        return _m("scaling", "Scaling unit with known limits", unit is not None, said, ("performance", "scaling"),
                  required=False, rule="PRF002", missing="no scaling unit runs it")

    def least_privilege(self) -> Mitigation:
        sec = self.design.security
        said = [x for x in sec.least_privilege if is_stated(x)]
        return _m("hardening", "Least privilege for the workload", bool(said or sec.grants),
                  said[0] if said else f"{len(sec.grants)} grant(s)", ("security", "least_privilege"),
                  required=False, rule="SEC005", missing="no least-privilege measure stated")

    def replicas(self, store, kp) -> Mitigation:
        if getattr(store, "ephemeral", False):
            return _m("replicas", "Replicas or backups", True, "ephemeral: losing it is harmless", kp, required=False)
        n = getattr(store, "replicas", None)
        recovery = [x for x in self.design.reliability.recovery if is_stated(x)]
        ok = (n or 0) >= 2 or bool(recovery)
        said = ", ".join(x for x in (f"{n} replicas" if n else "", recovery[0] if recovery else "") if x)
        return _m("replicas", "Replicas or backups", ok, said, kp + ("replicas",), rule="PER007",
                  required=False, missing="no replica and no recovery (backups) stated")

    def log_redaction(self) -> Mitigation:
        logs = self.design.observability.logs
        return _m("log-redaction", "Sensitive fields redacted from logs", bool(logs and logs.redact),
                  f"redacted: {', '.join(logs.redact)}" if logs and logs.redact else "",
                  ("observability", "logs", "redact"), required=False, rule="OBS004", missing="nothing is redacted")

    @cached_property
    def _policies(self) -> dict:
        return {p.target: p for p in self.design.reliability.failure_policies}

    def failure_policy(self, names: list[str]) -> Mitigation:
        policies = self._policies
        found = next((policies[n] for n in names if n in policies), None)
        return _m("timeouts", "Timeout and failure policy", found is not None and found.timeout_ms is not None,
                  f"timeout {found.timeout_ms} ms" if found and found.timeout_ms else "",
                  ("reliability", "failure_policies"), required=False, rule="REL001",
                  missing="no timeout stated for calls to it")


def _needs_public_tls(flow: Flow) -> bool:
    return bool(flow.classes & SENSITIVE) or _authenticated(flow)


def _needs_internal_tls(flow: Flow, *, mtls: bool) -> bool:
    return bool(flow.classes & RESTRICTED) and not mtls


def _authenticated(flow: Flow) -> bool:
    ref = flow.ref[1] if isinstance(flow.ref, tuple) else flow.ref
    auth = getattr(ref, "auth", None)
    return flow.kind == "inbound-webhook" or bool(auth and auth != "public")


def _access_stated(surface) -> bool:
    if getattr(surface, "auth", None) == "public":
        return is_stated(surface.public_justification)
    a = getattr(surface, "authorization", None)
    return a is not None and bool(a.roles or a.scopes or is_stated(a.condition))
