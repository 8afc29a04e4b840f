"""What ``designkit check`` does, without the CLI: load, run the rules, format, decide the exit code.

Imports only the core (no pandas, Jupyter, widgets or Papermill), so the gate starts fast.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import EXIT_FINDINGS, EXIT_OK, UsageError

FORMATS = ("text", "json", "sarif")
FAIL_ON = ("error", "warning", "never")


def check_design(path: str | Path, *, fmt: str = "text", fail_on: str = "error") -> tuple[str, int]:
    """Check one design file; return the formatted report and the exit code (0 or 1)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if fail_on not in FAIL_ON:
        raise UsageError(f"unknown --fail-on {fail_on!r}; use one of: {', '.join(FAIL_ON)}")
    from ..core.loader import gc_paused, load_design
    from ..rules import run_checks
    from .report import format_json, format_sarif, format_text

    # The collector stays paused through the rules too: they make little cyclic garbage, and
    # each collection would walk the whole loaded model (a quarter of the rules' time at 10,000
    # endpoints). This process ends after the check.
    with gc_paused():
        document = load_design(path)
        result = run_checks(document)
    text = {"text": format_text, "json": format_json, "sarif": format_sarif}[fmt](document, result)
    return text, EXIT_FINDINGS if result.fails(fail_on) else EXIT_OK


def check_design_to(path: str | Path, output: str | Path, *, fmt: str = "text", fail_on: str = "error",
                    force: bool = False) -> int:
    """``check -o``: the report goes to ``output``, never over the design or a file designkit did
    not write (unless ``force``; the design never); refused before the work. Returns the exit code."""
    from ..core.output_guard import OutputGuard, guarded_write

    output = Path(output)
    OutputGuard(output.parent, protect=[path], force=force).check(output)
    text, code = check_design(path, fmt=fmt, fail_on=fail_on)
    guarded_write(output, text, protect=[path], force=force, by="check")
    return code
