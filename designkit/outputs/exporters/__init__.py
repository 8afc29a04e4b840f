"""Artifacts a team builds from the next day: OpenAPI, SQL DDL, diagrams, decision records, OTM.

Every exporter has one shape (:class:`Exporter`): ``render(design, **options)`` returns the files
it makes as ``{relative name: text}``; the base class writes them. Exporters are held in one
:class:`ExporterRegistry`, filled at the bottom of this module with the import path of each
built-in exporter, so the kinds are known (to the CLI, say) without importing any exporter.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...core.errors import RegistryError, UsageError
from ...core.output_guard import OutputGuard, output_error

if TYPE_CHECKING:
    from ...core.loader import DesignDocument
    from ...core.model import Design


def design_of(document: DesignDocument | Design) -> Design:
    """The Design inside a loaded document (exporters accept either)."""
    return getattr(document, "design", document)


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

    def export(self, document: DesignDocument | Design, output_path: str | Path, *,
               guard: OutputGuard | None = None, force: bool = False, **options: Any) -> list[Path]:
        """Write the rendered files; ``guard`` (or one made here) refuses to overwrite the design
        or a file designkit did not write there, unless ``force``."""
        out = Path(output_path)
        if not self.single_file and out.exists() and not out.is_dir():
            raise UsageError(f"{out}: the {self.kind} export writes a folder, and this is a file; "
                             "give a folder path with -o")
        folder = out.parent if self.single_file else out
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(folder, exc, what="create the output folder") from None
        if guard is None:
            source = getattr(document, "path", None)
            guard = OutputGuard(folder, protect=[source] if source else [], force=force)
        guard.check_all([out] if self.single_file else [])  # the design, before any rendering
        files = self.render(design_of(document), **options)
        if self.single_file:
            (text,) = files.values()
            return guard.write_many({out: text})
        return guard.write_many({out / name: text for name, text in files.items()})


class ExporterRegistry:
    """Exporters by kind: a dict of kind -> ``"module:Class"`` (imported on first lookup),
    ``register`` (refusing duplicates) and a lookup that names the known kinds."""

    def __init__(self) -> None:
        self._paths: dict[str, str] = {}
        self._loaded: dict[str, Exporter] = {}

    def register(self, kind: str, path: str) -> None:
        """Register the exporter class at ``path`` (``"package.module:Class"``) under ``kind``."""
        if kind in self._paths:
            raise RegistryError(f"exporter kind {kind!r} is registered twice")
        self._paths[kind] = path

    def get(self, kind: str) -> Exporter:
        if kind not in self._loaded:
            try:
                path = self._paths[kind]
            except KeyError:
                raise UsageError(f"unknown export kind {kind!r}; known kinds: "
                                 + ", ".join(self.kinds())) from None
            module, _, name = path.partition(":")
            exporter = getattr(importlib.import_module(module, __name__), name)()
            if exporter.kind != kind:
                raise RegistryError(f"{path} exports {exporter.kind!r}, registered as {kind!r}")
            self._loaded[kind] = exporter
        return self._loaded[kind]

    def kinds(self) -> list[str]:
        return sorted(self._paths)

    def __contains__(self, kind: object) -> bool:
        return kind in self._paths


def export(kind: str, document: DesignDocument | Design, output_path: str | Path,
           **options: Any) -> list[Path]:
    """Export one kind of artifact to ``output_path`` and return the files written
    (``guard=``/``force=`` as in :meth:`Exporter.export`)."""
    return exporters.get(kind).export(document, output_path, **options)


def write_artifacts(document: DesignDocument | Design, out_dir: str | Path, *,
                    guard: OutputGuard | None = None) -> list[Path]:
    """Write every standard artifact into ``out_dir`` (the batch run calls this).

    ``openapi.yaml``, ``schema.sqlite.sql``, ``schema.postgresql.sql``, ``diagrams.md`` with one
    ``diagrams/NAME.mmd`` per diagram, ``adr/NNNN-title.md`` per decision, and the threat model
    as ``threat-model.otm.json``.
    """
    out = Path(out_dir)
    written: list[Path] = []
    written += export("openapi", document, out / "openapi.yaml", guard=guard)
    for dialect in ("sqlite", "postgresql"):
        written += export("sql", document, out / f"schema.{dialect}.sql", dialect=dialect, guard=guard)
    written += export("diagrams", document, out, guard=guard)
    written += export("adr", document, out / "adr", guard=guard)
    written += export("otm", document, out / "threat-model.otm.json", guard=guard)
    return written


exporters = ExporterRegistry()


for _kind, _path in (("openapi", ".openapi:OpenApiExporter"), ("sql", ".sql:SqlExporter"),
                     ("diagrams", ".diagrams:DiagramsExporter"), ("adr", ".adr:AdrExporter"),
                     ("otm", ".otm:OtmExporter")):
    exporters.register(_kind, _path)


__all__ = sorted(["Exporter", "ExporterRegistry", "design_of", "export", "exporters",
                  "write_artifacts"])
