"""The step session that a notebook drives: load the design, show it, refresh it, write the result.

In a batch run the design is loaded and checked once by the runner and handed over as the
``checked`` file (see ``designkit.outputs.checked``); a session opened without one, or on a design
edited since, loads and checks the file itself. The report step only displays: ``designkit run``
writes spec, checklist and report after every notebook ran (``designkit.outputs.assemble``).

A notebook cell calls one method and sees its result. Everything displayed through a session is
registered under a display handle, so ``refresh()`` (after a form saves) updates the tables and
findings already on the page instead of printing new ones.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML, SVG, Markdown, display

from ..core.findings import Finding
from ..core.loader import DesignDocument, load_design
from ..core.steps import HEADLESS_ENV, Step, StepFailure, get_step
from ..core.yamlout import dump_yaml
from . import tables

HEADLESS_FORM = ("_No form in a headless run (`designkit run`): this step's form appears when the "
                 "notebook is opened in Jupyter._")


class StepSession:
    """One design step open on one design file."""

    def __init__(self, step: Step, design_path: str | Path, output_dir: str | Path, checked: str | Path = ""):
        self.step = step
        self.design_path = Path(design_path)
        self.output_dir = Path(output_dir)
        self.checked = checked  # the run's shared load and check (and what is derived from them)
        self._handles: dict[str, Any] = {}
        self.document: DesignDocument
        self.result: Any = None
        self.load(checked)

    # ------------------------------------------------------------------ state

    def load(self, checked: str | Path = "") -> None:
        """Read the design file and run the checks (errors raise with file, line and key), or take
        both from the run's ``checked`` file while the design file is unchanged."""
        from ..outputs.checked import load_checked
        from ..rules import run_checks

        shared = load_checked(checked, self.design_path) if checked else None
        if shared is not None:
            self.document, self.result = shared
            return
        self.document = load_design(self.design_path)
        self.result = run_checks(self.document)

    @property
    def design(self):
        return self.document.design

    @property
    def findings(self) -> list[Finding]:
        """This step's findings; the report step sees all of them."""
        if self.step.id == "report":
            return list(self.result.findings)
        return list(self.result.for_step(self.step.id))

    # ------------------------------------------------------------------ views

    def summary(self) -> pd.DataFrame:
        """Stable counts for this step: table sizes and open findings by severity."""
        rows = [{"item": name, "count": len(frame)}
                for name, frame in tables.step_tables(self.step.id, self.design).items()]
        open_findings = [f for f in self.findings if not f.waived]
        for severity in ("error", "warning", "info"):
            rows.append({"item": f"findings: {severity}",
                         "count": sum(f.severity == severity for f in open_findings)})
        rows.append({"item": "findings: waived", "count": sum(f.waived for f in self.findings)})
        return pd.DataFrame(rows).set_index("item")

    def show_tables(self) -> None:
        """Display each of this step's tables under a heading."""
        for name, frame in tables.step_tables(self.step.id, self.design).items():
            display(Markdown(f"**{name}** ({len(frame)})"))
            self._show(f"table:{name}", frame if len(frame) else Markdown("_none yet_"))
        for name, svg in self._figures().items():
            self._show(f"figure:{name}", SVG(svg))

    def _figures(self) -> dict[str, str]:
        return tables.step_figures(self.step.id, self.design, self.checked, self.document.digest)

    def findings_table(self):
        """This step's findings as a styled table (or a line saying there are none)."""
        found = self.findings
        if not found:
            return Markdown(f"No findings for {self.step.title.lower()}: nothing to fix here.")
        return tables.style_findings(tables.findings_frame(found))

    def show_findings(self) -> None:
        self._show("findings", self.findings_table())

    def form(self):
        """The widget form for this step's decisions (it saves to the design file).

        In a headless run (``designkit run``) nobody can use a form, and its widgets are not kept
        in the executed notebook: a line says where the form is instead."""
        if os.environ.get(HEADLESS_ENV):
            return Markdown(HEADLESS_FORM)
        from .forms import build_form

        return build_form(self)

    def _show(self, key: str, obj: Any) -> None:
        handle = self._handles.get(key)
        if handle is None:
            self._handles[key] = display(obj, display_id=True)
        else:
            handle.update(obj)

    def refresh(self) -> None:
        """Reload from disk, re-run the checks, and update what is on the page in place."""
        self.load()
        for name, frame in tables.step_tables(self.step.id, self.design).items():
            key = f"table:{name}"
            if key in self._handles:
                self._handles[key].update(frame if len(frame) else Markdown("_none yet_"))
        for name, svg in self._figures().items():
            if f"figure:{name}" in self._handles:
                self._handles[f"figure:{name}"].update(SVG(svg))
        if "findings" in self._handles:
            self._handles["findings"].update(self.findings_table())

    # ------------------------------------------------------------------ result

    def step_result(self) -> dict:
        """This step's part of the design and its findings, as plain data."""
        from ..outputs.checked import design_dump

        section = self.step.section
        data = design_dump(self.document, self.checked).get(section, {}) if section else {}
        return {"step": self.step.id, "title": self.step.title, "design": str(self.design_path),
                section or "report": data, "findings": [f.as_dict() for f in self.findings]}

    def write_result(self) -> Path:
        """Write ``OUTPUT/steps/NN_step.yaml`` and return its path."""
        from ..core.output_guard import OutputGuard

        target = self.output_dir / "steps" / f"{self.step.number:02d}_{self.step.id}.yaml"
        # through the output guard: recorded in the folder's manifest, so a later `designkit run`
        # into the same folder knows designkit wrote it (and a hand edit of it is not overwritten)
        guard = OutputGuard(self.output_dir, protect=[self.design_path], by="notebook")
        return guard.write_text(target, dump_yaml(self.step_result()))

    def checklist_items(self, run_status: str | Path = "") -> list:
        """The checklist as ``designkit run`` writes it: ``run_status`` is the run's ``run.json``,
        whose failed steps make the items they feed "not met"."""
        from ..outputs.checklist import evaluate_checklist

        return evaluate_checklist(self.document, self.result, read_step_failures(run_status))

    def checklist_table(self, run_status: str | Path = "") -> pd.DataFrame:
        """The seed's checklist items with status, evidence and what to do when not met."""
        return pd.DataFrame([{"group": i.group, "item": i.text, "status": i.status, "risk": i.risk,
                              "evidence": i.evidence, "to do": i.fix if i.status != "met" else ""}
                             for i in self.checklist_items(run_status)])

    def show_diagrams(self) -> None:
        """The Mermaid diagrams of this step (all of them in the report step)."""
        from ..outputs.exporters.diagrams import build_diagrams

        wanted = {"data_model": ("er",), "services": ("component",), "api": ("sequence",)}.get(self.step.id)
        for name, text in build_diagrams(self.design).items():
            if wanted is None or name.startswith(wanted):
                display(Markdown(f"**{name}**\n\n```mermaid\n{text}\n```"))

    def _repr_html_(self) -> str:  # a bare `session` in a cell shows what it is open on
        return HTML(f"<b>{self.step.number:02d} {self.step.title}</b> on <code>{self.design_path}</code>").data


def read_step_failures(run_status: str | Path) -> list[StepFailure]:
    """The failed steps recorded in a ``run.json`` (none when there is no such file)."""
    if not run_status or not Path(run_status).is_file():
        return []
    import json

    data = json.loads(Path(run_status).read_text(encoding="utf-8"))
    return [StepFailure.from_dict(f) for f in data.get("step_failures", [])]


# Outside ``designkit run`` (which always passes ``checked`` and its own -o), this variable
# replaces a notebook's output_dir: the tests point it at a temporary folder so that running the
# notebooks under nbval never writes into the repository.
NOTEBOOK_OUTPUT_ENV = "DESIGNKIT_NOTEBOOK_OUTPUT"


def open_step(step_id: str, design_path: str | Path, output_dir: str | Path = "out",
              checked: str | Path = "") -> StepSession:
    """Open a design step on a design file: the first call of every step notebook."""
    if not checked and os.environ.get(NOTEBOOK_OUTPUT_ENV):
        output_dir = os.environ[NOTEBOOK_OUTPUT_ENV]
    return StepSession(get_step(step_id), design_path, output_dir, checked)
