"""The design file's JSON Schema, generated from the model and shipped with the package."""

from __future__ import annotations

import json
from pathlib import Path

from .model import json_schema

SCHEMA_FILE = Path(__file__).resolve().parent / "design.schema.json"


def schema_text() -> str:
    """The JSON Schema as text, exactly as shipped in ``designkit/core/design.schema.json``."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # python -m designkit.core.schema regenerates the shipped file
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
