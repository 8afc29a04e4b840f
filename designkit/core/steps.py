"""The design steps, in order: one notebook each, and the seed lines each one answers."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UsageError


@dataclass(frozen=True)
class Step:
    """One design step: what it decides and which part of the design file holds it."""

    id: str          # stable id used by findings, forms and the runner
    number: int
    title: str
    section: str     # the Design attribute this step edits ("" for the report)
    decides: str
    seeds: str       # the seed lines it answers

    @property
    def notebook(self) -> str:
        return f"{self.number:02d}_{self.id}.ipynb"


STEPS: tuple[Step, ...] = (
    Step("scope", 1, "Scope", "scope",
         "requirements, constraints, SLAs, integration points, criticality tier",
         "Inputs; Design Thinking: Scope, Constraints; Checklist: Confirm requirements and constraints"),
    Step("data_model", 2, "Data model", "data_model",
         "entities, fields, relationships, invariants, lifecycle, data classification",
         "Design Thinking: Data; Checklist: Define data model and invariants"),
    Step("api", 3, "API surface", "api",
         "endpoints, channels and webhooks, request/response schemas, error model, versioning",
         "Steps 1; Architecture: API Design; Checklist: Specify API contracts and error shape"),
    Step("security", 4, "Security", "security",
         "authentication, per-endpoint authorization or public justification, rate limits, secrets",
         "Steps 2; Architecture: Security; Validation: authz or public; Safety Rules"),
    Step("services", 5, "Services", "services",
         "handlers, domain services, repositories/adapters, dependencies and why each is needed",
         "Steps 3; Safety Rules: avoid new dependencies unless justified"),
    Step("persistence", 6, "Persistence", "persistence",
         "stores by access pattern, tables, indexes, migrations, idempotency model",
         "Steps 4; Architecture: Storage"),
    Step("reliability", 7, "Reliability", "reliability",
         "timeouts, retries, backoff and fallbacks per dependency and write; consistency model",
         "Design Thinking: Reliability; Validation: failure modes explicit; Safety Rules: no partial writes"),
    Step("performance", 8, "Performance", "performance",
         "capacity, caching, batching, async processing, statelessness, scaling boundaries",
         "Architecture: Performance, Scalability; Checklist: Cover performance, scaling, and caching"),
    Step("observability", 9, "Observability", "observability",
         "structured logs, request ids, metrics, traces, alerts, audit trail",
         "Steps 5; Architecture: Observability; Checklist: Include security and observability plans"),
    Step("validation", 10, "Validation plan", "validation",
         "tests per layer, per endpoint and per failure mode; CI hooks",
         "Steps 6"),
    Step("report", 11, "Report", "",
         "the architecture spec and the checklist report",
         "Output; Response Checklist"),
)

_BY_ID = {s.id: s for s in STEPS}


def get_step(step_id: str) -> Step:
    """The step with this id; a UsageError lists the valid ids otherwise."""
    try:
        return _BY_ID[step_id]
    except KeyError:
        raise UsageError(f"unknown step {step_id!r}; steps are: {', '.join(_BY_ID)}") from None


DESIGN_STEPS = tuple(s for s in STEPS if s.id != "report")
