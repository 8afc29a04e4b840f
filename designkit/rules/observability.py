"""Observability rules: structured logs, request ids, audit trail, no sensitive data in logs, SLO signals."""

from __future__ import annotations

import re

from . import seeds
from .base import NEVER_LOGGED, WRITE_METHODS, Hit, endpoint_label, is_placeholder, rule


@rule("OBS001", "observability.structured-logs", "warning", step="observability",
      seed=seeds.STRUCTURED_LOGS, checklist="security-observability", tiers={"A": "error"})
def structured_logs(ctx):
    """Logs are structured (e.g. JSON lines) with stated fields.

    Why: Free-text logs cannot be queried or correlated by request id; structured logs are what
    incident response searches.
    Fix: Add `observability.logs: {structured: true, format: JSON lines, fields: [timestamp, level, request_id, ...]}`.
    Plan: In the observability step, define the log format and the fields every line carries.
    Bad:
        logs: {structured: false}
    Good:
        logs: {structured: true, format: JSON lines, fields: [timestamp, level, request_id, route, status]}
    """
    if not ctx.has_surface:
        return
    logs = ctx.design.observability.logs
    if logs is None or not logs.structured:
        yield Hit(("observability", "logs"), "logs are not declared structured")
    elif not logs.fields:
        yield Hit(("observability", "logs", "fields"), "structured logs list no fields")


@rule("OBS002", "observability.request-ids", "warning", step="observability", seed=seeds.REQUEST_IDS,
      checklist="security-observability", tiers={"A": "error"})
def request_ids(ctx):
    """Request ids are accepted or generated, propagated to dependencies, and carried by a declared log field.

    Why: Without one id carried through every hop and log line, a single failed request cannot be
    followed across services.
    Fix: Add `observability.request_ids: {header: X-Request-Id, propagate: true, generate_if_missing: true, log_field: request_id}`
    with `request_id` among `observability.logs.fields`.
    Plan: In the observability step, choose the request id header, propagate it everywhere and log it on every line.
    Bad:
        observability: {logs: {structured: true, fields: [time, level]}}
    Good:
        observability: {logs: {structured: true, fields: [time, level, request_id]}, request_ids: {header: X-Request-Id, propagate: true, log_field: request_id}}
    """
    if not ctx.has_surface:
        return
    obs = ctx.design.observability
    rid = obs.request_ids
    if rid is None:
        yield Hit(("observability", "request_ids"), "no request id is defined")
        return
    if not rid.propagate:
        yield Hit(("observability", "request_ids", "propagate"), "request ids are not propagated to dependencies",
                  fix="set `propagate: true`")
    fields = obs.logs.fields if obs.logs else []
    if rid.log_field is None:
        if not any(f.carries == "request.id" for f in fields):
            yield Hit(("observability", "request_ids", "log_field"), "no log field is declared to carry the request id",
                      fix="add `log_field: request_id` and `request_id` to observability.logs.fields")
    elif fields and obs.logs.field(rid.log_field) is None:
        yield Hit(("observability", "request_ids", "log_field"),
                  f"the request id is logged as {rid.log_field!r}, which is not one of the log fields",
                  fix=f"add `observability.logs.fields: [{rid.log_field}]`")


_AUTH_CHANGE = re.compile(
    r"(^|[/_.\-{])(login|logout|password|passwords|token|tokens|roles?|permissions?|credentials?|"
    r"api-?keys?|mfa|2fa|sessions?|grants?|members?|invit\w*)($|[/_.\-}])", re.IGNORECASE)


def sensitive_reasons(ctx, ep) -> list[str]:
    """Why an endpoint is a sensitive action (empty when it is not)."""
    reasons = []
    sensitive = [n for n in ep.writes if n in ctx.sensitive_entities]
    if sensitive:
        reasons.append(f"writes classified data ({', '.join(sensitive)})")
    if ep.admin:
        reasons.append("is an admin action")
    if ep.method in WRITE_METHODS and (_AUTH_CHANGE.search(ep.path) or (ep.id and _AUTH_CHANGE.search(
            re.sub(r"([a-z])([A-Z])", r"\1_\2", ep.id)))):
        reasons.append("changes authentication or access")
    return reasons


@rule("OBS003", "observability.audit-sensitive-actions", "error", step="observability",
      seed=seeds.AUDIT_TRAIL, checklist="security-observability", risk="high",
      tiers={"C": "warning"})
def audit_sensitive_actions(ctx):
    """Every sensitive action is audited: writes to classified data, admin actions, auth changes.

    Why: After an incident, or for compliance, you must answer who did what to which record and
    when; application logs rotate and are not tamper-evident.
    Fix: Set `audit: true` on the endpoint and describe `observability.audit` (store, retention, events).
    Plan: In the observability step, list the sensitive actions and record each in an append-only audit trail.
    Bad:
        - {method: DELETE, path: "/v1/users/{id}", admin: true}
    Good:
        - {method: DELETE, path: "/v1/users/{id}", admin: true, audit: true}
    """
    any_sensitive = False
    for kp, ep in ctx.endpoints():
        reasons = sensitive_reasons(ctx, ep)
        if not reasons:
            continue
        any_sensitive = True
        if not ep.audit:
            yield Hit(kp + ("audit",), f"{endpoint_label(ep)} {' and '.join(reasons)} but is not audited")
    for kp, ch in ctx.channels():
        sensitive = [n for n in ch.writes if n in ctx.sensitive_entities]
        if sensitive:
            any_sensitive = True
            if not ch.audit:
                yield Hit(kp + ("audit",), f"channel {ch.name} writes classified data ({', '.join(sensitive)}) but is not audited")
    audit = ctx.design.observability.audit
    if any_sensitive and (audit is None or is_placeholder(audit.store)):
        yield Hit(("observability", "audit"), "sensitive actions exist but the audit trail's store is not described",
                  fix="add `observability.audit: {store: ..., retention: ..., events: [...]}`")


@rule("OBS004", "observability.no-sensitive-data-in-logs", "error", step="observability",
      seed=seeds.SECURITY, checklist="security-observability", risk="high", tiers={"C": "error"})
def no_sensitive_data_in_logs(ctx):
    """Personal data, credentials and secrets are kept out of logs: no log field carries them, and credentials are redacted.

    Why: Logs are copied widely (aggregators, support tickets, vendors) and kept long; a password
    or e-mail in a log line is a breach nobody notices.
    Fix: Remove the log field (or log a key instead, e.g. `{member: Member.id}`), and add credential and
    secret fields to `observability.logs.redact`.
    Plan: In the observability step, say what each log field carries and redact the sensitive ones at the logger.
    Bad:
        logs: {structured: true, fields: [request_id, {email: Member.email}]}
    Good:
        logs: {structured: true, fields: [request_id, {member: Member.id}], redact: [email, password_hash]}
    """
    logs = ctx.design.observability.logs
    if logs is None:
        return
    redacted = {f.lower() for f in logs.redact}
    by_name = {f.name.lower(): f.name for e in ctx.design.data_model.entities for f in e.fields}
    for j, lf in enumerate(logs.fields):
        kp = ("observability", "logs", "fields", j)
        carried = _entity_field(ctx, lf.carries)
        if carried is not None:
            entity, f = carried
            cls = _log_class(entity, f)
            if cls in NEVER_LOGGED and f.name.lower() not in redacted and lf.name.lower() not in redacted:
                yield Hit(kp, f"log field {lf.name!r} carries {entity.name}.{f.name}, which is {cls} data",
                          fix=f"log a key instead (`{{{lf.name}: {entity.name}.{entity.primary_key[0] if entity.primary_key else 'id'}}}`) "
                              f"or remove it, and add `{f.name}` to observability.logs.redact")
            continue
        if lf.carries or lf.name.lower() in redacted:
            continue          # it says what it carries, and that is no entity field
        # a bare name: only a field explicitly classified as sensitive is worth asking about
        explicit = [(e, f) for e in ctx.design.data_model.entities for f in e.fields
                    if f.name.lower() == lf.name.lower() and f.classification in NEVER_LOGGED]
        if explicit:
            e, f = explicit[0]
            yield Hit(kp, f"log field {lf.name!r} has the name of {e.name}.{f.name} ({f.classification}) and does "
                      "not say what it carries",
                      fix=f"say what it carries, e.g. `{{{lf.name}: http.header.from}}`, or remove it "
                          f"and add `{by_name[lf.name.lower()]}` to observability.logs.redact")
    for e in ctx.design.data_model.entities:
        for f in e.fields:
            cls = _log_class(e, f)
            if cls in ("credential", "secret") and f.name.lower() not in redacted:
                yield Hit(("observability", "logs", "redact"),
                          f"{cls} field {e.name}.{f.name} is not in the log redaction list",
                          fix=f"add `redact: [{f.name}]` to observability.logs")


def _log_class(entity, f) -> str | None:
    """The classification that decides whether a field may be logged.

    Keys (uuid ids, foreign keys) inherit no classification from their entity: they are how logs
    are correlated and say nothing by themselves. An explicit field classification counts.
    """
    keys = set(entity.primary_key) | {r.field for r in entity.relationships if r.field}
    inherited = entity.classification in NEVER_LOGGED and f.name not in keys and f.type != "uuid"
    return f.classification or (entity.classification if inherited else None)


def _entity_field(ctx, carries: str | None):
    """The (entity, field) a log field's ``carries`` names (``Member.email``), or None."""
    if not carries or "." not in carries:
        return None
    entity_name, _, field_name = carries.partition(".")
    entity = ctx.entities.get(entity_name)
    f = next((x for x in entity.fields if x.name == field_name), None) if entity else None
    return (entity, f) if f is not None else None


@rule("OBS008", "observability.log-fields-exist", "warning", step="observability",
      seed=seeds.STRUCTURED_LOGS, checklist="security-observability", tiers={"C": "info"})
def log_fields_exist(ctx):
    """A log field that carries an entity field (`member: Member.id`) names one that exists.

    Why: The log schema is how incidents are searched and how sensitive data is kept out; a log
    field that points at a renamed or missing entity field is no longer checked by either.
    Fix: Correct the entity or field name in `carries`, e.g. `{member: Member.id}`.
    Plan: In the observability step, keep each log field's source in step with the data model.
    Bad:
        fields: [{member: Membr.id}]
    Good:
        fields: [{member: Member.id}]
    """
    logs = ctx.design.observability.logs
    for j, lf in enumerate(logs.fields if logs else []):
        head, dot, tail = (lf.carries or "").partition(".")
        if not dot or head not in ctx.entities:
            continue                        # a source such as http.status or trace.id
        entity = ctx.entities[head]
        if not any(f.name == tail for f in entity.fields):
            yield Hit(("observability", "logs", "fields", j),
                      f"log field {lf.name!r} carries {lf.carries}, but {head} has no field {tail!r}",
                      fix=f"use one of {head}'s fields, e.g. `{{{lf.name}: {head}.{(entity.primary_key or [f.name for f in entity.fields] or ['id'])[0]}}}`")


def _ident(name: str) -> str:
    """``api-availability`` -> ``api_availability``: a metric-style name for examples in fixes."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "sla"


@rule("OBS005", "observability.slo-signals", "warning", step="observability",
      seed=seeds.OBSERVABILITY, checklist="security-observability", tiers={"A": "error"})
def slo_signals(ctx):
    """Every SLA in scope has a metric that measures it and an alert that fires on it.

    Why: An SLA nobody measures is a wish; an SLA measured but never alerted on is broken silently.
    Fix: For each SLA, add a metric and an alert that name it, e.g.
    `observability.metrics: [{name: http_requests_total, type: counter, sla: api-availability}]` and
    `observability.alerts: [{name: availability-burn, condition: burn rate over 14x for 1 hour, sla: api-availability, runbook: runbooks/availability.md}]`.
    Plan: In the observability step, wire each SLA to its SLI metric and a burn-rate alert.
    Bad:
        slas: [{name: api-availability, objective: 99.9%}]
        metrics: []
    Good:
        metrics: [{name: http_requests_total, sla: api-availability}]
        alerts: [{name: availability-burn, condition: burn rate > 14x for 1h, sla: api-availability}]
    """
    obs = ctx.design.observability
    slas = {s.name: i for i, s in enumerate(ctx.design.scope.slas)}
    measured = {m.sla for m in obs.metrics if m.sla}
    alerted = {a.sla for a in obs.alerts if a.sla}
    for name, i in slas.items():
        if name not in measured:
            yield Hit(("scope", "slas", i), f"SLA {name} is measured by no metric",
                      fix=f"add a metric that measures it: `observability.metrics: [{{name: {_ident(name)}_sli, "
                          f"type: histogram, sla: {name}}}]`")
        if name not in alerted:
            yield Hit(("scope", "slas", i), f"SLA {name} has no alert",
                      fix=f"add an alert on it: `observability.alerts: [{{name: {name}-burn, condition: error budget "
                          f"burn over 14x for 1 hour, sla: {name}, severity: page, runbook: runbooks/{name}.md}}]`")
    for key, items in (("metrics", obs.metrics), ("alerts", obs.alerts)):
        for j, item in enumerate(items):
            if item.sla and item.sla not in slas:
                yield Hit(("observability", key, j, "sla"), f"{item.name} refers to unknown SLA {item.sla!r}")


@rule("OBS006", "observability.tracing", "warning", step="observability", seed=seeds.OBSERVABILITY,
      checklist="security-observability", tiers={"C": "info"})
def tracing(ctx):
    """A design that calls other services or stores enables distributed tracing with a propagation format.

    Why: Latency lives between services; without traces, a slow request is a guess about which hop.
    Fix: Add `observability.tracing: {enabled: true, propagation: W3C traceparent, sampling: ...}`.
    Plan: In the observability step, enable tracing with a propagation format shared by every hop.
    Bad:
        tracing: {enabled: false}
    Good:
        tracing: {enabled: true, propagation: W3C traceparent, sampling: 10%, all errors}
    """
    remote = [d for d in ctx.design.services.dependencies if d.kind != "library"] or ctx.design.scope.integration_points
    if not remote:
        return
    t = ctx.design.observability.tracing
    if t is None or not t.enabled:
        yield Hit(("observability", "tracing"), "the design calls other services but tracing is not enabled")
    elif is_placeholder(t.propagation):
        yield Hit(("observability", "tracing", "propagation"), "tracing states no propagation format")


@rule("OBS007", "observability.alert-runbooks", "warning", step="observability",
      seed=seeds.OBSERVABILITY, checklist="security-observability", tiers={"C": "info"})
def alert_runbooks(ctx):
    """Every paging alert links a runbook.

    Why: A page at 3 a.m. without a runbook means the on-call engineer rediscovers the system
    under pressure.
    Fix: Add `runbook:` (a path or link) to each alert with `severity: page`.
    Plan: In the observability step, write a runbook for each paging alert: what it means, what to check, how to mitigate.
    Bad:
        alerts: [{name: high-errors, condition: 5xx > 1%, severity: page}]
    Good:
        alerts: [{name: high-errors, condition: 5xx > 1%, severity: page, runbook: runbooks/high-errors.md}]
    """
    for i, alert in enumerate(ctx.design.observability.alerts):
        if alert.severity == "page" and is_placeholder(alert.runbook):
            yield Hit(("observability", "alerts", i, "runbook"), f"paging alert {alert.name} has no runbook")
