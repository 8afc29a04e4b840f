"""The design file's typed model: one section per design step.

Everything is optional past the name so that a draft loads and the checks say what is missing;
what is present must have the right shape (unknown keys are errors). Field descriptions become
the JSON Schema's help text in editors (``designkit schema``).

One module over the usual size on purpose: it is the design file format, read top to bottom in
step order like the file itself, and its sections refer to each other (an endpoint's idempotency
store, a scaling unit's components); split up, the format would have no single place to read.
"""

# No ``from __future__ import annotations`` here: pydantic would have to evaluate every field's
# annotation from its text (a compile and an eval each, a sixth of building the classes at every
# start); written plainly, Python evaluates them once as the class body runs.
import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WrapValidator,
    field_validator,
    model_validator,
)

from .durations import DURATION_HELP, parse_duration

FORMAT_VERSION = 1

Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
# Methods that change state, and of those the ones a retry may repeat (not idempotent by HTTP).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NON_IDEMPOTENT_METHODS = frozenset({"POST", "PATCH"})
Classification = Literal["public", "internal", "confidential", "pii", "credential", "secret"]
Tier = Literal["A", "B", "C"]


def _check_duration(text: str) -> str:
    parse_duration(text)   # ValueError says what a duration looks like
    return text


# A duration kept as written ("72h", "3 days", "P3D") and checked on load, so rules can compare it.
Duration = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_duration),
                     Field(description=f"A{DURATION_HELP[1:]}.")]


def now_a_list(value, example: str):
    """Refuse the old single-mapping form of a key that is now a list, saying what to write."""
    if value is not None and not isinstance(value, list):
        raise ValueError(f"this is now a list, one entry per {example}")
    return value


# Classifications whose writes are sensitive actions and whose values must stay out of logs.
SENSITIVE_CLASSES = frozenset({"confidential", "pii", "credential", "secret"})


class Section(BaseModel):
    """Base of every part of the design: unknown keys are refused, values are checked on set,
    and a number is finite (``.nan``/``.inf`` would become DDL no database accepts)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True,
                              allow_inf_nan=False, defer_build=True)


# --------------------------------------------------------------------------- scope


class Requirement(Section):
    id: Name | None = Field(None, description="Short stable id, e.g. R1.")
    text: Text = Field(..., description="What the system must do, in one sentence.")
    priority: Literal["must", "should", "could"] = "must"


class Constraints(Section):
    latency: Text | None = Field(None, description="e.g. 'p99 < 300 ms for ingestion'.")
    throughput: Text | None = Field(None, description="e.g. '500 requests/s peak'.")
    availability: Text | None = Field(None, description="e.g. '99.9% monthly'.")
    compliance: list[Text] = Field(default_factory=list, description="e.g. GDPR, PCI-DSS, SOC 2.")
    deployment: Text | None = Field(None, description="Where and how it runs.")
    cost: Text | None = None
    stack: list[Text] = Field(default_factory=list, description="Languages, runtimes, platforms.")
    other: list[Text] = Field(default_factory=list)


class SLA(Section):
    name: Name
    objective: Text = Field(..., description="The promise, e.g. '99.9% of requests succeed'.")
    indicator: Text | None = Field(None, description="What is measured (the SLI).")
    window: Text | None = Field(None, description="e.g. '30 days'.")
    latency_ms: int | None = Field(
        None, ge=1, description="For a latency SLA: the threshold in milliseconds (300 for 'p99 under 300 ms').")
    applies_to: list[Name] = Field(
        default_factory=list,
        description="api.endpoints ids (or 'METHOD /path') and channel names it covers; empty: all of them.")


class IntegrationPoint(Section):
    name: Name
    kind: Literal["http-api", "webhook-source", "webhook-target", "queue", "database",
                  "identity-provider", "storage", "email", "other"] = "http-api"
    direction: Literal["inbound", "outbound", "both"] = "outbound"
    description: Text | None = None
    idempotent_calls: bool | None = Field(
        None, description="Whether our calls to it are safe to repeat (when no services.dependencies "
                          "entry stands for it).")


class Scope(Section):
    summary: Text | None = Field(None, description="What the system is for, in a paragraph.")
    tier: Tier | None = Field(
        None, description="Criticality: A (business critical), B (important), C (prototype).")
    requirements: list[Requirement] = Field(default_factory=list)
    use_cases: list[Text] = Field(default_factory=list)
    constraints: Constraints = Field(default_factory=Constraints)
    slas: list[SLA] = Field(default_factory=list)
    integration_points: list[IntegrationPoint] = Field(default_factory=list)
    out_of_scope: list[Text] = Field(default_factory=list)


# --------------------------------------------------------------------------- data model


ItemType = Literal["string", "text", "integer", "number", "decimal", "boolean", "uuid",
                   "datetime", "date", "json", "binary", "enum", "email", "url"]
FieldType = Literal[ItemType, "array"]

# An array's items, shared by entity fields, schema fields and parameters: one definition of
# what an array holds and how many. On an array the other bounds (max_length, minimum, enum,
# pattern...) apply to each item.
Items = Annotated[ItemType | Name | None, Field(
    description="For type array: what each item is, a field type (e.g. string) or an entity or "
                "api.schemas name. The field's other bounds apply to each item.")]
MaxItems = Annotated[int | None, Field(ge=1, description="For type array: the most items accepted.")]
MinItems = Annotated[int | None, Field(ge=0, description="For type array: the fewest items accepted.")]


class ArrayBounds(Section):
    """Base of the three kinds of field that can be arrays: their array keys must make sense."""

    @model_validator(mode="after")
    def _array_keys_need_an_array(self):
        if self.items is None and self.max_items is None and self.min_items is None:
            return self   # most fields (checked once per field of every entity and schema)
        given = [k for k in ("items", "max_items", "min_items") if getattr(self, k) is not None]
        if given and self.type != "array":
            raise ValueError(f"{', '.join(given)} only apply to `type: array`; "
                             "set `type: array` or remove them")
        if self.min_items is not None and self.max_items is not None and self.min_items > self.max_items:
            raise ValueError(f"min_items ({self.min_items}) is larger than max_items ({self.max_items})")
        return self


class EntityField(ArrayBounds):
    name: Name
    type: FieldType = "string"
    required: bool = True
    unique: bool = False
    classification: Classification | None = Field(
        None, description="Overrides the entity's classification for this field.")
    description: Text | None = None
    max_length: int | None = Field(None, ge=1)
    min_length: int | None = Field(None, ge=0)
    minimum: float | None = None
    maximum: float | None = None
    enum: list[str | int] = Field(default_factory=list, description="Allowed values (type enum).")
    pattern: Text | None = None
    items: Items = None
    max_items: MaxItems = None
    min_items: MinItems = None
    default: str | int | float | bool | None = None


class Relationship(Section):
    name: Name | None = None
    target: Name = Field(..., description="Name of the related entity.")
    kind: Literal["many-to-one", "one-to-one", "one-to-many", "many-to-many"] = "many-to-one"
    field: Name | None = Field(None, description="The foreign-key field on this entity.")
    on_delete: Literal["restrict", "cascade", "set-null", "no-action"] = "restrict"
    required: bool = True


class Lifecycle(Section):
    states: list[Name] = Field(default_factory=list)
    transitions: list[Text] = Field(default_factory=list, description="e.g. 'received -> processed'.")
    retention: Text | None = Field(None, description="How long it is kept, and how it is deleted.")


class Entity(Section):
    name: Name
    description: Text | None = None
    classification: Classification = "internal"
    primary_key: list[Name] = Field(default_factory=list)
    fields: list[EntityField] = Field(default_factory=list)
    relationships: list[Relationship] = Field(default_factory=list)
    invariants: list[Text] = Field(default_factory=list)
    lifecycle: Lifecycle | None = None


class DataModel(Section):
    entities: list[Entity] = Field(default_factory=list)


# --------------------------------------------------------------------------- API surface


class Parameter(ArrayBounds):
    name: Name
    location: Literal["path", "query", "header", "cookie"] = Field("query", alias="in")
    type: FieldType = "string"
    required: bool = False
    description: Text | None = None
    max_length: int | None = Field(None, ge=1)
    min_length: int | None = Field(None, ge=0)
    minimum: float | None = None
    maximum: float | None = None
    enum: list[str | int] = Field(default_factory=list)
    pattern: Text | None = None
    items: Items = None
    max_items: MaxItems = None
    min_items: MinItems = None


class SchemaField(ArrayBounds):
    """A field of an inline request/response schema (a subset of an entity field)."""

    name: Name
    type: FieldType = "string"
    required: bool = True
    description: Text | None = None
    max_length: int | None = Field(None, ge=1)
    min_length: int | None = Field(None, ge=0)
    minimum: float | None = None
    maximum: float | None = None
    enum: list[str | int] = Field(default_factory=list)
    pattern: Text | None = None
    items: Items = None
    max_items: MaxItems = None
    min_items: MinItems = None
    classification: Classification | None = None


class Body(Section):
    schema_: Name | None = Field(
        None, alias="schema",
        description="An entity or api.schemas name; append [] for a list, e.g. 'Order[]'.")
    fields: list[SchemaField] = Field(default_factory=list, description="Inline fields instead of a named schema.")
    content_type: Text = "application/json"
    max_bytes: int | None = Field(None, ge=1, description="Largest body accepted.")
    unknown_fields: Literal["reject", "allow"] | None = Field(
        None, description="What happens to fields the schema does not name.")


class Response(Section):
    status: int = Field(..., ge=100, le=599)
    schema_: Name | None = Field(None, alias="schema")
    fields: list[SchemaField] = Field(default_factory=list)
    body: Literal["none"] | None = Field(
        None, description="`none`: this response deliberately carries no body (e.g. 202 Accepted).")
    description: Text | None = None
    content_type: Text = "application/json"

    @model_validator(mode="after")
    def _no_body_means_no_schema(self):
        if self.body == "none" and (self.schema_ or self.fields):
            raise ValueError("`body: none` says this response has no body, yet it names a schema or "
                             "fields; remove one of them")
        return self


class RateLimit(Section):
    limit: Text = Field(..., description="e.g. '100/minute'.")
    key: Text = Field("client", description="What the limit is counted per: client, ip, user, tenant.")
    burst: int | None = Field(None, ge=1)


class Idempotency(Section):
    strategy: Literal["idempotency-key", "natural-key", "transactional", "idempotent-by-design"]
    key: Text | None = Field(None, description="Where the key comes from, e.g. header Idempotency-Key.")
    store: Name | None = Field(
        None, description="Where seen keys are kept: a persistence idempotency store, table or store name.")
    ttl: Duration | None = Field(None, description="How long a seen key is kept, e.g. 24h.")


_ROLE_OR_SCOPE = re.compile(r"^\s*(roles?|scopes?)\s*[:=]\s*(.+)$", re.IGNORECASE | re.DOTALL)
_ACCESS_PARTS = re.compile(r"[;\n]")
_ACCESS_ITEMS = re.compile(r"[\s,|]+")
_ACCESS_PREFIX = re.compile(r"^(roles?|scopes?):", re.IGNORECASE)


def _parse_access_text(value):
    """``"role:operator; owns the order"`` -> roles, scopes and the condition in words."""
    if not isinstance(value, str):
        return value
    # A design repeats a few rules over many endpoints: each text is parsed once. The mapping is
    # copied, its lists are not (pydantic builds new lists from them and changes neither).
    parsed = _ACCESS_PARSED.get(value)
    if parsed is None:
        parsed = _parse_access(value)
        if len(_ACCESS_PARSED) < 10_000:
            _ACCESS_PARSED[value] = parsed
    return dict(parsed)


_ACCESS_PARSED: dict[str, dict] = {}


def _parse_access(value: str) -> dict[str, list[str] | str]:
    out: dict[str, list[str] | str] = {}
    words = []
    for part in _ACCESS_PARTS.split(value):
        match = _ROLE_OR_SCOPE.match(part)
        if match is None:
            if part.strip():
                words.append(part.strip())
            continue
        kind = "roles" if match.group(1).lower().startswith("role") else "scopes"
        items = [x for x in _ACCESS_ITEMS.split(match.group(2)) if x]
        out.setdefault(kind, []).extend(_ACCESS_PREFIX.sub("", x) for x in items)
    if words:
        out["condition"] = "; ".join(words)
    return out


class AccessRule(Section):
    """Who may call an endpoint or use a channel: roles and scopes by reference, a condition in words.

    Written as a mapping, or as text: ``role:operator`` (roles), ``scopes: read write`` and any
    other sentence (the condition) separated by ``;``.
    """

    roles: list[Name] = Field(default_factory=list, description="security.authorization.roles names.")
    scopes: list[Name] = Field(default_factory=list, description="OAuth scopes of the auth scheme.")
    condition: Text | None = Field(
        None, description="Ownership or attribute condition in words, e.g. \"the message's author\".")

    def __str__(self) -> str:
        """The rule as text that reads back to the same rule: ``roles: operator, admin; the caller's own``."""
        parts = [f"roles: {', '.join(self.roles)}" if self.roles else "",
                 f"scopes: {', '.join(self.scopes)}" if self.scopes else "", self.condition or ""]
        return "; ".join(x for x in parts if x)


AccessRuleField = Annotated[AccessRule | None, BeforeValidator(_parse_access_text, json_schema_input_type=str | AccessRule | None),
                            Field(description="Who may call it: {roles: [...], scopes: [...], condition: ...} "
                                              "or text such as 'role:admin; owns the order'.")]


class AuditScope(Section):
    """What the audit trail records for one action."""

    event: Name = Field(..., description="The audit event this action writes, e.g. event.replayed.")
    records: list[Literal["actor", "target", "action", "outcome", "before", "after", "reason",
                          "source_ip", "request_id"]] = Field(
        default_factory=list, description="What each record holds (actor and target at least).")
    denied: bool = Field(False, description="Refused attempts are recorded too.")


def _flag_or_scope(value, handler):
    """``audit: true`` or an AuditScope mapping, with errors located inside the mapping."""
    if value is None or isinstance(value, bool):
        return value
    return AuditScope.model_validate(value)


AuditField = Annotated[bool | AuditScope | None, WrapValidator(_flag_or_scope),
                       Field(description="Whether each call is written to the audit trail: true, or "
                                         "{event, records, denied} saying what is recorded.")]


class CapabilityUrl(Section):
    """A presigned or capability URL an endpoint hands out: whoever holds it may use it."""

    name: Name | None = None
    kind: Literal["presigned", "capability"] = Field(
        "presigned", description="presigned (a store's signed URL, e.g. S3) or capability (our own signed link).")
    method: HttpMethod = Field("GET", description="What the URL allows: GET downloads, PUT or POST uploads.")
    store: Name | None = Field(None, description="persistence store the URL reaches, e.g. an s3 bucket.")
    expiry: Duration | None = Field(None, description="How long the URL works, e.g. 15 minutes.")
    max_bytes: int | None = Field(None, ge=1, description="Uploads: the content length bound into the URL.")
    checksum: Literal["md5", "sha1", "sha256", "crc32c"] | None = Field(
        None, description="Uploads: the checksum bound into the signature.")
    single_use: bool = False
    revocable: bool = Field(
        False, description="capability: checked against our records on every use, so it can be revoked "
                           "before it expires (a presigned URL cannot be).")

    @model_validator(mode="after")
    def _only_our_links_revoke(self):
        if self.revocable and self.kind != "capability":
            raise ValueError("a presigned URL cannot be revoked once signed; `revocable: true` applies to "
                             "`kind: capability` (our own link, checked on every use)")
        return self


class Endpoint(Section):
    id: Name | None = Field(None, description="Operation id, e.g. ingestWebhook.")
    method: HttpMethod
    path: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^/")]
    summary: Text | None = None
    tags: list[Name] = Field(default_factory=list)
    auth: Name | None = Field(
        None, description="An authentication scheme name from security.authentication, or 'public'.")
    authorization: AccessRuleField = None
    public_justification: Text | None = Field(None, description="Why it is safe to be public.")
    parameters: list[Parameter] = Field(default_factory=list)
    request: Body | None = None
    responses: list[Response] = Field(default_factory=list)
    errors: list[Text] = Field(default_factory=list, description="Error codes from api.error_model.")
    rate_limit: RateLimit | None = None
    idempotency: Idempotency | None = None
    capability_urls: list[CapabilityUrl] = Field(
        default_factory=list, description="Presigned or capability URLs this endpoint hands out.")
    writes: list[Name] = Field(default_factory=list, description="Entities this endpoint creates or changes.")
    reads: list[Name] = Field(default_factory=list)
    handler: Name | None = Field(None, description="services.components name that handles it.")
    peak_rps: float | None = Field(
        None, ge=0, description="Expected peak requests per second on this endpoint (else the capacity model "
                                "uses performance.capacity.peak_rps as an upper bound).")
    audit: AuditField = None
    admin: bool = False
    deprecated: bool = False

    @property
    def route(self) -> str:
        """``METHOD path``, e.g. ``POST /v1/webhooks/{provider}``."""
        return f"{self.method} {self.path}"

    @property
    def label(self) -> str:
        """How findings, tables and diagrams name an endpoint: its id, else its route."""
        return self.id or self.route

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS


class Channel(Section):
    """A WebSocket channel, an event stream, or a Kafka/queue topic the service publishes or consumes.

    ``direction`` is the service's: ``publish`` (it only sends), ``subscribe`` (it receives) or both.
    """

    name: Name
    kind: Literal["websocket", "event", "topic", "queue"] = Field(
        "event", description="websocket, event (in-process or bus), topic (Kafka, Pub/Sub...) or queue (SQS...).")
    direction: Literal["publish", "subscribe", "both"] = "publish"
    path: Text | None = Field(None, description="WebSocket path or topic name.")
    summary: Text | None = None
    message: Name | None = Field(None, description="Schema of each message.")
    fields: list[SchemaField] = Field(default_factory=list)
    broker: Name | None = Field(
        None, description="topic or queue: the persistence store or services dependency that carries it.")
    partition_key: Name | None = Field(None, description="topic or queue: the message field messages are partitioned by.")
    ordering: Literal["none", "per-key", "total"] | None = Field(
        None, description="topic or queue: which messages are delivered in order.")
    retention: Duration | None = Field(None, description="topic or queue: how long messages are kept.")
    schema_compatibility: Literal["backward", "backward-transitive", "forward", "forward-transitive",
                                  "full", "full-transitive", "none"] | None = Field(
        None, description="topic: how message schemas may change (schema registry compatibility mode).")
    auth: Name | None = None
    authorization: AccessRuleField = None
    public_justification: Text | None = None
    rate_limit: RateLimit | None = None
    writes: list[Name] = Field(default_factory=list)
    handler: Name | None = None
    audit: AuditField = None

    @property
    def inbound(self) -> bool:
        """Messages arrive at the service on it (it subscribes)."""
        return self.direction != "publish"

    @property
    def has_callers(self) -> bool:
        """Someone connects to the service through it: a WebSocket, or anything inbound."""
        return self.kind == "websocket" or self.inbound


class Webhook(Section):
    """An outbound webhook this service sends to subscribers."""

    name: Name
    event: Text = Field(..., description="The event that triggers it, e.g. order.paid.")
    payload: Name | None = None
    fields: list[SchemaField] = Field(default_factory=list)
    signing: Text | None = Field(None, description="How receivers verify it, e.g. HMAC-SHA256 header.")
    delivery: Text | None = Field(None, description="Retry and ordering policy for deliveries.")


class WebhookSignature(Section):
    """How the service verifies that a delivery comes from the provider, unaltered."""

    scheme: Literal["hmac-sha256", "hmac-sha512", "hmac-sha1", "rsa-sha256", "ecdsa-sha256", "ed25519",
                    "jwt", "mtls", "shared-token", "none"]
    header: Text | None = Field(None, description="Where the signature arrives, e.g. Stripe-Signature.")
    signs: list[Literal["body", "timestamp", "url", "event-id", "headers"]] = Field(
        default_factory=list, description="What the signature covers, e.g. [timestamp, body].")
    secret: Name | None = Field(None, description="security.secrets name of the key that verifies it.")


class Dedupe(Section):
    """Where deliveries already seen are remembered, so a provider's retry has no second effect."""

    store: Name | None = Field(
        None, description="A persistence idempotency store, table or store name that keeps seen deliveries.")
    key: Text | None = Field(None, description="What identifies a delivery, e.g. the provider's event id.")
    ttl: Duration | None = Field(None, description="How long a seen delivery is remembered.")


class InboundWebhook(Section):
    """A webhook a provider sends to this service (``api.webhooks`` are the ones it sends).

    A separate list, not a direction flag on webhooks: what a receiver must decide (verification,
    replay window, dedupe against the provider's retries) shares no key with what a sender
    decides (payload, signing, delivery policy). The HTTP side stays one endpoint (``endpoint``).
    """

    name: Name
    provider: Name = Field(..., description="scope.integration_points name of the sender.")
    endpoint: Name | None = Field(
        None, description="The api.endpoints id (or 'METHOD /path') the deliveries arrive on.")
    events: list[Text] = Field(default_factory=list, description="Event types accepted, e.g. payment_intent.succeeded.")
    exposure: Literal["public", "private"] = Field(
        "public", description="public: reachable from the internet; private: over a private link only.")
    signature: WebhookSignature | None = None
    replay_window: Duration | None = Field(
        None, description="Oldest signed timestamp accepted, e.g. 5 minutes.")
    provider_retry_window: Duration | None = Field(
        None, description="How long the provider keeps retrying a delivery, e.g. 3 days.")
    dedupe: Dedupe | None = None


class NamedSchema(Section):
    name: Name
    description: Text | None = None
    fields: list[SchemaField] = Field(default_factory=list)
    unknown_fields: Literal["reject", "allow"] | None = None


class ErrorCode(Section):
    code: Name = Field(..., description="Stable machine-readable code, e.g. invalid_signature.")
    status: int = Field(..., ge=400, le=599)
    message: Text = Field(..., description="What a client is told.")


class ErrorModel(Section):
    format: Text | None = Field(None, description="e.g. 'application/problem+json (RFC 9457)'.")
    fields: list[Name] = Field(default_factory=list, description="e.g. [type, title, status, code, request_id].")
    codes: list[ErrorCode] = Field(default_factory=list)


class Versioning(Section):
    scheme: Literal["url-path", "header", "media-type", "query", "none"] = "url-path"
    current: Name | None = Field(None, description="e.g. v1.")
    policy: Text | None = Field(None, description="How breaking changes are introduced and retired.")


class Api(Section):
    base_url: Text | None = None
    versioning: Versioning | None = None
    error_model: ErrorModel | None = None
    schemas: list[NamedSchema] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    webhooks: list[Webhook] = Field(default_factory=list, description="Outbound webhooks this service sends.")
    inbound_webhooks: list[InboundWebhook] = Field(
        default_factory=list, description="Webhooks providers send to this service.")


# --------------------------------------------------------------------------- security


class AuthScheme(Section):
    name: Name
    type: Literal["oauth2", "oidc", "jwt", "api-key", "hmac-signature", "mtls", "session", "basic", "other"]
    description: Text | None = None
    header: Text | None = None
    secret: Name | None = Field(None, description="security.secrets name holding its key material.")
    trust_anchor: Text | None = Field(
        None, description="mtls: the CA bundle client certificates must chain to (public; no secret needed).")
    scopes: list[Name] = Field(default_factory=list)
    openid_connect_url: Text | None = Field(
        None, description="oidc: the OpenID Connect discovery URL (.well-known/openid-configuration).")
    authorization_url: Text | None = Field(
        None, description="oauth2: where users are sent to authorize (authorization code or implicit flow).")
    token_url: Text | None = Field(
        None, description="oauth2: where clients obtain tokens (authorization code or client credentials flow).")


class Authorization(Section):
    model: Literal["rbac", "abac", "ownership", "scopes", "acl", "none"] = "rbac"
    default: Literal["deny", "allow"] = "deny"
    roles: list[Name] = Field(default_factory=list, description="Roles endpoints and channels name.")
    tenant_isolation: Text | None = Field(
        None, description="Multi-tenant: how every query is bounded to the caller's tenant, for the whole "
                          "design, e.g. 'row-level security on tenant_id, set from the token on each connection'.")
    notes: Text | None = None


SecretKind = Literal["secret-manager", "vault", "kms", "hsm", "k8s-secret", "env-injected", "file", "other"]


class Secret(Section):
    name: Name
    purpose: Text | None = None
    kind: SecretKind | None = Field(
        None, description="Where it lives: secret-manager, vault, kms, hsm, k8s-secret, env-injected "
                          "(by the platform at start), file (mounted at run time), other.")
    ref: Text | None = Field(
        None, description="Its location in that store, e.g. kv/payments/stripe or /run/secrets/db. Never the value.")
    rotation: Text | None = Field(None, description="How and how often it is rotated, e.g. every 90 days.")

    @model_validator(mode="before")
    @classmethod
    def _store_is_now_kind_and_ref(cls, data):
        if isinstance(data, dict) and "store" in data:
            raise ValueError("`store` is now two keys: `kind` (secret-manager, vault, kms, hsm, k8s-secret, "
                             "env-injected, file, other) and `ref` (its location there), e.g. "
                             "{kind: vault, ref: kv/app/db}")
        return data


class Grant(Section):
    """One permission the service's own identity holds: who may do what on which resource."""

    principal: Name = Field(..., description="The identity holding it, e.g. the service's database role.")
    actions: list[Name] = Field(..., min_length=1, description="e.g. [SELECT, INSERT] or [sqs:SendMessage].")
    resource: Text = Field(..., description="What it applies to, e.g. table webhook_events or an ARN.")


class Transport(Section):
    """How data is protected on the wire: at the public edge, and inside the network."""

    external: Literal["tls", "mtls", "none"] | None = Field(
        None, description="Clients, providers and third parties to and from the service: tls (HTTPS, WSS), "
                          "mtls (client certificates too) or none. An https:// api.base_url says tls.")
    internal: Literal["tls", "mtls", "none"] | None = Field(
        None, description="Between the service's components, its stores and internal services.")
    min_tls_version: Literal["1.2", "1.3"] | None = None
    terminates_at: Text | None = Field(None, description="Where public TLS ends, e.g. 'the ingress load balancer'.")


class Security(Section):
    authentication: list[AuthScheme] = Field(default_factory=list)
    authorization: Authorization | None = None
    default_rate_limit: RateLimit | None = None
    abuse_controls: list[Text] = Field(default_factory=list)
    secrets: list[Secret] = Field(default_factory=list)
    grants: list[Grant] = Field(
        default_factory=list, description="What the service's own identities may do (least privilege).")
    least_privilege: list[Text] = Field(
        default_factory=list, description="Other least-privilege measures in words (e.g. non-root pods).")
    threats: list[Text] = Field(default_factory=list)
    transport: Transport | None = Field(None, description="Encryption in transit: public edge and internal network.")


# --------------------------------------------------------------------------- services


class Component(Section):
    name: Name
    kind: Literal["handler", "domain-service", "repository", "adapter", "worker", "gateway"]
    responsibility: Text | None = None
    depends_on: list[Name] = Field(
        default_factory=list, description="Other components and services.dependencies it calls.")
    consumes: list[Name] = Field(
        default_factory=list, description="A worker: the api.channels, queue dependencies or integration points it reads.")
    schedule: Text | None = Field(None, description="A worker: when it runs, e.g. 'every 10 s', '0 3 * * *'.")


class Dependency(Section):
    name: Name
    kind: Literal["library", "service", "datastore", "queue", "external-api", "platform"] = "library"
    justification: Text | None = Field(None, description="Why it is needed instead of what we have.")
    version: Text | None = None
    integration: Name | None = Field(None, description="scope.integration_points name it talks to.")
    idempotent_calls: bool | None = Field(None, description="Whether calls to it are safe to repeat.")
    availability: float | None = Field(
        None, gt=0, le=100, description="Its availability in percent (99.95), from its SLA or history; "
                                        "the capacity model multiplies serial dependencies against the target.")


class Services(Section):
    components: list[Component] = Field(default_factory=list)
    dependencies: list[Dependency] = Field(default_factory=list)


# --------------------------------------------------------------------------- persistence


class Index(Section):
    name: Name | None = None
    columns: list[Name] = Field(..., min_length=1)
    unique: bool = False


class Table(Section):
    """A table (or collection): it stores an entity, or declares its own columns (a key table, an
    outbox), so that every table the design relies on appears in the DDL."""

    name: Name
    entity: Name | None = Field(None, description="data_model entity it stores (columns come from it).")
    columns: list[EntityField] = Field(
        default_factory=list, description="Its columns, for a table that stores no entity (e.g. idempotency keys).")
    primary_key: list[Name] = Field(
        default_factory=list, description="For a table with its own columns: the key columns.")
    store: Name | None = None
    indexes: list[Index] = Field(default_factory=list)

    @model_validator(mode="after")
    def _entity_or_columns(self):
        if self.entity and (self.columns or self.primary_key):
            raise ValueError("a table takes its columns from `entity` or declares `columns` (and "
                             "`primary_key`), not both; remove one of them")
        return self


class AccessPattern(Section):
    name: Name
    table: Name | None = None
    query: Text | None = Field(None, description="e.g. 'by provider and received_at, newest first'.")
    columns: list[Name] = Field(default_factory=list)
    served_by: Name | None = Field(None, description="Index name that serves it.")
    reason: Text | None = Field(None, description="Why no index is needed, when none serves it.")


# Store kinds that hold tables (and so get DDL, migrations and indexes).
RELATIONAL_STORE_KINDS = frozenset({"postgresql", "mysql", "sqlite"})


class Store(Section):
    name: Name
    kind: Literal["postgresql", "mysql", "sqlite", "redis", "dynamodb", "mongodb", "s3",
                  "kafka", "sqs", "elasticsearch", "other"]
    purpose: Text | None = None
    durability: Text | None = Field(None, description="How its data survives a failure, e.g. 'synchronous replica in a second zone'.")
    replicas: int | None = Field(
        None, ge=1, description="Copies of the data on separate nodes, the primary included (1 = a single node).")
    ephemeral: bool = Field(
        False, description="Losing its contents is harmless: a cache or counters that are rebuilt.")
    encryption_at_rest: Text | None = Field(
        None, description="How its data is encrypted on disk and in backups, e.g. 'AES-256, KMS-managed keys'; "
                          "'none' when it is not.")


class Migrations(Section):
    tool: Text | None = None
    strategy: Text | None = Field(None, description="e.g. 'expand/contract, backward compatible'.")


class IdempotencyStore(Section):
    """Where the keys of requests already seen are kept: a real table, a key, and how long."""

    name: Name | None = Field(
        None, description="What endpoints' `idempotency.store` call it; the table name when omitted.")
    table: Name = Field(..., description="persistence.tables name that holds the keys.")
    key: Text | None = Field(None, description="What a key is made of, e.g. 'provider:provider_event_id'.")
    ttl: Text | None = Field(None, description="How long a key is kept, e.g. '7 days'; longer than clients retry.")
    scope: Text | None = Field(None, description="What a key is unique within, e.g. 'per provider', 'per user'.")

    @property
    def ref(self) -> str:
        """The name endpoints use for it."""
        return self.name or self.table


class Persistence(Section):
    stores: list[Store] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    access_patterns: list[AccessPattern] = Field(default_factory=list)
    migrations: Migrations | None = None
    idempotency: list[IdempotencyStore] = Field(
        default_factory=list, description="Idempotency stores, one per kind of key (endpoint ids, deliveries ...).")

    @field_validator("idempotency", mode="before")
    @classmethod
    def _idempotency_is_a_list(cls, value):
        return now_a_list(value, "store of keys: "
                          "`idempotency: [{name: delivery-keys, table: idempotency_keys, ttl: 7 days}]`")


# --------------------------------------------------------------------------- reliability


class RetryPolicy(Section):
    max_attempts: int = Field(..., ge=0, le=100, description="Retries after the first call (0: no retry).")
    backoff: Literal["none", "fixed", "exponential", "exponential-jitter"] = "exponential-jitter"
    base_delay_ms: int | None = Field(None, ge=0)
    max_delay_ms: int | None = Field(None, ge=0)


class FailurePolicy(Section):
    target: Name = Field(..., description="A dependency or integration point name.")
    timeout_ms: int | None = Field(None, ge=1)
    retries: RetryPolicy | None = None
    fallback: Text | None = None
    failure_behavior: Text | None = Field(None, description="What callers see when it is down.")
    circuit_breaker: Text | None = None


class Consistency(Section):
    """The consistency one set of entities or flows gets (strong for revocation, eventual for readings)."""

    applies_to: list[Name] = Field(
        ..., min_length=1, description="data_model entities, api.endpoints ids or channel names it covers.")
    model: Literal["strong", "read-your-writes", "eventual", "causal"]
    staleness: Text | None = Field(
        None, description="Not strong: what readers may observe and for how long, e.g. 'up to 5 s behind'.")
    notes: Text | None = None


class Reliability(Section):
    consistency: list[Consistency] = Field(
        default_factory=list, description="Consistency per entity or flow.")
    failure_policies: list[FailurePolicy] = Field(default_factory=list)
    recovery: list[Text] = Field(default_factory=list, description="Backups, replays, runbooks.")

    @field_validator("consistency", mode="before")
    @classmethod
    def _consistency_is_a_list(cls, value):
        return now_a_list(value, "group of entities or flows: "
                          "`consistency: [{applies_to: [Order], model: strong}]`")


# --------------------------------------------------------------------------- performance


class Capacity(Section):
    peak_rps: float | None = Field(None, ge=0)
    average_rps: float | None = Field(None, ge=0)
    payload_bytes: int | None = Field(None, ge=0)
    data_growth: Text | None = None


class Cache(Section):
    what: Text
    where: Text | None = None
    ttl: Text | None = None
    invalidation: Text | None = None


class ScalingUnit(Section):
    """One thing that is deployed and scaled on its own (ingest pods, socket pods, the database)."""

    name: Name
    runs: list[Name] = Field(default_factory=list, description="services.components it runs, or the persistence.stores it is.")
    state: Literal["stateless", "stateful"] = Field(..., description="Whether an instance keeps state a replacement would lack.")
    holds: Text | None = Field(None, description="Stateful: the state it holds and what happens to it when an instance goes.")
    scales: Literal["horizontal", "vertical", "partitioned", "fixed"] = Field(
        ..., description="How it grows: more instances, a bigger instance, more partitions, or not at all.")
    scales_on: Text | None = Field(None, description="The signal it scales on, e.g. CPU, open connections, queue depth.")
    min_replicas: int | None = Field(None, ge=0)
    max_replicas: int | None = Field(None, ge=1)
    limit: Text | None = Field(None, description="What caps it: where it stops scaling (its boundary).")

    @model_validator(mode="after")
    def _replicas_in_order(self):
        if self.min_replicas is not None and self.max_replicas is not None and self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas ({self.min_replicas}) is larger than max_replicas ({self.max_replicas})")
        return self


class Performance(Section):
    capacity: Capacity | None = None
    caching: list[Cache] = Field(default_factory=list)
    batching: list[Text] = Field(default_factory=list)
    async_processing: list[Text] = Field(default_factory=list)
    scaling: list[ScalingUnit] = Field(
        default_factory=list, description="What scales on its own, whether it keeps state, and where it stops.")

    @model_validator(mode="before")
    @classmethod
    def _stateless_is_per_unit(cls, data):
        if isinstance(data, dict) and "stateless" in data:
            raise ValueError("`stateless` is now said per scaling unit: `scaling: [{name: api-pods, "
                             "runs: [OrderHandler], state: stateless, scales: horizontal, scales_on: CPU}]`")
        return data

    @field_validator("scaling", mode="before")
    @classmethod
    def _scaling_is_units(cls, value):
        if isinstance(value, list) and any(isinstance(x, str) for x in value):
            raise ValueError("each entry is now a scaling unit: `{name: api-pods, runs: [OrderHandler], "
                             "state: stateless, scales: horizontal, scales_on: CPU, limit: ...}`")
        return value


# --------------------------------------------------------------------------- observability


class LogField(Section):
    """A field every log line carries, and what it carries (``status: http.status``)."""

    name: Name
    carries: Text | None = Field(
        None, description="What the value is: an entity field (Member.email), or a source such as "
                          "http.status, http.route, request.id, trace.id, time, level.")

    def __str__(self) -> str:
        return f"{self.name}: {self.carries}" if self.carries else self.name


def _log_field_shorthand(data):
    """``request_id``, ``"status: http.status"`` (as a form writes it) or ``{status: http.status}``."""
    if isinstance(data, str):
        name, sep, carries = data.partition(":")
        return {"name": name.strip(), "carries": carries.strip() or None} if sep else {"name": data}
    if isinstance(data, dict) and len(data) == 1 and "name" not in data:
        ((name, carries),) = data.items()
        return {"name": name, "carries": carries}
    return data


LogFieldItem = Annotated[LogField, BeforeValidator(
    _log_field_shorthand, json_schema_input_type=str | dict[str, str] | LogField)]


class Logging(Section):
    structured: bool = False
    format: Text | None = None
    fields: list[LogFieldItem] = Field(
        default_factory=list,
        description="Fields on every line, each with what it carries: [time, {status: http.status}, {member: Member.id}].")
    redact: list[Name] = Field(default_factory=list, description="Fields never written to logs.")

    def field(self, name: str) -> LogField | None:
        return next((f for f in self.fields if f.name == name), None)


class RequestIds(Section):
    header: Text = "X-Request-Id"
    propagate: bool = Field(True, description="Passed on to every dependency that is called.")
    generate_if_missing: bool = True
    log_field: Name | None = Field(None, description="observability.logs.fields name that carries it on every line.")


class Metric(Section):
    name: Name
    type: Literal["counter", "gauge", "histogram", "summary"] = "counter"
    sla: Name | None = Field(None, description="scope.slas name this metric measures.")
    description: Text | None = None


class Tracing(Section):
    enabled: bool = False
    propagation: Text | None = Field(None, description="e.g. W3C traceparent.")
    sampling: Text | None = None


class Alert(Section):
    name: Name
    condition: Text
    sla: Name | None = None
    severity: Literal["page", "ticket", "info"] = "page"
    runbook: Text | None = None


class AuditTrail(Section):
    store: Text | None = None
    retention: Text | None = None
    events: list[Text] = Field(default_factory=list, description="Sensitive actions recorded.")


class Observability(Section):
    logs: Logging | None = None
    request_ids: RequestIds | None = None
    metrics: list[Metric] = Field(default_factory=list)
    tracing: Tracing | None = None
    alerts: list[Alert] = Field(default_factory=list)
    audit: AuditTrail | None = None


# --------------------------------------------------------------------------- validation plan


class TestCase(Section):
    name: Name
    kind: Literal["unit", "integration", "contract", "e2e", "load", "security", "chaos", "migration"] = "unit"
    covers: list[Name] = Field(default_factory=list, description="Endpoint ids, failure policy targets or rule codes.")


CiTrigger = Literal["pull-request", "merge", "nightly", "release", "manual", "schedule"]


class CiHook(Section):
    name: Name
    when: CiTrigger = Field("pull-request", description="What starts it: pull-request, merge, nightly, release, manual, schedule.")
    runs: Text | None = None


class Validation(Section):
    tests: list[TestCase] = Field(default_factory=list)
    ci_hooks: list[CiHook] = Field(default_factory=list)


# --------------------------------------------------------------------------- decisions, waivers


class Decision(Section):
    id: Name | None = Field(None, description="e.g. ADR-001.")
    title: Name
    status: Literal["proposed", "accepted", "rejected", "deprecated", "superseded"] = "proposed"
    date: dt.date | None = None
    context: Text | None = None
    options: list[Text] = Field(default_factory=list)
    decision: Text | None = None
    consequences: Text | None = None
    answers: list[Name] = Field(default_factory=list, description="Rule codes this decision answers.")


class Waiver(Section):
    id: Name | None = Field(None, description="Short stable id a threat register entry can link to, e.g. W-1.")
    rule: Name = Field(..., description="Rule code, e.g. API003.")
    target: Text = Field("*", description="Key path the waiver covers, e.g. api.endpoints[2]; * for all.")
    status: Literal["not-applicable", "mitigated", "accepted"]
    justification: Text | None = None
    owner: Text | None = None
    expires: dt.date | None = None


class ThreatEntry(Section):
    """A decision about one threat of the derived threat model (``designkit threats`` lists their ids)."""

    id: Name = Field(..., description="The threat id, e.g. 'provider.stripe/S' (element, then STRIDE letter).")
    status: Literal["open", "mitigated", "accepted", "false-positive"] = "open"
    owner: Text | None = None
    justification: Text | None = Field(
        None, description="Why it is accepted or not a threat, or how it is mitigated beyond what the design states.")
    waiver: Name | None = Field(None, description="The id of the waivers entry that records the accepted risk.")


# --------------------------------------------------------------------------- diff settings


class DiffSettings(Section):
    """How ``designkit diff`` classifies changes made to this design (read from the NEW side)."""

    levels: dict[Name, Literal["breaking", "warning", "info"]] = Field(
        default_factory=dict,
        description="Level per diff check, by code or name (see docs/diff.md), e.g. {DIFF022: breaking}.")


# --------------------------------------------------------------------------- the design


class Design(Section):
    """A whole backend design, one section per design step."""

    designkit: int = Field(FORMAT_VERSION, description="Design file format version.")
    name: Name = Field(..., description="Short name of the system, e.g. webhook-ingestion.")
    title: Text | None = None
    owners: list[Text] = Field(default_factory=list)
    scope: Scope = Field(default_factory=Scope)
    data_model: DataModel = Field(default_factory=DataModel)
    api: Api = Field(default_factory=Api)
    security: Security = Field(default_factory=Security)
    services: Services = Field(default_factory=Services)
    persistence: Persistence = Field(default_factory=Persistence)
    reliability: Reliability = Field(default_factory=Reliability)
    performance: Performance = Field(default_factory=Performance)
    observability: Observability = Field(default_factory=Observability)
    validation: Validation = Field(default_factory=Validation)
    decisions: list[Decision] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)
    threats: list[ThreatEntry] = Field(
        default_factory=list, description="The threat register: a status per threat of the derived threat model.")
    diff: DiffSettings | None = Field(
        None, description="How `designkit diff` rates changes to this design: {levels: {DIFF022: breaking}}.")

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.data_model.entities if e.name == name), None)


def json_schema() -> dict:
    """The design file format as JSON Schema (draft 2020-12), for editors' autocompletion."""
    schema = Design.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "designkit design file"
    return schema
