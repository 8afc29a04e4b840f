"""``designkit check``: formats, exit codes, SARIF validity, and no heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK = ROOT / "examples" / "webhook-ingestion" / "design.yaml"
DRAFT = ROOT / "examples" / "incomplete-draft" / "design.yaml"
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


def designkit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "designkit", *args], capture_output=True, text=True, cwd=cwd)


def test_clean_design_exits_0_and_says_so():
    run = designkit("check", str(WEBHOOK))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 errors, 0 warnings" in run.stdout and "tier A" in run.stdout


def test_findings_exit_1_grouped_by_step_with_file_and_line():
    run = designkit("check", str(DRAFT))
    assert run.returncode == 1
    out = run.stdout
    assert out.index("Scope (scope)") < out.index("API surface (api)") < out.index("Validation plan (validation)")
    assert f"{DRAFT}:32: API001 error: POST /orders has no authorization rule [api.endpoints[0].authorization]" in out
    assert "fix: Add `authorization: role:NAME`" in out


@pytest.mark.parametrize(("fail_on", "design", "code"), [
    ("never", DRAFT, 0), ("error", DRAFT, 1), ("warning", DRAFT, 1), ("warning", WEBHOOK, 0)])
def test_fail_on(fail_on, design, code):
    assert designkit("check", str(design), "--fail-on", fail_on).returncode == code


def test_warnings_fail_only_with_fail_on_warning(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(WEBHOOK.read_text(encoding="utf-8").replace("      scales_on: CPU and request rate\n", ""),
                    encoding="utf-8")
    assert designkit("check", str(path), "--fail-on", "error").returncode == 0
    run = designkit("check", str(path), "--fail-on", "warning")
    assert run.returncode == 1 and "PRF002 warning" in run.stdout


def test_bad_input_exits_2_without_traceback(tmp_path):
    missing = designkit("check", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\napi: {endpoints: [{method: FETCH, path: /a}]}\n", encoding="utf-8")
    run = designkit("check", str(bad))
    assert run.returncode == 2 and f"{bad}:2" in run.stderr and "Traceback" not in run.stderr
    usage = designkit("check", str(WEBHOOK), "--format", "xml")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_json_format():
    run = designkit("check", str(DRAFT), "--format", "json")
    data = json.loads(run.stdout)
    assert data["tier"] == "A" and data["counts"]["errors"] == sum(
        1 for f in data["findings"] if f["severity"] == "error" and not f["waiver"])
    first = data["findings"][0]
    assert {"code", "severity", "step", "message", "key_path", "line", "fix", "risk", "plan"} <= set(first)


def test_sarif_is_valid_2_1_0_and_points_at_design_lines():
    run = designkit("check", "examples/incomplete-draft/design.yaml", "--format", "sarif")
    log = json.loads(run.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    results = sarif_run["results"]
    assert results and all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    api001 = next(r for r in results if r["ruleId"] == "API001")
    loc = api001["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "examples/incomplete-draft/design.yaml"
    assert loc["region"]["startLine"] == 32 and api001["level"] == "error"


def test_sarif_marks_waived_findings_as_suppressed(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(DRAFT.read_text(encoding="utf-8") + """
waivers:
  - {rule: VAL003, target: validation, status: accepted, justification: CI is defined in the platform repository for all services., owner: platform, expires: 2099-01-01}
""", encoding="utf-8")
    log = json.loads(designkit("check", str(path), "--format", "sarif").stdout)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    val003 = [r for r in log["runs"][0]["results"] if r["ruleId"] == "VAL003"]
    assert val003 and val003[0]["suppressions"][0]["status"] == "accepted"


def test_check_imports_no_notebook_stack(tmp_path):
    code = (
        "import sys\n"
        "from designkit.cli import main\n"
        f"try:\n    main(['check', {str(DRAFT)!r}, '--format', 'sarif', '-o', {str(tmp_path / 'check.sarif')!r}])\n"
        "except SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pandas', 'jupyter_client', 'jupyterlab', 'ipywidgets', 'papermill', 'nbformat', 'IPython', 'ipykernel'))\n"
        "print(','.join(heavy))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""
    assert json.loads((tmp_path / "check.sarif").read_text())["runs"][0]["results"]
