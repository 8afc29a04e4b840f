"""Write the step notebooks (notebooks/NN_step.ipynb) and refresh their checked outputs.

The notebooks are committed; this tool keeps the eleven of them uniform. Run it after changing
a step's guidance or the example design (`make notebooks`): it writes each notebook, executes it
on the bundled example, and keeps the outputs of the cells nbval compares (# NBVAL_CHECK_OUTPUT),
clearing the rest so the files stay small and diffs stay readable.

    python tools/build_notebooks.py            # write and refresh outputs
    python tools/build_notebooks.py --no-run   # write only
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from designkit.core.steps import STEPS, Step  # noqa: E402

CHECK = "# NBVAL_CHECK_OUTPUT"

# What to decide and what good looks like, per step, taken from the seeds (../shared/seeds).
GUIDANCE: dict[str, str] = {
    "scope": """\
Confirm requirements and constraints before designing anything (Response Checklist, item 1).

**Decide**
- the **requirements**: endpoints and behaviours, SLAs, compliance needs (seed *Inputs*);
- the **core use cases, data flows and integration points** (*Design Thinking: Scope*);
- the **constraints**: latency, throughput, availability, compliance and deployment limits
  (*Design Thinking: Constraints*);
- the **criticality tier** (A: business critical, B: important, C: prototype). It sets how strict
  the checks are, so a prototype is not held to a payments system's bar.

**Good looks like**: every constraint is a number or a named standard ("p99 < 300 ms", "99.95%
monthly", "GDPR"), every SLA names what is measured, and every external system appears as an
integration point.""",
    "data_model": """\
Define the data model and its invariants (Response Checklist, item 2; *Design Thinking: Data*).

**Decide** the **entities**, their **fields** and **keys**, their **relationships**, the
**invariants** that must always hold, each entity's **lifecycle** (states, retention), and the
**classification** of its data (public, internal, confidential, PII, credential, secret).

**Good looks like**: every entity has a primary key; every field that holds text has a maximum
length; every entity that is written states its invariants; personal and secret data is marked,
so logs, audit and access rules can treat it as such.""",
    "api": """\
Define the API surface (Steps 1; *Architecture Guidelines: API Design*; Response Checklist item 3).

**Decide**
- the **endpoints and events**: REST endpoints, WebSocket or event channels, outbound webhooks;
- the **request and response schema** of each, with bounds (lengths, ranges, sizes) and what
  happens to unknown fields;
- the **error model**: codes and messages, one shape for every error;
- **versioning**: how breaking changes reach clients.

**Good looks like**: explicit contracts ("explicit contracts, versioning, validation, and error
shape"); inputs are validated and outputs are consistent with their schema (seed *Validation*).""",
    "security": """\
Define the security model (Steps 2; *Architecture Guidelines: Security*; seed *Validation* and
*Safety Rules*).

**Decide** the **authentication method**, the **authorization rule** of every endpoint and channel
(or an explicit, written **public justification**), **rate limits and abuse controls**, how
**secrets** are handled (kept in a secret store, never in source control), **least privilege**,
and the **audit** of sensitive actions.

**Good looks like**: "Every endpoint has authz rules or an explicit 'public' justification";
no design "requires storing secrets in source control".""",
    "services": """\
Define service and module boundaries (Steps 3).

**Decide** the **controllers/handlers**, the **domain services**, the **repositories/adapters**,
what depends on what, and every **dependency** the design adds, with the reason it is needed.

**Good looks like**: handlers stay thin, domain logic lives in services, I/O sits behind
repositories and adapters; "avoid introducing new dependencies unless justified" (Safety Rules):
each dependency names why it is worth having.""",
    "persistence": """\
Define persistence (Steps 4; *Architecture Guidelines: Storage*).

**Decide** the **stores**, chosen by access pattern and durability needs; the
**schema/tables/collections** and their **indexes**; the **migrations** strategy; and the
**idempotency model** where writes can be repeated.

**Good looks like**: every access pattern the design relies on is served by an index (or says why
it needs none); migrations are backward compatible; repeated writes are safe.""",
    "reliability": """\
Address failure modes and consistency (Response Checklist item 4; *Design Thinking: Reliability*;
seed *Validation*: "Failure modes are explicit (timeouts, retries, fallbacks)").

**Decide**, per dependency and integration point: the **timeout**, the **retry** policy with
**backoff** (only for calls that are safe to repeat), the **fallback** or the stated failure
behaviour; the **consistency model**; and how the system **recovers**.

**Good looks like**: "Default to safe failure modes (no partial writes without idempotency)"
(Safety Rules): every write that is not naturally idempotent has an idempotency key and a store
for it, or is one transaction.""",
    "performance": """\
Cover performance, scaling and caching (Response Checklist item 5; *Architecture Guidelines:
Performance, Scalability*).

**Decide** a **capacity** estimate, **indexing**, **caching** (what, where, how long, how it is
invalidated), **batching**, **async processing**, **stateless** services where possible, and the
**scaling boundaries**.

**Good looks like**: numbers that match the constraints in scope, and a named boundary where the
design stops scaling horizontally.""",
    "observability": """\
Define observability (Steps 5; *Architecture Guidelines: Observability*; Response Checklist
item 6).

**Decide** **structured logs** (and which fields never reach them), **request ids** propagated
end to end, **metrics**, **traces** and **alerts** tied to the SLAs in scope, and the **audit
trail for sensitive actions**.

**Good looks like**: every SLA has a metric and an alert; every sensitive action is audited;
classified fields are redacted from logs.""",
    "validation": """\
Define the validation plan (Steps 6: tests + CI hooks).

**Decide** the **tests** per layer, per endpoint and per failure mode (unit, integration,
contract, end-to-end, load, chaos), and the **CI hooks** that run them, including
`designkit check design.yaml --fail-on error` to keep the design honest.

**Good looks like**: every endpoint and every failure mode names a test; CI runs them on every
change.""",
    "report": """\
The architecture spec and the checklist report (seed *Output* and *Response Checklist*).

This step gathers every other step: it writes `spec.yaml` (the seed's output schema: `api`,
`services`, `data_model`, `observability`, `validation`, plus `security`, `persistence`,
`reliability`, `performance`, `decisions` and `checklist`), `checklist.md` and `report.html`
(the six checklist items and the Validation items with status, evidence, risk and plan; the
findings by step; the waivers), and the artifacts (OpenAPI, SQL, diagrams, decision records).""",
}

DIAGRAM_STEPS = {"data_model", "services", "api", "report"}


def build(step: Step) -> nbformat.NotebookNode:
    cells = [new_markdown_cell(f"# {step.number:02d} · {step.title}\n\n{GUIDANCE[step.id]}\n\n"
                               f"_Seed lines this step answers: {step.seeds}._")]
    params = ('# Parameters: `papermill -p design_path D -p output_dir O` replaces these values.\n'
              'design_path = "../examples/webhook-ingestion/design.yaml"\n'
              'output_dir = "../out"')
    if step.id == "report":
        params += '\nrun_status = ""  # set by `designkit run`: which steps failed'
    cell = new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    cells.append(cell)
    cells.append(new_code_cell(f'import designkit.jupyter.notebook as dk\n\nsession = dk.open_step("{step.id}", design_path, output_dir)\nsession'))
    cells.append(new_markdown_cell("## Where this step stands\n\nCounts of this step's part of the design, and its open findings."))
    cells.append(new_code_cell(f"{CHECK}\nsession.summary()"))
    if step.id == "report":
        cells.append(new_markdown_cell("## The checklist\n\nThe seed's Response Checklist and its Validation items, each with its status and evidence."))
        cells.append(new_code_cell(f"{CHECK}\nsession.checklist_table()"))
    cells.append(new_markdown_cell("## The design so far"))
    cells.append(new_code_cell("session.show_tables()"))
    if step.id in DIAGRAM_STEPS:
        cells.append(new_markdown_cell("## Diagrams\n\nMermaid text; JupyterLab draws it, and so do Markdown viewers."))
        cells.append(new_code_cell("session.show_diagrams()"))
    if step.id == "security":
        cells.append(new_markdown_cell("## Threat model\n\nSTRIDE threats per actor, process, store and flow, derived from "
                                       "the design: what mitigates each, what is missing (open first). Record decisions "
                                       "in `threats:`; `designkit threats` and the report show the data-flow diagram."))
        cells.append(new_code_cell("from designkit.jupyter.tables import threats_table\n\nthreats_table(session.design)"))
    cells.append(new_markdown_cell("## Findings\n\nWhat the checks found in this step, with where (key path and line) and how to fix it. "
                                   "Waived findings are struck through."))
    cells.append(new_code_cell("session.show_findings()"))
    cells.append(new_markdown_cell("## Decide\n\nEdit this step's decisions; **Save** writes the design file (comments kept), "
                                   "and the tables and findings above refresh. Record a decision with its reasons under "
                                   "*Record a decision*. In a headless run the form is shown but changes nothing."))
    cells.append(new_code_cell("session.form()"))
    cells.append(new_markdown_cell("## Result"))
    if step.id == "report":
        cells.append(new_code_cell("session.write_report(run_status)"))
    else:
        cells.append(new_code_cell("session.write_result()"))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def refresh_outputs(path: Path) -> None:
    """Execute the notebook and keep only the outputs nbval checks."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if not cell.source.startswith(CHECK):
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-run", action="store_true", help="write the notebooks without executing them")
    args = parser.parse_args()
    out = ROOT / "notebooks"
    out.mkdir(exist_ok=True)
    for step in STEPS:
        path = out / step.notebook
        nbformat.write(build(step), path)
        if not args.no_run:
            refresh_outputs(path)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
