"""Shared test helpers: paths, the CLI in a subprocess, and the CI rule for real components."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# The step notebooks (run by nbval) write their step results here, not into the repository's out/
# (designkit.jupyter.notebook.NOTEBOOK_OUTPUT_ENV; kernels inherit this process's environment).
os.environ.setdefault("DESIGNKIT_NOTEBOOK_OUTPUT", tempfile.mkdtemp(prefix="designkit-notebooks-"))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(ROOT.glob("examples/*/design.yaml"))
GOOD_EXAMPLES = [p for p in EXAMPLES if p.parent.name != "incomplete-draft"]
WEBHOOK = ROOT / "examples" / "webhook-ingestion" / "design.yaml"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def design(tmp_path: Path) -> Path:
    """A copy of the webhook example in a tmp folder, for tests that edit a design."""
    target = tmp_path / "design.yaml"
    shutil.copyfile(WEBHOOK, target)
    return target


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `python -m designkit ARGS` as a user would, capturing output."""
    return subprocess.run([sys.executable, "-m", "designkit", *map(str, args)], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout)


def require_component(available: bool, reason: str) -> None:
    """Skip locally when a real component is missing, but fail under CI=true."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: .ci/run must install it)")
    pytest.skip(reason)


@pytest.fixture(params=EXAMPLES, ids=lambda p: p.parent.name)
def example(request) -> Path:
    return request.param
