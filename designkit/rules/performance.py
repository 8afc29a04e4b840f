"""Performance rules: capacity, scaling boundaries, caches that expire."""

from __future__ import annotations

from . import seeds
from .base import Hit, is_placeholder, rule


@rule("PRF001", "performance.capacity-estimate", "warning", step="performance",
      seed=seeds.C_PERFORMANCE, checklist="performance", tiers={"C": "info"})
def capacity_estimate(ctx):
    """The design estimates its load: peak and average requests per second.

    Why: Pool sizes, rate limits, partitioning and cost all follow from the expected load; without
    a number, "it scales" cannot be checked.
    Fix: Add your estimate, e.g. `performance.capacity: {peak_rps: 1000, average_rps: 200, payload_bytes: 4000, data_growth: 2 GB a day}`.
    Plan: In the performance step, estimate peak and average load and data growth from the throughput constraint.
    Bad:
        performance: {}
    Good:
        performance: {capacity: {peak_rps: 1000, average_rps: 200, data_growth: 2 GB/day}}
    """
    if not ctx.has_surface:
        return
    cap = ctx.design.performance.capacity
    if cap is None or cap.peak_rps is None:
        yield Hit(("performance", "capacity"), "no capacity estimate (peak requests per second) is stated")


@rule("PRF002", "performance.scaling-boundaries", "warning", step="performance",
      seed=seeds.SCALABILITY, checklist="performance", tiers={"C": "info"})
def scaling_boundaries(ctx):
    """The design says whether its services are stateless and where its scaling boundaries are.

    Why: Horizontal scaling works only for stateless processes; the component that cannot scale
    out (usually the database) is where capacity planning must look.
    Fix: Set `performance.stateless: true` (or `false`) and list the boundaries, e.g.
    `performance.scaling: [Pods scale on CPU; the database is the boundary.]`.
    Plan: In the performance step, name each scaling boundary and how it scales (replicas, partitions, read replicas).
    Bad:
        performance: {capacity: {...}}
    Good:
        performance: {stateless: true, scaling: [Pods scale on CPU; the database is the boundary.]}
    """
    if not ctx.has_surface:
        return
    perf = ctx.design.performance
    if perf.stateless is None:
        yield Hit(("performance", "stateless"), "the design does not say whether its services are stateless")
    if not perf.scaling:
        yield Hit(("performance", "scaling"), "no scaling boundaries are stated")


@rule("PRF003", "performance.cache-invalidation", "warning", step="performance",
      seed=seeds.PERFORMANCE, checklist="performance")
def cache_invalidation(ctx):
    """Every cache states its TTL or its invalidation.

    Why: A cache without an expiry or invalidation serves stale data forever; correctness bugs
    from caches are the hardest to reproduce.
    Fix: Add `ttl:` and/or `invalidation:` to the cache, and say why staleness within it is safe.
    Plan: In the performance step, give each cache an expiry and an invalidation trigger.
    Bad:
        caching: [{what: product prices, where: redis}]
    Good:
        caching: [{what: product prices, where: redis, ttl: 60 s, invalidation: on price change event}]
    """
    for i, cache in enumerate(ctx.design.performance.caching):
        if is_placeholder(cache.ttl) and is_placeholder(cache.invalidation):
            yield Hit(("performance", "caching", i), f"cache of {cache.what} has no TTL or invalidation")
