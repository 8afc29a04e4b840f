"""What an import produces: the design data, and the gaps the written file marks ``# GAP:``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...core.loader import KeyPath

NAME_MAX = 200

# Sections OpenAPI cannot fill, each with what the engineer has to decide (written above it).
GAP_SECTIONS = {
    "services": "OpenAPI does not say how the service is built: add handlers, domain services, "
                "repositories/adapters and each dependency with its justification.",
    "persistence": "OpenAPI does not say where data lives: choose stores by access pattern, "
                   "tables with indexes, migrations and the idempotency model.",
    "reliability": "OpenAPI does not say what happens when things fail: add timeouts, retries, "
                   "fallbacks per dependency and the consistency model.",
    "performance": "OpenAPI does not say how much load to expect: add capacity, caching, "
                   "batching and scaling boundaries.",
    "observability": "OpenAPI does not cover observability: add structured logs, request ids, "
                     "metrics, traces, alerts and the audit trail.",
    "validation": "Add the tests per layer and per endpoint, and the CI hooks.",
    "decisions": "Record the decisions you make while filling the gaps.",
}


@dataclass
class ImportResult:
    """Design data from an OpenAPI file, and the gaps to mark in the written file."""

    data: dict[str, Any]
    gaps: dict[KeyPath, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)   # what could not be carried over

    def gap(self, where: KeyPath, text: str) -> None:
        """Mark ``text`` as a gap to write above ``where`` in the design file."""
        self.gaps.setdefault(where, []).append(text)

    @property
    def gap_count(self) -> int:
        return sum(len(v) for v in self.gaps.values()) + len(GAP_SECTIONS)


def clean_name(text: Any, fallback: str = "unnamed") -> str:
    """One line of text, at most NAME_MAX characters: a name the design accepts."""
    value = " ".join(str(text).split()) if text is not None else ""
    return (value or fallback)[:NAME_MAX]


def one_line(text: Any) -> str | None:
    """``text`` on one line, or None when it is not text or only blanks."""
    if not isinstance(text, str) or not text.strip():
        return None
    return " ".join(text.split())


def slug(text: str) -> str:
    """A design name from a title: lowercase words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:NAME_MAX] or "imported-api"
