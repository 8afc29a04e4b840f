"""Widget forms for each design step; every save goes through :mod:`designkit.store`.

``build_form(session)`` is what a step notebook's ``session.form()`` returns. Each step has a
tab (or a few) for its own decisions, and every step has a "Decisions" tab to record a decision
record. A save refreshes the session (tables and findings update in place on the page). In a
headless run nobody clicks, so nothing is written: the design file and the parameters decide.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from ..errors import UsageError
from . import steps as s
from .widgets import ListForm, Saver, SectionForm, apply_edits


def _decision_tab(saver: Saver) -> ListForm:
    return ListForm(saver, s.DECISIONS)


def _entity_fields(saver: Saver, entities: ListForm) -> ListForm:
    spec = s.L(("data_model", "entities", 0, "fields"), "Fields of the selected entity",
               s.ENTITY_FIELDS, lambda f: f"{f.name}: {f.type}"
               f"{'' if f.required else '?'} {f.classification or ''}", {"type": "string"})
    form = ListForm(saver, spec, base=lambda: (("data_model", "entities", entities.index, "fields")
                                               if entities.index is not None else None))

    def follow(change: dict) -> None:
        form.index = None
        form.load()

    entities.select.observe(follow, names="value")
    return form


def _parts(step_id: str, saver: Saver) -> list[tuple[str, Any]]:
    if step_id == "scope":
        return [("Scope", SectionForm(saver, ("scope",), s.SCOPE_FIELDS, "Scope and constraints")),
                ("Requirements", ListForm(saver, s.REQUIREMENTS)), ("SLAs", ListForm(saver, s.SLAS)),
                ("Integrations", ListForm(saver, s.INTEGRATIONS))]
    if step_id == "data_model":
        entities = ListForm(saver, s.ENTITIES)
        return [("Entities", entities), ("Fields", _entity_fields(saver, entities))]
    if step_id == "api":
        return [("Endpoints", ListForm(saver, s.ENDPOINTS)),
                ("API", SectionForm(saver, ("api",), s.API_FIELDS, "Versioning and error model")),
                ("Error codes", ListForm(saver, s.ERROR_CODES))]
    if step_id == "security":
        return [("Endpoint access", ListForm(saver, s.ENDPOINT_SECURITY)),
                ("Authentication", ListForm(saver, s.AUTH_SCHEMES)),
                ("Policies", SectionForm(saver, ("security",), s.SECURITY_FIELDS, "Security policies")),
                ("Secrets", ListForm(saver, s.SECRETS))]
    if step_id == "services":
        return [("Components", ListForm(saver, s.COMPONENTS)),
                ("Dependencies", ListForm(saver, s.DEPENDENCIES))]
    if step_id == "persistence":
        return [("Stores", ListForm(saver, s.STORES)), ("Tables", ListForm(saver, s.TABLES)),
                ("Access patterns", ListForm(saver, s.ACCESS_PATTERNS)),
                ("Migrations", SectionForm(saver, ("persistence",), s.PERSISTENCE_FIELDS,
                                           "Migrations and idempotency"))]
    if step_id == "reliability":
        return [("Failure policies", ListForm(saver, s.FAILURE_POLICIES)),
                ("Consistency", SectionForm(saver, ("reliability",), s.RELIABILITY_FIELDS,
                                            "Consistency and recovery"))]
    if step_id == "performance":
        return [("Capacity", SectionForm(saver, ("performance",), s.PERFORMANCE_FIELDS,
                                         "Capacity and scaling")),
                ("Caching", ListForm(saver, s.CACHES))]
    if step_id == "observability":
        return [("Logs, traces, audit", SectionForm(saver, ("observability",), s.OBSERVABILITY_FIELDS,
                                                    "Observability")),
                ("Metrics", ListForm(saver, s.METRICS)), ("Alerts", ListForm(saver, s.ALERTS))]
    if step_id == "validation":
        return [("Tests", ListForm(saver, s.TESTS)), ("CI hooks", ListForm(saver, s.CI_HOOKS))]
    if step_id == "report":
        return [("Summary", _ReportSummary(saver))]
    raise UsageError(f"no form for step {step_id!r}")


class _ReportSummary:
    """Read-only: open findings per step, so the reviewer sees what is left."""

    def __init__(self, saver: Saver):
        self.saver = saver
        self.widget = w.HTML()
        saver.listeners.append(self.load)
        self.load()

    def load(self) -> None:
        findings = list(getattr(self.saver.session, "findings", []) or [])
        counts: dict[str, dict[str, int]] = {}
        for f in findings:
            if not f.waived:
                row = counts.setdefault(f.step, {"error": 0, "warning": 0, "info": 0})
                row[f.severity] = row.get(f.severity, 0) + 1
        rows = "".join(f"<tr><td>{html.escape(step)}</td><td>{c['error']}</td><td>{c['warning']}</td>"
                       f"<td>{c['info']}</td></tr>" for step, c in sorted(counts.items()))
        self.widget.value = ("<table><tr><th>step</th><th>errors</th><th>warnings</th><th>info</th></tr>"
                             f"{rows}</table>" if rows else "<p>No open findings.</p>")


def build_form(session: Any) -> w.Widget:
    """The ipywidgets form for ``session.step``: its decisions plus a decision-record tab."""
    saver = Saver(session)
    parts = _parts(session.step.id, saver) + [("Decisions", _decision_tab(saver))]
    tabs = w.Tab(children=[part.widget for _, part in parts])
    for i, (title, _) in enumerate(parts):
        tabs.set_title(i, title)
    codes = sorted({f.code for f in getattr(session, "findings", []) or [] if not f.waived})
    hint = (f"Open findings in this step: {', '.join(codes)}. " if codes else "") + \
        "Each save checks the whole design and writes the file only if it is valid."
    form = w.VBox([tabs, saver.box, w.HTML(f"<small>{html.escape(hint)}</small>")])
    form.add_class("designkit-form")
    # kept on the widget so tests (and curious users) can reach the parts
    form.dk_saver = saver
    form.dk_parts = dict(parts)
    return form


__all__ = ["ListForm", "SectionForm", "Saver", "apply_edits", "build_form"]
