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

from dataclasses import dataclass, field
from functools import cached_property

from ..core.model import Design
from .dfd import ZONES, DataFlowModel, Element, Flow, Zone, build_dfd
from .mitigations import Mitigation
from .stride import CATEGORIES, PER_KIND, Threat, stride_threats


@dataclass
class RegisterProblem:
    """A register entry that does not hold: an unknown threat id, a missing justification, a dangling waiver."""

    index: int
    field: str
    message: str


@dataclass
class ThreatModel:
    """The data-flow diagram, its threats (register applied) and the register's problems."""

    dfd: DataFlowModel
    threats: list[Threat]
    problems: list[RegisterProblem] = field(default_factory=list)

    def threat(self, threat_id: str) -> Threat:
        """The threat with this id; KeyError names it otherwise."""
        found = self._by_id.get(threat_id)
        if found is None:
            raise KeyError(f"no threat {threat_id!r} in the model")
        return found

    @cached_property
    def _by_id(self) -> dict[str, Threat]:
        return {t.id: t for t in self.threats}

    def counts(self) -> dict[str, int]:
        out = {"open": 0, "mitigated": 0, "accepted": 0, "false-positive": 0}
        for t in self.threats:
            out[t.status] += 1
        return out


def apply_register(design: Design, threats: list[Threat]) -> list[RegisterProblem]:
    """Attach each ``threats:`` entry to its threat; return what does not hold."""
    by_id = {t.id: t for t in threats}
    waiver_ids = {w.id for w in design.waivers if w.id}
    problems: list[RegisterProblem] = []
    seen: set[str] = set()
    from ..core.placeholders import is_placeholder

    for i, entry in enumerate(design.threats):
        threat = by_id.get(entry.id)
        if threat is None:
            near = sorted(x for x in by_id if x.split("/")[0] == entry.id.split("/")[0])[:6]
            hint = f"; threats of that element: {', '.join(near)}" if near else "; `designkit threats` lists the ids"
            problems.append(RegisterProblem(i, "id", f"threat register entry {entry.id!r} names no threat of the model{hint}"))
            continue
        if entry.id in seen:
            problems.append(RegisterProblem(i, "id", f"threat {entry.id} is in the register twice"))
            continue
        seen.add(entry.id)
        threat.register, threat.register_index = entry, i
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
    dfd = build_dfd(design)
    threats = stride_threats(dfd)
    problems = apply_register(design, threats)
    return ThreatModel(dfd, threats, problems)


__all__ = ["CATEGORIES", "PER_KIND", "ZONES", "DataFlowModel", "Element", "Flow", "Mitigation",
           "RegisterProblem", "Threat", "ThreatModel", "Zone", "apply_register", "build_dfd",
           "build_threat_model", "stride_threats"]
