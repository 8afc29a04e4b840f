"""designkit: a Jupyter workbook for designing backend systems.

The Python API, for scripts and other tools (the notebooks and the CLI use the same calls)::

    import designkit

    document = designkit.load_design("design.yaml")        # typed, validated; errors name file:line
    result = designkit.check(document)                     # findings, waivers, counts
    designkit.export("openapi", document, "out/openapi.yaml")
    designkit.edit_design("design.yaml", [("set", ("scope", "tier"), "A")])   # atomic, comments kept
    data = designkit.import_openapi("petstore.yaml")       # design data from an OpenAPI file
    changes = designkit.diff("HEAD~1:design.yaml", "design.yaml")   # what the change breaks
    model = designkit.model_threats("design.yaml")         # data-flow diagram, STRIDE threats, register

Every error a user can cause is a :class:`DesignKitError` (the tree is drawn in
``designkit.core.errors``). The public names are loaded on first use (PEP 562), so
``designkit --help`` does not pay for building the pydantic model.
"""

from __future__ import annotations

import importlib

# name -> the module (below this package) that defines it
_PUBLIC = {
    "CheckResult": "rules", "Design": "core.model", "DesignDocument": "core.loader",
    "DesignEditor": "core.store", "DiffResult": "diff", "DesignFileError": "core.errors", "DesignKitError": "core.errors",
    "EditError": "core.errors", "Finding": "core.findings", "ImportSourceError": "core.errors",
    "Problem": "core.errors", "RegistryError": "core.errors", "STEPS": "core.steps",
    "StaleDesignError": "core.errors", "Step": "core.steps", "UsageError": "core.errors",
    "edit_design": "core.store", "export": "outputs.exporters", "get_step": "core.steps",
    "import_openapi": "importers", "load_design": "core.loader", "load_design_text": "core.loader",
}
__all__ = sorted([*_PUBLIC, "check", "diff", "model_threats"])
__version__ = "0.1.0"


def check(design):
    """Run every rule on a design (a path or a loaded ``DesignDocument``); return the ``CheckResult``."""
    from .core.loader import DesignDocument, load_design
    from .rules import run_checks

    return run_checks(design if isinstance(design, DesignDocument) else load_design(design))


def model_threats(design):
    """The threat model of a design (a path or a loaded ``DesignDocument``): its data-flow diagram,
    STRIDE threats with stated and missing mitigations, and the ``threats:`` register applied."""
    from .core.loader import DesignDocument, load_design
    from .threats import build_threat_model

    document = design if isinstance(design, DesignDocument) else load_design(design)
    return build_threat_model(document.design)


def __getattr__(name: str):
    if name == "diff":       # the subpackage, callable as the function (see designkit.diff)
        return importlib.import_module(".diff", __name__)
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'designkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
