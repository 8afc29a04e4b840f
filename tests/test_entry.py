"""``designkit check`` without click (designkit/__main__.py) answers exactly as the click command does."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import EXAMPLES, ROOT, WEBHOOK

DRAFT = next(p for p in EXAMPLES if p.parent.name == "incomplete-draft")

# Runs the entry point and reports whether the command-line library was imported, at exit: the
# interpreter's (atexit) or the immediate one a finished check takes (os._exit, no atexit).
ENTRY = ("import atexit, os, sys\n"
         "said = []\n"
         "def say():\n"
         "    if not said:\n"
         "        said.append(True)\n"
         "        print('CLICK', 'click' in sys.modules, file=sys.stderr, flush=True)\n"
         "atexit.register(say)\n"
         "_exit = os._exit\n"
         "os._exit = lambda code: (say(), _exit(code))\n"
         "from designkit.__main__ import main\nmain(sys.argv[1:])\n")
CLICK = "import sys\nfrom designkit.cli import main\nmain(sys.argv[1:])\n"


def _run(code: str, args: list[str], cwd) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


CASES = {
    # id: (arguments, whether the short path runs it without click)
    "clean": (["check", str(WEBHOOK)], True),
    "findings": (["check", str(DRAFT)], True),
    "json": (["check", str(DRAFT), "--format", "json"], True),
    "sarif-equals": (["check", "--format=sarif", str(DRAFT)], True),
    "fail-on-warning": (["check", str(DRAFT), "--fail-on", "warning"], True),
    "fail-on-never": (["check", "--fail-on=never", str(DRAFT)], True),
    "relative-path": (["check", "./examples//incomplete-draft/design.yaml"], True),
    # a design that does not load: reported here, exactly as cli.main reports it
    "missing-file": (["check", "no/such/design.yaml"], True),
    "not-yaml": (["check", "README.md"], True),
    "invalid-design": (["check", "{bad}"], True),
    "bad-format": (["check", str(WEBHOOK), "--format", "xml"], False),
    "repeated-option": (["check", str(WEBHOOK), "--format", "json", "--format", "text"], False),
    "no-design": (["check"], False),
    "two-designs": (["check", str(WEBHOOK), str(DRAFT)], False),
    "help": (["check", "--help"], False),
    "unknown-option": (["check", str(WEBHOOK), "--colour"], False),
    "option-without-value": (["check", str(WEBHOOK), "--format"], False),
    "output-file": (["check", str(DRAFT), "-o", "{out}"], False),
    "other-command": (["schema"], False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_short_path_answers_as_click_does(case, tmp_path):
    args, short = CASES[case]
    outputs = []
    for code, name in ((ENTRY, "entry"), (CLICK, "click")):
        out = tmp_path / f"{name}.txt"
        bad = tmp_path / "bad.yaml"
        bad.write_text("name: x\napi:\n  endpoints:\n    - {method: GET, path: /v1/a, methd: GET}\n")
        outputs.append(_run(code, [a.replace("{out}", str(out)).replace("{bad}", str(bad)) for a in args], ROOT)
                       + ((out.read_text() if out.exists() else None),))
    (code, out, err, written), expected = outputs
    assert f"CLICK {not short}" in err, err
    assert (code, out, err.replace(f"CLICK {not short}\n", ""), written) == expected
    assert "Traceback" not in err
