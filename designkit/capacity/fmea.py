"""A failure mode and effects table: one row per remote dependency and failure mode.

Modes: ``slow`` (calls run to their timeout), ``erroring`` (calls fail fast) and ``down`` (every
call fails). For each row the effect, the detection and the mitigation come from the design
(its failure policy, alerts and metrics); nothing is made up, and what is missing says so.

The risk priority number is the classic severity x occurrence x detection, each on 1..10. The
design does not carry those judgements, so they are derived from what it states, and each row
keeps the reasons (the ``why`` column):

- severity: down 8, erroring 6, slow 5; 3 less with a fallback (users do not see it); 1 more on
  a request path a latency or availability SLA covers; 2 less when only workers reach it.
- occurrence: from the dependency's stated availability (99.99% -> 2, 99.9% -> 3, 99.5% -> 4,
  lower -> 6, not stated -> 5); slowness is one more, fast errors as likely as outages.
- detection: an alert that names the dependency 2, only a metric 5, nothing 8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import CapacityModel
from .paths import REMOTE_KINDS, Call

MODES = ("slow", "erroring", "down")
_BASE_SEVERITY = {"down": 8, "erroring": 6, "slow": 5}


@dataclass(frozen=True)
class FailureMode:
    dependency: str
    mode: str
    effect: str
    detection: str
    mitigation: str
    severity: int
    occurrence: int
    detectability: int
    why: str

    @property
    def risk(self) -> int:
        return self.severity * self.occurrence * self.detectability


def _clamp(n: int) -> int:
    return max(1, min(10, n))


def _occurrence(availability: float | None) -> tuple[int, str]:
    if availability is None:
        return 5, "availability not stated"
    for floor, score in ((99.99, 2), (99.9, 3), (99.5, 4)):
        if availability >= floor:
            return score, f"{availability:g}% available"
    return 6, f"{availability:g}% available"


def _named(name: str, texts: list[str]) -> bool:
    pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.IGNORECASE)
    return any(pattern.search(t or "") for t in texts)


def fmea(model: CapacityModel) -> list[FailureMode]:
    """The FMEA rows of a design, highest risk first."""
    design = model.design
    graph = model.graph
    reached: dict[str, list[str]] = {}      # dependency -> surfaces whose request path needs it
    for surface in model.surfaces:
        for call in graph.calls_from(surface.handler):
            reached.setdefault(call.dependency, []).append(surface.label)
    under_sla = {s.label for b in (*model.latency_budgets, *model.availability_chains) for s in b.surfaces}
    alerts = design.observability.alerts
    metrics = design.observability.metrics

    rows = []
    for dep in design.services.dependencies:
        if dep.kind not in REMOTE_KINDS:
            continue
        path, policy = graph.policy_for(dep)
        call = Call(dep.name, (), policy, path, dep.availability)
        names = {dep.name} | ({dep.integration} if dep.integration else set())
        alerting = [a.name for a in alerts if any(_named(n, [a.name, a.condition, a.runbook or ""]) for n in names)]
        measuring = [m.name for m in metrics if any(_named(n, [m.name, m.description or ""]) for n in names)]
        if alerting:
            detection, detect_score = "alert " + ", ".join(alerting), 2
        elif measuring:
            detection, detect_score = "metric " + ", ".join(measuring) + " (no alert)", 5
        else:
            detection, detect_score = "none stated", 8
        behaviour = (policy.fallback or policy.failure_behavior) if policy else None
        surfaces = reached.get(dep.name, [])
        occurrence, occ_why = _occurrence(dep.availability)
        for mode in MODES:
            severity = _BASE_SEVERITY[mode]
            reasons = [f"{mode} base {severity}"]
            if call.has_fallback:
                severity -= 3
                reasons.append("fallback -3")
            if any(s in under_sla for s in surfaces):
                severity += 1
                reasons.append("on an SLA path +1")
            elif not surfaces:
                severity -= 2
                reasons.append("workers only -2")
            occ = occurrence + (1 if mode == "slow" else 0)
            rows.append(FailureMode(
                dependency=dep.name, mode=mode,
                effect=_effect(mode, call, behaviour, surfaces),
                detection=detection,
                mitigation=_mitigation(mode, call, behaviour),
                severity=_clamp(severity), occurrence=_clamp(occ), detectability=detect_score,
                why="; ".join(reasons + [occ_why])))
    rows.sort(key=lambda r: (-r.risk, r.dependency, MODES.index(r.mode)))
    return rows


def _who(surfaces: list[str]) -> str:
    if not surfaces:
        return "background workers"
    shown = ", ".join(surfaces[:3]) + (f" and {len(surfaces) - 3} more" if len(surfaces) > 3 else "")
    return shown


def _effect(mode: str, call: Call, behaviour: str | None, surfaces: list[str]) -> str:
    who = _who(surfaces)
    if mode == "slow":
        if call.worst_ms is None:
            return f"{who} wait with no limit (no timeout stated)"
        return f"{who} wait up to {call.worst_ms:,} ms ({call.arithmetic})"
    outcome = behaviour or "not stated"
    if mode == "erroring" and call.attempts > 1:
        return f"{who}: retried {call.attempts - 1} time(s), then: {outcome}"
    return f"{who}: {outcome}"


def _mitigation(mode: str, call: Call, behaviour: str | None) -> str:
    parts = []
    policy = call.policy
    if mode == "slow":
        if call.timeout_ms is not None:
            parts.append(f"timeout {call.timeout_ms:,} ms")
    elif mode == "erroring" and call.attempts > 1:
        parts.append(f"{call.attempts - 1} retr{'y' if call.attempts == 2 else 'ies'} ({policy.retries.backoff})")
    if call.has_breaker:
        parts.append(f"circuit breaker: {policy.circuit_breaker}")
    if call.has_fallback:
        parts.append(f"fallback: {policy.fallback}")
    elif mode != "slow" and behaviour:
        parts.append(f"behaviour: {behaviour}")
    return "; ".join(parts) or "none stated"
