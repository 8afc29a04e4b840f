"""Reliability rules: explicit failure modes, safe retries, no partial writes, consistency, recovery."""

from __future__ import annotations

import re

from ..core.loader import format_key_path
from . import seeds
from .base import NON_IDEMPOTENT_METHODS, Hit, endpoint_label, is_placeholder, names_list, rule

_REMOTE = {"service", "datastore", "queue", "external-api"}


def _targets(ctx):
    """(key path, name, outbound?) for every dependency and integration point, one per aliased group."""
    seen: set[str] = set()
    for i, dep in enumerate(ctx.design.services.dependencies):
        if dep.kind in _REMOTE and dep.name not in seen:
            group = ctx.aliases_of(dep.name)
            seen |= group
            yield ("services", "dependencies", i), dep.name, group, True
    for i, point in enumerate(ctx.design.scope.integration_points):
        if point.name not in seen:
            seen.add(point.name)
            yield ("scope", "integration_points", i), point.name, {point.name}, point.direction != "inbound"


@rule("REL001", "reliability.failure-modes-explicit", "error", step="reliability",
      seed=seeds.V_FAILURES, checklist="failure-modes", validates="failure-modes-explicit",
      risk="high", tiers={"C": "warning"})
def failure_modes_explicit(ctx):
    """Every dependency and integration point has a failure policy: timeout, retries, and a fallback or stated behaviour.

    Why: Every remote call fails sometimes; without a timeout it hangs the caller, without a
    retry decision it fails on the first blip or retries forever, and without a fallback nobody
    knows what users see.
    Fix: Give the target a policy, e.g. `reliability.failure_policies: [{target: payments-api, timeout_ms: 2000, retries: {max_attempts: 2, backoff: exponential-jitter, base_delay_ms: 100, max_delay_ms: 1000}, fallback: Orders stay pending; a sweeper retries.}]`
    (`failure_behavior` instead of `fallback` when there is none; inbound-only integrations need only the behaviour).
    Plan: In the reliability step, walk every dependency and integration and write what happens when it is slow or down.
    Bad:
        dependencies: [{name: payments-api, kind: external-api, justification: ...}]
        failure_policies: []
    Good:
        failure_policies: [{target: payments-api, timeout_ms: 2000, retries: {max_attempts: 2, backoff: exponential-jitter}, failure_behavior: Order stays pending; a sweeper retries.}]
    """
    for kp, name, group, outbound in _targets(ctx):
        # the target's own policy first: a dependency's policy is not replaced by one written for
        # the inbound side of the integration point it talks to
        found = next((ctx.policies[n] for n in [name, *sorted(group - {name})] if n in ctx.policies), None)
        if found is None:
            yield Hit(kp, f"{name} has no failure policy (timeout, retries, fallback)",
                      fix=f"add `reliability.failure_policies: [{{target: {name}, timeout_ms: 1000, retries: "
                          "{max_attempts: 2, backoff: exponential-jitter, base_delay_ms: 100, max_delay_ms: 1000}, "
                          "failure_behavior: callers get 503 and retry later}]` with your numbers and behaviour")
            continue
        pkp, policy = found
        if outbound and policy.timeout_ms is None:
            yield Hit(pkp + ("timeout_ms",), f"calls to {name} have no timeout",
                      fix="add `timeout_ms: 1000` (the longest a call may take before it counts as failed)")
        if outbound and policy.retries is None:
            yield Hit(pkp + ("retries",), f"calls to {name} have no retry policy",
                      fix="add `retries: {max_attempts: 2, backoff: exponential-jitter, base_delay_ms: 100, max_delay_ms: 1000}` "
                          "(or `retries: {max_attempts: 0, backoff: none}` for none)")
        if is_placeholder(policy.fallback) and is_placeholder(policy.failure_behavior):
            yield Hit(pkp + ("fallback",), f"what happens when {name} fails is not stated",
                      fix="add `fallback:` (what is done instead) or `failure_behavior:` (what callers see)")


@rule("REL002", "reliability.no-partial-writes", "error", step="reliability",
      seed=seeds.PARTIAL_WRITES, checklist="failure-modes", risk="high", tiers={"C": "warning"})
def no_partial_writes(ctx):
    """Every non-idempotent write has an idempotency key or is declared transactional.

    Why: Clients and proxies retry on timeouts; a POST that is not idempotent then creates
    duplicates (two charges, two orders), and a multi-step write that is not transactional leaves
    half of itself behind.
    Fix: Add `idempotency: {strategy: idempotency-key, key: header Idempotency-Key, store: idempotency_keys}`,
    or another strategy with the key it relies on, e.g. `idempotency: {strategy: natural-key, key: "(customer_id, cart_id)"}`.
    Plan: In the reliability step, give each POST/PATCH that writes an idempotency model.
    Bad:
        - {method: POST, path: /v1/payments, writes: [Payment]}
    Good:
        - {method: POST, path: /v1/payments, writes: [Payment], idempotency: {strategy: idempotency-key, key: header Idempotency-Key, store: idempotency_keys}}
    """
    for kp, ep in ctx.endpoints():
        if ep.method not in NON_IDEMPOTENT_METHODS:
            continue
        if not ep.writes and ep.reads:
            continue  # a query sent as POST (search); it changes nothing
        label = endpoint_label(ep)
        idem = ep.idempotency
        if idem is None:
            what = f"writes {names_list(ep.writes, 3)}" if ep.writes else "is a write"
            yield Hit(kp + ("idempotency",), f"{label} {what} with no idempotency model; a retry can write twice")
        elif idem.strategy == "natural-key" and is_placeholder(idem.key):
            yield Hit(kp + ("idempotency", "key"), f"{label} relies on a natural key but does not name it")


@rule("REL003", "reliability.safe-retries", "error", step="reliability", seed=seeds.RELIABILITY,
      checklist="failure-modes", validates="failure-modes-explicit", risk="high", tiers={"C": "warning"})
def safe_retries(ctx):
    """Retries back off, are bounded, and only repeat calls that are safe to repeat.

    Why: Retrying without backoff turns a slow dependency into a dead one (retry storms), and
    retrying a call that is not idempotent repeats its effect.
    Fix: Use `retries: {max_attempts: 3, backoff: exponential-jitter, base_delay_ms: 100, max_delay_ms: 2000}`,
    and declare the calls safe to repeat where the target is defined (`idempotent_calls: true` on the
    dependency, or on the integration point when no dependency stands for it), or stop retrying
    with `retries: {max_attempts: 0, backoff: none}`.
    Plan: In the reliability step, allow retries only on idempotent calls, with jittered exponential backoff.
    Bad:
        retries: {max_attempts: 5, backoff: none}
    Good:
        retries: {max_attempts: 3, backoff: exponential-jitter, base_delay_ms: 100, max_delay_ms: 2000}
    """
    for i, policy in enumerate(ctx.design.reliability.failure_policies):
        r = policy.retries
        if r is None or r.max_attempts == 0:
            continue
        kp = ("reliability", "failure_policies", i, "retries")
        if r.backoff == "none":
            yield Hit(kp + ("backoff",), f"retries to {policy.target} have no backoff",
                      fix="set `backoff: exponential-jitter` with `max_delay_ms: 2000`")
        elif r.backoff.startswith("exponential") and r.max_delay_ms is None:
            yield Hit(kp + ("max_delay_ms",), f"exponential backoff to {policy.target} has no max_delay_ms",
                      fix="cap the delay: `max_delay_ms: 2000`")
        # where "safe to repeat" is said: the dependencies standing for the target, else the
        # integration point itself (an integration nobody wraps in a dependency is called directly)
        names = ctx.aliases_of(policy.target)
        places = [(("services", "dependencies", j), d) for j, d in enumerate(ctx.design.services.dependencies)
                  if d.name in names]
        if not places:
            places = [(("scope", "integration_points", j), p)
                      for j, p in enumerate(ctx.design.scope.integration_points) if p.name in names]
        if any(x.idempotent_calls for _, x in places):
            continue
        declared_false = any(x.idempotent_calls is False for _, x in places)
        where = f"`{format_key_path(places[0][0] + ('idempotent_calls',))}: true`" if places else None
        yield Hit(kp + ("max_attempts",),
                  f"calls to {policy.target} are retried but {'are declared not' if declared_false else 'are not declared'} idempotent",
                  fix=(f"once its calls are idempotent, set {where}; otherwise stop retrying: "
                       "`retries: {max_attempts: 0, backoff: none}`") if where else
                      "stop retrying (`retries: {max_attempts: 0, backoff: none}`), or correct the target "
                      "to a dependency or integration point and declare its calls idempotent")


@rule("REL004", "reliability.policy-targets-exist", "error", step="reliability",
      seed=seeds.V_FAILURES, checklist="failure-modes", validates="failure-modes-explicit",
      tiers={"C": "error"})
def policy_targets_exist(ctx):
    """Every failure policy targets a dependency or integration point that exists.

    Why: A policy for a name nothing uses is dead text, and usually means the real dependency was
    renamed and is now uncovered.
    Fix: Correct `target` to a `services.dependencies` or `scope.integration_points` name.
    Plan: In the reliability step, keep failure policy targets in step with the dependency list.
    Bad:
        failure_policies: [{target: postgress, timeout_ms: 500}]
    Good:
        failure_policies: [{target: postgresql, timeout_ms: 500}]
    """
    known = set(ctx.dependencies) | set(ctx.integrations)
    for i, policy in enumerate(ctx.design.reliability.failure_policies):
        if policy.target not in known:
            yield Hit(("reliability", "failure_policies", i, "target"),
                      f"failure policy target {policy.target!r} is not a dependency or integration point",
                      fix=f"use one of: {names_list(sorted(known), 8)}" if known else "add the dependency first")


@rule("REL005", "reliability.consistency-model", "warning", step="reliability",
      seed=seeds.RELIABILITY, checklist="failure-modes", tiers={"A": "error"})
def consistency_model(ctx):
    """Every entity the design writes has one stated consistency model, with its staleness when not strong.

    Why: Whether a read sees the last write is a product decision, and it differs by data: a
    revoked token must be seen as revoked at once, a sensor reading may lag. Left implicit (or one
    word for the whole design), clients are built on an assumption the storage does not keep.
    Fix: Group the written entities (or the endpoints and channels that write them) by the
    consistency they get, e.g. `reliability.consistency: [{applies_to: [Token], model: strong}, {applies_to: [Reading], model: eventual, staleness: up to 5 s behind the latest reading}]`.
    Plan: In the reliability step, decide per entity or flow whether readers must see the last write, and bound the staleness where they need not.
    Bad:
        reliability: {consistency: [{applies_to: [Reading], model: eventual}]}
    Good:
        reliability: {consistency: [{applies_to: [Token], model: strong}, {applies_to: [Reading], model: eventual, staleness: up to 5 s}]}
    """
    entries = ctx.design.reliability.consistency
    surfaces = {}
    for _, ep in ctx.endpoints():
        for name in ctx.endpoint_names(ep):
            surfaces[name] = ep.writes
    for _, ch in ctx.channels():
        surfaces[ch.name] = ch.writes
    model_of: dict[str, tuple[str, int]] = {}      # entity named itself -> (model, entry index)
    covered: set[str] = set()                       # entities named, or written by a named flow
    for i, entry in enumerate(entries):
        kp = ("reliability", "consistency", i)
        for j, name in enumerate(entry.applies_to):
            if name in surfaces:                    # a flow: what its readers see, beside its entities'
                covered.update(surfaces[name])
                continue
            if name not in ctx.entities:
                yield Hit(kp + ("applies_to", j), f"consistency entry applies to {name!r}, which is no entity, "
                          "endpoint or channel",
                          fix=f"use an entity, endpoint id or channel name, e.g. {names_list(sorted(ctx.entities)) or 'Order'}")
                continue
            covered.add(name)
            seen = model_of.setdefault(name, (entry.model, i))
            if seen[0] != entry.model:
                yield Hit(kp + ("applies_to", j), f"{name} is {seen[0]} in consistency entry {seen[1]} and "
                          f"{entry.model} here; say one model per entity (name the flow where it differs)")
        if entry.model != "strong" and is_placeholder(entry.staleness):
            yield Hit(kp + ("staleness",),
                      f"{names_list(entry.applies_to, 3)} are {entry.model} but the entry does not say what readers "
                      "may observe, or for how long",
                      fix="add `staleness: up to 5 s behind the last write` (your bound, and what a reader may see)")
    written = ctx.written_entities
    missing = [e for e in written if e not in covered and e in ctx.entities]
    writes_anything = written or any(ep.is_write for _, ep in ctx.endpoints())
    if missing:
        yield Hit(("reliability", "consistency"),
                  f"the consistency of {names_list(missing, 4)} (written by "
                  f"{names_list(sorted({x for e in missing for x in written[e]}), 3)}) is not stated",
                  fix=f"add `reliability.consistency: [{{applies_to: [{', '.join(missing)}], model: strong}}]` "
                      "(or eventual, with its staleness)")
    elif writes_anything and not entries:
        yield Hit(("reliability", "consistency"), "the design writes data but states no consistency model",
                  fix="add `reliability.consistency: [{applies_to: [Order], model: strong}]` naming what is written")


@rule("REL006", "reliability.recovery", "warning", step="reliability", seed=seeds.FAILURE_RECOVERY,
      checklist="failure-modes", tiers={"A": "error", "C": "info"})
def recovery(ctx):
    """A design that keeps data states how it recovers: backups, replays, runbooks.

    Why: Failure policies cover a dependency being down; recovery covers data being lost or
    corrupted, which no retry fixes.
    Fix: Add `reliability.recovery` entries, e.g. "point-in-time recovery, 14 days", "replay from the queue".
    Plan: In the reliability step, write the recovery path for each store and its recovery point objective.
    Bad:
        reliability: {recovery: []}
    Good:
        reliability: {recovery: [Point-in-time recovery for main-db, 14 days.]}
    """
    if (ctx.design.persistence.stores or ctx.design.persistence.tables) and not ctx.design.reliability.recovery:
        yield Hit(("reliability", "recovery"), "the design keeps data but states no recovery strategy")


@rule("REL007", "reliability.retries-fit-the-latency-sla", "error", step="reliability",
      seed=seeds.RELIABILITY, checklist="failure-modes", validates="failure-modes-explicit",
      risk="high", tiers={"B": "warning", "C": "info"})
def retries_fit_the_latency_sla(ctx):
    """The calls on a request's path fit its latency SLA: the sum of (1 + retries) x timeout + backoff is within the target.

    Why: A retry policy is a promise about the worst case: three attempts of a 1 s timeout with
    backoff take over 3 s, so an endpoint with a 300 ms p99 target breaks its SLA on exactly the
    slow calls retries are for, while the caller has long given up. Calls on one path add up: a
    50 ms cache call with a retry and a 500 ms database timeout cost 610 ms at worst. A path with
    no retry is not judged: a timeout alone is hang protection, and a p99 target allows the slowest 1%.
    Fix: Shorten the timeout or the retries until the worst case fits (e.g. `timeout_ms: 90` with
    `retries: {max_attempts: 1, backoff: fixed, base_delay_ms: 20}` for a 300 ms target), or move the call
    off the request path (a worker, an outbox) so the endpoint does not wait for it.
    Plan: In the reliability step, budget each latency SLA across the calls on its path: timeouts and retries must add up to less than the target.
    Bad:
        slas: [{name: checkout-latency, objective: p99 under 300 ms, latency_ms: 300, applies_to: [checkout]}]
        failure_policies: [{target: payments-api, timeout_ms: 1000, retries: {max_attempts: 3, backoff: exponential-jitter, base_delay_ms: 100, max_delay_ms: 1000}}]
    Good:
        failure_policies: [{target: payments-api, timeout_ms: 120, retries: {max_attempts: 1, backoff: fixed, base_delay_ms: 20}}]
    """
    reported: set = set()
    for budget in ctx.capacity.latency_budgets:
        largest = budget.largest
        if budget.fits or largest is None or largest.policy_path in reported:
            continue
        if all(c.attempts == 1 for c in budget.timed):
            continue      # no retries: timeouts alone are hang protection, and p99 allows the slowest 1%
        reported.add(largest.policy_path)
        others = budget.worst_ms - largest.worst_ms
        fit = (budget.sla.latency_ms - others - largest.backoff_ms) // largest.attempts
        yield Hit(largest.policy_path,
                  f"{budget.label} can wait {budget.worst_ms:,} ms on its calls, over the "
                  f"{budget.sla.latency_ms:,} ms of SLA {budget.sla.name}: {budget.arithmetic}",
                  fix=(f"make the worst case fit: `timeout_ms: {fit}` on {largest.dependency} with these retries, "
                       if fit >= 1 else "") +
                      f"or retry less (`retries: {{max_attempts: 0, backoff: none}}`), or call {largest.dependency} "
                      "from a worker off the request path")


# Values and field names that say a record can be revoked, suspended or blocked: who may act
# depends on reading it, so a stale copy keeps a revoked credential working.
_REVOKED = re.compile(r"^(revoked|revocation|suspended|disabled|banned|blocked|deactivated|locked)(_at)?$",
                      re.IGNORECASE)
_REVOKE_WORDS = re.compile(r"(^|[/_\-])(revoke|revocation|suspend|ban|block|disable|deactivate)", re.IGNORECASE)


def _revocable(entity) -> bool:
    """Whether an entity says it can be revoked: a revoked/suspended field, state or status value."""
    states = list(entity.lifecycle.states) if entity.lifecycle else []
    values = [str(v) for f in entity.fields for v in f.enum] + states
    return any(_REVOKED.match(f.name) for f in entity.fields) or any(_REVOKED.match(v) for v in values)


@rule("REL008", "reliability.revocation-is-strong", "error", step="reliability",
      seed=seeds.RELIABILITY, checklist="failure-modes", risk="high", tiers={"C": "warning"})
def revocation_is_strong(ctx):
    """What can be revoked (a device, a token, a share link, a suspended account) is read with strong consistency.

    Why: A revocation is only as fast as the slowest copy that authorizes from it: with an eventual
    model a stolen device or a leaked link keeps working for as long as replicas, caches or
    consumers lag, which is exactly the window an attacker uses. Readings may lag; revocations may not.
    Fix: Move the entity (and the endpoint that revokes it) to a `model: strong` consistency entry,
    e.g. `reliability.consistency: [{applies_to: [Device, revokeDevice], model: strong}]`, and read it
    from the primary where access is decided.
    Plan: In the reliability step, list every record whose revocation must take effect at once and give it strong consistency.
    Bad:
        consistency: [{applies_to: [Reading, Device], model: eventual, staleness: up to 30 s}]
    Good:
        consistency: [{applies_to: [Reading], model: eventual, staleness: up to 30 s}, {applies_to: [Device, revokeDevice], model: strong}]
    """
    revocable = {e.name for e in ctx.design.data_model.entities if _revocable(e)}
    revoking = set()
    for _, ep in ctx.endpoints():
        if ep.is_write and _REVOKE_WORDS.search(ep.path + "/" + (ep.id or "")):
            revoking |= set(ctx.endpoint_names(ep))
    for i, entry in enumerate(ctx.design.reliability.consistency):
        if entry.model == "strong":
            continue
        for j, name in enumerate(entry.applies_to):
            if name in revocable or name in revoking:
                what = "can be revoked" if name in revocable else "revokes access"
                yield Hit(("reliability", "consistency", i, "applies_to", j),
                          f"{name} {what} but is {entry.model}: a revocation would take effect only as "
                          f"fast as {entry.staleness or 'the copies catch up'}",
                          fix=f"take it out of this entry and add `reliability.consistency: [{{applies_to: [{name}], "
                              "model: strong}]`")
