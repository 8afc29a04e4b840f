"""Section rules: every design step's section says something.

The step rules check what a section holds; a section left empty (as ``designkit new`` leaves
them) gives them nothing to check, so without these rules a starter design would look nearly
clean. One rule per section a backend design cannot do without, each named ``XXX000`` in its
step's family so it sorts first among that step's rules.
"""

from __future__ import annotations

from . import seeds
from .base import Hit, rule


def _says_nothing(section) -> bool:
    """Every key of the section is still at its default (empty lists, nulls).

    What ``not section.model_dump(exclude_defaults=True)`` says, without building the section's
    serializer (the model's classes are built on first use; a check needs only the validator),
    and calling each default factory itself (``get_default`` parses the factory's signature
    every time, to learn whether it takes the validated data; the model's factories take none).
    """
    return all(getattr(section, name) == (info.default if info.default_factory is None
                                          else info.default_factory())
               for name, info in type(section).model_fields.items())


@rule("DAT000", "data.entities-stated", "warning", step="data_model", seed=seeds.C_DATA,
      checklist="data-model", risk="high", tiers={"A": "error", "C": "warning"})
def entities_stated(ctx):
    """The data model declares the entities the system keeps.

    Why: Every later step (API schemas, tables, classification, invariants) is built on the
    entities; a design without them has no data model to review.
    Fix: Add your core domain objects, e.g.
    `data_model.entities: [{name: Order, primary_key: [id], fields: [{name: id, type: uuid}, {name: status, type: enum, enum: [open, paid]}], invariants: [status moves open -> paid, never back]}]`.
    Plan: In the data model step, list the core domain objects with their keys, fields and invariants.
    Bad:
        data_model: {entities: []}
    Good:
        data_model: {entities: [{name: Order, primary_key: [id], fields: [{name: id, type: uuid}]}]}
    """
    if not ctx.design.data_model.entities:
        yield Hit(("data_model", "entities"), "the data model declares no entities")


@rule("API000", "api.surface-stated", "warning", step="api", seed=seeds.C_API,
      checklist="api-contracts", risk="high", tiers={"A": "error", "C": "warning"})
def surface_stated(ctx):
    """The API section declares the surface: endpoints, channels or webhooks.

    Why: The contract is what clients build against; without a surface there is nothing to
    authorize, validate, rate limit, test or version.
    Fix: Add the endpoints (or channels and webhooks), e.g.
    `api.endpoints: [{id: createOrder, method: POST, path: /v1/orders, auth: user-jwt, responses: [{status: 201, schema: Order}]}]`.
    Plan: In the API step, list each endpoint and event with its request, response and errors.
    Bad:
        api: {endpoints: []}
    Good:
        api: {endpoints: [{id: getOrder, method: GET, path: "/v1/orders/{order_id}"}]}
    """
    api = ctx.design.api
    surfaces = (api.endpoints, api.channels, api.webhooks, getattr(api, "inbound_webhooks", ()))
    if not any(surfaces):
        yield Hit(("api", "endpoints"), "the API declares no endpoints, channels or webhooks")


@rule("SEC000", "security.section-stated", "warning", step="security", seed=seeds.C_SECURITY,
      checklist="security-observability", risk="high", tiers={"A": "error", "C": "warning"})
def security_stated(ctx):
    """The security section is filled in: authentication, authorization, secrets, abuse controls.

    Why: Security is designed, not added: who the callers are, what each may do, where secrets
    live and what stops abuse must be decided before the first endpoint ships.
    Fix: Start with the authentication scheme and the authorization model, e.g.
    `security: {authentication: [{name: user-jwt, type: jwt, header: Authorization}], authorization: {model: rbac, default: deny, roles: [customer, admin]}}`.
    Plan: In the security step, define authentication, authorization, rate limits, secrets and least privilege.
    Bad:
        security: {authentication: [], authorization: null}
    Good:
        security: {authentication: [{name: user-jwt, type: jwt}], authorization: {model: rbac, default: deny}}
    """
    if _says_nothing(ctx.design.security):
        yield Hit(("security",), "the security section is empty: no authentication, authorization, "
                  "secrets or abuse controls")


@rule("PER000", "persistence.section-stated", "warning", step="persistence", seed=seeds.SCHEMA_TABLES,
      checklist="performance", tiers={"A": "error", "C": "warning"})
def persistence_stated(ctx):
    """The persistence section names where data lives: stores and tables.

    Why: Stores are chosen by access pattern and durability; until they are named, neither the
    schema, the migrations nor the recovery plan can be reviewed, and the DDL is empty.
    Fix: Name the store and a table per entity, e.g.
    `persistence: {stores: [{name: main-db, kind: postgresql, purpose: Orders and payments, durability: synchronous replica, replicas: 2}], tables: [{name: orders, entity: Order, store: main-db}]}`.
    Plan: In the persistence step, choose stores by access pattern and map each entity to a table.
    Bad:
        persistence: {stores: [], tables: []}
    Good:
        persistence: {stores: [{name: main-db, kind: postgresql}], tables: [{name: orders, entity: Order, store: main-db}]}
    """
    p = ctx.design.persistence
    if not p.stores and not p.tables:
        yield Hit(("persistence", "stores"), "no store or table is named: nothing says where data lives")


@rule("OBS000", "observability.section-stated", "warning", step="observability",
      seed=seeds.C_SECURITY, checklist="security-observability", tiers={"A": "error", "C": "warning"})
def observability_stated(ctx):
    """The observability section is filled in: logs, request ids, metrics, traces, alerts, audit.

    Why: What is not logged, measured or alerted on cannot be operated; the signals are part of
    the design, not an afterthought of the first incident.
    Fix: Start with structured logs and request ids, e.g.
    `observability: {logs: {structured: true, format: JSON lines, fields: [time, level, request_id]}, request_ids: {header: X-Request-Id, propagate: true, log_field: request_id}}`.
    Plan: In the observability step, define logs, request ids, metrics per SLA, traces, alerts and the audit trail.
    Bad:
        observability: {logs: null, metrics: []}
    Good:
        observability: {logs: {structured: true, fields: [time, level, request_id]}}
    """
    if _says_nothing(ctx.design.observability):
        yield Hit(("observability",), "observability is empty: no logs, request ids, metrics, traces, "
                  "alerts or audit trail")
