"""Performance rules: capacity, scaling boundaries, caches that expire."""

from __future__ import annotations

from . import seeds
from .base import Hit, is_placeholder, names_list, rule


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
    """Each deployable unit says whether it keeps state, how it scales, and where scaling stops.

    Why: Horizontal scaling works only for what keeps no state; a design usually has stateless
    pods beside stateful ones (sockets, a database), and one boolean for the whole system hides
    exactly the unit that cannot scale out, which is where capacity planning must look. A unit
    that handles WebSocket connections holds them, whatever it is called; a unit that scales by
    partition stops at its partition count, and that is the number to watch.
    Fix: List the units and the components each runs, e.g.
    `performance.scaling: [{name: api-pods, runs: [OrderHandler, OrderService], state: stateless, scales: horizontal, scales_on: CPU, min_replicas: 2, max_replicas: 20}, {name: main-db, runs: [main-db], state: stateful, holds: all orders, scales: vertical, limit: one primary; about 5000 writes/s}]`.
    Plan: In the performance step, name each unit that scales on its own, whether it keeps state, its scaling signal and its limit.
    Bad:
        performance: {scaling: []}
    Good:
        scaling: [{name: socket-pods, runs: [StreamHandler], state: stateful, holds: open sockets; clients reconnect to any pod, scales: horizontal, scales_on: open connections, limit: Redis fan-out at about 100k messages/s}]
    """
    if not ctx.has_surface and not ctx.components:
        return
    units = ctx.design.performance.scaling
    if not units:
        yield Hit(("performance", "scaling"), "no scaling units are stated: nothing says what keeps state, "
                  "how it scales or where it stops")
        return
    runnable = set(ctx.components) | set(ctx.stores)
    # a component that holds open connections keeps state a replacement instance lacks
    sockets = {ch.handler: ch.name for ch in ctx.design.api.channels if ch.kind == "websocket" and ch.handler}
    placed: set[str] = set()
    for i, unit in enumerate(units):
        kp = ("performance", "scaling", i)
        for j, name in enumerate(unit.runs):
            placed.add(name)
            if name not in runnable:
                yield Hit(kp + ("runs", j), f"scaling unit {unit.name} runs {name!r}, which is no component or store",
                          fix=f"use one of: {names_list(sorted(runnable), 8)}" if runnable else
                              "add the component to services.components first")
        held = [name for name in unit.runs if name in sockets]
        if unit.state == "stateless" and held:
            yield Hit(kp + ("state",), f"scaling unit {unit.name} is declared stateless but runs {held[0]}, which "
                      f"holds the open connections of websocket channel {sockets[held[0]]}",
                      fix="set `state: stateful` and say in `holds:` what happens to the connections when an "
                          "instance goes (e.g. clients reconnect to any instance and resubscribe)")
        if unit.scales == "partitioned" and unit.max_replicas is None and is_placeholder(unit.limit):
            yield Hit(kp, f"scaling unit {unit.name} scales by partition but says neither how many partitions "
                      "(its most instances) nor what caps it",
                      fix="add `limit: one consumer per partition, 48 partitions` (yours) or `max_replicas: 48`")
        if unit.state == "stateful" and is_placeholder(unit.holds):
            yield Hit(kp + ("holds",), f"scaling unit {unit.name} is stateful but does not say what state it holds "
                      "and what happens to it when an instance goes",
                      fix="add `holds: open sockets; a client reconnects to any instance and resubscribes` (yours)")
        if unit.scales == "horizontal" and is_placeholder(unit.scales_on):
            yield Hit(kp + ("scales_on",), f"scaling unit {unit.name} scales out but does not say on what signal",
                      fix="add `scales_on: CPU above 70%` (or open connections, queue depth ...)")
    unplaced = [c for c in ctx.components if c not in placed]
    if unplaced:
        yield Hit(("performance", "scaling"), f"components {names_list(unplaced, 5)} run in no scaling unit",
                  fix=f"add them to a unit's runs, e.g. `performance.scaling[0].runs: [{', '.join(unplaced)}]`")
    if all(is_placeholder(u.limit) for u in units):
        yield Hit(("performance", "scaling"), "no scaling unit says where scaling stops (its limit): the "
                  "boundary capacity planning must watch is not named",
                  fix="add `limit:` to the unit that caps the system, e.g. `performance.scaling[0].limit: one "
                      "primary database; about 5000 writes/s`")


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
