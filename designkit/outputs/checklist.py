"""The seed's Response Checklist (six items) and Validation items, evaluated against a design.

Each item is met, not met or waived according to the findings of the rules behind it (each rule
names its item where it is declared: ``checklist=`` and ``validates=``), shows
concrete evidence from the design (counts and names), and when not met the fix, the risk and an
improvement plan. A step notebook that failed in a batch run makes the items it feeds "not met".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.findings import Finding
from ..core.steps import StepFailure
from ..rules.base import endpoint_label, names_list

_RISK_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass
class ChecklistItem:
    """One checklist line with its status and the design's evidence for it."""

    id: str
    group: str            # "Response Checklist" or "Validation"
    text: str             # the seed's wording
    status: str           # "met" | "not met" | "waived"
    evidence: str
    fix: str = ""
    risk: str = "low"
    plan: str = ""
    codes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    failures: list[StepFailure] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "group": self.group, "text": self.text, "status": self.status,
                "evidence": self.evidence, "fix": self.fix, "risk": self.risk, "plan": self.plan,
                "codes": list(self.codes), "failures": [f.as_dict() for f in self.failures],
                "findings": [f.as_dict() for f in self.findings]}


@dataclass(frozen=True)
class _Spec:
    id: str
    group: str
    text: str
    steps: tuple[str, ...]      # step notebooks that feed it
    evidence: Callable

    @property
    def validation(self) -> bool:
        return self.group == _VALIDATION


def _count(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return f"{n} {word[:-1]}ies"
    return f"{n} {word}s"


def _ev_requirements(d) -> str:
    s = d.scope
    c = s.constraints
    stated = [k for k in ("latency", "throughput", "availability", "deployment") if getattr(c, k)]
    return (f"{_count(len(s.requirements), 'requirement')}"
            f"{' (' + names_list([r.id or r.text[:30] for r in s.requirements], 6) + ')' if s.requirements else ''}; "
            f"constraints stated: {', '.join(stated) or 'none'}"
            f"{'; compliance: ' + ', '.join(c.compliance) if c.compliance else ''}; "
            f"{_count(len(s.slas), 'SLA')}; {_count(len(s.integration_points), 'integration point')}; "
            f"tier {s.tier or 'not stated (B assumed)'}")


def _ev_data(d) -> str:
    ents = d.data_model.entities
    keyed = sum(1 for e in ents if e.primary_key)
    inv = [e.name for e in ents if e.invariants]
    return (f"{_count(len(ents), 'entity')} ({names_list([e.name for e in ents], 6)}); {keyed} with a primary key; "
            f"invariants stated for {len(inv)}{' (' + names_list(inv, 4) + ')' if inv else ''}; "
            f"{_count(sum(len(e.relationships) for e in ents), 'relationship')}")


def _ev_api(d) -> str:
    a = d.api
    em = a.error_model
    return (f"{_count(len(a.endpoints), 'endpoint')}, {_count(len(a.channels), 'channel')}, "
            f"{_count(len(a.webhooks), 'webhook')}; error model: "
            f"{(_count(len(em.codes), 'code') + (' in ' + em.format if em.format else '')) if em else 'none'}; "
            f"versioning: {(a.versioning.scheme + ' ' + (a.versioning.current or '')).strip() if a.versioning else 'none'}; "
            f"{sum(1 for e in a.endpoints if any(200 <= r.status < 300 for r in e.responses))} endpoints declare a success response")


def _ev_failures(d) -> str:
    r = d.reliability
    pols = r.failure_policies
    writes = [e for e in d.api.endpoints if e.method in ("POST", "PATCH")]
    idem = [e for e in writes if e.idempotency]
    return (f"{_count(len(pols), 'failure policy')}"
            f"{' (' + names_list([p.target for p in pols], 6) + ')' if pols else ''}; "
            f"{sum(1 for p in pols if p.timeout_ms)} with timeouts, {sum(1 for p in pols if p.retries)} with retry policies, "
            f"{sum(1 for p in pols if p.fallback or p.failure_behavior)} with a fallback or stated behaviour; "
            f"{len(idem)} of {len(writes)} POST/PATCH endpoints have an idempotency model; "
            f"consistency: {'; '.join(f'{c.model} for {names_list(c.applies_to, 3)}' for c in r.consistency) or 'not stated'}; "
            f"{_count(len(r.recovery), 'recovery step')}")


def _ev_performance(d) -> str:
    p = d.performance
    cap = p.capacity
    return (f"capacity: {f'peak {cap.peak_rps:g} rps' if cap and cap.peak_rps is not None else 'not estimated'}; "
            f"{_count(len(p.caching), 'cache')}; {_count(len(p.batching), 'batching note')}; "
            f"{_count(len(p.async_processing), 'async path')}; "
            f"{_count(len(p.scaling), 'scaling unit')}"
            f"{' (' + names_list([f'{u.name} {u.state}' for u in p.scaling], 4) + ')' if p.scaling else ''}; "
            f"{sum(1 for s in d.persistence.stores if (s.replicas or 0) > 1)} of "
            f"{_count(len(d.persistence.stores), 'store')} replicated; "
            f"{sum(len(t.indexes) for t in d.persistence.tables)} indexes for "
            f"{_count(len(d.persistence.access_patterns), 'access pattern')}")


def _ev_security(d) -> str:
    s, o = d.security, d.observability
    return (f"{_count(len(s.authentication), 'authentication scheme')}"
            f"{' (' + names_list([a.name for a in s.authentication], 4) + ')' if s.authentication else ''}; "
            f"authorization default: {s.authorization.default if s.authorization else 'not stated'}; "
            f"{_count(len(s.secrets), 'secret')} with stores; {_count(len(s.abuse_controls), 'abuse control')}; "
            f"logs {'structured' if o.logs and o.logs.structured else 'not structured'}; "
            f"request ids {'propagated' if o.request_ids and o.request_ids.propagate else 'not propagated'}; "
            f"{_count(len(o.metrics), 'metric')}, {_count(len(o.alerts), 'alert')}; "
            f"tracing {'on' if o.tracing and o.tracing.enabled else 'off'}; "
            f"audit trail: {o.audit.store if o.audit and o.audit.store else 'none'}; {_threat_summary(d)}")


def _threat_summary(d) -> str:
    from ..threats import build_threat_model

    c = build_threat_model(d).counts()
    decided = c["accepted"] + c["false-positive"]
    return (f"threat model: {c['open']} of {sum(c.values())} STRIDE threats open"
            f"{f', {decided} accepted or dismissed in the register' if decided else ''}")


def _ev_authz(d) -> str:
    # a channel the service only publishes to a broker has no callers to authorize
    surfaces = list(d.api.endpoints) + [c for c in d.api.channels if c.has_callers]
    public = [s for s in surfaces if s.auth == "public"]
    ruled = [s for s in surfaces if s.auth != "public" and s.authorization]
    missing = [s for s in surfaces if s.auth != "public" and not s.authorization]
    label = lambda s: endpoint_label(s) if hasattr(s, "method") else s.name  # noqa: E731
    return (f"{len(surfaces)} endpoints and channels: {len(ruled)} with authorization rules"
            f"{' (' + names_list([label(s) for s in ruled], 4) + ')' if ruled else ''}, {len(public)} public"
            f"{' (' + names_list([label(s) for s in public], 4) + ')' if public else ''}"
            f"{', ' + str(len(missing)) + ' without (' + names_list([label(s) for s in missing], 4) + ')' if missing else ''}")


def _ev_inputs(d) -> str:
    eps = d.api.endpoints
    bodies = [e for e in eps if e.request]
    return (f"{len(bodies)} of {len(eps)} endpoints take a body, "
            f"{sum(1 for e in bodies if e.request.schema_ or e.request.fields)} with a schema and "
            f"{sum(1 for e in bodies if e.request.max_bytes)} with a size limit; "
            f"{sum(len(e.parameters) for e in eps)} parameters; "
            f"{sum(1 for e in eps if any(r.schema_ or r.fields for r in e.responses))} endpoints declare response schemas; "
            f"{sum(1 for e in eps if e.errors)} list their errors")


def _ev_failure_modes(d) -> str:
    pols = d.reliability.failure_policies
    deps = [x for x in d.services.dependencies if x.kind != "library"]
    return (f"{_count(len(deps), 'remote dependency')}, {_count(len(d.scope.integration_points), 'integration point')}; "
            f"{_count(len(pols), 'failure policy')}: {sum(1 for p in pols if p.timeout_ms)} timeouts, "
            f"{sum(1 for p in pols if p.retries)} retry policies, "
            f"{sum(1 for p in pols if p.fallback or p.failure_behavior)} fallbacks or stated behaviours")


_RESPONSE, _VALIDATION = "Response Checklist", "Validation"
_SPECS = (
    _Spec("requirements", _RESPONSE, "Confirm requirements and constraints", ("scope",), _ev_requirements),
    _Spec("data-model", _RESPONSE, "Define data model and invariants", ("data_model",), _ev_data),
    _Spec("api-contracts", _RESPONSE, "Specify API contracts and error shape", ("api",), _ev_api),
    _Spec("failure-modes", _RESPONSE, "Address failure modes and consistency", ("reliability",),
          _ev_failures),
    _Spec("performance", _RESPONSE, "Cover performance, scaling, and caching",
          ("performance", "persistence"), _ev_performance),
    _Spec("security-observability", _RESPONSE, "Include security and observability plans",
          ("security", "observability", "services", "validation"), _ev_security),
    _Spec("authz-or-public", _VALIDATION,
          "Every endpoint has authz rules or an explicit “public” justification.", ("api", "security"),
          _ev_authz),
    _Spec("inputs-outputs", _VALIDATION, "Inputs are validated; outputs are consistent with schema.",
          ("api",), _ev_inputs),
    _Spec("failure-modes-explicit", _VALIDATION, "Failure modes are explicit (timeouts, retries, fallbacks).",
          ("reliability",), _ev_failure_modes),
)


def item_ids(group: str) -> tuple[str, ...]:
    """The ids of one group's items, in order (the rules name them: CHECKLIST_ITEMS, VALIDATION_ITEMS)."""
    return tuple(s.id for s in _SPECS if s.group == group)


def _rule_item(code: str, spec: _Spec) -> str | None:
    """The item of ``spec``'s group that the rule ``code`` names, if it is registered."""
    from ..rules import registry

    if code not in registry:
        return None
    r = registry.get(code)
    return r.validates if spec.validation else r.checklist


def _feeds(finding: Finding, spec: _Spec) -> bool:
    if spec.validation:
        return _rule_item(finding.code, spec) == spec.id
    return (finding.checklist or _rule_item(finding.code, spec)) == spec.id


def evaluate_checklist(document, result, step_failures: Sequence[StepFailure] = ()) -> list[ChecklistItem]:
    """The nine checklist items for ``document`` given its check ``result`` and the failed steps."""
    design = document.design
    failures = list(step_failures)
    items = []
    for spec in _SPECS:
        relevant = [f for f in result.findings if _feeds(f, spec) and f.severity != "info"]
        open_ = [f for f in relevant if f.waiver is None]
        waived = [f for f in relevant if f.waiver is not None]
        failed = [x for x in failures if x.step in spec.steps]
        try:
            evidence = spec.evidence(design)
        except Exception as exc:  # evidence must never break the report
            evidence = f"(evidence unavailable: {exc})"
        codes = sorted({f.code for f in relevant}) or sorted(
            c for c in _all_codes() if _rule_item(c, spec) == spec.id)
        item = ChecklistItem(id=spec.id, group=spec.group, text=spec.text, status="met",
                             evidence=evidence, codes=codes, findings=relevant, failures=failed)
        if failed or open_:
            item.status = "not met"
            risks = [f.risk for f in open_] + (["high"] if failed else [])
            item.risk = min(risks, key=_RISK_ORDER.__getitem__)
            fixes, plans = [], []
            for f in failed:
                cell = "?" if f.cell is None else f.cell
                fixes.append(f"fix the {f.step} step notebook ({f.notebook}, cell {cell}): {f.error}")
            for f in sorted(open_, key=lambda f: (_RISK_ORDER[f.risk], f.line or 0)):
                where = f"{f.key_path} (line {f.line})" if f.line else f.key_path
                fixes.append(f"{f.code} at {where}: {f.fix}")
                if f.plan not in plans:
                    plans.append(f.plan)
            item.fix = "; ".join(fixes[:5]) + (f"; and {len(fixes) - 5} more" if len(fixes) > 5 else "")
            item.plan = " ".join(f"{i + 1}. {p}" for i, p in enumerate(plans[:6]))
            if failed:
                item.evidence = ("step failed: " + "; ".join(
                    f"{f.step}: {f.error}" for f in failed) + ". " + evidence)
            else:
                item.evidence = f"{evidence}. Open: {_count(len(open_), 'finding')} ({', '.join(sorted({f.code for f in open_}))})"
        elif waived:
            item.status = "waived"
            item.risk = min((f.risk for f in waived), key=_RISK_ORDER.__getitem__)
            item.evidence = f"{evidence}. Waived: {_count(len(waived), 'finding')} ({', '.join(sorted({f.code for f in waived}))})"
            item.plan = "Review the waivers before they expire: " + "; ".join(
                sorted({f"{f.code} ({f.waiver.get('owner') or 'no owner'}, until {f.waiver.get('expires') or 'no date'})"
                        for f in waived}))
        items.append(item)
    return items


def _all_codes() -> list[str]:
    from ..rules import registry

    return registry.codes()


__all__ = ["ChecklistItem", "evaluate_checklist"]
