"""What a check finds: results, not exceptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
Risk = Literal["high", "medium", "low"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One gap in a design, located by key path (``api.endpoints[2].auth``) and line."""

    code: str                 # stable rule code, e.g. API001
    name: str                 # readable rule name, e.g. api.authz-or-public
    severity: Severity        # after the criticality tier is applied
    step: str                 # designkit.core.steps id the finding belongs to
    message: str              # what is wrong, naming the element
    key_path: str             # where, as a key path
    line: int | None          # where, in the design file
    fix: str                  # what to write to close it
    risk: Risk = "medium"
    plan: str = ""            # the improvement plan: what to change in the design
    seed: str = ""            # the seed line the rule enforces
    checklist: str = ""       # the Response Checklist item it keeps from being met
    waiver: dict | None = field(default=None, compare=False)  # the waiver that covers it, if any

    @property
    def waived(self) -> bool:
        return self.waiver is not None

    def as_dict(self) -> dict:
        return {
            "code": self.code, "name": self.name, "severity": self.severity, "step": self.step,
            "message": self.message, "key_path": self.key_path, "line": self.line, "fix": self.fix,
            "risk": self.risk, "plan": self.plan, "seed": self.seed, "checklist": self.checklist,
            "waiver": self.waiver,
        }
