"""The architecture spec: the seed's output schema, filled from the design.

The seed's example spec has top-level keys ``api`` (a list of ``{method, path, auth}``),
``services``, ``data_model``, ``observability`` and ``validation``; we keep those exactly, in
that shape, and add ``security``, ``persistence``, ``reliability``, ``performance``,
``decisions`` and ``checklist``.
"""

from __future__ import annotations

from typing import Any

from ..core.model import Design, Endpoint

SPEC_KEYS = ("api", "services", "data_model", "observability", "validation", "security",
             "persistence", "reliability", "performance", "decisions", "checklist")


def _clean(value: Any) -> Any:
    """Drop empty values so the spec shows decisions, not blanks."""
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_clean(v) for v in value if v not in (None, "", [], {})]
    return value


def _dump(model) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True) if model is not None else None


def _endpoint(e: Endpoint) -> dict:
    return _clean({
        "method": e.method,
        "path": e.path,
        "auth": "public" if e.auth == "public" else "required",
        "id": e.id,
        "summary": e.summary,
        "auth_scheme": None if e.auth == "public" else e.auth,
        "authorization": e.authorization,
        "public_justification": e.public_justification,
        "request": _dump(e.request),
        "parameters": [_dump(p) for p in e.parameters],
        "responses": [_dump(r) for r in e.responses],
        "errors": e.errors,
        "rate_limit": _dump(e.rate_limit),
        "idempotency": _dump(e.idempotency),
        "writes": e.writes,
        "handler": e.handler,
    })


def _observability(d: Design) -> list[str]:
    o = d.observability
    items = []
    if o.logs:
        kind = "structured logs" if o.logs.structured else "logs (unstructured)"
        detail = f" ({o.logs.format})" if o.logs.format else ""
        fields = f"; fields: {', '.join(map(str, o.logs.fields))}" if o.logs.fields else ""
        redact = f"; never logged: {', '.join(o.logs.redact)}" if o.logs.redact else ""
        items.append(f"{kind}{detail}{fields}{redact}")
    if o.request_ids:
        items.append(f"request ids: {o.request_ids.header}"
                     + (", propagated to every call" if o.request_ids.propagate else "")
                     + (f", logged as {o.request_ids.log_field}" if o.request_ids.log_field else ""))
    for m in o.metrics:
        items.append(f"metric {m.name} ({m.type})" + (f" for SLA {m.sla}" if m.sla else ""))
    if o.tracing and o.tracing.enabled:
        items.append("traces" + (f": {o.tracing.propagation}" if o.tracing.propagation else "")
                     + (f", sampling {o.tracing.sampling}" if o.tracing.sampling else ""))
    for a in o.alerts:
        items.append(f"alert {a.name}: {a.condition} ({a.severity})")
    if o.audit:
        items.append("audit trail" + (f" in {o.audit.store}" if o.audit.store else "")
                     + (f": {', '.join(o.audit.events)}" if o.audit.events else ""))
    return items


def _validation(d: Design) -> list[str]:
    v = d.validation
    items = [f"{t.kind} test: {t.name}" + (f" (covers {', '.join(t.covers)})" if t.covers else "")
             for t in v.tests]
    items += [f"CI hook {h.name} on {h.when}" + (f": {h.runs}" if h.runs else "") for h in v.ci_hooks]
    return items


def _reliability(d: Design) -> dict:
    policies = {p.target: p for p in d.reliability.failure_policies}
    deps = []
    for dep in d.services.dependencies:
        entry = {"name": dep.name, "kind": dep.kind, "justification": dep.justification}
        if dep.name in policies:
            entry.update(_dump(policies[dep.name]) or {})
            entry.pop("target", None)
        deps.append(entry)
    named = {dep.name for dep in d.services.dependencies}
    other = [_dump(p) for t, p in policies.items() if t not in named]
    return _clean({"consistency": [_dump(c) for c in d.reliability.consistency], "dependencies": deps,
                   "integration_points": other, "recovery": d.reliability.recovery})


def build_spec(design: Design, checklist: list | None = None) -> dict:
    """The architecture spec as plain data, keys in SPEC_KEYS order."""
    services = [f"{c.name} ({c.kind})" + (f": {c.responsibility}" if c.responsibility else "")
                for c in design.services.components]
    data_model = [_clean({"entity": e.name, "classification": e.classification,
                          "primary_key": e.primary_key,
                          "fields": [_clean({"name": f.name, "type": f.type, "items": f.items,
                                             "required": f.required,
                                             "classification": f.classification}) for f in e.fields],
                          "relationships": [f"{r.kind} {r.target}" + (f" via {r.field}" if r.field else "")
                                            for r in e.relationships],
                          "invariants": e.invariants,
                          "lifecycle": _dump(e.lifecycle)})
                  for e in design.data_model.entities]
    sec = design.security
    security = _clean({
        "authentication": [_dump(a) for a in sec.authentication],
        "authorization": _dump(sec.authorization),
        "default_rate_limit": _dump(sec.default_rate_limit),
        "abuse_controls": sec.abuse_controls,
        # a secret's name and where it is kept; the design never holds a value
        "secrets": [_clean({"name": s.name, "store": s.store, "rotation": s.rotation}) for s in sec.secrets],
        "least_privilege": sec.least_privilege,
        "channels": [_clean({"name": c.name, "kind": c.kind, "auth": "public" if c.auth == "public" else "required",
                             "authorization": c.authorization}) for c in design.api.channels],
    })
    spec = {
        "api": [_endpoint(e) for e in design.api.endpoints],
        "services": services,
        "data_model": data_model,
        "observability": _observability(design),
        "validation": _validation(design),
        "security": security,
        "persistence": _clean(_dump(design.persistence)),
        "reliability": _reliability(design),
        "performance": _clean(_dump(design.performance)),
        "decisions": [_clean(_dump(x)) for x in design.decisions],
        "checklist": [item.as_dict() for item in (checklist or [])],
    }
    return spec
