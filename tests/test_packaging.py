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
    from designkit.core.schema import SCHEMA_FILE, schema_text

    assert SCHEMA_FILE.read_text() == schema_text(), "run `make schema` to regenerate it"
    schema = json.loads(schema_text())
    assert schema["additionalProperties"] is False
    assert "api" in schema["properties"] and "Endpoint" in schema["$defs"]


def test_json_schema_accepts_the_examples_and_rejects_unknown_keys():
    import jsonschema
    from conftest import EXAMPLES

    schema = json.loads((ROOT / "designkit" / "core" / "design.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=None)
    for path in EXAMPLES:
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        assert not list(validator.iter_errors(data)), path
    assert list(validator.iter_errors({"name": "x", "scope": {"teir": "A"}}))


def test_schema_command_prints_the_shipped_schema():
    result = run_cli("schema")
    assert result.returncode == 0
    assert result.stdout == (ROOT / "designkit" / "core" / "design.schema.json").read_text()


def test_public_namespace_is_sorted_and_importable():
    assert designkit.__all__ == sorted(designkit.__all__)
    for name in designkit.__all__:
        assert hasattr(designkit, name), name


# The layers, lowest first: a module may import its own layer and the layers below it, never a
# layer above or a sibling on the same level (rules and diff; outputs and importers; jupyter and batch).
# capacity and threats sit between core and rules: models derived from the design that rules judge
# and outputs show (siblings: neither imports the other).
LAYERS = {"core": 0, "capacity": 1, "threats": 1, "rules": 2, "diff": 2, "outputs": 3, "importers": 3,
          "jupyter": 4, "batch": 4, "cli": 5, "__main__": 6, "__init__": 6}
FORBIDDEN = ("IPython", "ipywidgets", "ipykernel", "jupyter", "jupyter_client", "nbclient", "nbformat",
             "papermill", "click", "tqdm")
PLAIN_LAYERS = ("core", "capacity", "threats", "rules", "diff", "outputs", "importers")  # no UI library


def _imports(path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (function-level too), as absolute names."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if package.endswith(".__init__"):
        package = package[: -len(".__init__")] + ".__init__"
    parent = package.rsplit(".", 1)[0].split(".")
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                base = ".".join(parent[: len(parent) - node.level + 1] + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "designkit" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def test_every_module_belongs_to_a_layer():
    for path in sorted((ROOT / "designkit").rglob("*.py")):
        rel = path.relative_to(ROOT / "designkit").parts
        assert rel[0].removesuffix(".py") in LAYERS, f"{path.relative_to(ROOT)} is in no layer"


def test_import_arrows_run_one_way():
    wrong = []
    for path in sorted((ROOT / "designkit").rglob("*.py")):
        own = path.relative_to(ROOT / "designkit").parts[0].removesuffix(".py")
        for target in _imports(path):
            layer = _layer(target)
            if layer is None or layer == own:
                continue
            if LAYERS[layer] >= LAYERS[own]:
                wrong.append(f"{path.relative_to(ROOT)} ({own}) imports {target} ({layer})")
    assert not wrong, "\n".join(wrong)


def test_the_layers_below_jupyter_import_no_jupyter_widget_papermill_or_cli_library():
    files = [p for layer in PLAIN_LAYERS for p in sorted((ROOT / "designkit" / layer).rglob("*.py"))]
    assert len(files) > 30
    for path in files:
        bad = {name.split(".")[0] for name in _imports(path)} & set(FORBIDDEN)
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
