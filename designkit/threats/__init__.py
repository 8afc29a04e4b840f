"""The threat model derived from a design: a data-flow diagram, STRIDE per element, and the register.

    model = build_threat_model(document.design)
    model.threat("provider.stripe/S").status           # "mitigated"
    [m.name for m in model.threat("provider.stripe/S").stated]   # ["Signature verification"]

The diagram (:mod:`.dfd`) and the threats (:mod:`.stride`) come from the design alone; the
design's ``threats:`` register then records decisions per threat id (accepted, false-positive,
mitigated elsewhere, with a justification and an owner). This package imports only
``designkit.core``; the rules (``THR...``), the report, the ``otm`` exporter and the CLI use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..core.model import Design, ThreatEntry
from .dfd import ZONES, DataFlowModel, Element, Flow, Zone, build_dfd
from .mitigations import TLS_RULES, Mitigation
from .stride import CATEGORIES, PER_KIND, Threat, _Catalogue, stride_threats


@dataclass
class RegisterProblem:
    """A register entry that does not hold: an unknown threat id, a missing justification, a dangling waiver."""

    index: int
    field: str
    message: str


class ThreatModel:
    """The data-flow diagram, its threats (register applied) and the register's problems.

    The diagram is built at once; each element's threats are derived the first time they are
    asked for (``threats_of``, ``threat``) and ``threats`` derives them all. The rules ask only
    for the few they need (the register's, the stores'), so a check of a 10,000-endpoint design
    does not build the ~30,000 threats that only the report and ``designkit threats`` show.
    """

    def __init__(self, design: Design, dfd: DataFlowModel):
        self.design = design
        self.dfd = dfd
        self._catalogue = _Catalogue(dfd)
        self._by_element: dict[str, list[Threat]] = {}
        # the register entry that decides a threat: the first one naming its id
        self._decisions: dict[str, tuple[int, ThreatEntry]] = {}
        for i, entry in enumerate(design.threats):
            self._decisions.setdefault(entry.id, (i, entry))

    def threats_of(self, element_id: str) -> list[Threat]:
        """The threats of one element or flow (none for an unknown id), register applied."""
        threats = self._by_element.get(element_id)
        if threats is None:
            threats = self._by_element[element_id] = self._catalogue.of(element_id)
            for t in threats:
                decision = self._decisions.get(t.id)
                if decision is not None:
                    t.register_index, t.register = decision
        return threats

    @cached_property
    def threats(self) -> list[Threat]:
        """Every threat, in diagram order: elements, then the flows that carry threats."""
        out: list[Threat] = []
        for element_id in self.dfd.elements:
            out.extend(self.threats_of(element_id))
        for f in self.dfd.flows:
            if f.threats:
                out.extend(self.threats_of(f.id))
        return out

    def threat(self, threat_id: str) -> Threat:
        """The threat with this id; KeyError names it otherwise."""
        found = self._find(threat_id)
        if found is None:
            raise KeyError(f"no threat {threat_id!r} in the model")
        return found

    def _find(self, threat_id: str) -> Threat | None:
        # a threat id is its element's id (which has no "/": see dfd.slug) and a STRIDE letter
        element = threat_id.rpartition("/")[0]
        return next((t for t in self.threats_of(element) if t.id == threat_id), None)

    @cached_property
    def problems(self) -> list[RegisterProblem]:
        return _register_problems(self.design, self._find,
                                  lambda element: [t.id for t in self.threats_of(element)])

    def unmitigated(self, rule_code: str) -> list[Threat]:
        """Threats (in diagram order) missing a required mitigation ``rule_code`` reports, not closed by the register.

        For the TLS rules, only the threats of elements and flows that can lack TLS are derived
        (``Mitigations.may_be_missing``: TLS is stated design-wide and needed for what a flow
        carries), so a design that states TLS derives none; for other rules, all of them.
        """
        dfd, may_be_missing = self.dfd, self._catalogue.m.may_be_missing
        if rule_code in TLS_RULES:
            flows = [f for f in dfd.flows if may_be_missing(rule_code, f)]
            ends = {end for f in flows for end in (f.source, f.target)}   # an actor's TLS is its flows'
            candidates = [*(e for e in dfd.elements if e in ends), *(f.id for f in flows if f.threats)]
        else:
            candidates = [*dfd.elements, *(f.id for f in dfd.flows if f.threats)]
        return [t for element in candidates for t in self.threats_of(element)
                if not t.suppressed and any(m.rule == rule_code for m in t.missing)]

    def counts(self) -> dict[str, int]:
        out = {"open": 0, "mitigated": 0, "accepted": 0, "false-positive": 0}
        for t in self.threats:
            out[t.status] += 1
        return out


def apply_register(design: Design, threats: list[Threat]) -> list[RegisterProblem]:
    """Attach each ``threats:`` entry to its threat; return what does not hold."""
    by_id = {t.id: t for t in threats}
    for i, entry in reversed(list(enumerate(design.threats))):   # the first entry of an id decides it
        if entry.id in by_id:
            by_id[entry.id].register, by_id[entry.id].register_index = entry, i
    return _register_problems(design, by_id.get,
                              lambda element: [x for x in by_id if x.split("/")[0] == element])


def _register_problems(design: Design, find, ids_of) -> list[RegisterProblem]:
    """What does not hold in the register: ``find(id)`` is the threat of an id (or None), ``ids_of(element)`` its threats' ids."""
    from ..core.placeholders import is_placeholder

    waiver_ids = {w.id for w in design.waivers if w.id}
    problems: list[RegisterProblem] = []
    seen: set[str] = set()
    for i, entry in enumerate(design.threats):
        threat = find(entry.id)
        if threat is None:
            near = sorted(ids_of(entry.id.split("/")[0]))[:6]
            hint = f"; threats of that element: {', '.join(near)}" if near else "; `designkit threats` lists the ids"
            problems.append(RegisterProblem(i, "id", f"threat register entry {entry.id!r} names no threat of the model{hint}"))
            continue
        if entry.id in seen:
            problems.append(RegisterProblem(i, "id", f"threat {entry.id} is in the register twice"))
            continue
        seen.add(entry.id)
        if entry.status in ("accepted", "false-positive") and is_placeholder(entry.justification):
            problems.append(RegisterProblem(i, "justification",
                                            f"threat {entry.id} is {entry.status} without a written justification"))
        elif entry.status == "mitigated" and threat.missing and is_placeholder(entry.justification):
            problems.append(RegisterProblem(
                i, "justification", f"threat {entry.id} is marked mitigated, but the design states no "
                f"{', '.join(m.name.lower() for m in threat.missing)}; say how in the justification"))
        if entry.waiver and entry.waiver not in waiver_ids:
            known = ", ".join(sorted(waiver_ids)) or "none has an id yet"
            problems.append(RegisterProblem(i, "waiver", f"threat {entry.id} links waiver {entry.waiver!r}, which "
                                                         f"no waivers entry has as its id (known: {known})"))
    return problems


def build_threat_model(design: Design) -> ThreatModel:
    """The threat model of ``design``: its data-flow diagram, every STRIDE threat and the register applied."""
    return ThreatModel(design, build_dfd(design))


__all__ = ["CATEGORIES", "PER_KIND", "ZONES", "DataFlowModel", "Element", "Flow", "Mitigation",
           "RegisterProblem", "Threat", "ThreatModel", "Zone", "apply_register", "build_dfd",
           "build_threat_model", "stride_threats"]
