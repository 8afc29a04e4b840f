"""A diff as text (a terminal), JSON (scripts), SARIF 2.1.0 (code scanning) or Markdown (a pull-request comment)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..core.loader import parse_key_path
from .source import split_revision

if TYPE_CHECKING:
    from . import DiffResult
    from .base import Change

FORMATS = ("text", "json", "sarif", "markdown")
_SARIF_LEVEL = {"breaking": "error", "warning": "warning", "info": "note"}
_PLURAL = {"breaking": "breaking", "warning": "warnings", "info": "info"}


def summary(result: DiffResult) -> str:
    """``2 breaking, 1 warning, 0 info``."""
    counts = result.counts()
    return ", ".join(f"{n} {level if n == 1 else _PLURAL[level]}" for level, n in counts.items())


def format_text(result: DiffResult) -> str:
    """One line per change, most severe first, each with where it is and (above info) the fix."""
    out = [f"designkit diff {result.old_label} -> {result.new_label}: {summary(result)}"]
    for c in result.changes:
        where = c.where
        out.append(f"{where.format()}: {c.level} {c.code} {c.name}: {c.message}"
                   + (f" [{where.key_path}]" if where.key_path else ""))
        if c.level != "info":
            out.append(f"    fix: {c.fix}")
    if not result.changes:
        out.append("no changes the checks classify")
    return "\n".join(out) + "\n"


def format_json(result: DiffResult) -> str:
    return json.dumps(result.as_dict(), indent=2) + "\n"


def _uri(label: str) -> str:
    revision = split_revision(label)
    return revision[1] if revision else label


def _new_line(result: DiffResult, c: Change) -> int:
    """The line in the new design nearest to a change (a removal points at where the item was)."""
    if c.new is not None:
        return c.new.line or 1
    path = parse_key_path(c.old.key_path) if c.old and c.old.key_path else ()
    while path and isinstance(path[-1], int):
        path = path[:-1]
    return result.new.line_of(path) or 1


def format_sarif(result: DiffResult) -> str:
    """SARIF 2.1.0: one run, every check as a rule, one result per change, located in the new design."""
    from ..core import sarif
    from . import registry

    checks = list(registry)
    index = {c.code: i for i, c in enumerate(checks)}
    artifact = _uri(result.new_label)
    rules = [sarif.rule_descriptor(
        c.code, c.name, c.title, c.rationale, c.fix,
        level=_SARIF_LEVEL[result.overrides.get(c.code, c.level)],
        properties={"area": c.area, "level": c.level, "tags": [c.area, "design-diff"]}) for c in checks]
    results = [sarif.result_item(
        c.code, index[c.code], level=_SARIF_LEVEL[c.level], message=c.message, fix=c.fix, uri=artifact,
        line=_new_line(result, c), key_path=c.key_path,
        fingerprint=("designkit-diff/v1", f"{c.code}:{c.key_path}:{c.message}"),
        properties={"level": c.level, "area": c.area,
                    "old": c.old.__dict__ if c.old else None, "new": c.new.__dict__ if c.new else None})
        for c in result.changes]
    return sarif.sarif_log("designkit-diff", rules, artifact, results,
                           {"old": result.old_label, "new": result.new_label, "counts": result.counts()})


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def format_markdown(result: DiffResult) -> str:
    """A pull-request comment: the counts, a table of changes, and how to fix each kind."""
    from . import registry

    out = [f"### designkit diff: {summary(result)}", "",
           f"`{_cell(result.old_label)}` → `{_cell(result.new_label)}`", ""]
    if not result.changes:
        out.append("No changes the checks classify.")
        return "\n".join(out) + "\n"
    out += ["| level | check | change | where |", "|---|---|---|---|"]
    for c in result.changes:
        where = c.where
        at = f"`{_cell(where.key_path)}` " if where.key_path else ""
        out.append(f"| **{c.level}** | {c.code} `{c.name}` | {_cell(c.message)} | {at}({_cell(where.format())}) |")
    fixes = []
    for code in dict.fromkeys(c.code for c in result.changes if c.level != "info"):
        chk = registry.get(code)
        fixes.append(f"- **{code} `{chk.name}`**: {chk.fix}")
    if fixes:
        out += ["", "<details><summary>How to fix</summary>", "", *fixes, "", "</details>"]
    return "\n".join(out) + "\n"


RENDERERS = {"text": format_text, "json": format_json, "sarif": format_sarif, "markdown": format_markdown}
