"""``designkit check`` without click (designkit/__main__.py) answers exactly as the click command does."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import EXAMPLES, ROOT, WEBHOOK

DRAFT = next(p for p in EXAMPLES if p.parent.name == "incomplete-draft")

# Runs the entry point and reports whether the command-line library was imported.
ENTRY = ("import atexit, sys\n"
         "atexit.register(lambda: print('CLICK', 'click' in sys.modules, file=sys.stderr))\n"
         "from designkit.__main__ import main\nmain(sys.argv[1:])\n")
CLICK = "import sys\nfrom designkit.cli import main\nmain(sys.argv[1:])\n"


def _run(code: str, args: list[str], cwd) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


CASES = {
    # id: (arguments, whether the fast path takes them)
    "clean": (["check", str(WEBHOOK)], True),
    "findings": (["check", str(DRAFT)], True),
    "json": (["check", str(DRAFT), "--format", "json"], True),
    "sarif-equals": (["check", "--format=sarif", str(DRAFT)], True),
    "fail-on-warning": (["check", str(DRAFT), "--fail-on", "warning"], True),
    "fail-on-never": (["check", "--fail-on=never", str(DRAFT)], True),
    "relative-path": (["check", "./examples//incomplete-draft/design.yaml"], True),
    "missing-file": (["check", "no/such/design.yaml"], True),
    "not-yaml": (["check", "README.md"], True),
    "bad-format": (["check", str(WEBHOOK), "--format", "xml"], False),
    "repeated-option": (["check", str(WEBHOOK), "--format", "json", "--format", "text"], False),
    "no-design": (["check"], False),
    "two-designs": (["check", str(WEBHOOK), str(DRAFT)], False),
    "help": (["check", "--help"], False),
    "unknown-option": (["check", str(WEBHOOK), "--colour"], False),
    "output-is-a-folder": (["check", str(WEBHOOK), "-o", "examples"], False),
    "option-without-value": (["check", str(WEBHOOK), "--format"], False),
    "other-command": (["schema"], False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fast_check_matches_click(case, tmp_path):
    args, fast = CASES[case]
    args = [a.replace("x.txt", str(tmp_path / "x.txt")) for a in args]
    code, out, err = _run(ENTRY, args, ROOT)
    assert f"CLICK {not fast}" in err, err
    err = err.replace(f"CLICK {not fast}\n", "")
    assert (code, out, err) == _run(CLICK, args, ROOT)
    assert "Traceback" not in err


@pytest.mark.parametrize("form", [["-o", "{}"], ["-o{}"], ["--output", "{}"], ["--output={}"]])
def test_fast_check_writes_the_report_file(form, tmp_path):
    fast, slow = tmp_path / "fast.txt", tmp_path / "slow.txt"
    base = ["check", str(DRAFT), "--format", "json"]
    code, out, err = _run(ENTRY, base + [f.format(fast) for f in form], ROOT)
    assert "CLICK False" in err and out == ""
    assert (code, out) == _run(CLICK, base + [f.format(slow) for f in form], ROOT)[:2]
    assert code == 1 and fast.read_text() == slow.read_text() and '"findings"' in fast.read_text()
