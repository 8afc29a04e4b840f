"""designkit: a Jupyter workbook for designing backend systems.

The public names are loaded on first use (PEP 562), so `designkit --help` does not pay for
building the pydantic model.
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "Design": "model", "DesignDocument": "loader", "DesignFileError": "errors",
    "DesignKitError": "errors", "Finding": "findings", "Problem": "errors", "STEPS": "steps",
    "StaleDesignError": "errors", "Step": "steps", "UsageError": "errors", "get_step": "steps",
    "load_design": "loader", "load_design_text": "loader",
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
