"""Artifacts a team builds from the next day: OpenAPI, SQL DDL, diagrams, decision records.

Every exporter has one shape (:class:`Exporter`): ``render(design, **options)`` returns the files
it makes as ``{relative name: text}``; the base class writes them. Exporters are held in one
:class:`ExporterRegistry`, filled at the bottom of this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...core.errors import UsageError
from ...core.files import write_text_atomic
from ...core.loader import DesignDocument
from ...core.model import Design


def design_of(document: DesignDocument | Design) -> Design:
    """The Design inside a loaded document (exporters accept either)."""
    return document.design if isinstance(document, DesignDocument) else document


class Exporter:
    """Base of every exporter: a subclass fills in ``render``; ``export`` writes its result.

    ``single_file`` exporters write one file at the output path; the others treat the output
    path as a folder and write each file they render inside it.
    """

    kind: str = ""
    description: str = ""
    single_file: bool = True

    def render(self, design: Design, **options: Any) -> dict[str, str]:
        """Render the artifact as ``{relative file name: text}``."""
        raise NotImplementedError

    def export(self, document: DesignDocument | Design, output_path: str | Path,
               **options: Any) -> list[Path]:
        files = self.render(design_of(document), **options)
        out = Path(output_path)
        if self.single_file:
            (text,) = files.values()
            return [write_text_atomic(out, text)]
        if out.exists() and not out.is_dir():
            raise UsageError(f"{out}: the {self.kind} export writes a folder, and this is a file; "
                             "give a folder path with -o")
        return [write_text_atomic(out / name, text) for name, text in files.items()]


class ExporterRegistry:
    """Exporters by kind: a dict, ``register`` (refusing duplicates) and a lookup."""

    def __init__(self) -> None:
        self._exporters: dict[str, Exporter] = {}

    def register(self, exporter: Exporter) -> Exporter:
        if exporter.kind in self._exporters:
            raise ValueError(f"exporter kind {exporter.kind!r} is registered twice")
        self._exporters[exporter.kind] = exporter
        return exporter

    def get(self, kind: str) -> Exporter:
        try:
            return self._exporters[kind]
        except KeyError:
            raise UsageError(f"unknown export kind {kind!r}; known kinds: "
                             + ", ".join(self.kinds())) from None

    def kinds(self) -> list[str]:
        return sorted(self._exporters)

    def __contains__(self, kind: object) -> bool:
        return kind in self._exporters


def export(kind: str, document: DesignDocument | Design, output_path: str | Path,
           **options: Any) -> list[Path]:
    """Export one kind of artifact to ``output_path`` and return the files written."""
    return exporters.get(kind).export(document, output_path, **options)


def write_artifacts(document: DesignDocument | Design, out_dir: str | Path) -> list[Path]:
    """Write every standard artifact into ``out_dir`` (the batch run calls this).

    ``openapi.yaml``, ``schema.sqlite.sql``, ``schema.postgresql.sql``, ``diagrams.md`` with one
    ``diagrams/NAME.mmd`` per diagram, and ``adr/NNNN-title.md`` per decision.
    """
    out = Path(out_dir)
    written: list[Path] = []
    written += export("openapi", document, out / "openapi.yaml")
    for dialect in ("sqlite", "postgresql"):
        written += export("sql", document, out / f"schema.{dialect}.sql", dialect=dialect)
    written += export("diagrams", document, out)
    written += export("adr", document, out / "adr")
    return written


exporters = ExporterRegistry()


def _register_builtin() -> None:
    from .adr import AdrExporter
    from .diagrams import DiagramsExporter
    from .openapi import OpenApiExporter
    from .sql import SqlExporter

    for cls in (OpenApiExporter, SqlExporter, DiagramsExporter, AdrExporter):
        exporters.register(cls())


_register_builtin()

__all__ = sorted(["Exporter", "ExporterRegistry", "design_of", "export", "exporters",
                  "write_artifacts"])
