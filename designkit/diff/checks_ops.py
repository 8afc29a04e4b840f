"""Promises and the machinery that keeps them: SLAs, consistency, failure policies, dependencies, alerts."""

from __future__ import annotations

import re

from ..core.placeholders import is_placeholder
from .base import Hit, check

_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
_MS = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|seconds?)\b", re.IGNORECASE)
_STRENGTH = {"strong": 3, "read-your-writes": 2, "causal": 2, "eventual": 0}
_TIERS = {"A": 2, "B": 1, "C": 0}


def percent(text: str | None) -> float | None:
    """``'99.95% monthly'`` -> 99.95."""
    match = _PERCENT.search(text or "")
    return float(match.group(1)) if match else None


def latency_ms(text: str | None) -> float | None:
    """``'p99 under 300 ms'`` -> 300.0; ``'2 s'`` -> 2000.0."""
    match = _MS.search(text or "")
    if not match:
        return None
    value = float(match.group(1))
    return value if match.group(2).lower().startswith("m") else value * 1000


def _slas(ctx):
    return ctx.iter_named(lambda d: d.scope.slas, ("scope", "slas"))


@check("DIFF099", "sla-removed", "warning", area="reliability")
def sla_removed(ctx):
    """A service level objective was removed.

    Why: What was promised (and alerted on, and reported to customers) no longer is.
    Fix: Keep the SLA, or record in a decision who agreed to drop it.
    """
    for i, s in ctx.named(lambda d: d.scope.slas).removed:
        yield Hit(f"SLA {s.name} ({s.objective}) was removed", old=("scope", "slas", i))


@check("DIFF100", "availability-lowered", "warning", area="reliability")
def availability_lowered(ctx):
    """An availability target was lowered (99.95% to 99.9%).

    Why: The error budget grows (from 22 to 43 minutes a month); whoever relies on the old number
    (a customer contract, a dependent service's own SLA) is no longer covered.
    Fix: Check the contracts and the dependents' SLAs that count on the old target.
    """
    items = [(f"SLA {n.name}", o.objective, n.objective, (*okp, "objective"), (*nkp, "objective"))
             for o, n, okp, nkp in _slas(ctx) if o.latency_ms is None and n.latency_ms is None]
    at = ("scope", "constraints", "availability")
    items.append(("the availability constraint", ctx.old.scope.constraints.availability,
                  ctx.new.scope.constraints.availability, at, at))
    for label, old, new, okp, nkp in items:
        a, b = percent(old), percent(new)
        if a is not None and b is not None and b < a:
            yield Hit(f"{label}: availability lowered from {a:g}% to {b:g}%", old=okp, new=nkp)


@check("DIFF101", "latency-target-raised", "warning", area="reliability")
def latency_target_raised(ctx):
    """A latency target was raised (p99 under 300 ms became 500 ms).

    Why: Callers set their timeouts and their own SLAs from it; slower answers now count as healthy.
    Fix: Check callers' timeouts against the new target before raising it.
    """
    items = []
    for o, n, okp, nkp in _slas(ctx):
        a = o.latency_ms or (latency_ms(o.objective) if o.latency_ms is None else None)
        b = n.latency_ms or (latency_ms(n.objective) if n.latency_ms is None else None)
        items.append((f"SLA {n.name}", a, b, okp, nkp))
    at = ("scope", "constraints", "latency")
    items.append(("the latency constraint", latency_ms(ctx.old.scope.constraints.latency),
                  latency_ms(ctx.new.scope.constraints.latency), at, at))
    for label, a, b, okp, nkp in items:
        if a is not None and b is not None and b > a:
            yield Hit(f"{label}: latency target raised from {a:g} ms to {b:g} ms", old=okp, new=nkp)


@check("DIFF102", "consistency-weakened", "warning", area="reliability")
def consistency_weakened(ctx):
    """Something is now read with weaker consistency (strong to eventual).

    Why: Readers may now see stale data (a revoked permission still granted, a paid order still unpaid).
    Fix: Keep strong consistency where a stale read is harmful; state the staleness bound otherwise.
    """
    old = {}
    for i, c in enumerate(ctx.old.reliability.consistency):
        for name in c.applies_to:
            old.setdefault(name, (i, c.model))
    for j, c in enumerate(ctx.new.reliability.consistency):
        for name in c.applies_to:
            if name in old and _STRENGTH[c.model] < _STRENGTH[old[name][1]]:
                yield Hit(f"{name}: consistency weakened from {old[name][1]} to {c.model}",
                          old=("reliability", "consistency", old[name][0]), new=("reliability", "consistency", j, "model"))


def _policies(ctx):
    return ctx.iter_named(lambda d: d.reliability.failure_policies, ("reliability", "failure_policies"),
                          key=lambda p: p.target)


@check("DIFF103", "failure-policy-removed", "warning", area="reliability")
def failure_policy_removed(ctx):
    """A dependency lost its failure policy (timeout, retries, fallback).

    Why: The next time it is slow or down, calls hang on the default timeout and the failure spreads.
    Fix: Keep the policy while the dependency is called.
    """
    for i, p in ctx.named(lambda d: d.reliability.failure_policies, key=lambda p: p.target).removed:
        if any(d.name == p.target for d in ctx.new.services.dependencies) or \
                any(x.name == p.target for x in ctx.new.scope.integration_points):
            yield Hit(f"{p.target}: failure policy removed", old=("reliability", "failure_policies", i))


@check("DIFF104", "timeout-raised", "warning", area="reliability")
def timeout_raised(ctx):
    """A dependency's timeout was raised (or removed).

    Why: A slow dependency now holds a request, a worker and a connection for longer; with retries
    the request may no longer fit its latency SLA.
    Fix: Check the sum of timeouts and retries on the path against the latency target.
    """
    for o, n, okp, nkp in _policies(ctx):
        if o.timeout_ms and (n.timeout_ms is None or n.timeout_ms > o.timeout_ms):
            yield Hit(f"{n.target}: timeout raised from {o.timeout_ms} ms to "
                      f"{f'{n.timeout_ms} ms' if n.timeout_ms else 'none'}",
                      old=(*okp, "timeout_ms"), new=(*nkp, "timeout_ms") if n.timeout_ms else nkp)


@check("DIFF105", "fallback-removed", "warning", area="reliability")
def fallback_removed(ctx):
    """A dependency's fallback or circuit breaker was removed.

    Why: When it fails, callers now see the failure instead of the degraded answer, and keep
    calling a dependency that is down.
    Fix: Keep the fallback and the circuit breaker, or say what callers see instead.
    """
    for o, n, okp, nkp in _policies(ctx):
        for key in ("fallback", "circuit_breaker"):
            if not is_placeholder(getattr(o, key)) and is_placeholder(getattr(n, key)):
                yield Hit(f"{n.target}: {key.replace('_', ' ')} removed", old=(*okp, key), new=nkp)


@check("DIFF117", "retries-raised", "warning", area="reliability")
def retries_raised(ctx):
    """A dependency is retried more times than before.

    Why: retries multiply through a call chain (3 retries at two layers is 16 calls); when the
    dependency is struggling, more retries are more load on it, and the request may outlive its SLA.
    Fix: retry at one layer only, with backoff and jitter; check the total against the latency target.
    """
    for o, n, okp, nkp in _policies(ctx):
        a = o.retries.max_attempts if o.retries else 0
        if n.retries and n.retries.max_attempts > a:
            yield Hit(f"{n.target}: retries raised from {a} to {n.retries.max_attempts}",
                      old=(*okp, "retries") if o.retries else okp, new=(*nkp, "retries", "max_attempts"))


@check("DIFF106", "dependency-without-reason", "warning", area="operations")
def dependency_without_reason(ctx):
    """A dependency was added without a reason.

    Why: Each dependency is code to patch, a service to keep up, a supplier to trust; one without a
    reason is the first to question and the last anyone dares remove.
    Fix: Write its `justification`: what it does that what we have does not.
    """
    for j, d in ctx.named(lambda x: x.services.dependencies).added:
        if is_placeholder(d.justification):
            yield Hit(f"dependency {d.name} ({d.kind}) was added without a justification",
                      new=("services", "dependencies", j))


@check("DIFF107", "dependency-removed", "info", area="operations")
def dependency_removed(ctx):
    """A dependency was removed.

    Why: Fewer things to keep up; worth a line so that its credentials, grants and policies go too.
    Fix: Remove its secrets, grants, failure policy and alerts as well.
    """
    for i, d in ctx.named(lambda x: x.services.dependencies).removed:
        yield Hit(f"dependency {d.name} was removed", old=("services", "dependencies", i))


@check("DIFF108", "alert-removed", "warning", area="operations")
def alert_removed(ctx):
    """An alert was removed.

    Why: The failure it caught now goes unnoticed until users report it.
    Fix: Keep the alert, or name the one that covers the same failure.
    """
    for i, a in ctx.named(lambda d: d.observability.alerts).removed:
        yield Hit(f"alert {a.name} ({a.condition}) was removed", old=("observability", "alerts", i))


@check("DIFF109", "tracing-disabled", "warning", area="operations")
def tracing_disabled(ctx):
    """Distributed tracing was turned off.

    Why: A slow or failing request can no longer be followed across services.
    Fix: Keep tracing on; lower the sampling rate if cost was the reason.
    """
    o, n = ctx.old.observability.tracing, ctx.new.observability.tracing
    if o and o.enabled and not (n and n.enabled):
        at = ("observability", "tracing")
        yield Hit("tracing is no longer enabled", old=(*at, "enabled"), new=(*at, "enabled") if n else None)


@check("DIFF110", "capacity-lowered", "warning", area="operations")
def capacity_lowered(ctx):
    """The design is sized for less peak traffic, or a scaling unit can grow less.

    Why: The traffic did not shrink because the number did; the next peak may exceed what is provisioned.
    Fix: Check the measured peak against the new number before lowering it.
    """
    o, n = ctx.old.performance.capacity, ctx.new.performance.capacity
    if o and n and o.peak_rps and n.peak_rps is not None and n.peak_rps < o.peak_rps:
        at = ("performance", "capacity", "peak_rps")
        yield Hit(f"peak capacity lowered from {o.peak_rps:g} to {n.peak_rps:g} requests/s", old=at, new=at)
    for a, b, okp, nkp in ctx.iter_named(lambda d: d.performance.scaling, ("performance", "scaling")):
        if a.max_replicas and b.max_replicas and b.max_replicas < a.max_replicas:
            yield Hit(f"scaling unit {b.name}: max_replicas lowered from {a.max_replicas} to {b.max_replicas}",
                      old=(*okp, "max_replicas"), new=(*nkp, "max_replicas"))


@check("DIFF111", "tier-lowered", "warning", area="operations")
def tier_lowered(ctx):
    """The system's criticality tier was lowered (A to B, B to C).

    Why: Every rule holds the design one notch softer; gaps that blocked it now pass.
    Fix: Lower the tier only when the system's importance did; record why in a decision.
    """
    o, n = ctx.old.scope.tier, ctx.new.scope.tier
    if o and n and _TIERS[n] < _TIERS[o]:
        yield Hit(f"tier lowered from {o} to {n}", old=("scope", "tier"), new=("scope", "tier"))


@check("DIFF112", "requirement-removed", "info", area="operations")
def requirement_removed(ctx):
    """A requirement was removed from the scope.

    Why: The design no longer promises it; whoever asked for it should know.
    Fix: Nothing to change in the design; tell the requirement's owner.
    """
    new = ctx.new.scope.requirements
    ids = {r.id for r in new if r.id}
    texts = {r.text for r in new}
    for i, r in enumerate(ctx.old.scope.requirements):
        if (r.id and r.id not in ids) or (not r.id and r.text not in texts):
            yield Hit(f"requirement {r.id or r.text!r} was removed", old=("scope", "requirements", i))
