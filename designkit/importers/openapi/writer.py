"""Writing the imported design: readable YAML in step order, each gap marked ``# GAP:``.

The YAML comes from the project's one writer (:func:`designkit.core.yamlout.dump_yaml`); this
module only places the comments between the sections and list items it dumps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...core.errors import DesignFileError, ImportSourceError, Problem, UsageError
from ...core.files import write_text_atomic
from ...core.loader import DesignDocument, gc_paused
from ...core.output_guard import OutputGuard
from ...core.problems import validate_data
from ...core.yamlout import dump_yaml
from .document import import_openapi_result
from .result import GAP_SECTIONS, ImportResult

_HEAD = ("designkit", "name", "title")
_LISTED = ("data_model", "api")      # sections whose lists carry a gap per item


def _dump(value: Any, indent: int = 0) -> str:
    text = dump_yaml(value, literal_blocks=True)
    if not indent:
        return text
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def _comment(lines: list[str], indent: int, label: str = "GAP") -> str:
    pad = " " * indent
    return "".join(f"{pad}# {label}: {' '.join(line.split())}\n" for line in lines)


def render_design_yaml(result: ImportResult, source: str = "") -> str:
    """A readable design file: sections in step order, each gap marked ``# GAP:`` where it is."""
    data, gaps = result.data, result.gaps
    out = [f"# Imported by designkit from {source or 'an OpenAPI description'}.\n",
           "# What OpenAPI states was carried over; what it cannot state is marked `# GAP:`.\n",
           "# Run `designkit check` on this file to see what to decide next.\n",
           _comment(gaps.get((), []), 0), _comment(result.notes, 0, "note"),
           _dump({k: data[k] for k in _HEAD if k in data})]
    for section, value in data.items():
        if section in _HEAD:
            continue
        out.append("\n")
        if section in GAP_SECTIONS:
            out.append(_comment([GAP_SECTIONS[section]], 0))
        out.append(_comment(gaps.get((section,), []), 0))
        if section in _LISTED and isinstance(value, dict) and value:
            out.append(f"{section}:\n")
            for key, items in value.items():
                out.append(_comment(gaps.get((section, key), []), 2))
                if isinstance(items, list) and any((section, key, i) in gaps
                                                   for i in range(len(items))):
                    out.append(f"  {key}:\n")
                    for i, item in enumerate(items):
                        out.append(_comment(gaps.get((section, key, i), []), 4))
                        out.append(_dump([item], 4))
                else:
                    out.append(_dump({key: items}, 2))
        else:
            out.append(_dump({section: value}))
    return "".join(out)


def write_design_from_openapi(source: str | Path, output: str | Path, *, name: str | None = None,
                              force: bool = False) -> tuple[Path, int]:
    """Import ``source`` and write the design file; return its path and the number of gaps."""
    out = Path(output)
    # --force replaces an earlier design, never the OpenAPI file being imported
    OutputGuard(out.parent, protect=[source], force=True,
                input_name="the OpenAPI file being imported").check(out)
    if out.exists() and not force:
        raise UsageError(f"{out} exists; nothing was written. Give another -o, or --force to "
                         "overwrite it")
    # Reading, mapping, writing and validating allocate a few hundred thousand objects and free
    # few: the garbage collector's passes over them found nothing (as in the loader).
    with gc_paused():
        result = import_openapi_result(source, name=name)
        text = render_design_yaml(result, Path(source).name)
        try:
            # The written file must validate; a failure here is a bug in the importer, said
            # plainly. The data is validated as dumped: the YAML writer's text reads back as
            # that data (the tests load every written file), so parsing it again here would
            # only double the cost.
            validate_data(result.data, DesignDocument(out, None, {}, "", text))  # type: ignore[arg-type]
        except DesignFileError as exc:
            raise ImportSourceError([Problem(str(source), None, p.key_path,
                                             "imported design does not validate: " + p.message,
                                             "report this as a designkit bug with the OpenAPI file")
                                     for p in exc.problems]) from None
    write_text_atomic(out, text)
    return out, result.gap_count
