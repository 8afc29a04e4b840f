"""The threat model as Open Threat Model (OTM 0.2.0) JSON, IriusRisk's open exchange format.

Trust zones are the model's zones; components are its actors, processes and stores, each in its
zone; dataflows are its flows; every threat is defined once in ``threats`` and attached, with
its state and its mitigations' states, to the component or dataflow it concerns; mitigations are
defined once per kind (``tls``, ``signature-verification`` ...). Data classifications become
assets, stored by the stores and carried by the flows that hold them.
"""

from __future__ import annotations

import json
from typing import Any

from ...core.model import Design
from ...threats import ThreatModel, build_threat_model
from ...threats.dfd import LEVELS, ZONES, rank
from . import Exporter

OTM_VERSION = "0.2.0"
# Register and derived statuses as OTM threat states; mitigation states by stated/required.
_THREAT_STATE = {"open": "Exposed", "mitigated": "Mitigated", "accepted": "Accepted",
                 "false-positive": "NotApplicable"}
_IMPACT = {"high": 100, "medium": 50, "low": 10}
_CIA = {c: max(0, rank(c) * 20) for c in LEVELS}   # confidentiality by classification, 0..100


def _mitigation_state(m) -> str:
    return "Implemented" if m.stated else ("Required" if m.required else "Recommended")


def build_otm(design: Design, model: ThreatModel | None = None) -> dict[str, Any]:
    """The OTM document of ``design``'s threat model as plain data."""
    model = model or build_threat_model(design)
    dfd = model.dfd
    by_element: dict[str, list] = {}
    mitigations: dict[str, dict] = {}
    for t in model.threats:
        instance = {"threat": t.id, "state": _THREAT_STATE[t.status],
                    "mitigations": [{"mitigation": m.id, "state": _mitigation_state(m)} for m in t.mitigations]}
        by_element.setdefault(t.element, []).append(instance)
        for m in t.mitigations:
            mitigations.setdefault(m.id, {"id": m.id, "name": m.name, "riskReduction": 100 if m.required else 50,
                                          "description": f"Reported by {m.rule} when missing." if m.rule else None})
    classes = sorted({c for e in dfd.elements.values() for c in e.classes}
                     | {c for f in dfd.flows for c in f.classes}, key=rank)
    assets = [{"id": f"data-{c}", "name": f"{c} data",
               "risk": {"confidentiality": _CIA[c], "integrity": 50, "availability": 50}} for c in classes]
    components = []
    for e in dfd.elements.values():
        item: dict[str, Any] = {"id": e.id, "name": e.name, "type": e.role or e.kind,
                                "parent": {"trustZone": e.zone}, "description": e.description or None,
                                "tags": [e.kind], "threats": by_element.get(e.id, [])}
        if e.kind == "store" and e.classes:
            item["assets"] = {"stored": [f"data-{c}" for c in sorted(e.classes, key=rank)]}
        components.append(item)
    dataflows = [{"id": f.id, "name": f.name, "source": f.source, "destination": f.target,
                  "bidirectional": f.two_way, "assets": [f"data-{c}" for c in sorted(f.classes, key=rank)],
                  "tags": [f.kind] + ([f.boundary] if f.boundary else []),
                  "threats": by_element.get(f.id, [])} for f in dfd.flows]
    threats = [{"id": t.id, "name": t.title, "categories": [t.category_name],
                "description": f"{t.category_name} against {t.element}.",
                "risk": {"likelihood": None, "impact": _IMPACT[t.risk]},
                "attributes": {"status": t.status, "derived_status": t.derived_status,
                               "owner": t.register.owner if t.register else None}} for t in model.threats]
    return {
        "otmVersion": OTM_VERSION,
        "project": {"name": design.title or design.name, "id": design.name,
                    "description": design.scope.summary, "owner": ", ".join(design.owners) or None,
                    "tags": ["designkit"]},
        "representations": [{"name": "Data-flow diagram derived by designkit", "id": "designkit-dfd",
                             "type": "threat-model"}],
        "assets": assets,
        "trustZones": [{"id": z.id, "name": z.name, "type": z.id, "description": z.description,
                        "risk": {"trustRating": z.trust}} for z in ZONES.values()],
        "components": components,
        "dataflows": dataflows,
        "threats": threats,
        "mitigations": list(mitigations.values()),
    }


class OtmExporter(Exporter):
    kind = "otm"
    description = "Open Threat Model (OTM 0.2.0) JSON of the derived threat model"

    def render(self, design: Design, **options: Any) -> dict[str, str]:
        return {"threat-model.otm.json": json.dumps(build_otm(design), indent=2) + "\n"}
