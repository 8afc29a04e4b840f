"""The data-flow diagram of a design: who and what talks to what, across which trust boundary.

Built from the design alone, in one pass over it:

- **actors** (external entities): clients of the endpoints and WebSocket channels, one per
  authentication scheme (``clients.operator-oidc``; ``clients.public`` for public ones), the
  providers of ``api.inbound_webhooks`` (``provider.stripe``), the subscribers of outbound
  webhooks (``subscribers``), third-party APIs (``external.push-gateway``) and internal services
  we call but do not build (``service.vault``);
- **processes**: ``services.components`` (``process.WebhookHandler``), plus the service itself
  (``process.<name>``) for surfaces no component handles;
- **stores**: ``persistence.stores``, and datastore or queue dependencies no store stands for;
- **flows**: endpoints, channels, inbound and outbound webhooks, calls from components to
  stores and services, and what workers consume. Calls between components are drawn but carry
  no threats: they stay inside the service's own boundary.

Each element sits in a trust zone (public internet, third parties, internal network); a flow
that crosses zones crosses a trust boundary. Each flow carries the highest data classification
of what travels on it (its schemas' fields and the entities it reads or writes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..core.model import Design, Endpoint

# Lowest to highest; a flow or store is classified by the highest class it carries.
LEVELS = ("public", "internal", "confidential", "pii", "credential", "secret")
_RANK = {c: i for i, c in enumerate(LEVELS)}
RESTRICTED = frozenset({"pii", "credential", "secret"})   # kept encrypted at rest and on every wire
SENSITIVE = frozenset({"confidential"}) | RESTRICTED       # kept off public wires in the clear


@dataclass(frozen=True)
class Zone:
    """A trust zone: elements inside trust each other to the same degree."""

    id: str
    name: str
    trust: int          # 0 (none) .. 100 (full), as OTM's trust rating
    description: str


ZONES = {
    "internet": Zone("internet", "Public internet", 0, "Clients anywhere on the internet."),
    "third-party": Zone("third-party", "Third parties", 30,
                        "Providers, subscribers and APIs run by other organisations."),
    "internal": Zone("internal", "Internal network", 100,
                     "The service's components, its stores and the internal services it calls."),
}
# The trust boundary a flow crosses, by (source zone, target zone); the same zone crosses none.
_BOUNDARY = {("internet", "internal"): "public-ingress", ("third-party", "internal"): "third-party",
             ("internal", "third-party"): "third-party", ("internal", "internet"): "public-ingress"}


def rank(classification: str) -> int:
    return _RANK.get(classification, 1)


def highest(classes) -> str:
    """The highest classification among ``classes`` (``internal`` when there are none)."""
    return max(classes, key=rank, default="internal")


@dataclass(slots=True)
class Element:
    """An actor, process or store of the diagram."""

    id: str
    kind: str                   # actor | process | store
    name: str
    zone: str
    key_path: tuple
    role: str = ""              # actors: clients | provider | subscribers | third-party | service
    description: str = ""
    classes: frozenset = frozenset()
    ref: Any = field(default=None, repr=False, compare=False)   # the design object it comes from

    @property
    def classification(self) -> str:
        return highest(self.classes)


@dataclass(slots=True)   # slots: one per endpoint
class Flow:
    """Data moving from one element to another (both ways when ``two_way``)."""

    id: str
    kind: str                   # endpoint | channel | inbound-webhook | outbound-webhook | call | consume
    name: str
    source: str
    target: str
    key_path: tuple
    boundary: str | None = None  # public-ingress | third-party | None (inside one zone)
    classes: frozenset = frozenset()
    two_way: bool = True
    ref: Any = field(default=None, repr=False, compare=False)
    threats: bool = True         # calls between components are drawn, not threat-modelled
    via: str = ""                # calls and consumes: the name the component used (a dependency's)

    @property
    def classification(self) -> str:
        return highest(self.classes)


@dataclass
class DataFlowModel:
    """The diagram: elements by id (in design order) and flows."""

    design: Design
    elements: dict[str, Element]
    flows: list[Flow]

    def of_kind(self, kind: str) -> list[Element]:
        return [e for e in self.elements.values() if e.kind == kind]

    def flows_of(self, element_id: str) -> list[Flow]:
        """The flows from or to an element, in diagram order."""
        return self._touching.get(element_id, [])

    def flows_from(self, element_id: str) -> list[Flow]:
        return self._from.get(element_id, [])

    def flows_to(self, element_id: str) -> list[Flow]:
        return self._to.get(element_id, [])

    # indexes built once, so deriving each element's threats does not scan every flow
    @cached_property
    def flow_by_id(self) -> dict[str, Flow]:
        return {f.id: f for f in self.flows}

    @cached_property
    def _from(self) -> dict[str, list[Flow]]:
        return self._index(lambda f: (f.source,))

    @cached_property
    def _to(self) -> dict[str, list[Flow]]:
        return self._index(lambda f: (f.target,))

    @cached_property
    def _touching(self) -> dict[str, list[Flow]]:
        return self._index(lambda f: (f.source, f.target))

    def _index(self, ends) -> dict[str, list[Flow]]:
        out: dict[str, list[Flow]] = {}
        for f in self.flows:
            for end in dict.fromkeys(ends(f)):    # a flow from an element to itself is listed once
                out.setdefault(end, []).append(f)
        return out


_NOT_ID = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str) -> str:
    """An id part from a name: letters, digits, ``.``, ``_`` and ``-`` kept, the rest one ``-``."""
    return _NOT_ID.sub("-", text).strip("-") or "x"


def find_endpoint(design: Design, ref: str | None) -> tuple[int, Endpoint] | None:
    """The endpoint an id or ``METHOD /path`` names."""
    if not ref:
        return None
    ref = " ".join(ref.split())
    return next(((i, ep) for i, ep in enumerate(design.api.endpoints) if ref in (ep.id, ep.route)), None)


class _Classifier:
    """The classes of data that schemas, entities and inline fields carry."""

    def __init__(self, design: Design):
        self.entities = {e.name: e for e in design.data_model.entities}
        self.schemas = {s.name: s for s in design.api.schemas}
        self._entity: dict[str, frozenset[str]] = {}    # by name: many endpoints read the same entities
        self._schema: dict[str, frozenset[str]] = {}    # by reference

    def entity(self, name: str) -> frozenset[str]:
        known = self._entity.get(name)
        if known is None:
            known = self._entity[name] = frozenset(self._entity_classes(name))
        return known

    def _entity_classes(self, name: str) -> set[str]:
        e = self.entities.get(name)
        if e is None:
            return set()
        out = {f.classification or e.classification for f in e.fields}
        if not e.fields or any(f.classification is None for f in e.fields):
            out.add(e.classification)
        return out

    def fields(self, fields) -> set[str]:
        out = set()
        for f in fields:
            if f.classification:
                out.add(f.classification)
            if getattr(f, "items", None) and f.items in self.entities:
                out |= self.entity(f.items)
        return out

    def schema(self, ref: str | None) -> frozenset[str]:
        if not ref:
            return frozenset()
        known = self._schema.get(ref)
        if known is None:
            name = ref[:-2].strip() if ref.endswith("[]") else ref.strip()
            if name in self.schemas:
                known = frozenset(self.fields(self.schemas[name].fields) or {"internal"})
            else:
                known = self.entity(name)
            self._schema[ref] = known
        return known

    def endpoint(self, ep: Endpoint) -> set[str]:
        out: set[str] = set()
        for body in (ep.request, *ep.responses) if ep.request else ep.responses:
            if body.schema_:
                out |= self.schema(body.schema_)
            if body.fields:
                out |= self.fields(body.fields)
        for name in ep.writes:
            out |= self.entity(name)
        for name in ep.reads:
            out |= self.entity(name)
        return out


class _Builder:
    def __init__(self, design: Design):
        self.design = design
        self.cls = _Classifier(design)
        self.elements: dict[str, Element] = {}
        self.flows: list[Flow] = []
        self.flow_ids: set[str] = set()
        self.components = {c.name: (i, c) for i, c in enumerate(design.services.components)}
        self.dependencies = {d.name: (i, d) for i, d in enumerate(design.services.dependencies)}
        self.stores = {s.name: (i, s) for i, s in enumerate(design.persistence.stores)}
        self._actors: dict[tuple[str, str | None], str] = {}   # (role, name) -> element id, added once

    # ---- elements
    def add(self, element: Element) -> str:
        self.elements.setdefault(element.id, element)
        return element.id

    def service_process(self) -> str:
        d = self.design
        return self.add(Element(f"process.{slug(d.name)}", "process", d.name, "internal", (),
                                description="The service as a whole (no component named for this work)."))

    def handler(self, name: str | None) -> str:
        known = self._actors.get(("handler", name))
        if known is None:
            known = self._actors[("handler", name)] = (
                f"process.{slug(name)}" if name and name in self.components else self.service_process())
        return known

    def clients(self, auth: str | None) -> str:
        known = self._actors.get(("clients", auth))
        if known is None:
            known = self._actors[("clients", auth)] = self._clients(auth)
        return known

    def _clients(self, auth: str | None) -> str:
        if auth == "public":
            return self.add(Element("clients.public", "actor", "Anonymous clients", "internet", (),
                                    role="clients", description="Callers of the public endpoints."))
        if not auth:
            return self.add(Element("clients.unauthenticated", "actor", "Clients (no authentication stated)",
                                    "internet", (), role="clients"))
        scheme = next(((i, s) for i, s in enumerate(self.design.security.authentication) if s.name == auth), None)
        return self.add(Element(f"clients.{slug(auth)}", "actor", f"{auth} clients", "internet",
                                ("security", "authentication", scheme[0]) if scheme else (), role="clients",
                                description=f"Callers authenticated by {auth}.", ref=auth))

    def resolve(self, name: str) -> str | None:
        """The element a component's ``depends_on``/``consumes`` entry names (None: a library or unknown)."""
        if name in self.components:
            return f"process.{slug(name)}"
        if name in self.stores:
            return f"store.{slug(name)}"
        if name in self.dependencies:
            i, dep = self.dependencies[name]
            if dep.kind == "library":
                return None
            if dep.kind in ("datastore", "queue"):
                store = self._store_for(dep)
                if store:
                    return store
                return self.add(Element(f"store.{slug(name)}", "store", name, "internal",
                                        ("services", "dependencies", i), description=dep.justification or "",
                                        ref=dep))
            if dep.kind == "external-api":
                return self.add(Element(f"external.{slug(name)}", "actor", name, "third-party",
                                        ("services", "dependencies", i), role="third-party",
                                        description=dep.justification or "", ref=dep))
            return self.add(Element(f"service.{slug(name)}", "actor", name, "internal",
                                    ("services", "dependencies", i), role="service",
                                    description=dep.justification or "", ref=dep))
        channel = next((c for c in self.design.api.channels if c.name == name), None)
        if channel is not None and channel.broker:
            return self.resolve(channel.broker)
        point = next(((i, p) for i, p in enumerate(self.design.scope.integration_points) if p.name == name), None)
        if point is not None:
            return self.add(Element(f"external.{slug(name)}", "actor", name, "third-party",
                                    ("scope", "integration_points", point[0]), role="third-party",
                                    description=point[1].description or "", ref=point[1]))
        return None

    def _store_for(self, dep) -> str | None:
        """A datastore dependency stands for the persistence store of its name, or the one store of its kind."""
        if dep.name in self.stores:
            return f"store.{slug(dep.name)}"
        same_kind = [s for _, s in self.stores.values() if s.kind == dep.name or (dep.integration and s.name == dep.integration)]
        return f"store.{slug(same_kind[0].name)}" if len(same_kind) == 1 else None

    def flow(self, flow: Flow) -> None:
        base, n = flow.id, 2
        while flow.id in self.flow_ids:
            flow.id, n = f"{base}-{n}", n + 1
        self.flow_ids.add(flow.id)
        a, b = self.elements[flow.source].zone, self.elements[flow.target].zone
        flow.boundary = _BOUNDARY.get((a, b))
        self.flows.append(flow)

    # ---- the pass over the design
    def build(self) -> DataFlowModel:
        d = self.design
        for i, c in enumerate(d.services.components):
            self.add(Element(f"process.{slug(c.name)}", "process", c.name, "internal",
                             ("services", "components", i), description=c.responsibility or "", ref=c))
        self._stores()
        self._inbound_webhooks()
        self._endpoints()
        self._channels()
        self._outbound_webhooks()
        self._component_edges()
        return DataFlowModel(d, self.elements, self.flows)

    def _stores(self) -> None:
        held: dict[str, set[str]] = {}
        for t in self.design.persistence.tables:
            if t.store:
                classes = self.cls.entity(t.entity) if t.entity else (self.cls.fields(t.columns) or {"internal"})
                held.setdefault(t.store, set()).update(classes)
        for name, (i, s) in self.stores.items():
            self.add(Element(f"store.{slug(name)}", "store", name, "internal", ("persistence", "stores", i),
                             description=s.purpose or "", classes=frozenset(held.get(name, ())), ref=s))

    def _inbound_webhooks(self) -> None:
        self.webhook_endpoints: set[int] = set()
        for i, hook in enumerate(self.design.api.inbound_webhooks):
            kp = ("api", "inbound_webhooks", i)
            point = next((j for j, p in enumerate(self.design.scope.integration_points) if p.name == hook.provider), None)
            actor = self.add(Element(f"provider.{slug(hook.provider)}", "actor", hook.provider, "third-party",
                                     ("scope", "integration_points", point) if point is not None else kp,
                                     role="provider", description=f"Sends {hook.name} deliveries."))
            found = find_endpoint(self.design, hook.endpoint)
            classes: set[str] = set()
            if found:
                self.webhook_endpoints.add(found[0])
                classes = self.cls.endpoint(found[1])
            target = self.handler(found[1].handler if found else None)
            self.flow(Flow(f"webhook-in.{slug(hook.name)}", "inbound-webhook", hook.name, actor, target, kp,
                           classes=frozenset(classes), ref=(hook, found[1] if found else None)))

    def _endpoints(self) -> None:
        self._classes: dict[frozenset, frozenset] = {}
        for i, ep in enumerate(self.design.api.endpoints):
            if i in self.webhook_endpoints:
                continue   # its callers are the providers: drawn as the inbound webhook's flow
            self.flow(Flow(f"endpoint.{slug(ep.label)}", "endpoint", ep.label, self.clients(ep.auth),
                           self.handler(ep.handler), ("api", "endpoints", i),
                           classes=self._interned(frozenset(self.cls.endpoint(ep))), ref=ep))

    def _interned(self, classes: frozenset) -> frozenset:
        """One frozenset per distinct set of classes: thousands of endpoints carry the same few."""
        return self._classes.setdefault(classes, classes)

    def _channels(self) -> None:
        for i, ch in enumerate(self.design.api.channels):
            kp = ("api", "channels", i)
            classes = self.cls.schema(ch.message) | self.cls.fields(ch.fields)
            for name in ch.writes:
                classes |= self.cls.entity(name)
            if not ch.handler and ch.broker:   # the component that talks to the broker publishes or reads
                user = next((c.name for c in self.design.services.components
                             if ch.broker in c.depends_on or ch.broker in c.consumes or ch.name in c.consumes), None)
                process = self.handler(user)
            else:
                process = self.handler(ch.handler)
            if ch.kind == "websocket":
                source, target = self.clients(ch.auth), process
            else:
                other = self.resolve(ch.broker) if ch.broker else None
                if other is None:
                    other = self.add(Element(f"consumers.{slug(ch.name)}", "actor", f"{ch.name} consumers",
                                             "internal", kp, role="service",
                                             description=f"Whoever reads or writes {ch.name}."))
                source, target = (process, other) if ch.direction == "publish" else (other, process)
            self.flow(Flow(f"channel.{slug(ch.name)}", "channel", ch.name, source, target, kp,
                           classes=frozenset(classes), two_way=ch.direction == "both" or ch.kind == "websocket",
                           ref=ch))

    def _outbound_webhooks(self) -> None:
        if not self.design.api.webhooks:
            return
        actor = self.add(Element("subscribers", "actor", "Webhook subscribers", "third-party", ("api", "webhooks"),
                                 role="subscribers", description="Receivers of the outbound webhooks."))
        source = self.service_process()
        for i, hook in enumerate(self.design.api.webhooks):
            classes = self.cls.schema(hook.payload) | self.cls.fields(hook.fields)
            self.flow(Flow(f"webhook-out.{slug(hook.name)}", "outbound-webhook", hook.name, source, actor,
                           ("api", "webhooks", i), classes=frozenset(classes), two_way=False, ref=hook))

    def _component_edges(self) -> None:
        for i, c in enumerate(self.design.services.components):
            me = f"process.{slug(c.name)}"
            for name in c.depends_on:
                other = self.resolve(name)
                if other is None or other == me:
                    continue
                target = self.elements[other]
                self.flow(Flow(f"call.{slug(c.name)}.{slug(name)}", "call", f"{c.name} → {name}", me, other,
                               ("services", "components", i, "depends_on"), classes=target.classes,
                               ref=target.ref, threats=target.kind != "process", via=name))
            for name in c.consumes:
                other = self.resolve(name)
                if other is None or other == me:
                    continue
                self.flow(Flow(f"consume.{slug(c.name)}.{slug(name)}", "consume", f"{name} → {c.name}", other, me,
                               ("services", "components", i, "consumes"), classes=self.elements[other].classes,
                               two_way=False, ref=self.elements[other].ref, via=name))


def build_dfd(design: Design) -> DataFlowModel:
    """The data-flow diagram of ``design``: actors, processes, stores, flows and trust zones."""
    return _Builder(design).build()
