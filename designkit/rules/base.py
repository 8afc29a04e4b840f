"""What a rule is, what it yields, and the facts about a design that many rules share.

A rule is a small self-documenting unit, defined with :func:`rule` on a check function::

    @rule("API001", "api.authz-or-public", "error", step="security", seed=seeds.V_AUTHZ,
          checklist="security-observability", validates="authz-or-public", risk="high")
    def authz_or_public(ctx):
        '''Every endpoint and channel has an authorization rule or a written public justification.

        Why: ...
        Fix: ...
        Bad: ...
        Good: ...
        '''
        yield Hit(("api", "endpoints", 0, "authorization"), "listEvents has no authorization rule")

The docstring *is* the rule's documentation: its first line is the title, and its ``Why``,
``Fix``, ``Plan``, ``Bad`` and ``Good`` sections become the rationale, fix hint, improvement plan
and examples in ``docs/rules.md``, the reports and SARIF. ``checklist`` names the seed's
Response Checklist item the rule feeds, so a new rule joins the checklist where it is declared.

A fix hint's YAML (the parts in backticks) must be valid where it is pasted: a test pastes each
one into its rule's failing fixture at the finding's key path and loads the result.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..core.findings import Risk, Severity
from ..core.model import (  # noqa: F401 (re-exported for the rules)
    NON_IDEMPOTENT_METHODS,
    SENSITIVE_CLASSES,
    WRITE_METHODS,
    Design,
    Endpoint,
    Entity,
)
from ..core.placeholders import is_placeholder, is_stated, stated_items  # noqa: F401 (the rules' policy)

if TYPE_CHECKING:
    from ..core.loader import DesignDocument

KeyPath = tuple[str | int, ...]

SEVERITIES = ("error", "warning", "info")
TIERS = ("A", "B", "C")
DEFAULT_TIER = "B"
# The seed's Response Checklist, by item id: every rule names the one item it feeds
# (``checklist=``); outputs/checklist.py gives each its wording, evidence and steps.
CHECKLIST_ITEMS = ("requirements", "data-model", "api-contracts", "failure-modes", "performance",
                   "security-observability")
# The seed's Validation items a rule may also prove (``validates=``).
VALIDATION_ITEMS = ("authz-or-public", "inputs-outputs", "failure-modes-explicit")
# A prototype (tier C) is held one notch lower unless a rule says otherwise.
_SOFTER = {"error": "warning", "warning": "info", "info": "info"}

# Classifications whose values must never be logged, field by field or for a whole entity.
NEVER_LOGGED = frozenset({"pii", "credential", "secret"})

@dataclass(frozen=True)
class Hit:
    """What a check yields: where the gap is, what is wrong, and optionally a precise fix."""

    key_path: KeyPath
    message: str
    fix: str | None = None
    risk: Risk | None = None
    line: int | None = None      # only when the gap is on a line no key path reaches (a comment)
    checklist: str | None = None  # the checklist item it blocks, when not the rule's (waiver rules)


Check = Callable[["Context"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """One design rule: a stable code, a readable name, its severity and its documentation."""

    code: str
    name: str
    severity: Severity
    title: str
    rationale: str
    fix: str
    step: str
    seed: str
    check: Check
    checklist: str = ""            # the Response Checklist item it feeds (CHECKLIST_ITEMS)
    validates: str | None = None   # the Validation item it also proves (VALIDATION_ITEMS), if any
    risk: Risk = "medium"
    plan: str = ""
    bad: str = ""
    good: str = ""
    tiers: dict[str, Severity] = field(default_factory=dict)
    after_findings: bool = False   # runs once every other rule's findings are known (waiver rules)

    def severity_for(self, tier: str) -> Severity:
        """The severity at a criticality tier: explicit per-tier override, else C is one notch softer."""
        if tier in self.tiers:
            return self.tiers[tier]
        return _SOFTER[self.severity] if tier == "C" else self.severity

    @property
    def improvement_plan(self) -> str:
        return self.plan or self.fix

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "severity": self.severity, "title": self.title,
            "rationale": self.rationale, "fix": self.fix, "plan": self.improvement_plan,
            "step": self.step, "seed": self.seed, "risk": self.risk,
            "checklist": self.checklist, "validates": self.validates,
            "severity_by_tier": {t: self.severity_for(t) for t in TIERS},
        }


_SECTION = re.compile(r"^(Why|Fix|Plan|Bad|Good):\s*(.*)$")


def parse_docstring(doc: str | None) -> dict[str, str]:
    """Split a rule docstring into title and its ``Why/Fix/Plan/Bad/Good`` sections."""
    text = inspect.cleandoc(doc or "")
    parts: dict[str, list[str]] = {"title": []}
    current = "title"
    for line in text.splitlines():
        match = _SECTION.match(line)
        if match:
            current = match.group(1).lower()
            parts[current] = [match.group(2)] if match.group(2) else []
        else:
            parts.setdefault(current, []).append(line)
    out: dict[str, str] = {}
    for key, lines in parts.items():
        if key in ("bad", "good"):
            out[key] = "\n".join(lines).strip("\n")
            out[key] = inspect.cleandoc(out[key]) if out[key] else ""
        else:
            out[key] = " ".join(x.strip() for x in lines if x.strip())
    return out


def rule(code: str, name: str, severity: Severity, *, step: str, seed: str, checklist: str,
         validates: str | None = None, risk: Risk = "medium",
         tiers: dict[str, Severity] | None = None, after_findings: bool = False
         ) -> Callable[[Check], Rule]:
    """Turn a documented check function into a :class:`Rule` (registered by the package).

    ``checklist`` is the Response Checklist item the rule feeds (one of ``CHECKLIST_ITEMS``);
    ``validates`` the Validation item it also proves, if any (one of ``VALIDATION_ITEMS``).
    """

    def wrap(check: Check) -> Rule:
        doc = parse_docstring(check.__doc__)
        return Rule(code=code, name=name, severity=severity, title=doc.get("title", ""),
                    rationale=doc.get("why", ""), fix=doc.get("fix", ""), plan=doc.get("plan", ""),
                    bad=doc.get("bad", ""), good=doc.get("good", ""), step=step, seed=seed,
                    check=check, checklist=checklist, validates=validates, risk=risk,
                    tiers=dict(tiers or {}), after_findings=after_findings)

    return wrap


# --------------------------------------------------------------------------- shared facts


def endpoint_label(endpoint: Endpoint) -> str:
    """How findings name an endpoint: its id, else ``METHOD path``."""
    return endpoint.label


def strip_list(ref: str) -> str:
    """``'Order[]'`` -> ``'Order'``."""
    return ref[:-2].strip() if ref.endswith("[]") else ref.strip()


def names_list(names: Iterable[str], limit: int = 5) -> str:
    """``a, b, c and 4 more`` for messages and evidence."""
    items = list(names)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


class Context:
    """The design plus the look-ups many rules share, computed once per run."""

    def __init__(self, document: DesignDocument, tier: str, today: dt.date):
        self.document = document
        self.design: Design = document.design
        self.tier = tier
        self.today = today
        self.findings: list = []   # filled before the after_findings rules run

    def line_of(self, key_path: KeyPath) -> int | None:
        return self.document.line_of(key_path)

    # ---- data model
    @cached_property
    def entities(self) -> dict[str, Entity]:
        return {e.name: e for e in self.design.data_model.entities}

    @cached_property
    def schemas(self) -> dict[str, Any]:
        return {s.name: s for s in self.design.api.schemas}

    # Where a name stands among the distinct names (the key path index the rules have always given it).
    @cached_property
    def entity_positions(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.entities)}

    @cached_property
    def schema_positions(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.schemas)}

    def resolve_schema(self, ref: str | None):
        """The entity or api.schemas entry a schema reference names, or None."""
        if not ref:
            return None
        name = strip_list(ref)
        return self.schemas.get(name) or self.entities.get(name)

    def entity_is_sensitive(self, entity: Entity) -> bool:
        return entity.classification in SENSITIVE_CLASSES or any(
            f.classification in SENSITIVE_CLASSES for f in entity.fields)

    @cached_property
    def sensitive_entities(self) -> frozenset[str]:
        return frozenset(n for n, e in self.entities.items() if self.entity_is_sensitive(e))

    @cached_property
    def written_entities(self) -> dict[str, list[str]]:
        """Entity name -> labels of the endpoints and channels that write it."""
        out: dict[str, list[str]] = {}
        for ep in self.design.api.endpoints:
            for name in ep.writes:
                out.setdefault(name, []).append(endpoint_label(ep))
        for ch in self.design.api.channels:
            for name in ch.writes:
                out.setdefault(name, []).append(ch.name)
        return out

    # ---- API
    # Most rules walk every endpoint: the (key path, endpoint) pairs are built once, not per rule.
    def endpoints(self) -> tuple[tuple[KeyPath, Endpoint], ...]:
        return self._endpoint_pairs

    def channels(self) -> tuple[tuple[KeyPath, Any], ...]:
        return self._channel_pairs

    @cached_property
    def _endpoint_pairs(self) -> tuple[tuple[KeyPath, Endpoint], ...]:
        return tuple((("api", "endpoints", i), ep) for i, ep in enumerate(self.design.api.endpoints))

    @cached_property
    def _channel_pairs(self) -> tuple[tuple[KeyPath, Any], ...]:
        return tuple((("api", "channels", i), ch) for i, ch in enumerate(self.design.api.channels))

    @cached_property
    def has_surface(self) -> bool:
        return bool(self.design.api.endpoints or self.design.api.channels or self.design.api.webhooks)

    @cached_property
    def auth_schemes(self) -> dict[str, Any]:
        return {s.name: s for s in self.design.security.authentication}

    @cached_property
    def error_codes(self) -> set[str]:
        em = self.design.api.error_model
        return {c.code for c in em.codes} if em else set()

    # ---- services and reliability
    @cached_property
    def components(self) -> dict[str, Any]:
        return {c.name: c for c in self.design.services.components}

    @cached_property
    def dependencies(self) -> dict[str, Any]:
        return {d.name: d for d in self.design.services.dependencies}

    @cached_property
    def integrations(self) -> dict[str, Any]:
        return {p.name: p for p in self.design.scope.integration_points}

    @cached_property
    def policies(self) -> dict[str, tuple[KeyPath, Any]]:
        """Failure policy by target name (the first one wins)."""
        out: dict[str, tuple[KeyPath, Any]] = {}
        for i, policy in enumerate(self.design.reliability.failure_policies):
            out.setdefault(policy.target, (("reliability", "failure_policies", i), policy))
        return out

    def aliases_of(self, name: str) -> set[str]:
        """A dependency and the integration point it talks to are one target for failure policies."""
        names = {name}
        dep = self.dependencies.get(name)
        if dep is not None and dep.integration:
            names.add(dep.integration)
        for d in self.design.services.dependencies:
            if d.integration == name:
                names.add(d.name)
        return names

    @cached_property
    def capacity(self):
        """The capacity and failure model (request paths, latency budgets, availability chains)."""
        from ..capacity import capacity_model

        return capacity_model(self.design)

    # ---- persistence
    @cached_property
    def tables(self) -> dict[str, Any]:
        return {t.name: t for t in self.design.persistence.tables}

    @cached_property
    def stores(self) -> dict[str, Any]:
        return {s.name: s for s in self.design.persistence.stores}

    @cached_property
    def idempotency_stores(self) -> dict[str, tuple[KeyPath, Any]]:
        """persistence.idempotency entries by every name an endpoint may use: their name and table."""
        out: dict[str, tuple[KeyPath, Any]] = {}
        for i, store in enumerate(self.design.persistence.idempotency):
            for name in (store.ref, store.table):
                out.setdefault(name, (("persistence", "idempotency", i), store))
        return out

    def table_columns(self, table) -> set[str]:
        """A table's column names: its entity's fields, or the columns it declares."""
        if table.entity:
            entity = self.entities.get(table.entity)
            return {f.name for f in entity.fields} if entity else set()
        return {c.name for c in table.columns}

    def table_key(self, table) -> list[str]:
        """A table's primary key: its entity's, or its own."""
        if table.entity:
            entity = self.entities.get(table.entity)
            return list(entity.primary_key) if entity else []
        return list(table.primary_key)

    # ---- threat model
    @cached_property
    def threat_model(self):
        """The design's threat model (data-flow diagram, STRIDE threats, register applied)."""
        from ..threats import build_threat_model

        return build_threat_model(self.design)

    # ---- validation plan
    @cached_property
    def covered(self) -> set[str]:
        return {c for t in self.design.validation.tests for c in t.covers}

    def endpoint_names(self, ep: Endpoint) -> set[str]:
        """Every way a test's ``covers`` may name an endpoint."""
        names = {ep.route, ep.path}
        if ep.id:
            names.add(ep.id)
        return names


def field_is_bounded(f) -> str | None:
    """Why an input field or parameter is unbounded, or None when it has bounds."""
    if f.type in ("string", "text", "email", "url"):
        if f.max_length is None and not f.enum and not f.pattern:
            return f"{f.type} without max_length, enum or pattern"
    elif f.type in ("integer", "number", "decimal"):
        missing = [k for k in ("minimum", "maximum") if getattr(f, k) is None]
        if missing and not f.enum:
            return f"{f.type} without {' and '.join(missing)}"
    elif f.type == "enum" and not f.enum:
        return "enum without its allowed values"
    elif f.type == "array":
        if f.max_items is None:
            return "array without max_items"
        if f.items in ("string", "text", "email", "url", "integer", "number", "decimal", "enum"):
            why = field_is_bounded(f.model_copy(update={"type": f.items, "items": None}))
            if why:
                return f"array items: {why}"
    return None
