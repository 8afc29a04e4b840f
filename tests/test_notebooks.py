"""The committed step notebooks are what tools/build_notebooks.py makes from core/steps.py."""

from __future__ import annotations

import subprocess
import sys

import nbformat
from conftest import ROOT

from designkit.core.steps import STEPS


def test_committed_notebooks_are_what_the_build_tool_makes(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_notebooks.py"), "--no-run", "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == sorted(s.notebook for s in STEPS)
    for step in STEPS:
        built = nbformat.read(tmp_path / step.notebook, as_version=4)
        committed = nbformat.read(ROOT / "notebooks" / step.notebook, as_version=4)
        assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in built.cells], (
            f"notebooks/{step.notebook} differs from what tools/build_notebooks.py makes: run `make notebooks`")


def test_each_notebook_opens_with_its_steps_guidance():
    for step in STEPS:
        first = nbformat.read(ROOT / "notebooks" / step.notebook, as_version=4).cells[0]
        assert first.cell_type == "markdown" and step.guidance in first.source
