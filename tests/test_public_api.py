"""The public Python API: the names ``import designkit`` promises, used as the README shows."""

from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import WEBHOOK

import designkit

PROMISED = ["CheckResult", "Design", "DesignDocument", "DesignEditor", "DesignFileError",
            "DesignKitError", "DiffResult", "EditError", "Finding", "ImportSourceError", "Problem",
            "RegistryError", "STEPS", "StaleDesignError", "Step", "UsageError", "check",
            "diff", "edit_design", "export", "get_step", "import_openapi", "load_design",
            "load_design_text", "model_threats"]


def test_the_namespace_is_exactly_the_promised_names():
    assert designkit.__all__ == PROMISED


def test_load_check_export_edit_and_import_as_documented(tmp_path):
    design = tmp_path / "design.yaml"
    shutil.copy(WEBHOOK, design)

    document = designkit.load_design(design)
    assert isinstance(document, designkit.DesignDocument)
    result = designkit.check(document)
    assert isinstance(result, designkit.CheckResult)
    assert designkit.check(design).counts() == result.counts()

    (written,) = designkit.export("openapi", document, tmp_path / "openapi.yaml")
    spec = yaml.safe_load(written.read_text())
    assert spec["openapi"].startswith("3.1") and spec["paths"]

    designkit.edit_design(design, [("set", ("scope", "tier"), "C")])
    assert designkit.load_design(design).design.scope.tier == "C"

    data = designkit.import_openapi(written)
    routes = {(e["method"], e["path"]) for e in data["api"]["endpoints"]}
    assert {(e.method, e.path) for e in document.design.api.endpoints} <= routes


def test_every_user_error_is_a_designkit_error(tmp_path):
    with pytest.raises(designkit.DesignFileError):
        designkit.load_design(tmp_path / "missing.yaml")
    with pytest.raises(designkit.UsageError):
        designkit.export("pdf", designkit.load_design(WEBHOOK), tmp_path / "x")
    from designkit.rules import registry
    with pytest.raises(designkit.RegistryError):
        registry.get("NOPE999")
    for name in ("DesignFileError", "EditError", "ImportSourceError", "RegistryError",
                 "StaleDesignError", "UsageError"):
        assert issubclass(getattr(designkit, name), designkit.DesignKitError), name
