"""The threat model as a person or a program reads it: a table, text, JSON, and a Mermaid DFD."""

from __future__ import annotations

import json

from . import ThreatModel
from .dfd import ZONES, DataFlowModel

COLUMNS = ("id", "element", "category", "threat", "risk", "status", "mitigated by", "missing")


def threat_rows(model: ThreatModel) -> list[dict]:
    """One row per threat, for tables (the report, the notebook, ``designkit threats``)."""
    names = {e.id: e.name for e in model.dfd.elements.values()} | {f.id: f.name for f in model.dfd.flows}
    rows = []
    for t in model.threats:
        missing = [f"{m.name} ({m.rule})" if m.rule else m.name for m in t.missing]
        rows.append({"id": t.id, "element": names.get(t.element, t.element), "category": t.category_name,
                     "threat": t.title, "risk": t.risk, "status": t.status,
                     "mitigated by": "; ".join(f"{m.name}: {m.evidence}" for m in t.stated),
                     "missing": "; ".join(missing)})
    return rows


_STATUS_ORDER = {"open": 0, "accepted": 1, "false-positive": 2, "mitigated": 3}
_RISK_ORDER = {"high": 0, "medium": 1, "low": 2}


def sorted_rows(model: ThreatModel) -> list[dict]:
    """The table rows, open threats first, then register decisions, then mitigated; riskiest first."""
    return sorted(threat_rows(model), key=lambda r: (_STATUS_ORDER[r["status"]], _RISK_ORDER[r["risk"]]))


def format_threats_text(model: ThreatModel, path: str = "") -> str:
    """The threats grouped by element, each with its status, what mitigates it and what is missing."""
    lines: list[str] = []
    current = None
    for t, row in zip(model.threats, threat_rows(model), strict=True):
        if t.element != current:
            current = t.element
            lines.append(f"{row['element']} [{t.element_kind}: {t.element}]")
        lines.append(f"  {t.id}  {t.status:<14} {t.risk:<6} {t.category_name}: {t.title}")
        if row["mitigated by"]:
            lines.append(f"      mitigated by: {row['mitigated by']}")
        if row["missing"]:
            lines.append(f"      missing: {row['missing']}")
        if t.register is not None and t.register.justification:
            lines.append(f"      register: {t.register.status} ({t.register.owner or 'no owner'}): {t.register.justification}")
    for p in model.problems:
        lines.append(f"register: threats[{p.index}].{p.field}: {p.message}")
    c = model.counts()
    d = model.dfd
    lines.append(f"{path + ': ' if path else ''}{len(model.threats)} threats on {len(d.elements)} elements and "
                 f"{len(d.flows)} flows: {c['open']} open, {c['mitigated']} mitigated, {c['accepted']} accepted, "
                 f"{c['false-positive']} false positives")
    return "\n".join(lines) + "\n"


def threats_as_dict(model: ThreatModel) -> dict:
    """The whole model as plain data: zones, elements, flows, threats, register problems, counts."""
    from ..core.loader import format_key_path

    d = model.dfd
    return {
        "design": d.design.name, "counts": model.counts(),
        "zones": [vars(z) for z in ZONES.values()],
        "elements": [{"id": e.id, "kind": e.kind, "name": e.name, "zone": e.zone, "role": e.role or None,
                      "classification": e.classification if e.classes else None,
                      "key_path": format_key_path(e.key_path)} for e in d.elements.values()],
        "flows": [{"id": f.id, "kind": f.kind, "name": f.name, "source": f.source, "target": f.target,
                   "boundary": f.boundary, "classification": f.classification, "two_way": f.two_way,
                   "key_path": format_key_path(f.key_path)} for f in d.flows],
        "threats": [t.as_dict() for t in model.threats],
        "register_problems": [vars(p) for p in model.problems],
    }


def format_threats_json(model: ThreatModel) -> str:
    return json.dumps(threats_as_dict(model), indent=2) + "\n"


_SHAPES = {"actor": ('["', '"]'), "process": ('(["', '"])'), "store": ('[("', '")]')}


def _label(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def dfd_mermaid(dfd: DataFlowModel) -> str:
    """The data-flow diagram as a Mermaid flowchart, one subgraph per trust zone.

    Actors are boxes, processes rounded, stores cylinders; each flow is labelled with its name and
    the classification of what it carries, and a flow that crosses a trust boundary is dotted.
    Calls between components are left out: they stay inside one zone and would hide the flows.
    """
    ids = {e.id: f"n{i}" for i, e in enumerate(dfd.elements.values())}
    lines = ["flowchart LR"]
    for zone in ZONES.values():
        members = [e for e in dfd.elements.values() if e.zone == zone.id]
        if not members:
            continue
        lines.append(f'  subgraph {zone.id.replace("-", "_")}["{_label(zone.name)} (trust {zone.trust})"]')
        for e in members:
            a, b = _SHAPES[e.kind]
            lines.append(f"    {ids[e.id]}{a}{_label(e.name)}{b}")
        lines.append("  end")
    for f in dfd.flows:
        if not f.threats:
            continue
        arrow = ("<-.->" if f.two_way else "-.->") if f.boundary else ("<-->" if f.two_way else "-->")
        label = _label(f"{f.name} ({f.classification})").replace("|", "/")
        lines.append(f'  {ids[f.source]} {arrow}|"{label}"| {ids[f.target]}')
    return "\n".join(lines) + "\n"
