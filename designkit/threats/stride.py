"""STRIDE per element: the threats each element of the data-flow diagram faces, with their mitigations.

External entities face Spoofing and Repudiation; processes all six; stores Tampering,
Repudiation, Information disclosure and Denial of service; flows Tampering, Information
disclosure and Denial of service. A threat's id is its element's id and the STRIDE letter
(``provider.stripe/S``), so it is stable across runs and a register entry can name it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..core.model import ThreatEntry
from ..core.placeholders import is_stated
from .dfd import RESTRICTED, SENSITIVE, DataFlowModel, Element, Flow
from .mitigations import Mitigation, Mitigations

CATEGORIES = {"S": "Spoofing", "T": "Tampering", "R": "Repudiation", "I": "Information disclosure",
              "D": "Denial of service", "E": "Elevation of privilege"}
PER_KIND = {"actor": "SR", "process": "STRIDE", "store": "TRID", "flow": "TID"}


@dataclass(slots=True)   # slots: a large design has tens of thousands
class Threat:
    """One STRIDE threat on one element, what mitigates it, and its status."""

    id: str
    element: str
    element_kind: str        # actor | process | store | flow
    category: str            # S, T, R, I, D or E
    title: str
    risk: str                # high | medium | low
    key_path: tuple
    mitigations: list[Mitigation] = field(default_factory=list)
    register: ThreatEntry | None = None
    register_index: int | None = None

    @property
    def category_name(self) -> str:
        return CATEGORIES[self.category]

    @property
    def missing(self) -> list[Mitigation]:
        return [m for m in self.mitigations if m.missing]

    @property
    def stated(self) -> list[Mitigation]:
        return [m for m in self.mitigations if m.stated]

    @property
    def derived_status(self) -> str:
        """From the design alone: mitigated when every required mitigation is stated and one is."""
        return "mitigated" if self.stated and not self.missing else "open"

    @property
    def status(self) -> str:
        """The register's decision when there is one, else the derived status."""
        return self.register.status if self.register is not None else self.derived_status

    @property
    def suppressed(self) -> bool:
        """A register entry that closes its findings: accepted, false-positive or mitigated, with a reason."""
        r = self.register
        return r is not None and r.status != "open" and is_stated(r.justification)

    def as_dict(self) -> dict:
        from ..core.loader import format_key_path

        r = self.register
        return {"id": self.id, "element": self.element, "element_kind": self.element_kind,
                "category": self.category_name, "letter": self.category, "title": self.title,
                "risk": self.risk, "status": self.status, "derived_status": self.derived_status,
                "key_path": format_key_path(self.key_path),
                "mitigations": [m.as_dict() for m in self.mitigations],
                "missing": [m.name for m in self.missing],
                "register": r.model_dump(mode="json", exclude_none=True) if r else None}


def _risk(classes: frozenset, exposed: bool) -> str:
    if classes & RESTRICTED or (exposed and classes & SENSITIVE):
        return "high"
    return "medium" if exposed or classes & SENSITIVE else "low"


class _Catalogue:
    def __init__(self, dfd: DataFlowModel):
        self.dfd = dfd
        self.m = Mitigations(dfd.design)
        self.design = dfd.design

    def threat(self, element, kind, letter, title, risk, mitigations, key_path=None) -> Threat:
        return Threat(f"{element}/{letter}", element, kind, letter, title, risk,
                      tuple(key_path if key_path is not None else ()), [m for m in mitigations if m])

    def all(self) -> Iterator[Threat]:
        for e in self.dfd.elements.values():
            yield from getattr(self, f"_{e.kind}")(e)
        for f in self.dfd.flows:
            if f.threats:
                yield from self._flow(f)

    def of(self, element_id: str) -> list[Threat]:
        """The threats of one element or flow (none for an id the diagram does not have)."""
        e = self.dfd.elements.get(element_id)
        if e is not None:
            return list(getattr(self, f"_{e.kind}")(e))
        f = self.dfd.flow_by_id.get(element_id)
        return list(self._flow(f)) if f is not None and f.threats else []

    # ---- surfaces
    def _surfaces_of(self, actor: str) -> list[tuple[tuple, object]]:
        return [(f.key_path, f.ref) for f in self.dfd.flows_from(actor) if f.kind in ("endpoint", "channel")]

    def _hooks_of(self, provider: str) -> list[tuple[tuple, object]]:
        return [(f.key_path, f.ref[0]) for f in self.dfd.flows_from(provider) if f.kind == "inbound-webhook"]

    def _surface(self, f: Flow) -> tuple[tuple, object] | None:
        """The endpoint or channel a flow arrives on (an inbound webhook's endpoint), with its key path."""
        if f.kind in ("endpoint", "channel"):
            return f.key_path, f.ref
        if f.kind == "inbound-webhook" and f.ref[1] is not None:
            i = next(i for i, x in enumerate(self.design.api.endpoints) if x is f.ref[1])
            return ("api", "endpoints", i), f.ref[1]
        return None

    def _handled(self, process: str) -> list[Flow]:
        return [f for f in self.dfd.flows_to(process) if f.kind in ("endpoint", "channel", "inbound-webhook")]

    # ---- external entities: S, R
    def _actor(self, e: Element) -> Iterator[Threat]:
        m, kp = self.m, e.key_path
        if e.role == "clients":
            surfaces = self._surfaces_of(e.id)
            first = surfaces[0][0] if surfaces else kp
            exposed = any(self.dfd.flows_of(e.id))
            classes = frozenset().union(*(f.classes for f in self.dfd.flows_of(e.id)))
            if e.id == "clients.public":
                just = m.authorization(surfaces)
                auth = Mitigation("public-justification", "Public by design, with a justification", just.stated,
                                  "every public surface says why it is safe" if just.stated else just.evidence,
                                  just.key_path[:-1] + ("public_justification",), True, "API001")
            else:
                auth = m.authentication(e.ref if e.ref else None, first + ("auth",))
            yield self.threat(e.id, "actor", "S", f"Someone calls as one of the {e.name} (stolen or forged credentials)",
                              _risk(classes, exposed), [auth], first)
            yield self.threat(e.id, "actor", "R", f"One of the {e.name} denies a change it made",
                              "medium" if classes & SENSITIVE else "low", [m.audit(surfaces, first), m.request_ids()], first)
        elif e.role == "provider":
            hooks = self._hooks_of(e.id)
            yield self.threat(e.id, "actor", "S", f"Someone forges a delivery as {e.name}", "high",
                              [m.signature(hooks)], hooks[0][0])
            yield self.threat(e.id, "actor", "R",
                              f"A captured or retried delivery from {e.name} takes effect again (replay)", "high",
                              [m.dedupe_store(hooks), m.replay_window(hooks)], hooks[0][0])
        elif e.role == "subscribers":
            flows = self.dfd.flows_of(e.id)
            hooks = [(f.key_path, f.ref) for f in flows]
            yield self.threat(e.id, "actor", "S", "Someone poses as a subscriber and receives the webhooks",
                              _risk(frozenset().union(*(f.classes for f in flows)), True),
                              [m.public_tls(flows[0])] if flows else [], e.key_path)
            yield self.threat(e.id, "actor", "R", "A subscriber denies that a delivery was made", "low",
                              [m.delivery(h, k) for k, h in hooks], e.key_path)
        else:   # third-party APIs and internal services we call: TLS proves the server's identity
            flows = self.dfd.flows_of(e.id)
            tls = (m.public_tls(flows[0]) if e.zone != "internal" else m.internal_tls(flows[0])) if flows else None
            if tls is not None:
                tls = Mitigation(tls.id, tls.name, tls.stated, tls.evidence, tls.key_path, False, tls.rule)
            yield self.threat(e.id, "actor", "S", f"Something impersonates {e.name} to the service", "medium",
                              [tls], e.key_path)
            yield self.threat(e.id, "actor", "R", f"Calls to {e.name} cannot be traced afterwards", "low",
                              [m.request_ids()], e.key_path)

    # ---- processes: all six
    def _process(self, e: Element) -> Iterator[Threat]:
        m, kp = self.m, e.key_path
        handled = self._handled(e.id)
        classes = frozenset().union(*(f.classes for f in self.dfd.flows_of(e.id)))
        exposed = any(f.boundary for f in handled)
        risk = _risk(classes, exposed)
        surfaces = list({id(x[1]): x for x in map(self._surface, handled) if x}.values())
        deps = [f.via for f in self.dfd.flows_from(e.id) if f.kind == "call" and f.threats]
        mtls = m.internal_tls(Flow("", "call", "", "", "", ()), mtls=True)
        yield self.threat(e.id, "process", "S", f"Another workload impersonates {e.name} to its stores and services",
                          risk, [mtls, m.workload_identity()], kp)
        yield self.threat(e.id, "process", "T", f"{e.name}'s code, configuration or inputs are tampered with", risk,
                          [m.least_privilege()], kp)
        yield self.threat(e.id, "process", "R", f"Actions taken through {e.name} cannot be attributed",
                          "medium" if classes & SENSITIVE else "low", [m.audit([], kp), m.request_ids()], kp)
        yield self.threat(e.id, "process", "I", f"{e.name} leaks data through logs, errors or memory",
                          risk, [m.log_redaction()], kp)
        yield self.threat(e.id, "process", "D", f"{e.name} is flooded or hangs on a slow dependency", risk,
                          [m.rate_limit(s, k) for k, s in surfaces if getattr(s, "method", None)][:1]
                          + ([m.failure_policy(deps)] if deps else []) + [m.scaling(e.name)], kp)
        yield self.threat(e.id, "process", "E", f"A caller makes {e.name} do more than the caller may", risk,
                          ([m.authorization(surfaces)] if surfaces else []) + [m.least_privilege()], kp)

    # ---- stores: T, R, I, D
    def _store(self, e: Element) -> Iterator[Threat]:
        m, kp = self.m, e.key_path
        tables = [t.name for t in self.design.persistence.tables if t.store == e.name]
        risk = _risk(e.classes, False)
        yield self.threat(e.id, "store", "T", f"Data in {e.name} is changed outside the service's rules", risk,
                          [m.grants_for([e.name, *tables])], kp)
        yield self.threat(e.id, "store", "R", f"Changes to {e.name} cannot be traced to who made them",
                          "medium" if e.classes & SENSITIVE else "low", [m.audit([], kp)], kp)
        yield self.threat(e.id, "store", "I", f"Data in {e.name} is read from its disks, snapshots or backups",
                          risk, [m.encryption_at_rest(e.ref, kp, e.classes), m.grants_for([e.name, *tables])], kp)
        yield self.threat(e.id, "store", "D", f"{e.name} is lost or unavailable", risk,
                          [m.replicas(e.ref, kp), m.failure_policy([e.name, *self._aliases(e)])], kp)

    def _aliases(self, e: Element) -> list[str]:
        """Dependencies that stand for a store: failure policies name them, not the store."""
        return [d.name for d in self.design.services.dependencies
                if any(f.kind == "call" and f.name.endswith(f"→ {d.name}") for f in self.dfd.flows_to(e.id))]

    # ---- flows: T, I, D
    def _flow(self, f: Flow) -> Iterator[Threat]:
        m, kp = self.m, f.key_path
        exposed = f.boundary is not None
        risk = _risk(f.classes, exposed)
        if f.kind in ("endpoint", "inbound-webhook") or (f.kind == "channel" and f.ref.kind == "websocket"):
            hook, ep = f.ref if f.kind == "inbound-webhook" else (None, f.ref)
            tls = m.public_tls(f)
            ep_kp = (self._surface(f) or (kp,))[0]
            body = getattr(ep, "request", None) if ep is not None else None
            integrity = m.signature([(kp, hook)]) if hook is not None else m.input_validation(body, ep_kp)
            yield self.threat(f.id, "flow", "T", f"Data on {f.name} is altered in transit or crafted to get past checks",
                              risk, [tls, integrity], kp)
            access = [] if hook is not None else [m.authorization([(kp, f.ref)])]
            yield self.threat(f.id, "flow", "I", f"Data on {f.name} is disclosed to someone who may not see it",
                              risk, [tls, *access], kp)
            yield self.threat(f.id, "flow", "D", f"{f.name} is flooded with requests", risk,
                              [m.rate_limit(ep if ep is not None else hook, ep_kp)], kp)
        elif f.kind == "outbound-webhook":
            yield self.threat(f.id, "flow", "T", f"A delivery of {f.name} is forged or altered on its way", risk,
                              [m.signing(f.ref, kp)], kp)
            yield self.threat(f.id, "flow", "I", f"A delivery of {f.name} is read in transit", risk,
                              [m.public_tls(f)], kp)
            yield self.threat(f.id, "flow", "D", f"Slow or failing subscribers of {f.name} back up deliveries",
                              risk, [m.delivery(f.ref, kp)], kp)
        else:   # calls to stores and services, consumed queues, topics
            other = self.dfd.elements[f.target if f.kind != "consume" else f.source]
            if other.zone == "third-party":
                tls = m.public_tls(f)
                tls = Mitigation(tls.id, tls.name, tls.stated, tls.evidence, tls.key_path, False, tls.rule)
            else:
                tls = m.internal_tls(f)
            yield self.threat(f.id, "flow", "T", f"Data on {f.name} is altered in transit", risk,
                              [tls, m.grants_for([other.name])], kp)
            yield self.threat(f.id, "flow", "I", f"Data on {f.name} is read in transit", risk, [tls], kp)
            yield self.threat(f.id, "flow", "D", f"{f.name} is slow or down and the caller waits", risk,
                              [m.failure_policy([f.via, other.name])], kp)


def stride_threats(dfd: DataFlowModel) -> list[Threat]:
    """Every STRIDE threat on every element and flow of ``dfd``, in diagram order."""
    return list(_Catalogue(dfd).all())
