"""The capacity model as plain tables (columns and rows): the one place their wording lives.

The notebooks turn them into DataFrames, the report into HTML tables, ``designkit capacity``
into text or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fmea import fmea
from .model import CapacityModel, error_budget_minutes

NOT_STATED = "not stated"


@dataclass(frozen=True)
class Table:
    title: str
    step: str                 # the design step whose notebook shows it
    columns: list[str]
    rows: list[dict]


def _n(value, digits: int = 1):
    if value is None:
        return NOT_STATED
    if isinstance(value, float):
        return round(value, digits)
    return value


def capacity_tables(model: CapacityModel) -> list[Table]:
    """Concurrency, dependency load, latency budget, availability and FMEA tables."""
    concurrency = Table(
        "concurrency (Little's law)", "performance",
        ["surface", "peak rps", "rate from", "latency ms", "latency from", "in flight", "replicas", "workers per replica"],
        [{"surface": c.surface.label, "peak rps": _n(c.surface.rate_rps), "rate from": c.surface.rate_source,
          "latency ms": _n(c.latency_ms), "latency from": c.latency_source, "in flight": _n(c.in_flight),
          "replicas": _n(c.replicas), "workers per replica": _n(c.per_replica)}
         for c in model.concurrency])
    loads = Table(
        "dependency load", "performance",
        ["dependency", "called by", "calls/s", "timeout ms", "attempts", "outage calls/s",
         "pool at timeout", "pool per replica", "circuit breaker"],
        [{"dependency": d.dependency, "called by": ", ".join(d.surfaces[:3]) + (" ..." if len(d.surfaces) > 3 else ""),
          "calls/s": _n(d.rate_rps), "timeout ms": _n(d.call.timeout_ms), "attempts": d.amplification,
          "outage calls/s": _n(d.outage_rps), "pool at timeout": _n(d.pool_at_timeout),
          "pool per replica": _n(d.pool_per_replica), "circuit breaker": "yes" if d.call.has_breaker else "no"}
         for d in model.dependency_loads])
    budgets = Table(
        "latency budget", "reliability",
        ["surfaces", "sla", "target ms", "worst ms", "fits", "arithmetic"],
        [{"surfaces": b.label, "sla": b.sla.name, "target ms": b.sla.latency_ms, "worst ms": b.worst_ms,
          "fits": "yes" if b.fits else "NO", "arithmetic": b.arithmetic} for b in model.latency_budgets])
    budget_minutes = {a.sla.name: error_budget_minutes(a.target, a.sla.window) for a in model.availability_chains}
    availability = Table(
        "availability", "reliability",
        ["surfaces", "sla", "target %", "serial product %", "fits", "error budget min", "not stated", "covered by fallback", "arithmetic"],
        [{"surfaces": a.label, "sla": a.sla.name, "target %": a.target,
          "serial product %": _n(a.product, 3), "fits": "yes" if a.fits else "NO",
          "error budget min": round(budget_minutes[a.sla.name], 1),
          "not stated": ", ".join(a.unknown), "covered by fallback": ", ".join(a.spared), "arithmetic": a.arithmetic}
         for a in model.availability_chains])
    failure_modes = Table(
        "FMEA", "reliability",
        ["dependency", "mode", "effect", "detection", "mitigation", "S", "O", "D", "risk", "why"],
        [{"dependency": r.dependency, "mode": r.mode, "effect": r.effect, "detection": r.detection,
          "mitigation": r.mitigation, "S": r.severity, "O": r.occurrence, "D": r.detectability,
          "risk": r.risk, "why": r.why} for r in fmea(model)])
    return [concurrency, loads, budgets, availability, failure_modes]


# C0 and C1 control characters (ESC among them) never reach a terminal from a design's text.
_CONTROLS = dict.fromkeys([*range(0x00, 0x20), *range(0x7f, 0xa0)], " ")
_CELL_WIDTH = 48


def _cell(value) -> str:
    text = str(value).translate(_CONTROLS)
    return text if len(text) <= _CELL_WIDTH else text[:_CELL_WIDTH - 1] + "…"


def tables_text(tables: list[Table]) -> str:
    """The tables as aligned plain text (long cells shortened; ``--format json`` has them whole)."""
    out: list[str] = []
    for table in tables:
        out.append(f"{table.title} ({len(table.rows)})")
        if not table.rows:
            out += ["  none: the design states no numbers for it yet", ""]
            continue
        # the last column (the arithmetic, the reasons) is shown whole: nothing follows it
        cells = [[_cell(row[c]) for c in table.columns[:-1]] + [str(row[table.columns[-1]]).translate(_CONTROLS)]
                 for row in table.rows]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(table.columns)]
        out.append("  " + "  ".join(c.ljust(w) for c, w in zip(table.columns, widths)).rstrip())
        out += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
        out.append("")
    return "\n".join(out)


def tables_json(tables: list[Table]) -> dict:
    return {t.title: {"step": t.step, "columns": t.columns, "rows": t.rows} for t in tables}
