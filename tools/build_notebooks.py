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
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from designkit.core.steps import STEPS, Step  # noqa: E402

CHECK = "# NBVAL_CHECK_OUTPUT"

DIAGRAM_STEPS = {"data_model", "services", "api", "report"}


def build(step: Step) -> nbformat.NotebookNode:
    cells = [new_markdown_cell(f"# {step.number:02d} · {step.title}\n\n{step.guidance}\n\n"
                               f"_Seed lines this step answers: {step.seeds}._")]
    params = ('# Parameters: `papermill -p design_path D -p output_dir O` replaces these values.\n'
              'design_path = "../examples/webhook-ingestion/design.yaml"\n'
              'output_dir = "../out"\n'
              'checked = ""  # set by `designkit run`: the design loaded and checked once, for every step')
    if step.id == "report":
        params += '\nrun_status = ""  # set by `designkit run`: which steps failed'
    cell = new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    cells.append(cell)
    cells.append(new_code_cell(f'import designkit.jupyter.notebook as dk\n\nsession = dk.open_step("{step.id}", design_path, output_dir, checked)\nsession'))
    cells.append(new_markdown_cell("## Where this step stands\n\nCounts of this step's part of the design, and its open findings."))
    cells.append(new_code_cell(f"{CHECK}\nsession.summary()"))
    if step.id == "report":
        cells.append(new_markdown_cell("## The checklist\n\nThe seed's Response Checklist and its Validation items, each with its status and evidence."))
        cells.append(new_code_cell(f"{CHECK}\nsession.checklist_table(run_status)"))
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
                                   "*Record a decision*. A headless run (`designkit run`) builds no form: a line says so."))
    cells.append(new_code_cell("session.form()"))
    if step.id == "report":
        cells.append(new_markdown_cell(
            "## Result\n\n`designkit run DESIGN -o OUT` writes `spec.yaml`, `checklist.md` (the checklist "
            "above), `report.html`, `findings.json` and `artifacts/` into OUT once every step notebook has run; "
            "this notebook only shows them."))
    else:
        cells.append(new_markdown_cell("## Result"))
        cells.append(new_code_cell("session.write_result()"))
    # Stable cell ids (not nbformat's random ones): building twice gives the same file, so a
    # rebuild shows in git only where a notebook really changed.
    for i, cell in enumerate(cells):
        cell.id = f"{step.id.replace('_', '-')}-{i:02d}"
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
        cell.metadata.pop("execution", None)      # kernel timestamps: different on every build
        if not cell.source.startswith(CHECK):
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-run", action="store_true", help="write the notebooks without executing them")
    parser.add_argument("--out", type=Path, default=ROOT / "notebooks", help="folder to write them to")
    args = parser.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    # the executed notebooks write their step results into a temporary folder, not ../out
    # (designkit.jupyter.notebook.NOTEBOOK_OUTPUT_ENV; the kernels inherit this environment)
    os.environ.setdefault("DESIGNKIT_NOTEBOOK_OUTPUT", tempfile.mkdtemp(prefix="designkit-build-"))
    for step in STEPS:
        path = out / step.notebook
        nbformat.write(build(step), path)
        if not args.no_run:
            refresh_outputs(path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
