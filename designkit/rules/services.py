"""Services rules: dependencies justified, handlers and component references exist, no cycles."""

from __future__ import annotations

from . import seeds
from .base import Hit, endpoint_label, is_placeholder, is_stated, names_list, rule


@rule("SVC001", "services.dependency-justified", "warning", step="services",
      seed=seeds.DEPENDENCIES, checklist="security-observability", tiers={"A": "error"})
def dependency_justified(ctx):
    """Every dependency says why it is needed.

    Why: Each dependency is code to patch, a service to run and a way to fail; one without a
    reason is one nobody decided to take on.
    Fix: Add `justification:` saying what it does that the existing stack cannot.
    Plan: In the services step, justify each dependency or remove it.
    Bad:
        dependencies: [{name: redis, kind: datastore}]
    Good:
        dependencies: [{name: redis, kind: datastore, justification: Shared rate-limit counters across replicas.}]
    """
    for i, dep in enumerate(ctx.design.services.dependencies):
        if is_placeholder(dep.justification):
            yield Hit(("services", "dependencies", i, "justification"), f"dependency {dep.name} is not justified")


@rule("SVC002", "services.references-exist", "error", step="services", seed=seeds.BOUNDARIES,
      checklist="security-observability", tiers={"C": "error"})
def references_exist(ctx):
    """Handlers, component dependencies and what workers consume name things that exist.

    Why: A handler or dependency that is not defined is a boundary nobody designed; diagrams and
    the module layout would show a hole.
    Fix: Correct the name, or add the component to `services.components` (or the dependency to
    `services.dependencies`).
    Plan: In the services step, define every component that endpoints and other components rely on.
    Bad:
        - {method: GET, path: /v1/orders, handler: OrderHandlr}
    Good:
        - {method: GET, path: /v1/orders, handler: OrderHandler}
    """
    components, deps = ctx.components, ctx.dependencies
    known = names_list(sorted(components), 8)
    for kp, ep in ctx.endpoints():
        if ep.handler and ep.handler not in components:
            yield Hit(kp + ("handler",), f"{endpoint_label(ep)} handler {ep.handler!r} is not a component",
                      fix=f"use one of: {known}" if components else "add it to services.components")
    for kp, ch in ctx.channels():
        if ch.handler and ch.handler not in components:
            yield Hit(kp + ("handler",), f"channel {ch.name} handler {ch.handler!r} is not a component")
    consumable = {c.name for c in ctx.design.api.channels} | set(deps) | set(ctx.integrations)
    for i, comp in enumerate(ctx.design.services.components):
        for j, name in enumerate(comp.depends_on):
            if name not in components and name not in deps:
                yield Hit(("services", "components", i, "depends_on", j),
                          f"component {comp.name} depends on unknown {name!r}")
        for j, name in enumerate(comp.consumes):
            if name not in consumable:
                yield Hit(("services", "components", i, "consumes", j),
                          f"component {comp.name} consumes unknown {name!r}",
                          fix=f"use a channel, dependency or integration point: {names_list(sorted(consumable), 8)}"
                          if consumable else "add the queue to services.dependencies or api.channels")


@rule("SVC003", "services.every-endpoint-handled", "warning", step="services",
      seed=seeds.BOUNDARIES, checklist="security-observability", tiers={"C": "info"})
def every_endpoint_handled(ctx):
    """Once components are defined, every endpoint and channel names its handler (or the worker that consumes it).

    Why: The handler mapping is the module layout's entry point; an endpoint with no handler has
    no owner in the code.
    Fix: Add `handler: NAME` naming a `services.components` entry of kind handler (for a channel,
    listing it in the consumes of the worker that reads it also names its handler).
    Plan: In the services step, map each endpoint and channel to the handler that serves it.
    Bad:
        - {method: GET, path: /v1/orders}
    Good:
        - {method: GET, path: /v1/orders, handler: OrderHandler}
    """
    if not ctx.components:
        return
    for kp, ep in ctx.endpoints():
        if not ep.handler:
            yield Hit(kp + ("handler",), f"{endpoint_label(ep)} names no handler")
    consumed = {name for c in ctx.design.services.components if c.kind == "worker" for name in c.consumes}
    for kp, ch in ctx.channels():
        # publishing only, it has no entry point to handle; a worker that consumes it handles it
        if not ch.handler and ch.inbound and ch.name not in consumed:
            yield Hit(kp + ("handler",), f"channel {ch.name} names no handler")


@rule("SVC004", "services.no-dependency-cycles", "warning", step="services", seed=seeds.BOUNDARIES,
      checklist="security-observability")
def no_dependency_cycles(ctx):
    """Components do not depend on each other in a cycle.

    Why: A cycle means two modules cannot be built, tested or deployed apart; the boundary
    between them is not real.
    Fix: Break the cycle: move the shared part into its own component, or invert one dependency
    through an interface or an event.
    Plan: In the services step, layer components handlers -> domain services -> repositories/adapters.
    Bad:
        - {name: Orders, kind: domain-service, depends_on: [Billing]}
        - {name: Billing, kind: domain-service, depends_on: [Orders]}
    Good:
        - {name: Orders, kind: domain-service, depends_on: [Billing]}
        - {name: Billing, kind: domain-service}
    """
    graph = {c.name: [d for d in c.depends_on if d in ctx.components] for c in ctx.design.services.components}
    index = {c.name: i for i, c in enumerate(ctx.design.services.components)}
    state: dict[str, int] = {}
    reported: set[frozenset] = set()
    for start in graph:
        if state.get(start):
            continue
        stack = [(start, iter(graph[start]))]
        path = [start]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    yield Hit(("services", "components", index[nxt], "depends_on"),
                              "components depend on each other in a cycle: " + " -> ".join(cycle))
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(graph[nxt])))


@rule("SVC005", "services.components-used", "warning", step="services", seed=seeds.BOUNDARIES,
      checklist="security-observability", tiers={"C": "info"})
def components_used(ctx):
    """Every component is used: it handles an endpoint or channel, another component depends on it, or it is a worker with a trigger.

    Why: A component nothing calls is either dead design (remove it) or a missing wire (an
    endpoint whose handler is wrong, a worker nobody starts); either way the module layout
    misleads whoever builds from it.
    Fix: Name it as a `handler:`, add it to another component's `depends_on`, or give a worker its
    trigger (`consumes: [events-queue]` or `schedule: every 10 s`); remove it if it is not needed.
    Plan: In the services step, trace every component from an entry point (endpoint, channel, schedule or queue).
    Bad:
        components: [{name: OutboxSweeper, kind: worker}]
    Good:
        components: [{name: OutboxSweeper, kind: worker, schedule: every 10 s, depends_on: [Publisher]}]
    """
    used = {ep.handler for _, ep in ctx.endpoints()} | {ch.handler for _, ch in ctx.channels()}
    used |= {d for c in ctx.design.services.components for d in c.depends_on if d != c.name}
    for i, comp in enumerate(ctx.design.services.components):
        if comp.name in used or comp.consumes or is_stated(comp.schedule):
            continue
        kp = ("services", "components", i)
        if comp.kind == "worker":
            yield Hit(kp, f"worker {comp.name} has no trigger: it consumes nothing and runs on no schedule",
                      fix="add `schedule: every 10 s` or `consumes: [events-queue]` (what starts it)")
        else:
            yield Hit(kp, f"component {comp.name} is used by nothing: no endpoint or channel names it as "
                      "handler and no component depends on it",
                      fix="add it to the `depends_on` of the component that calls it, or remove it")
