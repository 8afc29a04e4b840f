"""Scope rules: requirements, constraints, SLAs and the criticality tier are stated."""

from __future__ import annotations

from . import seeds
from .base import Hit, is_placeholder, names_list, rule


@rule("SCP001", "scope.requirements-stated", "error", step="scope", seed=seeds.C_REQUIREMENTS,
      checklist="requirements", risk="high")
def requirements_stated(ctx):
    """The design states at least one requirement.

    Why: A design without written requirements cannot be checked against what it must do; every
    later decision (SLAs, failure modes, tests) traces back to them.
    Fix: Add `scope.requirements`, one sentence each, with a short id (R1, R2 ...).
    Plan: In the scope step, write the core use cases as numbered requirements before designing.
    Bad:
        scope: {summary: Ingest webhooks}
    Good:
        scope:
          requirements:
            - {id: R1, text: Accept signed webhooks and acknowledge within 2 seconds.}
    """
    scope = ctx.design.scope
    if is_placeholder([r.text for r in scope.requirements]):
        yield Hit(("scope", "requirements"), "no requirements are stated (or only placeholders)")


@rule("SCP002", "scope.constraints-stated", "warning", step="scope", seed=seeds.CONSTRAINTS,
      checklist="requirements", tiers={"A": "error"})
def constraints_stated(ctx):
    """Latency, throughput and availability constraints are stated.

    Why: Capacity, timeouts, SLAs and alert thresholds are derived from these numbers; without
    them the performance and reliability sections are guesses.
    Fix: Add `scope.constraints.latency`, `.throughput` and `.availability` with numbers.
    Plan: In the scope step, agree the latency, throughput and availability targets with the owners.
    Bad:
        constraints: {deployment: Kubernetes}
    Good:
        constraints: {latency: p99 < 300 ms, throughput: 200/s peak, availability: 99.9% monthly}
    """
    c = ctx.design.scope.constraints
    for key in ("latency", "throughput", "availability"):
        if is_placeholder(getattr(c, key)):
            yield Hit(("scope", "constraints", key), f"the {key} constraint is not stated")


@rule("SCP003", "scope.tier-stated", "warning", step="scope", seed=seeds.C_REQUIREMENTS,
      checklist="requirements", tiers={"C": "warning"})
def tier_stated(ctx):
    """The criticality tier (A, B or C) is stated.

    Why: The tier sets which rules are errors and which are warnings; without it the design is
    held to tier B by default, which may be too strict for a prototype or too lax for payments.
    Fix: Add `scope.tier: A` (business critical), `B` (important) or `C` (prototype).
    Plan: In the scope step, agree the tier with the service owner and write it down.
    Bad:
        scope: {summary: ...}
    Good:
        scope: {summary: ..., tier: B}
    """
    if ctx.design.scope.tier is None:
        yield Hit(("scope", "tier"), "no criticality tier is stated; checked as tier B")


@rule("SCP004", "scope.slas-stated", "warning", step="scope", seed=seeds.CONSTRAINTS,
      checklist="requirements", tiers={"A": "error"})
def slas_stated(ctx):
    """Availability and latency targets are written as SLAs with an indicator, over endpoints that exist.

    Why: Metrics and alerts are tied to SLAs; an availability or latency target that is not an SLA
    with a measured indicator is never watched, and a business-critical design needs targets at all.
    Fix: Add an SLA per target, e.g.
    `scope.slas: [{name: api-availability, objective: 99.9% of requests succeed, indicator: share of non-5xx responses, window: 30 days}]`
    and for a latency target its threshold and the endpoints it covers, e.g.
    `scope.slas: [{name: checkout-latency, objective: p99 under 300 ms, indicator: request duration, latency_ms: 300, applies_to: [checkout]}]`.
    Plan: In the scope step, turn each availability and latency constraint into an SLA with its SLI.
    Bad:
        constraints: {availability: 99.9%}
        slas: []
    Good:
        slas: [{name: api-availability, objective: 99.9% non-5xx, indicator: share of non-5xx, window: 30 days}]
    """
    scope = ctx.design.scope
    c = scope.constraints
    if not scope.slas:
        stated = [k for k in ("availability", "latency") if not is_placeholder(getattr(c, k))]
        if stated:
            yield Hit(("scope", "slas"), f"{' and '.join(stated)} targets are stated as constraints but no SLA is")
        elif scope.tier == "A":
            yield Hit(("scope", "slas"), "a tier A design states no SLA, and no availability or latency target either")
    surfaces: set[str] | None = None    # every endpoint's names: built only when an SLA names one
    for i, sla in enumerate(scope.slas):
        if is_placeholder(sla.indicator):
            yield Hit(("scope", "slas", i, "indicator"), f"SLA {sla.name} has no indicator (what is measured)",
                      fix="add `indicator: share of non-5xx responses` (what is measured)")
        for j, name in enumerate(sla.applies_to):
            if surfaces is None:
                surfaces = {n for _, ep in ctx.endpoints() for n in ctx.endpoint_names(ep)} | {
                    ch.name for ch in ctx.design.api.channels}
            if name not in surfaces:
                yield Hit(("scope", "slas", i, "applies_to", j), f"SLA {sla.name} applies to {name!r}, which is no "
                          "endpoint or channel",
                          fix=f"use endpoint ids or channel names: {names_list(sorted(surfaces), 6)}" if surfaces
                          else "add the endpoint to api.endpoints first")
