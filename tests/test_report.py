"""checklist.md and report.html: content, escaping, self-containment, diagrams, step failures."""

from __future__ import annotations

import re
from pathlib import Path

from designkit.core.loader import load_design, load_design_text
from designkit.core.steps import StepFailure
from designkit.outputs.checklist import evaluate_checklist
from designkit.outputs.report import render_checklist_md, render_report_html
from designkit.rules import run_checks

ROOT = Path(__file__).resolve().parents[1]
DRAFT = ROOT / "examples" / "incomplete-draft" / "design.yaml"
FAILURE = StepFailure("api", "03_api.ipynb", 4, "session.design.api['x']", "KeyError", "'x'")

HOSTILE = """\
name: evil
title: "<script>alert(1)</script> & co"
scope: {requirements: [{text: "Do <b>things</b> | pipes | and <img src=x onerror=alert(2)>"}]}
api:
  endpoints:
    - {id: "x</td><script>alert(3)</script>", method: GET, path: "/v1/a", auth: jwt}
waivers:
  - {rule: SEC001, target: "api.endpoints[0]", status: accepted, justification: "<iframe src=//evil.example> is fine here", owner: "<b>me</b>", expires: 2099-01-01}
"""


def _render(doc, failures=None, diagrams=None):
    result = run_checks(doc)
    items = evaluate_checklist(doc, result, failures or ())
    return (render_checklist_md(doc, result, items, failures),
            render_report_html(doc, result, items, failures, diagrams=diagrams), result)


def test_checklist_md_has_items_findings_by_step_and_waivers():
    md, _, result = _render(load_design(DRAFT), [FAILURE])
    assert md.index("## Failed steps") < md.index("## Response Checklist") < md.index("## Validation") \
        < md.index("## Findings by step") < md.index("## Waivers")
    assert "**api** (`03_api.ipynb`, cell 4)" in md
    assert "- [ ] **Specify API contracts and error shape** — not met" in md
    assert "Improvement plan:" in md and "Evidence:" in md
    assert md.count("| API001 |") == len([f for f in result.findings if f.code == "API001"])


def test_html_is_self_contained():
    _, html, _ = _render(load_design(DRAFT), [FAILURE])
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html
    assert 'id="failures"' in html and "03_api.ipynb" in html
    assert html.count("Every endpoint has authz rules") == 1


def test_user_text_is_escaped_everywhere():
    md, html, result = _render(load_design_text(HOSTILE, "evil.yaml"))
    assert "<script>alert" not in html and "<iframe" not in html and "<img" not in html and "<b>me</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "&lt;iframe src=//evil.example&gt;" in html
    assert "<script>" not in md and "<iframe" not in md
    assert result.waivers and "| SEC001 |" in md


def test_diagrams_are_embedded_with_inline_script():
    diagrams = {"context": "graph TD\n  A[\"<b>x</b>\"] --> B"}
    _, html, _ = _render(load_design(DRAFT), diagrams=diagrams)
    assert '<pre class="mermaid">' in html and "&lt;b&gt;x&lt;/b&gt;" in html
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 2 and len(scripts[0]) > 1000
    assert "mermaid.initialize" in scripts[1]
