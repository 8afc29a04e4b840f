"""Import an OpenAPI 3.0 or 3.1 description (YAML or JSON) as a design file.

What OpenAPI says becomes design data: endpoints with parameters, bodies, responses and error
codes; the stored resources as entities and the request, response and error shapes as API
schemas; the error model; security schemes and per-operation security; the server URL;
webhooks and callbacks. What it cannot say (invariants, classification, failure modes,
idempotency, observability) is left empty and marked ``# GAP`` in the written file, so the
workbook's checks show the engineer what to decide next.

One module per concern, in the order an import runs:

- ``source``: read the file (size cap, safe YAML or JSON, version) with line numbers;
- ``refs``: check and follow local ``$ref``s with the ``referencing`` library, never fetching;
- ``roles``: tell stored resources (entities) from wire schemas;
- ``schemas``, ``errors``, ``operations``, ``security``, ``document``: map to the design;
- ``writer``: write the commented design YAML through the project's YAML writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .document import import_openapi_result
from .result import GAP_SECTIONS, ImportResult
from .source import IMPORT_MAX_BYTES
from .writer import render_design_yaml, write_design_from_openapi


def import_openapi(path: str | Path, *, name: str | None = None) -> dict[str, Any]:
    """Design data from an OpenAPI 3.0/3.1 file (see :func:`import_openapi_result` for gaps)."""
    return import_openapi_result(path, name=name).data


__all__ = ["GAP_SECTIONS", "IMPORT_MAX_BYTES", "ImportResult", "import_openapi",
           "import_openapi_result", "render_design_yaml", "write_design_from_openapi"]
