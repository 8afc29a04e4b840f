"""The rule catalogue: one registry of design rules, and ``run_checks`` to apply them.

Each rule lives in the module of its area (``api``, ``security``, ``data`` ...) as a small
documented unit (see ``designkit.rules.base``). The registry refuses a duplicate code and a rule
without rationale or fix. ``run_checks`` applies every rule to a loaded design, sets each
finding's severity from the design's criticality tier, applies the design's waivers, and returns
a :class:`CheckResult`. ``python -m designkit.rules --markdown`` writes ``docs/rules.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..core.errors import RegistryError
from ..core.findings import SEVERITY_ORDER, Finding
from ..core.loader import format_key_path, parse_key_path
from ..core.steps import STEPS, get_step
from .base import (
    CHECKLIST_ITEMS,
    DEFAULT_TIER,
    SEVERITIES,
    TIERS,
    VALIDATION_ITEMS,
    Context,
    Hit,
    Rule,
    is_placeholder,
    rule,
)

if TYPE_CHECKING:
    from ..core.loader import DesignDocument


class UnknownRuleError(RegistryError):
    """A rule code that no rule in the registry has."""

    def __init__(self, code: str, known: list[str]):
        self.code = code
        super().__init__(f"unknown rule code {code!r}; known codes: {', '.join(known)}")


class RuleDefinitionError(RegistryError):
    """A rule that cannot be registered: a duplicate code, or missing documentation."""


class RuleRegistry:
    """Rules by code, in registration order."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def register(self, r: Rule) -> Rule:
        """Add ``r``; refuse a duplicate code or name and a rule lacking rationale or fix."""
        if r.code in self._rules:
            raise RuleDefinitionError(f"rule code {r.code} is already registered "
                                      f"({self._rules[r.code].name}); codes are unique and stable")
        if any(x.name == r.name for x in self._rules.values()):
            raise RuleDefinitionError(f"rule name {r.name} is already registered")
        missing = [k for k in ("title", "rationale", "fix", "seed") if not getattr(r, k).strip()]
        if missing:
            raise RuleDefinitionError(
                f"rule {r.code} ({r.name}) has no {', '.join(missing)}; "
                "write them in its docstring (first line, 'Why:', 'Fix:') before registering it")
        if r.severity not in SEVERITIES or any(s not in SEVERITIES for s in r.tiers.values()):
            raise RuleDefinitionError(f"rule {r.code}: severity must be one of {', '.join(SEVERITIES)}")
        if set(r.tiers) - set(TIERS):
            raise RuleDefinitionError(f"rule {r.code}: tiers are {', '.join(TIERS)}")
        if r.checklist not in CHECKLIST_ITEMS:
            raise RuleDefinitionError(f"rule {r.code}: checklist must name the Response Checklist item "
                                      f"it feeds, one of: {', '.join(CHECKLIST_ITEMS)}")
        if r.validates is not None and r.validates not in VALIDATION_ITEMS:
            raise RuleDefinitionError(f"rule {r.code}: validates must be one of: {', '.join(VALIDATION_ITEMS)}")
        get_step(r.step)  # raises on an unknown step id
        self._rules[r.code] = r
        return r

    def get(self, code: str) -> Rule:
        """The rule with this code; UnknownRuleError names the missing code otherwise."""
        try:
            return self._rules[code]
        except KeyError:
            raise UnknownRuleError(code, sorted(self._rules)) from None

    def __contains__(self, code: object) -> bool:
        return code in self._rules

    def __iter__(self):
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def codes(self) -> list[str]:
        return list(self._rules)


# --------------------------------------------------------------------------- results


@dataclass
class WaiverStatus:
    """A waiver from the design file, whether it holds, and the findings it covers."""

    index: int
    rule: str
    target: str
    status: str
    justification: str | None
    owner: str | None
    expires: dt.date | None
    key_path: str
    line: int | None
    valid: bool = True
    problems: list[str] = field(default_factory=list)
    covers: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "target": self.target, "status": self.status,
            "justification": self.justification, "owner": self.owner,
            "expires": self.expires.isoformat() if self.expires else None,
            "key_path": self.key_path, "line": self.line, "valid": self.valid,
            "problems": list(self.problems),
            "covers": [{"code": f.code, "key_path": f.key_path, "line": f.line, "message": f.message}
                       for f in self.covers],
        }


_STEP_ORDER = {s.id: i for i, s in enumerate(STEPS)}


@dataclass
class CheckResult:
    """Every finding on a design (waived ones included, with ``.waiver`` set) and its waivers."""

    findings: list[Finding]
    waivers: list[WaiverStatus]
    tier: str
    tier_stated: bool = True

    def for_step(self, step_id: str) -> list[Finding]:
        get_step(step_id)
        return [f for f in self.findings if f.step == step_id]

    @property
    def open_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.waiver is None]

    def counts(self) -> dict[str, int]:
        out = {"errors": 0, "warnings": 0, "info": 0, "waived": 0}
        key = {"error": "errors", "warning": "warnings", "info": "info"}
        for f in self.findings:
            out["waived" if f.waiver is not None else key[f.severity]] += 1
        return out

    def fails(self, fail_on: str) -> bool:
        """Whether the gate fails at ``fail_on`` (error | warning | never)."""
        counts = self.counts()
        if fail_on == "never":
            return False
        if fail_on == "warning":
            return counts["errors"] + counts["warnings"] > 0
        return counts["errors"] > 0


def _sort_key(f: Finding):
    return (_STEP_ORDER.get(f.step, 99), SEVERITY_ORDER[f.severity], f.line or 0, f.code, f.key_path)


def _make_finding(r: Rule, hit: Hit, ctx: Context) -> Finding:
    return Finding(
        code=r.code, name=r.name, severity=r.severity_for(ctx.tier), step=r.step,
        message=hit.message, key_path=format_key_path(hit.key_path), line=hit.line or ctx.line_of(hit.key_path),
        fix=hit.fix or r.fix, risk=hit.risk or r.risk, plan=r.improvement_plan, seed=r.seed,
        checklist=hit.checklist or r.checklist)


def _covers(target: str, key_path: str) -> bool:
    target = target.strip()
    if target in ("*", ""):
        return True
    return key_path == target or key_path.startswith(target + ".") or key_path.startswith(target + "[")


def _waiver_statuses(ctx: Context, reg: RuleRegistry) -> list[WaiverStatus]:
    out = []
    for i, w in enumerate(ctx.design.waivers):
        kp = ("waivers", i)
        status = WaiverStatus(i, w.rule, w.target, w.status, w.justification, w.owner, w.expires,
                              format_key_path(kp), ctx.line_of(kp))
        if w.rule not in reg:
            status.problems.append(f"names no rule ({w.rule})")
        elif reg.get(w.rule).after_findings:
            status.problems.append(f"{w.rule} checks waivers themselves and cannot be waived")
        if is_placeholder(w.justification):
            status.problems.append("has no written justification")
        if w.expires is not None and w.expires < ctx.today:
            status.problems.append(f"expired on {w.expires.isoformat()}")
        if w.target.strip() not in ("*", ""):
            try:
                parse_key_path(w.target)
            except ValueError:
                status.problems.append(f"target {w.target!r} is not a key path")
        status.valid = not status.problems
        out.append(status)
    return out


def run_checks(document: DesignDocument, *, today: dt.date | None = None,
               registry_: RuleRegistry | None = None) -> CheckResult:
    """Apply every rule to ``document``; severities follow its tier, waivers are applied."""
    reg = registry_ or registry
    tier = document.design.scope.tier or DEFAULT_TIER
    ctx = Context(document, tier, today or dt.date.today())
    findings: list[Finding] = []
    later = []
    for r in reg:
        if r.after_findings:
            later.append(r)
            continue
        findings.extend(_make_finding(r, hit, ctx) for hit in r.check(ctx))

    waivers = _waiver_statuses(ctx, reg)
    applied: list[Finding] = []
    for f in findings:
        match = next((w for w in waivers if w.valid and w.rule == f.code and _covers(w.target, f.key_path)), None)
        if match is None:
            applied.append(f)
            continue
        waived = replace(f, waiver={"rule": match.rule, "target": match.target, "status": match.status,
                                    "justification": match.justification, "owner": match.owner,
                                    "expires": match.expires.isoformat() if match.expires else None,
                                    "key_path": match.key_path, "line": match.line})
        match.covers.append(waived)
        applied.append(waived)

    ctx.findings = applied
    ctx.waiver_statuses = waivers
    for r in later:
        applied.extend(_make_finding(r, hit, ctx) for hit in r.check(ctx))
    applied.sort(key=_sort_key)
    return CheckResult(findings=applied, waivers=waivers, tier=tier,
                       tier_stated=document.design.scope.tier is not None)


registry = RuleRegistry()

from . import (  # noqa: E402  (the modules define rules with base.rule; registered below)
    access,
    api,
    capacity,
    data,
    events,
    integrity,
    observability,
    performance,
    persistence,
    privilege,
    reliability,
    scope,
    secrets,
    sections,
    security,
    services,
    threats,
    validation,
    waivers,
)

for _module in (sections, scope, data, integrity, api, events, security, access, privilege, secrets, services,
                persistence, reliability, capacity, performance, observability, threats, validation, waivers):
    for _value in list(vars(_module).values()):
        if isinstance(_value, Rule):
            registry.register(_value)
del _module, _value

__all__ = ["CheckResult", "Context", "Hit", "Rule", "RuleDefinitionError", "RuleRegistry",
           "UnknownRuleError", "WaiverStatus", "registry", "rule", "run_checks"]
