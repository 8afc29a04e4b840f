"""designkit: a Jupyter workbook for designing backend systems.

The public names are loaded on first use (PEP 562), so `designkit --help` does not pay for
building the pydantic model.
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "Design": "core.model", "DesignDocument": "core.loader", "DesignFileError": "core.errors",
    "DesignKitError": "core.errors", "Finding": "core.findings", "Problem": "core.errors", "STEPS": "core.steps",
    "StaleDesignError": "core.errors", "Step": "core.steps", "UsageError": "core.errors", "get_step": "core.steps",
    "load_design": "core.loader", "load_design_text": "core.loader",
}
__all__ = sorted(_PUBLIC)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'designkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
