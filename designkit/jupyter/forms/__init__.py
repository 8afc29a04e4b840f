"""Widget forms for each design step; every save goes through :mod:`designkit.core.store`.

``build_form(session)`` is what a step notebook's ``session.form()`` returns. Each step has a
tab (or a few) for its own decisions, and every step has a "Decisions" tab to record a decision
record. A save refreshes the session (tables and findings update in place on the page). A
headless run (`designkit run`) builds no form (``StepSession.form``): nobody could click it.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from ...core.errors import UsageError
from . import steps as s
from .widgets import ListForm, Saver, SectionForm, SubListForm, apply_edits


def _decision_tab(saver: Saver) -> ListForm:
    return ListForm(saver, s.DECISIONS)


def _with_subs(saver: Saver, parent: ListForm, subs: list[tuple[str, tuple, Any]]
               ) -> list[tuple[str, Any]]:
    """Sub-lists of ``parent``'s selected item, in a panel under it (inside its tab, not tabs)."""
    made = [(title, SubListForm(saver, parent, key, spec)) for title, key, spec in subs]
    for _, form in made:
        form.in_parent_tab = True
    panel = w.Accordion(children=[form.widget for _, form in made],
                        titles=tuple(form.spec.title for _, form in made))
    parent.widget.children = (*parent.widget.children,
                              w.HTML("<b>In the selected item</b> (select it above, then open a list)"),
                              panel)
    parent.sub_panel = panel
    return made


def _entity_fields(saver: Saver, entities: ListForm) -> ListForm:
    return SubListForm(saver, entities, ("fields",), s.L(
        ("data_model", "entities", 0, "fields"), "Fields of the selected entity", s.ENTITY_FIELDS,
        lambda f: f"{f.name}: {f.type}{'' if f.required else '?'} {f.classification or ''}",
        {"type": "string"}))


def _api_parts(saver: Saver) -> list[tuple[str, Any]]:
    endpoints = ListForm(saver, s.ENDPOINTS)
    schemas = ListForm(saver, s.SCHEMAS)
    channels = ListForm(saver, s.CHANNELS)
    webhooks = ListForm(saver, s.WEBHOOKS)
    return [
        ("Endpoints", endpoints),
        *_with_subs(saver, endpoints, [("Parameters", ("parameters",), s.PARAMETERS),
                                       ("Responses", ("responses",), s.RESPONSES)]),
        ("API", SectionForm(saver, ("api",), s.API_FIELDS, "Versioning and error model")),
        ("Error codes", ListForm(saver, s.ERROR_CODES)),
        ("Schemas", schemas),
        *_with_subs(saver, schemas, [("Schema fields", ("fields",), s.SCHEMA_FIELDS)]),
        ("Channels", channels),
        *_with_subs(saver, channels, [("Channel fields", ("fields",), s.CHANNEL_FIELDS)]),
        ("Webhooks", webhooks),
        *_with_subs(saver, webhooks, [("Webhook fields", ("fields",), s.WEBHOOK_FIELDS)]),
    ]


def _persistence_parts(saver: Saver) -> list[tuple[str, Any]]:
    tables = ListForm(saver, s.TABLES)
    return [("Stores", ListForm(saver, s.STORES)), ("Tables", tables),
            *_with_subs(saver, tables, [("Indexes", ("indexes",), s.INDEXES)]),
            ("Access patterns", ListForm(saver, s.ACCESS_PATTERNS)),
            ("Idempotency stores", ListForm(saver, s.IDEMPOTENCY_STORES)),
            ("Migrations", SectionForm(saver, ("persistence",), s.PERSISTENCE_FIELDS, "Migrations"))]


def _parts(step_id: str, saver: Saver) -> list[tuple[str, Any]]:
    if step_id == "scope":
        return [("Scope", SectionForm(saver, ("scope",), s.SCOPE_FIELDS, "Scope and constraints")),
                ("Requirements", ListForm(saver, s.REQUIREMENTS)), ("SLAs", ListForm(saver, s.SLAS)),
                ("Integrations", ListForm(saver, s.INTEGRATIONS))]
    if step_id == "data_model":
        entities = ListForm(saver, s.ENTITIES)
        return [("Entities", entities), ("Fields", _entity_fields(saver, entities))]
    if step_id == "api":
        return _api_parts(saver)
    if step_id == "security":
        return [("Endpoint access", ListForm(saver, s.ENDPOINT_SECURITY)),
                ("Authentication", ListForm(saver, s.AUTH_SCHEMES)),
                ("Policies", SectionForm(saver, ("security",), s.SECURITY_FIELDS, "Security policies")),
                ("Secrets", ListForm(saver, s.SECRETS))]
    if step_id == "services":
        return [("Components", ListForm(saver, s.COMPONENTS)),
                ("Dependencies", ListForm(saver, s.DEPENDENCIES))]
    if step_id == "persistence":
        return _persistence_parts(saver)
    if step_id == "reliability":
        return [("Failure policies", ListForm(saver, s.FAILURE_POLICIES)),
                ("Consistency", ListForm(saver, s.CONSISTENCY)),
                ("Recovery", SectionForm(saver, ("reliability",), s.RELIABILITY_FIELDS, "Recovery"))]
    if step_id == "performance":
        return [("Capacity", SectionForm(saver, ("performance",), s.PERFORMANCE_FIELDS,
                                         "Capacity, batching, async")),
                ("Scaling", ListForm(saver, s.SCALING)), ("Caching", ListForm(saver, s.CACHES))]
    if step_id == "observability":
        return [("Logs, traces, audit", SectionForm(saver, ("observability",), s.OBSERVABILITY_FIELDS,
                                                    "Observability")),
                ("Metrics", ListForm(saver, s.METRICS)), ("Alerts", ListForm(saver, s.ALERTS))]
    if step_id == "validation":
        return [("Tests", ListForm(saver, s.TESTS)), ("CI hooks", ListForm(saver, s.CI_HOOKS))]
    if step_id == "report":
        return [("Summary", _ReportSummary(saver))]
    raise UsageError(f"no form for step {step_id!r}")


def _open_findings(saver: Saver) -> list:
    return [f for f in getattr(saver.session, "findings", []) or [] if not f.waived]


def _waiver_tab(saver: Saver) -> ListForm:
    """The waivers list, with a picker that starts a waiver for one of this step's open findings."""
    waivers = ListForm(saver, s.WAIVERS)
    picker = w.Dropdown(description="Waive a finding", style={"description_width": "180px"},
                        layout=w.Layout(width="95%"))

    def fill() -> None:
        found = _open_findings(saver)
        options = [(f"{f.code} {f.key_path}: {f.message}"[:160], i) for i, f in enumerate(found)]
        picker.options = [("(choose an open finding to prefill a new waiver)", None), *options]
        picker.value = None
        picker.dk_findings = found
        picker.disabled = not options

    def waive(change: dict) -> None:
        if change["new"] is None:
            return
        finding = picker.dk_findings[change["new"]]
        waivers.new()
        waivers.inputs[("rule",)].value = finding.code
        waivers.inputs[("target",)].value = finding.key_path or "*"
        waivers.editing.value = (f"<i>A new waiver for {html.escape(finding.code)} at "
                                 f"{html.escape(finding.key_path or '*')}: choose a status, write "
                                 "why, then Save</i>")

    picker.observe(waive, names="value")
    fill()
    saver.listeners.append(fill)
    children = list(waivers.widget.children)
    waivers.widget.children = (children[0], picker, *children[1:])
    waivers.picker = picker
    return waivers


class _Panel:
    """Read-only HTML drawn from the session, drawn again after every save or reload."""

    def __init__(self, saver: Saver):
        self.saver = saver
        self.widget = w.HTML()
        saver.listeners.append(self.load)
        self.load()

    def load(self) -> None:
        raise NotImplementedError


class _FindingsPanel(_Panel):
    """The open findings under the form, each with its message and fix."""

    LIMIT = 25

    def load(self) -> None:
        found = _open_findings(self.saver)
        rows = "".join(
            f"<li><b>{html.escape(f.code)}</b> {html.escape(f.severity)} at "
            f"<code>{html.escape(f.key_path or '(top level)')}</code>: {html.escape(f.message)}"
            + (f"<br><small>fix: {html.escape(f.fix)}</small>" if f.fix else "") + "</li>"
            for f in found[:self.LIMIT])
        more = (f"<li>... and {len(found) - self.LIMIT} more (see the findings table)</li>"
                if len(found) > self.LIMIT else "")
        head = (f"<b>Open findings in this step ({len(found)})</b><ul>{rows}{more}</ul>" if found
                else "<b>No open findings in this step.</b><br>")
        self.widget.value = (f'<div class="dk-findings">{head}<small>Each save checks the whole '
                             "design and writes the file only if it is valid.</small></div>")


class _ReportSummary(_Panel):
    """Read-only: open findings per step, so the reviewer sees what is left."""

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
    """The ipywidgets form for ``session.step``: its decisions plus decision-record and waiver tabs."""
    saver = Saver(session)
    parts = _parts(session.step.id, saver) + [("Decisions", _decision_tab(saver)),
                                              ("Waivers", _waiver_tab(saver))]
    shown = [(title, part) for title, part in parts if not getattr(part, "in_parent_tab", False)]
    tabs = w.Tab(children=[part.widget for _, part in shown])
    for i, (title, _) in enumerate(shown):
        tabs.set_title(i, title)
    form = w.VBox([tabs, saver.box, _FindingsPanel(saver).widget])
    form.add_class("designkit-form")
    # kept on the widget so tests (and curious users) can reach the parts
    form.dk_saver = saver
    form.dk_parts = dict(parts)
    return form


__all__ = ["ListForm", "SectionForm", "Saver", "SubListForm", "apply_edits", "build_form"]
