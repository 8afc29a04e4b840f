"""The project's own promises about packaging: deps in step, schema fresh, API guarded, core clean."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import tomllib
import yaml
from conftest import ROOT, WEBHOOK, run_cli

import designkit

_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$")


def _requirements(items) -> dict[str, str]:
    out = {}
    for item in items:
        name, spec = _REQ.match(item).groups()
        out[name.lower().replace("_", "-")] = spec.replace(" ", "")
    return out


def test_environment_yml_lists_the_same_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    assert _requirements(conda) == _requirements(project["dependencies"])


def test_shipped_json_schema_is_generated_from_the_model():
    from designkit.schema import SCHEMA_FILE, schema_text

    assert SCHEMA_FILE.read_text() == schema_text(), "run `make schema` to regenerate it"
    schema = json.loads(schema_text())
    assert schema["additionalProperties"] is False
    assert "api" in schema["properties"] and "Endpoint" in schema["$defs"]


def test_json_schema_accepts_the_examples_and_rejects_unknown_keys():
    import jsonschema
    from conftest import EXAMPLES

    schema = json.loads((ROOT / "designkit" / "schema" / "design.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=None)
    for path in EXAMPLES:
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        assert not list(validator.iter_errors(data)), path
    assert list(validator.iter_errors({"name": "x", "scope": {"teir": "A"}}))


def test_schema_command_prints_the_shipped_schema():
    result = run_cli("schema")
    assert result.returncode == 0
    assert result.stdout == (ROOT / "designkit" / "schema" / "design.schema.json").read_text()


def test_public_namespace_is_sorted_and_importable():
    assert designkit.__all__ == sorted(designkit.__all__)
    for name in designkit.__all__:
        assert hasattr(designkit, name), name


CORE = ["model", "loader", "errors", "findings", "steps", "spec", "assemble", "checklist", "report",
        "schema", "starter", "store"]
FORBIDDEN = ("IPython", "ipywidgets", "ipykernel", "jupyter", "jupyter_client", "nbclient", "nbformat",
             "papermill", "click", "tqdm")


def _imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_no_jupyter_widget_papermill_or_cli_library():
    package = ROOT / "designkit"
    files = [package / f"{m}.py" for m in CORE if (package / f"{m}.py").exists()]
    for sub in ("rules", "exporters", "importers", "report"):
        files += sorted((package / sub).glob("*.py"))
    assert files
    for path in files:
        bad = _imported_modules(path) & set(FORBIDDEN)
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_help_and_check_do_not_import_heavy_libraries():
    code = ("import sys\nfrom designkit.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in ('pandas', 'papermill', 'IPython', 'ipywidgets', 'nbclient', 'jupyter_client')"
            " if m in sys.modules)\nprint('HEAVY', heavy, file=sys.stderr)")
    for args in (["--help"], ["check", str(WEBHOOK)]):
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT)
        assert "HEAVY []" in result.stderr, (args, result.stderr)


def test_starter_design_loads_and_shows_what_is_missing(tmp_path):
    result = run_cli("new", "payments-ledger", "-o", tmp_path / "design.yaml")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "design.yaml").read_text()
    for section in ("scope:", "data_model:", "api:", "security:", "services:", "persistence:",
                    "reliability:", "performance:", "observability:", "validation:", "decisions:"):
        assert f"\n{section}" in text
    assert text.count("#") > 40  # commented guidance
    checked = run_cli("check", tmp_path / "design.yaml", "--fail-on", "never")
    assert checked.returncode == 0, checked.stderr
    assert "API" in checked.stdout or "SCO" in checked.stdout or "finding" in checked.stdout.lower()
    again = run_cli("new", "payments-ledger", "-o", tmp_path / "design.yaml")
    assert again.returncode == 2 and "already exists" in again.stderr
