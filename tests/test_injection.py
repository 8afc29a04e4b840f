"""Text from a design cannot become HTML, a link, a section, a front-matter key or a terminal escape.

Each attack is rendered with a real Markdown renderer (mistune, raw HTML passed through as a
renderer does before any sanitising) or parsed with PyYAML, and the result is inspected: no HTML
tag and no link may come from the design's text.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import mistune
import pytest
import yaml
from conftest import WEBHOOK, run_cli

from designkit.core.loader import load_design_text
from designkit.outputs.exporters.adr import AdrExporter
from designkit.outputs.exporters.diagrams import DiagramsExporter
from designkit.outputs.markdown import md_block, md_cell, md_inline

HTML = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<iframe src=//evil>",
        "<a href='javascript:alert(1)'>x</a>", "<svg onload=alert(1)>"]
LINKS = ["[x](javascript:alert(1))", "![x](https://evil/t.png)", "[x](data:text/html,<b>)",
         "<javascript:alert(1)>"]


def render(text: str) -> str:
    return mistune.create_markdown(escape=False)(text)


_SAFE_TAGS = {"p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "code", "pre", "em", "strong", "hr", "br",
              "blockquote", "table", "thead", "tbody", "tr", "th", "td"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and attrs == [("href", a) for k, a in attrs if re.fullmatch(r"[\w.-]+\.md", a or "")]:
            return  # the ADR index's own link to a record file
        if tag not in _SAFE_TAGS:
            self.found.append(tag)  # a link, an image, a script, any raw HTML
        self.found += [f"{tag}[{k}]" for k, _ in attrs if k != "class"]


def dangerous(html: str) -> list[str]:
    """Every tag a renderer made that the page's own Markdown does not make, and every attribute."""
    parser = _Tags()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", HTML + LINKS)
@pytest.mark.parametrize("escape", [md_inline, md_cell, md_block])
def test_markdown_escaping_leaves_no_html_and_no_link(payload, escape):
    html = render(f"text {escape(payload)} text\n")
    assert not dangerous(html), html


def _decision_design(**decision) -> str:
    fields = ", ".join(f"{k}: {yaml.safe_dump(v, default_style=chr(34), width=10**6).strip()}"
                       for k, v in decision.items())
    return f"name: x\ndecisions:\n  - {{{fields}}}\n"


def _adr(**decision) -> tuple[dict, str]:
    design = load_design_text(_decision_design(**decision)).design
    files = AdrExporter().render(design)
    (name,) = [n for n in files if n != "README.md"]
    return files, files[name]


@pytest.mark.parametrize("field", ["title", "context", "decision", "consequences"])
@pytest.mark.parametrize("payload", HTML + LINKS)
def test_adr_passes_no_html_or_link(field, payload):
    values = {"title": "T", field: payload}
    files, record = _adr(**values)
    assert not dangerous(render(record)), record
    assert not dangerous(render(files["README.md"])), files["README.md"]


def test_a_decision_id_with_a_line_break_cannot_rewrite_the_front_matter():
    _, record = _adr(id="ADR-1\nstatus: accepted\nowner: mallory", title="T", status="proposed")
    front = yaml.safe_load(record.split("---\n")[1])
    assert front["status"] == "proposed" and "owner" not in front
    assert front["id"] == "ADR-1\nstatus: accepted\nowner: mallory"


def test_a_title_with_a_line_break_adds_no_section():
    _, record = _adr(title="Use Postgres\n\n## Decision Outcome\n\nChosen option: drop all tables",
                     context="fine\n# Injected heading\n---\nsetext above")
    body = record.split("---\n", 2)[2]  # after the front matter, which renderers show apart
    headings = [line for line in render(body).splitlines() if line.startswith(("<h1", "<h2", "<h3"))]
    assert len(headings) == 5, headings  # the title, the four sections: nothing added
    assert "drop all tables" in record


def test_diagrams_markdown_passes_no_html_and_fences_stay_closed():
    text = WEBHOOK.read_text(encoding="utf-8").replace(
        "title: Webhook ingestion with replay protection",
        "title: \"<img src=x onerror=alert(1)> [x](javascript:alert(1))\"")
    text = text.replace("name: WebhookEvent", "name: \"Evil```\\n<script>alert(1)</script>\"", 1)
    design = load_design_text(text).design
    page = DiagramsExporter().render(design)["diagrams.md"]
    html = render(page)
    assert not dangerous(html), html
    assert page.count("```mermaid") == html.count('<code class="language-mermaid">')


def test_checklist_md_breaks_javascript_links(tmp_path):
    from designkit.core.loader import load_design
    from designkit.outputs.assemble import write_outputs

    design = tmp_path / "d.yaml"
    text = WEBHOOK.read_text(encoding="utf-8").replace(
        "title: Webhook ingestion with replay protection",
        "title: \"[click](javascript:alert(document.cookie)) <img src=x onerror=alert(1)>\"")
    design.write_text(text, encoding="utf-8")
    from designkit.rules import run_checks

    document = load_design(design)
    written = write_outputs(document, tmp_path / "out", result=run_checks(document), artifacts=False)
    html = render(written["checklist"].read_text(encoding="utf-8"))
    assert not dangerous(html) and "javascript:" not in html.split("href=")[-1][:20]


def test_check_text_output_sends_no_terminal_escape(tmp_path):
    design = tmp_path / "d.yaml"
    shutil.copy(WEBHOOK, design)
    text = design.read_text(encoding="utf-8")
    evil = "\\e]0;pwned\\a\\e[2J\\e[31mred\\u202e\\x9b"
    text = text.replace("name: WebhookEvent", f'name: "Webhook{evil}Event"', 1)
    design.write_text(text, encoding="utf-8")
    result = run_cli("check", design, "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for char in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert char not in out
    assert "\\x1b]0;pwned" in out  # shown, not hidden


def test_an_error_message_sends_no_terminal_escape(tmp_path):
    design = tmp_path / "d.yaml"
    design.write_text('name: x\nscope: {"\\e[2Jteir": A}\n', encoding="utf-8")
    result = run_cli("check", design)
    assert result.returncode == 2 and "\x1b" not in result.stderr
