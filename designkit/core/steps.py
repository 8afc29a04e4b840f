"""The design steps, in order: one notebook each, its guidance, and the seed lines each one answers.

Also the value a step's failure travels as (``StepFailure``), from the batch runner to the
checklist and the reports.
"""

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

    @property
    def guidance(self) -> str:
        """What to decide and what good looks like (Markdown): the top of the step's notebook."""
        return GUIDANCE[self.id]


@dataclass(frozen=True)
class StepFailure:
    """A step notebook that did not finish, and where it stopped (as papermill's execution error).

    ``cell`` is the index in the executed notebook (``OUTPUT/notebooks/NN_step.ipynb``), the one a
    reviewer opens; ``source`` is that cell's code. ``status`` is ``failed`` (a cell raised),
    ``timeout`` (the step ran past its limit) or ``interrupted``.
    """

    step: str
    notebook: str
    cell: int | None
    source: str
    ename: str
    evalue: str
    status: str = "failed"

    @property
    def error(self) -> str:
        return f"{self.ename}: {self.evalue}" if self.evalue else self.ename

    def as_dict(self) -> dict:
        return {"step": self.step, "notebook": self.notebook, "cell": self.cell, "source": self.source,
                "ename": self.ename, "evalue": self.evalue, "status": self.status, "error": self.error}

    @classmethod
    def from_dict(cls, data: dict) -> StepFailure:
        """Read one back from ``as_dict`` (as ``run.json`` holds it)."""
        return cls(**{k: data[k] for k in ("step", "notebook", "cell", "source", "ename", "evalue", "status")})


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

# What to decide and what good looks like, per step, taken from the seed documents: the Markdown
# at the top of each step notebook (tools/build_notebooks.py writes it from here).
GUIDANCE: dict[str, str] = {
    "scope": """\
Confirm requirements and constraints before designing anything (Response Checklist, item 1).

**Decide**
- the **requirements**: endpoints and behaviours, SLAs, compliance needs (seed *Inputs*);
- the **core use cases, data flows and integration points** (*Design Thinking: Scope*);
- the **constraints**: latency, throughput, availability, compliance and deployment limits
  (*Design Thinking: Constraints*);
- the **criticality tier** (A: business critical, B: important, C: prototype). It sets how strict
  the checks are, so a prototype is not held to a payments system's bar.

**Good looks like**: every constraint is a number or a named standard ("p99 < 300 ms", "99.95%
monthly", "GDPR"), every SLA names what is measured, and every external system appears as an
integration point.""",
    "data_model": """\
Define the data model and its invariants (Response Checklist, item 2; *Design Thinking: Data*).

**Decide** the **entities**, their **fields** and **keys**, their **relationships**, the
**invariants** that must always hold, each entity's **lifecycle** (states, retention), and the
**classification** of its data (public, internal, confidential, PII, credential, secret).

**Good looks like**: every entity has a primary key; every field that holds text has a maximum
length; every entity that is written states its invariants; personal and secret data is marked,
so logs, audit and access rules can treat it as such.""",
    "api": """\
Define the API surface (Steps 1; *Architecture Guidelines: API Design*; Response Checklist item 3).

**Decide**
- the **endpoints and events**: REST endpoints, WebSocket or event channels, outbound webhooks;
- the **request and response schema** of each, with bounds (lengths, ranges, sizes) and what
  happens to unknown fields;
- the **error model**: codes and messages, one shape for every error;
- **versioning**: how breaking changes reach clients.

**Good looks like**: explicit contracts ("explicit contracts, versioning, validation, and error
shape"); inputs are validated and outputs are consistent with their schema (seed *Validation*).""",
    "security": """\
Define the security model (Steps 2; *Architecture Guidelines: Security*; seed *Validation* and
*Safety Rules*).

**Decide** the **authentication method**, the **authorization rule** of every endpoint and channel
(or an explicit, written **public justification**), **rate limits and abuse controls**, how
**secrets** are handled (kept in a secret store, never in source control), **least privilege**,
and the **audit** of sensitive actions.

**Good looks like**: "Every endpoint has authz rules or an explicit 'public' justification";
no design "requires storing secrets in source control".""",
    "services": """\
Define service and module boundaries (Steps 3).

**Decide** the **controllers/handlers**, the **domain services**, the **repositories/adapters**,
what depends on what, and every **dependency** the design adds, with the reason it is needed.

**Good looks like**: handlers stay thin, domain logic lives in services, I/O sits behind
repositories and adapters; "avoid introducing new dependencies unless justified" (Safety Rules):
each dependency names why it is worth having.""",
    "persistence": """\
Define persistence (Steps 4; *Architecture Guidelines: Storage*).

**Decide** the **stores**, chosen by access pattern and durability needs; the
**schema/tables/collections** and their **indexes**; the **migrations** strategy; and the
**idempotency model** where writes can be repeated.

**Good looks like**: every access pattern the design relies on is served by an index (or says why
it needs none); migrations are backward compatible; repeated writes are safe.""",
    "reliability": """\
Address failure modes and consistency (Response Checklist item 4; *Design Thinking: Reliability*;
seed *Validation*: "Failure modes are explicit (timeouts, retries, fallbacks)").

**Decide**, per dependency and integration point: the **timeout**, the **retry** policy with
**backoff** (only for calls that are safe to repeat), the **fallback** or the stated failure
behaviour; the **consistency model**; and how the system **recovers**.

**Good looks like**: "Default to safe failure modes (no partial writes without idempotency)"
(Safety Rules): every write that is not naturally idempotent has an idempotency key and a store
for it, or is one transaction.""",
    "performance": """\
Cover performance, scaling and caching (Response Checklist item 5; *Architecture Guidelines:
Performance, Scalability*).

**Decide** a **capacity** estimate, **indexing**, **caching** (what, where, how long, how it is
invalidated), **batching**, **async processing**, **stateless** services where possible, and the
**scaling boundaries**.

**Good looks like**: numbers that match the constraints in scope, and a named boundary where the
design stops scaling horizontally.""",
    "observability": """\
Define observability (Steps 5; *Architecture Guidelines: Observability*; Response Checklist
item 6).

**Decide** **structured logs** (and which fields never reach them), **request ids** propagated
end to end, **metrics**, **traces** and **alerts** tied to the SLAs in scope, and the **audit
trail for sensitive actions**.

**Good looks like**: every SLA has a metric and an alert; every sensitive action is audited;
classified fields are redacted from logs.""",
    "validation": """\
Define the validation plan (Steps 6: tests + CI hooks).

**Decide** the **tests** per layer, per endpoint and per failure mode (unit, integration,
contract, end-to-end, load, chaos), and the **CI hooks** that run them, including
`designkit check design.yaml --fail-on error` to keep the design honest.

**Good looks like**: every endpoint and every failure mode names a test; CI runs them on every
change.""",
    "report": """\
The architecture spec and the checklist report (seed *Output* and *Response Checklist*).

This step gathers every other step and shows where the design stands. After every step notebook
has run, `designkit run` writes `spec.yaml` (the seed's output schema: `api`,
`services`, `data_model`, `observability`, `validation`, plus `security`, `persistence`,
`reliability`, `performance`, `decisions` and `checklist`), `checklist.md` and `report.html`
(the six checklist items and the Validation items with status, evidence, risk and plan; the
findings by step; the waivers), and the artifacts (OpenAPI, SQL, diagrams, decision records).""",
}

_BY_ID = {s.id: s for s in STEPS}


def get_step(step_id: str) -> Step:
    """The step with this id; a UsageError lists the valid ids otherwise."""
    try:
        return _BY_ID[step_id]
    except KeyError:
        raise UsageError(f"unknown step {step_id!r}; steps are: {', '.join(_BY_ID)}") from None


DESIGN_STEPS = tuple(s for s in STEPS if s.id != "report")

# Set (to "1") in the environment of the kernels `designkit run` starts: nobody can use a widget
# form in a headless run, so a step notebook shows a line there instead of building its form.
# The runner (designkit.batch) sets it and the step session (designkit.jupyter) reads it.
HEADLESS_ENV = "DESIGNKIT_HEADLESS"

# The step whose notebook draws the latency budget chart (matplotlib: about a second to import,
# the slowest cell of any step; designkit.jupyter.tables.step_figures). `designkit run` starts it
# first, so that the other workers share out the rest meanwhile.
CHART_STEP = "reliability"
