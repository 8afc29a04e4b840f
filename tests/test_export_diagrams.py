"""Diagrams: Mermaid text for entities, components and writing endpoints, parsed by Mermaid."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES, IN_CI

from designkit.core.loader import load_design, load_design_text
from designkit.outputs.exporters import export
from designkit.outputs.exporters.diagrams import MERMAID_VERSION, build_diagrams, mermaid_js, writes

DRAFT = """
name: half-done
data_model:
  entities:
    - {name: Order Line}
api:
  endpoints:
    - {method: POST, path: /orders, writes: [Order Line], handler: Missing}
    - {method: DELETE, path: /orders}
services:
  components:
    - {name: A, kind: handler, depends_on: [B]}
    - {name: B, kind: domain-service, depends_on: [A, not-declared]}
"""

# Runs the vendored bundle's own parser on each file (erDiagram and sequenceDiagram parse
# without a DOM; flowchart parsing needs DOMPurify, so it is checked structurally instead).
PARSE_JS = r"""
const fs = require('fs'); const vm = require('vm');
vm.runInThisContext(fs.readFileSync(process.argv[2], 'utf8'));
(async () => {
  const out = {};
  for (const f of process.argv.slice(3)) {
    try { const r = await mermaid.parse(fs.readFileSync(f, 'utf8')); out[f] = r.diagramType; }
    catch (e) { out[f] = 'ERROR: ' + String(e.message || e).slice(0, 300); }
  }
  console.log(JSON.stringify(out));
})();
"""


def designs():
    return [load_design(p).design for p in EXAMPLES] + [load_design_text(DRAFT).design]


@pytest.mark.parametrize("design", designs(), ids=lambda d: d.name)
def test_every_diagram_is_there(design):
    diagrams = build_diagrams(design)
    assert diagrams["er"].startswith("erDiagram\n")
    assert diagrams["components"].startswith("flowchart LR\n")
    sequences = [k for k in diagrams if k.startswith("sequence-")]
    assert len(sequences) == sum(writes(e) for e in design.api.endpoints)
    for entity in design.data_model.entities:
        assert re.sub(r"[^A-Za-z0-9_-]", "_", entity.name) in diagrams["er"]
        for rel in entity.relationships:
            assert re.search(rf"{entity.name} \S+--\S+ {rel.target} :", diagrams["er"])
    for component in design.services.components:
        assert component.name in diagrams["components"]
    for e in (e for e in design.api.endpoints if writes(e)):
        assert any(f">>p2: {e.method} {e.path}" in diagrams[s] for s in sequences)


@pytest.mark.parametrize("design", designs(), ids=lambda d: d.name)
def test_component_edges_name_declared_nodes(design):
    text = build_diagrams(design)["components"]
    declared = set(re.findall(r"^\s+(\w+)[\[\(\{>]", text, re.M)) | {"service"}
    edges = re.findall(r"^\s+(\w+) -\.?->(?:\|[^|]*\|)? (\w+)$|^\s+(\w+) --> (\w+)$", text, re.M)
    assert edges or not any(c.depends_on for c in design.services.components)
    for edge in edges:
        for node in filter(None, edge):
            assert node in declared, node
    ids = {label: ident for ident, label in re.findall(r"^\s+(\w+)\W{1,3}\"?([^<\"]+)<br/>", text, re.M)}
    # a dependency's node shows its version after its name ("redis 7")
    ids.update({d.name: ids[f"{d.name} {d.version}"] for d in design.services.dependencies
                if d.version and f"{d.name} {d.version}" in ids})
    for c in design.services.components:
        for dep in c.depends_on:
            assert f"{ids[c.name]} --> {ids[dep]}" in text


def test_sequence_follows_handler_to_store():
    path = next((p for p in EXAMPLES if p.parent.name == "webhook-ingestion"), None)
    if path is None:
        pytest.skip("webhook-ingestion example not present")
    seq = build_diagrams(load_design(path).design)["sequence-ingestwebhook"]
    order = [seq.index(s) for s in ("as Client", "as WebhookHandler", "as IngestionService",
                                    "as EventRepository")]
    assert order == sorted(order)
    assert "main-db (postgresql)" in seq and "write WebhookEvent" in seq
    assert "alt key already seen" in seq          # the idempotency branch
    assert "events-queue (queue)" in seq


def test_diagrams_are_parsed_by_the_vendored_mermaid(tmp_path):
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node is not installed (CI=true: .ci/run must install nodejs)")
        pytest.skip("node is not installed; needed to run Mermaid's parser")
    bundle = tmp_path / "mermaid.min.js"
    bundle.write_text(mermaid_js())
    files = []
    for i, design in enumerate(designs()):
        for name, text in build_diagrams(design).items():
            if name != "components":
                files.append(tmp_path / f"{i}-{name}.mmd")
                files[-1].write_text(text)
    script = tmp_path / "parse.js"
    script.write_text(PARSE_JS)
    r = subprocess.run([node, str(script), str(bundle), *map(str, files)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    results = json.loads(r.stdout)
    bad = {Path(f).name: v for f, v in results.items() if v.startswith("ERROR")}
    assert not bad
    assert set(results.values()) == {"er", "sequence"}


def test_export_writes_markdown_and_one_mmd_per_diagram(tmp_path):
    design = load_design(EXAMPLES[0])
    written = export("diagrams", design, tmp_path)
    names = build_diagrams(design.design)
    assert {p.name for p in written} == {"diagrams.md"} | {f"{n}.mmd" for n in names}
    md = (tmp_path / "diagrams.md").read_text()
    assert md.count("```mermaid") == len(names)


def test_vendored_mermaid_is_the_noted_version_with_its_licence():
    js = mermaid_js()
    assert len(js) > 1_000_000 and f'"{MERMAID_VERSION}"' in js
    assert "</script" not in js.lower()          # safe to inline in the HTML report
    static = Path(__file__).resolve().parents[1] / "designkit" / "outputs" / "static"
    assert "MIT" in (static / "mermaid.LICENSE").read_text()
