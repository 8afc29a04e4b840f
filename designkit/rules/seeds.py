"""The seed lines the rules enforce, quoted from the two product source documents.

``backend-architecture`` is the method (Steps, Validation, Safety Rules, Example); ``backend-design``
is the checklist (Design Thinking, Architecture Guidelines, Output Requirements, Response
Checklist). Each constant is a line of one of them, with the document and heading it sits under;
``tests/test_rules.py`` checks every rule's seed against the seed files.
"""

from __future__ import annotations

ARCH = "backend-architecture"
DESIGN = "backend-design"


def _seed(doc: str, heading: str, line: str) -> str:
    return f"{doc} / {heading}: {line}"


# backend-architecture: Steps
API_SURFACE = _seed(ARCH, "Steps 1", "request/response schema")
API_ENDPOINTS = _seed(ARCH, "Steps 1", "endpoints/events")
ERROR_MODEL = _seed(ARCH, "Steps 1", "error model (codes/messages)")
AUTHN = _seed(ARCH, "Steps 2", "authentication method")
AUTHZ = _seed(ARCH, "Steps 2", "authorization rules")
RATE_LIMITS = _seed(ARCH, "Steps 2", "rate limits and abuse controls")
BOUNDARIES = _seed(ARCH, "Steps 3", "controllers/handlers")
SCHEMA_TABLES = _seed(ARCH, "Steps 4", "schema/tables/collections")
MIGRATIONS = _seed(ARCH, "Steps 4", "migrations")
IDEMPOTENCY_MODEL = _seed(ARCH, "Steps 4", "idempotency model (if needed)")
STRUCTURED_LOGS = _seed(ARCH, "Steps 5", "structured logs")
REQUEST_IDS = _seed(ARCH, "Steps 5", "request ids")
AUDIT_TRAIL = _seed(ARCH, "Steps 5", "audit trail for sensitive actions")
VALIDATION_PLAN = _seed(ARCH, "Steps 6", "Define validation plan (tests + CI hooks).")
# backend-architecture: Validation
V_AUTHZ = _seed(ARCH, "Validation", "Every endpoint has authz rules or an explicit “public” justification.")
V_INPUTS = _seed(ARCH, "Validation", "Inputs are validated; outputs are consistent with schema.")
V_FAILURES = _seed(ARCH, "Validation", "Failure modes are explicit (timeouts, retries, fallbacks).")
# backend-architecture: Safety Rules
NO_SECRETS = _seed(ARCH, "Safety Rules", "Do not design systems that require storing secrets in source control.")
DEPENDENCIES = _seed(ARCH, "Safety Rules", "Avoid introducing new dependencies unless justified.")
PARTIAL_WRITES = _seed(ARCH, "Safety Rules", "Default to safe failure modes (no partial writes without idempotency).")
# backend-architecture: Example
WEBHOOK_EXAMPLE = _seed(ARCH, "Example", "includes idempotency key storage, signature verification, and audit logging.")

# backend-design: Design Thinking
SCOPE = _seed(DESIGN, "Design Thinking", "Scope: Identify core use cases, data flows, and integration points.")
CONSTRAINTS = _seed(DESIGN, "Design Thinking", "Constraints: Latency, throughput, availability, compliance, and deployment limits.")
DATA = _seed(DESIGN, "Design Thinking", "Data: Define entities, relationships, invariants, and lifecycle.")
RELIABILITY = _seed(DESIGN, "Design Thinking", "Reliability: Error handling, retries, idempotency, and consistency model.")
# backend-design: Architecture Guidelines
API_DESIGN = _seed(DESIGN, "Architecture Guidelines", "API Design: Explicit contracts, versioning, validation, and error shape.")
STORAGE = _seed(DESIGN, "Architecture Guidelines", "Storage: Choose stores based on access patterns and durability needs.")
PERFORMANCE = _seed(DESIGN, "Architecture Guidelines", "Performance: Indexing, caching, batching, and async processing.")
SECURITY = _seed(DESIGN, "Architecture Guidelines", "Security: AuthN/AuthZ, least privilege, secrets handling, auditability.")
OBSERVABILITY = _seed(DESIGN, "Architecture Guidelines", "Observability: Logging, metrics, tracing, and alerting signals.")
SCALABILITY = _seed(DESIGN, "Architecture Guidelines", "Scalability: Stateless services where possible, clear scaling boundaries.")
# backend-design: Output Requirements
FAILURE_RECOVERY = _seed(DESIGN, "Output Requirements", "Failure modes and recovery strategy")
# backend-design: Response Checklist
C_REQUIREMENTS = _seed(DESIGN, "Response Checklist", "Confirm requirements and constraints")
C_DATA = _seed(DESIGN, "Response Checklist", "Define data model and invariants")
C_API = _seed(DESIGN, "Response Checklist", "Specify API contracts and error shape")
C_FAILURES = _seed(DESIGN, "Response Checklist", "Address failure modes and consistency")
C_PERFORMANCE = _seed(DESIGN, "Response Checklist", "Cover performance, scaling, and caching")
C_SECURITY = _seed(DESIGN, "Response Checklist", "Include security and observability plans")


def seed_line(seed: str) -> str:
    """The quoted line of a seed reference (the part after the heading)."""
    return seed.split(": ", 1)[1]
