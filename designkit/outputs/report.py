"""Render check results: text, JSON and SARIF for ``designkit check``; checklist.md and report.html for a run.

The HTML report is one self-contained file (inline CSS, no network); every piece of user text is
escaped by Jinja2's autoescape. Mermaid diagrams, when given, are embedded with the vendored
mermaid script inline.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ..core.sarif import tool_version
from ..core.steps import STEPS, get_step
from ..core.terminal import terminal_safe

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _where(document, f) -> str:
    return f"{document.path}:{f.line}" if f.line else str(document.path)


# --------------------------------------------------------------------------- text / json / sarif


def format_text(document, result) -> str:
    """Findings grouped by step, each as ``file:line: CODE severity message`` with its fix."""
    lines: list[str] = []
    for step in STEPS:
        found = result.for_step(step.id)
        if not found:
            continue
        lines.append(f"{step.title} ({step.id})")
        for f in found:
            tag = f"waived ({f.waiver['status']})" if f.waiver else f.severity
            lines.append(f"  {_where(document, f)}: {f.code} {tag}: {f.message} [{f.key_path}]")
            if not f.waiver:
                lines.append(f"      fix: {f.fix}")
        lines.append("")
    c = result.counts()
    tier = result.tier + ("" if result.tier_stated else " (assumed)")
    total = sum(c.values())
    lines.append(f"{document.path}: {total} finding{'' if total == 1 else 's'}: "
                 f"{c['errors']} errors, {c['warnings']} warnings, {c['info']} info, "
                 f"{c['waived']} waived (tier {tier}, {len(result.waivers)} waivers)")
    # names and messages come from the design: no escape sequence reaches the terminal
    return terminal_safe("\n".join(lines) + "\n")


def format_json(document, result) -> str:
    import json  # json output only: not at the start of every check

    """The result as JSON: file, tier, counts, findings, waivers."""
    data = {
        "file": str(document.path), "design": document.design.name, "tier": result.tier,
        "counts": result.counts(),
        "findings": [f.as_dict() for f in result.findings],
        "waivers": [w.as_dict() for w in result.waivers],
    }
    return json.dumps(data, indent=2, default=str) + "\n"


def format_sarif(document, result, *, uri: str | None = None) -> str:
    """SARIF 2.1.0: one run, every rule, one result per finding located on the design file's line."""
    from ..core import sarif
    from ..rules import registry

    rules = list(registry)
    index = {r.code: i for i, r in enumerate(rules)}
    artifact = uri or Path(document.path).as_posix()
    sarif_rules = [sarif.rule_descriptor(
        r.code, r.name, r.title, r.rationale, r.fix, level=_LEVEL[r.severity_for(result.tier)],
        properties={"step": r.step, "seed": r.seed, "risk": r.risk, "tags": [r.step, "design"]}) for r in rules]
    results = []
    for f in result.findings:
        item = sarif.result_item(
            f.code, index.get(f.code, 0), level=_LEVEL[f.severity], message=f.message, fix=f.fix, uri=artifact,
            line=f.line or 1, key_path=f.key_path, fingerprint=("designkit/v1", f"{f.code}:{f.key_path}"),
            properties={"step": f.step, "risk": f.risk, "plan": f.plan, "keyPath": f.key_path})
        if f.waiver:
            item["suppressions"] = [{
                "kind": "inSource", "status": "accepted",
                "justification": f"{f.waiver['status']}: {f.waiver.get('justification') or ''}".strip(),
            }]
        results.append(item)
    return sarif.sarif_log("designkit", sarif_rules, artifact, results,
                           {"tier": result.tier, "counts": result.counts()})


# --------------------------------------------------------------------------- checklist.md


def _md(text: Any) -> str:
    """User text made safe inside a Markdown table cell (no pipes, no raw HTML, no link, one line)."""
    from .markdown import md_cell

    return md_cell(text)


_MARK = {"met": "[x]", "not met": "[ ]", "waived": "[~]"}


def render_checklist_md(document, result, items, step_failures=None) -> str:
    """The checklist report in Markdown: failures, checklist items, findings by step, waivers."""
    d = document.design
    c = result.counts()
    out = [f"# Design checklist: {_md(d.title or d.name)}", "",
           f"Design file: `{_md(document.path)}` · tier {result.tier}"
           f"{'' if result.tier_stated else ' (assumed)'} · {c['errors']} errors, {c['warnings']} warnings, "
           f"{c['info']} info, {c['waived']} waived", ""]
    if step_failures:
        out += ["## Failed steps", "", "These step notebooks failed; the items they feed are not met.", ""]
        for f in step_failures:
            out.append(f"- **{_md(f.step)}** (`{_md(f.notebook)}`, cell {_md(f.cell)}): {_md(f.error)}")
        out.append("")
    for group in ("Response Checklist", "Validation"):
        out += [f"## {group}", ""]
        for it in (i for i in items if i.group == group):
            out.append(f"- {_MARK[it.status]} **{_md(it.text)}** — {it.status}, risk {it.risk}")
            out.append(f"  - Evidence: {_md(it.evidence)}")
            if it.status != "met":
                if it.fix:
                    out.append(f"  - Fix: {_md(it.fix)}")
                if it.plan:
                    out.append(f"  - Improvement plan: {_md(it.plan)}")
            out.append(f"  - Rules: {', '.join(it.codes)}")
        out.append("")
    out += ["## Findings by step", ""]
    if not result.findings:
        out += ["No findings.", ""]
    for step in STEPS:
        found = result.for_step(step.id)
        if not found:
            continue
        out += [f"### {step.title}", "", "| line | code | severity | risk | where | finding | fix |",
                "|---|---|---|---|---|---|---|"]
        for f in found:
            sev = f"waived ({f.waiver['status']})" if f.waiver else f.severity
            out.append(f"| {f.line or ''} | {f.code} | {sev} | {f.risk} | `{_md(f.key_path)}` | "
                       f"{_md(f.message)} | {_md(f.fix)} |")
        out.append("")
    out += _threats_md(document)
    out += ["## Waivers", ""]
    if not result.waivers:
        out += ["No waivers.", ""]
    else:
        out += ["| rule | target | status | justification | owner | expires | valid | covers |",
                "|---|---|---|---|---|---|---|---|"]
        for w in result.waivers:
            valid = "yes" if w.valid else "no: " + "; ".join(w.problems)
            out.append(f"| {_md(w.rule)} | `{_md(w.target)}` | {w.status} | {_md(w.justification)} | "
                       f"{_md(w.owner)} | {w.expires or ''} | {_md(valid)} | {len(w.covers)} |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _threats_md(document) -> list[str]:
    """The threat model in checklist.md: counts, then every threat that is open or decided in the register."""
    from ..threats import build_threat_model
    from ..threats.render import sorted_rows

    model = build_threat_model(document.design)
    c = model.counts()
    out = ["## Threat model", "",
           f"{len(model.threats)} STRIDE threats on {len(model.dfd.elements)} elements and {len(model.dfd.flows)} "
           f"flows: {c['open']} open, {c['mitigated']} mitigated, {c['accepted']} accepted, "
           f"{c['false-positive']} false positives (`designkit threats` lists them all).", ""]
    rows = [r for r in sorted_rows(model) if r["status"] != "mitigated"]
    if rows:
        out += ["| id | threat | risk | status | mitigated by | missing |", "|---|---|---|---|---|---|"]
        out += [f"| `{_md(r['id'])}` | {_md(r['threat'])} | {r['risk']} | {r['status']} | {_md(r['mitigated by'])} | "
                f"{_md(r['missing'])} |" for r in rows]
        out.append("")
    return out


# --------------------------------------------------------------------------- report.html


@functools.cache
def _env():  # one environment per process, so each template is compiled once
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader(__package__, "templates"), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html", "j2"], default=True),
                       trim_blocks=True, lstrip_blocks=True)


def _script_safe(js: str) -> str:
    """Inline JavaScript that cannot close its own <script> element early."""
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def render_report_html(document, result, items, step_failures=None, diagrams=None, changes=None,
                       checked="") -> str:
    """A self-contained HTML report (no network; all user text escaped). In a batch run,
    ``checked`` is the run's shared check (``designkit.outputs.checked``): the latency budget chart
    the reliability step made is taken from there."""
    from markupsafe import Markup

    mermaid = ""
    if diagrams:
        try:
            from .exporters.diagrams import mermaid_js

            mermaid = Markup(_script_safe(mermaid_js()))
        except (ImportError, AttributeError, OSError):
            mermaid = ""   # diagrams are shown as their Mermaid text
    from ..threats import build_threat_model
    from ..threats.render import dfd_mermaid, sorted_rows

    model = build_threat_model(document.design)
    steps = [(s, result.for_step(s.id)) for s in STEPS]
    from ..capacity import capacity_model, capacity_tables
    from .checked import latency_budget_svg

    capacity = capacity_model(document.design)
    budget_svg = latency_budget_svg(document.design, checked, document.digest)
    return _env().get_template("report.html.j2").render(
        threats=sorted_rows(model), threat_counts=model.counts(), dfd=dfd_mermaid(model.dfd),
        design=document.design, path=str(document.path), result=result, counts=result.counts(),
        items=items, failures=list(step_failures or []), steps=[(s, f) for s, f in steps if f],
        waivers=result.waivers, diagrams=dict(diagrams or {}), mermaid=mermaid, version=tool_version(),
        groups=("Response Checklist", "Validation"), capacity_tables=capacity_tables(capacity),
        budget_svg=Markup(budget_svg) if budget_svg else "", changes=changes)


__all__ = ["format_json", "format_sarif", "format_text", "render_checklist_md", "render_report_html",
           "get_step"]
