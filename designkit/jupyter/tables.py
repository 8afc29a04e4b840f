"""Each step's part of the design as pandas tables, and findings as a styled table.

Tables are plain DataFrames built from the model, so notebooks, tests and the report can use
them without any widget. pandas is imported here only, never by the CLI's fast paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from ..core.findings import Finding
from ..core.model import Design, Endpoint, Parameter, SchemaField
from ..core.steps import CHART_STEP

Tables = dict[str, pd.DataFrame]


def _frame(rows: Iterable[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=columns)
    # as objects first: a blank in a numeric column is text, which pandas will not fill into floats
    return frame.astype(object).fillna("") if len(frame) else frame


def _join(items: Iterable) -> str:
    return ", ".join(str(i) for i in items if i not in (None, ""))


def _bounds(f: SchemaField | Parameter) -> str:
    parts = []
    if f.type == "array":
        parts.append(f"of {f.items or 'anything'}")
        if f.min_items is not None or f.max_items is not None:
            parts.append(f"items {f.min_items or 0}..{f.max_items if f.max_items is not None else '∞'}")
    if f.min_length is not None or f.max_length is not None:
        parts.append(f"len {f.min_length or 0}..{f.max_length if f.max_length is not None else '∞'}")
    if f.minimum is not None or f.maximum is not None:
        lo = "-∞" if f.minimum is None else f"{f.minimum:g}"
        hi = "∞" if f.maximum is None else f"{f.maximum:g}"
        parts.append(f"{lo}..{hi}")
    if f.enum:
        parts.append("one of " + _join(f.enum))
    if f.pattern:
        parts.append(f"/{f.pattern}/")
    return "; ".join(parts)


def describe_auth(e) -> str:
    """'public' or 'scheme / rule' for an endpoint or channel."""
    if e.auth == "public":
        return "public"
    return " / ".join(x for x in (e.auth, str(e.authorization or "")) if x) or "(none)"


def _body(e: Endpoint) -> str:
    if e.request is None:
        return ""
    if e.request.schema_:
        return e.request.schema_
    return "{" + _join(f.name for f in e.request.fields) + "}" if e.request.fields else "(no schema)"


def _success(e: Endpoint) -> str:
    ok = [r for r in e.responses if r.status < 400]
    return _join(f"{r.status} {r.schema_ or ('{' + _join(f.name for f in r.fields) + '}' if r.fields else '')}".strip()
                 for r in ok)


def scope_tables(d: Design) -> Tables:
    s = d.scope
    c = s.constraints
    constraints = [("tier", s.tier), ("latency", c.latency), ("throughput", c.throughput),
                   ("availability", c.availability), ("compliance", _join(c.compliance)),
                   ("deployment", c.deployment), ("cost", c.cost), ("stack", _join(c.stack))]
    return {
        "requirements": _frame(({"id": r.id, "requirement": r.text, "priority": r.priority}
                                for r in s.requirements), ["id", "requirement", "priority"]),
        "constraints": _frame(({"constraint": k, "value": v or "(not stated)"} for k, v in constraints),
                              ["constraint", "value"]),
        "SLAs": _frame(({"name": x.name, "objective": x.objective, "indicator": x.indicator,
                         "window": x.window} for x in s.slas), ["name", "objective", "indicator", "window"]),
        "integration points": _frame(({"name": i.name, "kind": i.kind, "direction": i.direction,
                                       "description": i.description} for i in s.integration_points),
                                     ["name", "kind", "direction", "description"]),
    }


def data_model_tables(d: Design) -> Tables:
    ents = d.data_model.entities
    return {
        "entities": _frame(({"entity": e.name, "classification": e.classification,
                             "primary key": _join(e.primary_key), "fields": len(e.fields),
                             "relationships": len(e.relationships), "invariants": len(e.invariants),
                             "retention": e.lifecycle.retention if e.lifecycle else ""} for e in ents),
                           ["entity", "classification", "primary key", "fields", "relationships",
                            "invariants", "retention"]),
        "fields": _frame(({"entity": e.name, "field": f.name, "type": f.type, "required": f.required,
                           "unique": f.unique, "bounds": _bounds(f),
                           "classification": f.classification or e.classification}
                          for e in ents for f in e.fields),
                         ["entity", "field", "type", "required", "unique", "bounds", "classification"]),
        "relationships": _frame(({"entity": e.name, "target": r.target, "kind": r.kind, "field": r.field,
                                  "on delete": r.on_delete} for e in ents for r in e.relationships),
                                ["entity", "target", "kind", "field", "on delete"]),
        "invariants": _frame(({"entity": e.name, "invariant": i} for e in ents for i in e.invariants),
                             ["entity", "invariant"]),
    }


def endpoints_frame(endpoints: list[Endpoint]) -> pd.DataFrame:
    """One row per endpoint: the columns a reviewer scans first."""
    return _frame(({"id": e.id, "method": e.method, "path": e.path, "auth": describe_auth(e),
                    "request": _body(e), "success": _success(e), "errors": _join(e.errors),
                    "rate limit": e.rate_limit.limit if e.rate_limit else "",
                    "idempotency": e.idempotency.strategy if e.idempotency else "",
                    "writes": _join(e.writes)} for e in endpoints),
                  ["id", "method", "path", "auth", "request", "success", "errors", "rate limit",
                   "idempotency", "writes"])


def api_tables(d: Design) -> Tables:
    a = d.api
    em = a.error_model
    return {
        "endpoints": endpoints_frame(a.endpoints),
        "parameters": _frame(({"endpoint": e.label, "name": p.name,
                               "in": p.location, "type": p.type, "required": p.required,
                               "bounds": _bounds(p)} for e in a.endpoints for p in e.parameters),
                             ["endpoint", "name", "in", "type", "required", "bounds"]),
        "channels": _frame(({"name": c.name, "kind": c.kind, "direction": c.direction, "path": c.path,
                             "auth": describe_auth(c), "message": c.message} for c in a.channels),
                           ["name", "kind", "direction", "path", "auth", "message"]),
        "webhooks": _frame(({"name": w.name, "event": w.event, "payload": w.payload, "signing": w.signing}
                            for w in a.webhooks), ["name", "event", "payload", "signing"]),
        "inbound webhooks": _frame(({"name": h.name, "provider": h.provider, "endpoint": h.endpoint,
                                     "signature": (f"{h.signature.scheme} over {_join(h.signature.signs)}"
                                                   if h.signature else ""),
                                     "replay window": h.replay_window,
                                     "provider retries": h.provider_retry_window,
                                     "dedupe": (f"{h.dedupe.store} for {h.dedupe.ttl}" if h.dedupe else "")}
                                    for h in a.inbound_webhooks),
                                   ["name", "provider", "endpoint", "signature", "replay window",
                                    "provider retries", "dedupe"]),
        "error codes": _frame(({"code": c.code, "status": c.status, "message": c.message}
                               for c in (em.codes if em else [])), ["code", "status", "message"]),
    }


def security_tables(d: Design) -> Tables:
    s = d.security
    surfaces = [{"surface": e.route, "auth": e.auth, "authorization": str(e.authorization or ""),
                 "public justification": e.public_justification,
                 "rate limit": e.rate_limit.limit if e.rate_limit else ""} for e in d.api.endpoints]
    surfaces += [{"surface": f"{c.kind} {c.name}", "auth": c.auth, "authorization": str(c.authorization or ""),
                  "public justification": c.public_justification,
                  "rate limit": c.rate_limit.limit if c.rate_limit else ""} for c in d.api.channels]
    return {
        "authentication": _frame(({"scheme": a.name, "type": a.type, "secret": a.secret,
                                   "description": a.description} for a in s.authentication),
                                 ["scheme", "type", "secret", "description"]),
        "access per surface": _frame(surfaces, ["surface", "auth", "authorization",
                                                "public justification", "rate limit"]),
        "secrets": _frame(({"secret": x.name, "kind": x.kind, "kept at": x.ref, "rotation": x.rotation,
                            "purpose": x.purpose} for x in s.secrets),
                          ["secret", "kind", "kept at", "rotation", "purpose"]),
        "grants": _frame(({"principal": g.principal, "actions": _join(g.actions), "resource": g.resource}
                          for g in s.grants), ["principal", "actions", "resource"]),
        "abuse controls": _frame(({"control": x} for x in s.abuse_controls), ["control"]),
    }


def services_tables(d: Design) -> Tables:
    s = d.services
    return {
        "components": _frame(({"component": c.name, "kind": c.kind, "responsibility": c.responsibility,
                               "depends on": _join(c.depends_on)} for c in s.components),
                             ["component", "kind", "responsibility", "depends on"]),
        "dependencies": _frame(({"dependency": x.name, "kind": x.kind, "justification": x.justification
                                 or "(none given)", "version": x.version} for x in s.dependencies),
                               ["dependency", "kind", "justification", "version"]),
    }


def persistence_tables(d: Design) -> Tables:
    p = d.persistence
    return {
        "stores": _frame(({"store": x.name, "kind": x.kind, "purpose": x.purpose,
                           "durability": x.durability} for x in p.stores),
                         ["store", "kind", "purpose", "durability"]),
        "tables": _frame(({"table": t.name, "entity": t.entity, "store": t.store,
                           "indexes": _join(f"{i.name or '?'}({_join(i.columns)}){' unique' if i.unique else ''}"
                                            for i in t.indexes)} for t in p.tables),
                         ["table", "entity", "store", "indexes"]),
        "access patterns": _frame(({"pattern": a.name, "table": a.table, "query": a.query,
                                    "served by": a.served_by or a.reason or "(nothing)"}
                                   for a in p.access_patterns),
                                  ["pattern", "table", "query", "served by"]),
    }


def reliability_tables(d: Design) -> Tables:
    r = d.reliability
    writes = [e for e in d.api.endpoints if e.is_write]
    return {
        "failure policies": _frame(({"target": f.target, "timeout ms": f.timeout_ms,
                                     "retries": f.retries.max_attempts if f.retries else "",
                                     "backoff": f.retries.backoff if f.retries else "",
                                     "fallback / behaviour": f.fallback or f.failure_behavior}
                                    for f in r.failure_policies),
                                   ["target", "timeout ms", "retries", "backoff", "fallback / behaviour"]),
        "writes": _frame(({"endpoint": e.label, "method": e.method,
                           "idempotency": e.idempotency.strategy if e.idempotency else "(none)",
                           "key store": e.idempotency.store if e.idempotency else ""} for e in writes),
                         ["endpoint", "method", "idempotency", "key store"]),
    }


def performance_tables(d: Design) -> Tables:
    p = d.performance
    cap = p.capacity
    capacity = [("peak rps", cap.peak_rps if cap else None), ("average rps", cap.average_rps if cap else None),
                ("payload bytes", cap.payload_bytes if cap else None), ("data growth", cap.data_growth if cap else None)]
    return {
        "capacity": _frame(({"measure": k, "value": "(not stated)" if v is None else v} for k, v in capacity),
                           ["measure", "value"]),
        "caching": _frame(({"what": c.what, "where": c.where, "ttl": c.ttl, "invalidation": c.invalidation}
                           for c in p.caching), ["what", "where", "ttl", "invalidation"]),
        "scaling units": _frame(({"unit": u.name, "runs": _join(u.runs), "state": u.state, "scales": u.scales,
                                  "on": u.scales_on, "limit": u.limit} for u in p.scaling),
                                 ["unit", "runs", "state", "scales", "on", "limit"]),
        "scaling": _frame(([{"kind": "batching", "plan": x} for x in p.batching]
                           + [{"kind": "async", "plan": x} for x in p.async_processing]), ["kind", "plan"]),
    }


def observability_tables(d: Design) -> Tables:
    o = d.observability
    logs = o.logs
    signals = [("structured logs", logs.structured if logs else False),
               ("log fields", _join(logs.fields) if logs else ""),
               ("redacted from logs", _join(logs.redact) if logs else ""),
               ("request id", f"{o.request_ids.header} (propagated: {o.request_ids.propagate}, "
                              f"logged as: {o.request_ids.log_field or 'not declared'})" if o.request_ids else ""),
               ("tracing", (o.tracing.propagation or "on") if o.tracing and o.tracing.enabled else "off"),
               ("audit trail", o.audit.store if o.audit else "")]
    return {
        "signals": _frame(({"signal": k, "choice": v if v not in ("", None) else "(not stated)"} for k, v in signals),
                          ["signal", "choice"]),
        "metrics": _frame(({"metric": m.name, "type": m.type, "SLA": m.sla} for m in o.metrics),
                          ["metric", "type", "SLA"]),
        "alerts": _frame(({"alert": a.name, "condition": a.condition, "SLA": a.sla, "severity": a.severity}
                          for a in o.alerts), ["alert", "condition", "SLA", "severity"]),
        "audited actions": _frame(({"action": x} for x in (o.audit.events if o.audit else [])), ["action"]),
    }


def validation_tables(d: Design) -> Tables:
    v = d.validation
    covered: dict[str, list[str]] = {}
    for t in v.tests:
        for target in t.covers:
            covered.setdefault(target, []).append(t.name)
    targets = [e.label for e in d.api.endpoints]
    targets += [f.target for f in d.reliability.failure_policies]
    return {
        "tests": _frame(({"test": t.name, "kind": t.kind, "covers": _join(t.covers)} for t in v.tests),
                        ["test", "kind", "covers"]),
        "coverage": _frame(({"target": x, "tests": len(covered.get(x, []))} for x in dict.fromkeys(targets)),
                           ["target", "tests"]),
        "CI hooks": _frame(({"hook": h.name, "when": h.when, "runs": h.runs} for h in v.ci_hooks),
                           ["hook", "when", "runs"]),
    }


def report_tables(d: Design) -> Tables:
    return {"decisions": _frame(({"id": x.id, "title": x.title, "status": x.status,
                                  "answers": _join(x.answers)} for x in d.decisions),
                                ["id", "title", "status", "answers"]),
            "waivers": _frame(({"rule": w.rule, "target": w.target, "status": w.status, "owner": w.owner,
                                "expires": w.expires} for w in d.waivers),
                              ["rule", "target", "status", "owner", "expires"])}


STEP_TABLES: dict[str, Callable[[Design], Tables]] = {
    "scope": scope_tables, "data_model": data_model_tables, "api": api_tables,
    "security": security_tables, "services": services_tables, "persistence": persistence_tables,
    "reliability": reliability_tables, "performance": performance_tables,
    "observability": observability_tables, "validation": validation_tables, "report": report_tables,
}


def capacity_frames(step_id: str, design: Design) -> Tables:
    """The capacity model's tables that belong to this step (performance, reliability), by title."""
    if step_id not in ("performance", "reliability"):
        return {}
    from ..capacity import capacity_model, capacity_tables

    # the capacity rows carry "not stated" instead of None: nothing to fill
    return {t.title: pd.DataFrame(t.rows, columns=t.columns)
            for t in capacity_tables(capacity_model(design)) if t.step == step_id}


def step_tables(step_id: str, design: Design) -> Tables:
    """The tables of one step's part of the design, by title (with the capacity model's, where they belong)."""
    return STEP_TABLES[step_id](design) | capacity_frames(step_id, design)


def step_figures(step_id: str, design: Design, checked: str | Path = "", digest: str = "") -> dict[str, str]:
    """SVG charts of this step, by title: the latency budget in the reliability step (in a batch
    run, made once for the step and the report: ``checked`` and ``digest`` as in
    ``designkit.outputs.checked.shared``)."""
    if step_id != CHART_STEP:
        return {}
    from ..outputs.checked import latency_budget_svg

    svg = latency_budget_svg(design, checked, digest)
    return {"latency budget": svg} if svg else {}


FINDING_COLUMNS = ["severity", "code", "name", "where", "line", "message", "fix", "risk", "waived"]


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    return _frame(({"severity": f.severity, "code": f.code, "name": f.name, "where": f.key_path,
                    "line": f.line, "message": f.message, "fix": f.fix, "risk": f.risk,
                    "waived": (f.waiver or {}).get("status", "") if f.waived else ""} for f in findings),
                  FINDING_COLUMNS)


_COLOURS = {"error": "#fde2e1", "warning": "#fff4ce", "info": "#e8f1fb"}


def style_findings(frame: pd.DataFrame):
    """A Styler that colours rows by severity and greys out waived findings."""
    def colour(row):
        css = f"background-color: {_COLOURS.get(row['severity'], '')}"
        if row.get("waived"):
            css = "color: #777; text-decoration: line-through"
        return [css] * len(row)

    styler = frame.style.apply(colour, axis=1).hide(axis="index")
    return styler.set_properties(**{"text-align": "left", "white-space": "pre-wrap"})


def threats_table(design: Design) -> pd.DataFrame:
    """The design's threat model as a table: one STRIDE threat per row, open ones first, riskiest first."""
    from ..threats import build_threat_model
    from ..threats.render import COLUMNS, sorted_rows

    return _frame(sorted_rows(build_threat_model(design)), list(COLUMNS))
