"""Capacity rules: where the design's own numbers do not add up (availability, retry load).

The arithmetic lives in :mod:`designkit.capacity`; these rules only judge it, and each finding
shows the sum that fails. The latency budget of a request path is REL007's (reliability).
"""

from __future__ import annotations

from . import seeds
from .base import Hit, names_list, rule

# Calls per request during a dependency's outage from which a retry policy needs a breaker:
# two retries triple the load on a dependency that is already failing.
AMPLIFICATION_NEEDS_BREAKER = 3


@rule("CAP001", "reliability.serial-availability-meets-target", "error", step="reliability",
      seed=seeds.CONSTRAINTS, checklist="failure-modes", risk="high", tiers={"B": "warning", "C": "info"})
def serial_availability_meets_target(ctx):
    """The dependencies a request cannot do without are, together, at least as available as its target.

    Why: A request that needs three services at 99.9% each is at best 99.7% available: an
    availability target above the product of what it depends on in series is a promise the
    design cannot keep, whatever the code does. A dependency with a fallback is not in series.
    Fix: Add a fallback for one of the needed dependencies (a cache, a queue, degrading), pick a
    more available dependency, or state the target the chain supports, e.g. `objective: 99.8% of requests succeed`.
    Plan: In the reliability step, multiply the availability of each dependency on a request's path and compare it with the SLA.
    Bad:
        slas: [{name: avail, objective: 99.99% of requests succeed}]
        dependencies: [{name: db, kind: datastore, availability: 99.95}, {name: auth, kind: service, availability: 99.9}]
    Good:
        slas: [{name: avail, objective: 99.8% of requests succeed}]
    """
    reported: set[str] = set()
    for chain in ctx.capacity.availability_chains:
        if chain.fits or chain.sla.name in reported:
            continue
        reported.add(chain.sla.name)
        index = next(i for i, s in enumerate(ctx.design.scope.slas) if s is chain.sla)
        yield Hit(("scope", "slas", index, "objective"),
                  f"{chain.label} need{'s' if len(chain.surfaces) == 1 else ''} {names_list(c.dependency for c in chain.needed)} in series: "
                  f"{chain.arithmetic}",
                  fix="add a `fallback:` for one of them in reliability.failure_policies, or state a target "
                      f"the chain supports (at most {chain.product:.2f}%)")


@rule("CAP002", "performance.retry-amplification-has-a-breaker", "warning", step="performance",
      seed=seeds.RELIABILITY, checklist="failure-modes", risk="medium")
def retry_amplification_has_a_breaker(ctx):
    """A dependency that request paths retry two or more times has a circuit breaker (or a retry budget).

    Why: During an outage every request calls the failing dependency once per attempt: with two
    retries it receives three times its normal traffic exactly when it is least able to take it,
    and the callers hold their workers for every attempt. A breaker (or a retry budget) stops
    retrying once most calls fail.
    Fix: Add `circuit_breaker: open after 50% failures over 20 calls; half-open after 10 s` to the
    failure policy, or retry once at most.
    Plan: In the performance step, read the dependency load table: outage calls/s is what each dependency must survive.
    Bad:
        failure_policies: [{target: redis, timeout_ms: 100, retries: {max_attempts: 2, backoff: exponential-jitter, base_delay_ms: 20, max_delay_ms: 100}}]
    Good:
        failure_policies: [{target: redis, timeout_ms: 100, retries: {max_attempts: 2, backoff: exponential-jitter, base_delay_ms: 20, max_delay_ms: 100}, circuit_breaker: open after 50% failures over 20 calls}]
    """
    for load in ctx.capacity.dependency_loads:
        call = load.call
        if load.amplification < AMPLIFICATION_NEEDS_BREAKER or call.has_breaker or call.policy_path is None:
            continue
        rate = (f": {load.rate_rps:,.0f} calls/s become {load.outage_rps:,.0f}"
                if load.rate_rps is not None else "")
        yield Hit(call.policy_path,
                  f"during an outage of {load.dependency}, {names_list(load.surfaces, 3)} call it "
                  f"{load.amplification} times per request{rate}, with no circuit breaker",
                  fix="add `circuit_breaker: open after 50% failures over 20 calls; half-open after 10 s` "
                      "to this failure policy, or retry once at most")
