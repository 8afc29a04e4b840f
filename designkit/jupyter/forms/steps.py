"""What each step's form edits: plain field and list descriptions, one block per step."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, get_args

from ...core import model as m
from .fields import FieldSpec as F
from .fields import ListSpec as L


def _choices(annotation: Any) -> tuple[str, ...]:
    """The values a Literal (possibly inside Optional) allows."""
    args = get_args(annotation)
    if args and all(isinstance(a, str) for a in args):
        return args
    for arg in args:
        found = _choices(arg)
        if found:
            return found
    return ()


def lit(cls: type, field: str) -> tuple[str, ...]:
    return _choices(cls.model_fields[field].annotation)


def if_in_model(cls: type, *specs: F) -> tuple[F, ...]:
    """Only the specs whose first key the model knows (for keys newer than this form)."""
    keys = {info.alias or name for name, info in cls.model_fields.items()}
    return tuple(spec for spec in specs if spec.path[0] in keys)


def array_fields(cls: type) -> tuple[F, ...]:
    """Items and their count, for a field of type array (when the model has arrays)."""
    return if_in_model(cls, F(("items",), "Array items", help="type array: a field type or schema name"),
                       F(("min_items",), "Min items", "int"), F(("max_items",), "Max items", "int"))


def auth_schemes(design: m.Design) -> list[str]:
    return [s.name for s in design.security.authentication] + ["public"]


def entity_names(design: m.Design) -> list[str]:
    return [e.name for e in design.data_model.entities]


def role_names(design: m.Design) -> list[str]:
    authorization = design.security.authorization
    return list(authorization.roles) if authorization is not None else []


def store_names(design: m.Design) -> list[str]:
    return [s.name for s in design.persistence.stores]


def table_names(design: m.Design) -> list[str]:
    return [t.name for t in design.persistence.tables]


def secret_names(design: m.Design) -> list[str]:
    return [s.name for s in design.security.secrets]


def dependency_targets(design: m.Design) -> list[str]:
    names = [d.name for d in design.services.dependencies]
    return names + [p.name for p in design.scope.integration_points if p.name not in names]


def next_decision(design: m.Design) -> dict:
    numbers = [int(x) for d in design.decisions if d.id for x in re.findall(r"(\d+)$", d.id)]
    return {"id": f"ADR-{max(numbers, default=0) + 1:03d}", "status": "proposed",
            "date": dt.date.today()}


# --------------------------------------------------------------------------- scope

SCOPE_FIELDS = (
    F(("summary",), "Summary", "textarea"),
    F(("tier",), "Criticality tier", "choice", lit(m.Scope, "tier"),
      help="A business critical, B important, C prototype"),
    F(("constraints", "latency"), "Latency", help="e.g. p99 < 300 ms"),
    F(("constraints", "throughput"), "Throughput", help="e.g. 500 requests/s peak"),
    F(("constraints", "availability"), "Availability", help="e.g. 99.9% monthly"),
    F(("constraints", "compliance"), "Compliance", "csv", help="e.g. GDPR, PCI-DSS"),
    F(("constraints", "deployment"), "Deployment"),
    F(("constraints", "cost"), "Cost"),
    F(("constraints", "stack"), "Stack", "csv"),
    F(("out_of_scope",), "Out of scope", "lines"),
)
REQUIREMENTS = L(("scope", "requirements"), "Requirements", (
    F(("id",), "Id"), F(("text",), "Requirement", "textarea"),
    F(("priority",), "Priority", "choice", lit(m.Requirement, "priority")),
), lambda r: f"{r.id or '-'}  {r.text}", {"priority": "must"})
SLAS = L(("scope", "slas"), "SLAs", (
    F(("name",), "Name"), F(("objective",), "Objective"), F(("indicator",), "Indicator (SLI)"),
    F(("window",), "Window"), F(("latency_ms",), "Latency target (ms)", "int"),
    F(("applies_to",), "Applies to", "csv", help="endpoint ids or channel names; empty: all"),
), lambda s: f"{s.name}: {s.objective}")
INTEGRATIONS = L(("scope", "integration_points"), "Integration points", (
    F(("name",), "Name"), F(("kind",), "Kind", "choice", lit(m.IntegrationPoint, "kind")),
    F(("direction",), "Direction", "choice", lit(m.IntegrationPoint, "direction")),
    F(("description",), "Description", "textarea"),
    F(("idempotent_calls",), "Idempotent calls", "bool"),
), lambda p: f"{p.name} ({p.kind}, {p.direction})")

# --------------------------------------------------------------------------- data model

ENTITIES = L(("data_model", "entities"), "Entities", (
    F(("name",), "Name"), F(("description",), "Description", "textarea"),
    F(("classification",), "Classification", "choice", lit(m.Entity, "classification")),
    F(("primary_key",), "Primary key", "csv"),
    F(("invariants",), "Invariants", "lines"),
    F(("lifecycle", "states"), "Lifecycle states", "csv"),
    F(("lifecycle", "retention"), "Retention"),
), lambda e: f"{e.name} [{e.classification}] {len(e.fields)} fields", {"classification": "internal"},
   unique=(("name",),))
ENTITY_FIELDS = (
    F(("name",), "Field"), F(("type",), "Type", "choice", lit(m.EntityField, "type")),
    F(("required",), "Required", "bool"), F(("unique",), "Unique", "bool"),
    F(("classification",), "Classification", "choice", lit(m.EntityField, "classification"),
      help="overrides the entity's"),
    F(("max_length",), "Max length", "int"), F(("enum",), "Enum values", "csv"),
    *array_fields(m.EntityField),
    F(("description",), "Description"),
)

# --------------------------------------------------------------------------- API


def endpoint_label(e: m.Endpoint) -> str:
    return f"{e.method:<6} {e.path}  {e.id or ''}  auth={e.auth or '(none)'}"


ENDPOINT_FIELDS = (
    F(("id",), "Operation id"),
    F(("method",), "Method", "choice", lit(m.Endpoint, "method")),
    F(("path",), "Path", help="starts with /"),
    F(("summary",), "Summary"),
    F(("auth",), "Auth", "choice", auth_schemes, help="a security.authentication name, or public"),
    F(("authorization",), "Authorization", "access", role_names,
      help="roles from security.authorization.roles"),
    F(("public_justification",), "Public justification", "textarea",
      help="why it is safe without authentication"),
    F(("request", "schema"), "Request schema", "choice", lambda d: schema_names(d), clears=("request",),
      help="entity or api.schemas name"),
    F(("rate_limit", "limit"), "Rate limit", clears=("rate_limit",), help="e.g. 100/minute"),
    F(("rate_limit", "key"), "Rate limit per", help="client, ip, user, tenant"),
    F(("idempotency", "strategy"), "Idempotency", "choice", lit(m.Idempotency, "strategy"),
      clears=("idempotency",)),
    F(("idempotency", "key"), "Idempotency key"),
    F(("writes",), "Writes entities", "tags", entity_names),
    F(("handler",), "Handler"),
    F(("audit",), "Audited", "bool"),
)
ENDPOINTS = L(("api", "endpoints"), "Endpoints", ENDPOINT_FIELDS, endpoint_label,
              {"method": "GET", "path": "/"}, unique=(("method",), ("path",)))
API_FIELDS = (
    F(("base_url",), "Base URL"),
    F(("versioning", "scheme"), "Versioning", "choice", lit(m.Versioning, "scheme")),
    F(("versioning", "current"), "Current version"),
    F(("error_model", "format"), "Error format", help="e.g. application/problem+json"),
    F(("error_model", "fields"), "Error fields", "csv"),
)
ERROR_CODES = L(("api", "error_model", "codes"), "Error codes", (
    F(("code",), "Code"), F(("status",), "HTTP status", "int"), F(("message",), "Message"),
), lambda c: f"{c.status} {c.code}")

# --------------------------------------------------------------------------- security

AUTH_SCHEMES = L(("security", "authentication"), "Authentication schemes", (
    F(("name",), "Name"), F(("type",), "Type", "choice", lit(m.AuthScheme, "type")),
    F(("header",), "Header"), F(("secret",), "Secret", "choice", secret_names, help="security.secrets name"),
    F(("description",), "Description", "textarea"),
    *if_in_model(m.AuthScheme, F(("openid_connect_url",), "OpenID Connect URL", help="oidc discovery URL"),
                 F(("authorization_url",), "Authorization URL", help="oauth2"),
                 F(("token_url",), "Token URL", help="oauth2")),
), lambda s: f"{s.name} ({s.type})", unique=(("name",),))
SECURITY_FIELDS = (
    F(("authorization", "model"), "Authorization model", "choice", lit(m.Authorization, "model")),
    F(("authorization", "default"), "Default", "choice", lit(m.Authorization, "default")),
    F(("authorization", "roles"), "Roles", "csv"),
    F(("default_rate_limit", "limit"), "Default rate limit", clears=("default_rate_limit",)),
    F(("default_rate_limit", "key"), "Counted per"),
    F(("abuse_controls",), "Abuse controls", "lines"),
    F(("least_privilege",), "Least privilege", "lines"),
)
SECRETS = L(("security", "secrets"), "Secrets", (
    F(("name",), "Name"), F(("purpose",), "Purpose"),
    F(("kind",), "Kind", "choice", lit(m.Secret, "kind")),
    F(("ref",), "Reference", help="where it is kept, never the value"), F(("rotation",), "Rotation"),
), lambda s: f"{s.name} @ {s.kind or '?'}:{s.ref or '?'}")
ENDPOINT_SECURITY = L(("api", "endpoints"), "Endpoint access", (
    F(("auth",), "Auth", "choice", auth_schemes),
    F(("authorization",), "Authorization", "access", role_names),
    F(("public_justification",), "Public justification", "textarea"),
    F(("rate_limit", "limit"), "Rate limit", clears=("rate_limit",)),
    F(("rate_limit", "key"), "Rate limit per"), F(("audit",), "Audited", "bool"),
), endpoint_label, {"method": "GET", "path": "/"})

# --------------------------------------------------------------------------- services

COMPONENTS = L(("services", "components"), "Components", (
    F(("name",), "Name"), F(("kind",), "Kind", "choice", lit(m.Component, "kind")),
    F(("responsibility",), "Responsibility"), F(("depends_on",), "Depends on", "csv"),
    F(("consumes",), "Consumes", "csv", help="a worker: channels, queues or integrations it reads"),
    F(("schedule",), "Schedule", help="a worker: e.g. every 10 s"),
), lambda c: f"{c.name} ({c.kind})")
DEPENDENCIES = L(("services", "dependencies"), "Dependencies", (
    F(("name",), "Name"), F(("kind",), "Kind", "choice", lit(m.Dependency, "kind")),
    F(("justification",), "Justification", "textarea", help="why it is needed"),
    F(("version",), "Version"), F(("integration",), "Integration point"),
    F(("idempotent_calls",), "Idempotent calls", "bool"),
), lambda d: f"{d.name} ({d.kind}){'' if d.justification else '  - no justification'}",
   {"kind": "library"})

# --------------------------------------------------------------------------- persistence

STORES = L(("persistence", "stores"), "Stores", (
    F(("name",), "Name"), F(("kind",), "Kind", "choice", lit(m.Store, "kind")),
    F(("purpose",), "Purpose"), F(("durability",), "Durability"),
    F(("replicas",), "Copies (replicas)", "int"), F(("ephemeral",), "Loss is harmless", "bool"),
), lambda s: f"{s.name} ({s.kind})", unique=(("name",),))
TABLES = L(("persistence", "tables"), "Tables", (
    F(("name",), "Name"), F(("entity",), "Entity", "choice", entity_names),
    F(("store",), "Store", "choice", store_names),
), lambda t: f"{t.name} <- {t.entity or '?'} ({len(t.indexes)} indexes)", unique=(("name",),))
ACCESS_PATTERNS = L(("persistence", "access_patterns"), "Access patterns", (
    F(("name",), "Name"), F(("table",), "Table", "choice", table_names), F(("query",), "Query"),
    F(("columns",), "Columns", "csv"), F(("served_by",), "Served by index"), F(("reason",), "No index because"),
), lambda a: f"{a.name} on {a.table or '?'} -> {a.served_by or a.reason or 'NOT SERVED'}")
PERSISTENCE_FIELDS = (
    F(("migrations", "tool"), "Migration tool"), F(("migrations", "strategy"), "Migration strategy"),
)
IDEMPOTENCY_STORES = L(("persistence", "idempotency"), "Idempotency stores", (
    F(("name",), "Name"), F(("table",), "Table", "choice", table_names), F(("key",), "Key"), F(("ttl",), "TTL"),
    F(("scope",), "Scope"),
), lambda x: f"{x.ref} in {x.table} ttl {x.ttl or '?'}")

# --------------------------------------------------------------------------- reliability

FAILURE_POLICIES = L(("reliability", "failure_policies"), "Failure policy per dependency", (
    F(("target",), "Dependency", "combo", dependency_targets),
    F(("timeout_ms",), "Timeout (ms)", "int"),
    F(("retries", "max_attempts"), "Retries", "int", clears=("retries",)),
    F(("retries", "backoff"), "Backoff", "choice", lit(m.RetryPolicy, "backoff")),
    F(("retries", "base_delay_ms"), "Base delay (ms)", "int"),
    F(("retries", "max_delay_ms"), "Max delay (ms)", "int"),
    F(("fallback",), "Fallback", "textarea"),
    F(("failure_behavior",), "When it is down", "textarea"),
    F(("circuit_breaker",), "Circuit breaker"),
), lambda p: f"{p.target}: timeout {p.timeout_ms or '?'} ms, "
             f"{p.retries.max_attempts if p.retries else 0} retries")
RELIABILITY_FIELDS = (
    F(("recovery",), "Recovery", "lines"),
)
CONSISTENCY = L(("reliability", "consistency"), "Consistency per entity or flow", (
    F(("applies_to",), "Applies to", "csv", help="entities, endpoint ids or channel names"),
    F(("model",), "Model", "choice", lit(m.Consistency, "model")),
    F(("staleness",), "Staleness", "textarea", help="not strong: what readers may see, for how long"),
    F(("notes",), "Notes", "textarea"),
), lambda c: f"{', '.join(c.applies_to)}: {c.model}", {"model": "strong"})

# --------------------------------------------------------------------------- performance

PERFORMANCE_FIELDS = (
    F(("capacity", "peak_rps"), "Peak requests/s", "number"),
    F(("capacity", "average_rps"), "Average requests/s", "number"),
    F(("capacity", "payload_bytes"), "Payload bytes", "int"),
    F(("capacity", "data_growth"), "Data growth"),
    F(("batching",), "Batching", "lines"), F(("async_processing",), "Async processing", "lines"),
)
SCALING = L(("performance", "scaling"), "Scaling units", (
    F(("name",), "Name"), F(("runs",), "Runs", "csv", help="components, or the store it is"),
    F(("state",), "State", "choice", lit(m.ScalingUnit, "state")),
    F(("holds",), "Holds", "textarea", help="stateful: what state, and what happens when an instance goes"),
    F(("scales",), "Scales", "choice", lit(m.ScalingUnit, "scales")),
    F(("scales_on",), "Scales on"), F(("min_replicas",), "Min replicas", "int"),
    F(("max_replicas",), "Max replicas", "int"), F(("limit",), "Limit", help="where it stops scaling"),
), lambda u: f"{u.name} ({u.state}, {u.scales})", {"state": "stateless", "scales": "horizontal"})
CACHES = L(("performance", "caching"), "Caches", (
    F(("what",), "What"), F(("where",), "Where"), F(("ttl",), "TTL"), F(("invalidation",), "Invalidation"),
), lambda c: f"{c.what} in {c.where or '?'} ttl {c.ttl or '?'}")

# --------------------------------------------------------------------------- observability

OBSERVABILITY_FIELDS = (
    F(("logs", "structured"), "Structured logs", "bool"),
    F(("logs", "format"), "Log format"),
    F(("logs", "fields"), "Log fields", "csv"),
    F(("logs", "redact"), "Never logged", "csv"),
    F(("request_ids", "header"), "Request id header"),
    F(("request_ids", "propagate"), "Propagate request id", "bool"),
    F(("request_ids", "log_field"), "Request id log field"),
    F(("tracing", "enabled"), "Tracing", "bool"),
    F(("tracing", "propagation"), "Trace propagation"),
    F(("tracing", "sampling"), "Sampling"),
    F(("audit", "store"), "Audit trail store"),
    F(("audit", "retention"), "Audit retention"),
    F(("audit", "events"), "Audited actions", "lines"),
)
METRICS = L(("observability", "metrics"), "Metrics", (
    F(("name",), "Name"), F(("type",), "Type", "choice", lit(m.Metric, "type")), F(("sla",), "SLA"),
), lambda x: f"{x.name} ({x.type})")
ALERTS = L(("observability", "alerts"), "Alerts", (
    F(("name",), "Name"), F(("condition",), "Condition"), F(("sla",), "SLA"),
    F(("severity",), "Severity", "choice", lit(m.Alert, "severity")), F(("runbook",), "Runbook"),
), lambda a: f"{a.name} [{a.severity}]")

# --------------------------------------------------------------------------- validation

TESTS = L(("validation", "tests"), "Tests", (
    F(("name",), "Test"), F(("kind",), "Layer", "choice", lit(m.TestCase, "kind")),
    F(("covers",), "Covers", "csv", help="endpoint ids, dependencies or rule codes"),
), lambda t: f"[{t.kind}] {t.name} -> {', '.join(t.covers) or '?'}", {"kind": "unit"})
CI_HOOKS = L(("validation", "ci_hooks"), "CI hooks", (
    F(("name",), "Name"), F(("when",), "When", "choice", lit(m.CiHook, "when")), F(("runs",), "Runs"),
), lambda h: f"{h.name} ({h.when})", {"when": "pull-request"})

# --------------------------------------------------------------------------- decisions

DECISIONS = L(("decisions",), "Decision records", (
    F(("id",), "Id"), F(("title",), "Title"),
    F(("status",), "Status", "choice", lit(m.Decision, "status")),
    F(("date",), "Date", "date", help="YYYY-MM-DD"),
    F(("context",), "Context", "textarea"),
    F(("options",), "Options considered", "lines"),
    F(("decision",), "Decision", "textarea"),
    F(("consequences",), "Consequences", "textarea"),
    F(("answers",), "Answers rule codes", "csv", help="e.g. API001, REL002"),
), lambda d: f"{d.id or '-'} [{d.status}] {d.title}", next_decision)

# --------------------------------------------------------------------------- API: nested lists,
# schemas, channels, webhooks


def schema_names(design: m.Design) -> list[str]:
    """Names a body, response or message may point at: api.schemas, then entities."""
    names = [s.name for s in design.api.schemas]
    return names + [e.name for e in design.data_model.entities if e.name not in names]


def component_names(design: m.Design) -> list[str]:
    return [c.name for c in design.services.components]


# the shape shared by api.schemas[].fields, channel and webhook fields and inline body fields
SCHEMA_FIELD_FIELDS = (
    F(("name",), "Field"), F(("type",), "Type", "choice", lit(m.SchemaField, "type")),
    F(("required",), "Required", "bool"),
    F(("classification",), "Classification", "choice", lit(m.SchemaField, "classification")),
    F(("max_length",), "Max length", "int"), F(("min_length",), "Min length", "int"),
    F(("minimum",), "Minimum", "number"), F(("maximum",), "Maximum", "number"),
    F(("enum",), "Enum values", "csv"), F(("pattern",), "Pattern", help="a regular expression"),
    *array_fields(m.SchemaField),
    F(("description",), "Description"),
)


def schema_field_label(f: m.SchemaField) -> str:
    return f"{f.name}: {f.type}{'' if f.required else '?'} {f.classification or ''}"


PARAMETERS = L(("api", "endpoints", 0, "parameters"), "Parameters of the selected endpoint", (
    F(("name",), "Name"), F(("in",), "In", "choice", lit(m.Parameter, "location"),
                            help="path, query, header or cookie"),
    F(("type",), "Type", "choice", lit(m.Parameter, "type")),
    F(("required",), "Required", "bool"),
    F(("max_length",), "Max length", "int"), F(("min_length",), "Min length", "int"),
    F(("minimum",), "Minimum", "number"), F(("maximum",), "Maximum", "number"),
    F(("enum",), "Enum values", "csv"), F(("pattern",), "Pattern"),
    *array_fields(m.Parameter),
    F(("description",), "Description"),
), lambda p: f"{p.location}: {p.name} ({p.type}){' required' if p.required else ''}",
   {"in": "query", "type": "string"})
RESPONSES = L(("api", "endpoints", 0, "responses"), "Responses of the selected endpoint", (
    F(("status",), "Status", "int"),
    F(("schema",), "Schema", "combo", schema_names, help="e.g. Order or Order[]"),
    F(("description",), "Description"),
    F(("content_type",), "Content type", help="default application/json"),
), lambda r: f"{r.status} {r.schema_ or ('(inline fields)' if r.fields else '')}")
SCHEMAS = L(("api", "schemas"), "Named schemas (api.schemas)", (
    F(("name",), "Name"), F(("description",), "Description", "textarea"),
    F(("unknown_fields",), "Unknown fields", "choice", lit(m.NamedSchema, "unknown_fields")),
), lambda s: f"{s.name} ({len(s.fields)} fields)")
SCHEMA_FIELDS = L(("api", "schemas", 0, "fields"), "Fields of the selected schema",
                  SCHEMA_FIELD_FIELDS, schema_field_label, {"type": "string"})
CHANNELS = L(("api", "channels"), "Channels (WebSocket and events)", (
    F(("name",), "Name"), F(("kind",), "Kind", "choice", lit(m.Channel, "kind")),
    F(("direction",), "Direction", "choice", lit(m.Channel, "direction")),
    F(("path",), "Path or topic"), F(("summary",), "Summary"),
    F(("message",), "Message schema", "combo", schema_names),
    F(("auth",), "Auth", "choice", auth_schemes, help="a security.authentication name, or public"),
    F(("authorization",), "Authorization", "access", role_names),
    F(("public_justification",), "Public justification", "textarea"),
    F(("rate_limit", "limit"), "Rate limit", clears=("rate_limit",), help="e.g. 20/second"),
    F(("rate_limit", "key"), "Rate limit per", help="client, ip, user, connection"),
    F(("writes",), "Writes entities", "tags", entity_names),
    F(("handler",), "Handler", "combo", component_names), F(("audit",), "Audited", "bool"),
), lambda c: f"{c.kind}: {c.name} {c.path or ''} ({c.direction}) auth={c.auth or '(none)'}",
   {"kind": "event", "direction": "publish"})
CHANNEL_FIELDS = L(("api", "channels", 0, "fields"), "Message fields of the selected channel",
                   SCHEMA_FIELD_FIELDS, schema_field_label, {"type": "string"})
WEBHOOKS = L(("api", "webhooks"), "Outbound webhooks", (
    F(("name",), "Name"), F(("event",), "Event", help="e.g. order.paid"),
    F(("payload",), "Payload schema", "combo", schema_names),
    F(("signing",), "Signing", help="how receivers verify it, e.g. HMAC-SHA256 header"),
    F(("delivery",), "Delivery", "textarea", help="retry and ordering policy"),
), lambda h: f"{h.name} on {h.event}{'' if h.signing else '  - not signed'}")
WEBHOOK_FIELDS = L(("api", "webhooks", 0, "fields"), "Payload fields of the selected webhook",
                   SCHEMA_FIELD_FIELDS, schema_field_label, {"type": "string"})

# --------------------------------------------------------------------------- persistence: indexes

INDEXES = L(("persistence", "tables", 0, "indexes"), "Indexes of the selected table", (
    F(("name",), "Name"), F(("columns",), "Columns", "csv", help="in index order"),
    F(("unique",), "Unique", "bool"),
), lambda i: f"{i.name or '-'} ({', '.join(i.columns)}){' unique' if i.unique else ''}")

# --------------------------------------------------------------------------- waivers


def waiver_rules(design: m.Design) -> list[str]:
    """Rule codes a waiver may name (those that check waivers themselves cannot be waived)."""
    codes = {w.rule for w in design.waivers}
    try:
        from ...rules import registry
        codes |= {r.code for r in registry if not r.after_findings}
    except ImportError:      # the rules are optional for the form: the loader checks the code
        pass
    return sorted(codes)


WAIVERS = L(("waivers",), "Waivers", (
    F(("rule",), "Rule code", "combo", waiver_rules, help="e.g. API003"),
    F(("target",), "Target", help="key path it covers, e.g. api.endpoints[2]; * for all"),
    F(("status",), "Status", "choice", lit(m.Waiver, "status")),
    F(("justification",), "Justification", "textarea", help="why the finding does not apply"),
    F(("owner",), "Owner"),
    F(("expires",), "Expires", "date", help="YYYY-MM-DD"),
), lambda x: f"{x.rule} {x.target} [{x.status}] {x.owner or ''}"
             f"{' until ' + x.expires.isoformat() if x.expires else ''}")
