"""`make lint` is part of the test run: a lint error (an undefined name in a bench script, an
unsorted import) fails the tests instead of landing green."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is in the test extra ([test] in pyproject.toml): install it with make install"
    result = subprocess.run([ruff, "check", "--no-cache", "designkit", "tests", "bench", "tools"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
