"""Render the diff check catalogue as Markdown (``docs/diff.md`` is this function's output)."""

from __future__ import annotations

from .base import AREAS


def render_diff_markdown() -> str:
    """The diff check reference, grouped by area, generated from the registry."""
    from . import registry

    counts = {level: sum(1 for c in registry if c.level == level) for level in ("breaking", "warning", "info")}
    out = [
        "# Design diff checks",
        "",
        "<!-- Generated from designkit.diff by `python -m designkit.diff --markdown -o docs/diff.md`"
        " (`make diff-doc`); do not edit by hand (tests/test_diff.py fails when this file is stale). -->",
        "",
        f"`designkit diff OLD NEW` classifies every change between two designs with one of these "
        f"{len(registry)} checks ({counts['breaking']} breaking, {counts['warning']} warning, "
        f"{counts['info']} info). OLD and NEW are design files or git revisions "
        "(`designkit diff HEAD~1:design.yaml design.yaml`); `--format text|json|sarif|markdown`; "
        "`--fail-on breaking|warning|never` (exit 1 when a change at that level or above is found, "
        "2 for bad input). A design overrides a check's level in its own file (the NEW side): "
        "`diff: {levels: {DIFF022: breaking, response-enum-value-added: info}}`.",
        "",
        "Endpoints match by method and path with path parameters normalised (`{id}` and "
        "`{order_id}` are the same); everything else matches by name. A field counts as sent by "
        "clients (request side) or received by them (response side) from where the design uses it.",
        "",
        "| code | name | level | area | title |",
        "|---|---|---|---|---|",
    ]
    for c in registry:
        out.append(f"| [{c.code}](#{c.code.lower()}-{c.name}) | `{c.name}` | {c.level} | {c.area} | {c.title} |")
    for area in AREAS:
        checks = [c for c in registry if c.area == area]
        if not checks:
            continue
        out += ["", f"## Area: {area}", ""]
        for c in checks:
            out += [f"### {c.code} `{c.name}`", "", f"**{c.title}**", "", f"- Level: {c.level}", "",
                    f"**Why it matters.** {c.rationale}", "", f"**Fix.** {c.fix}", ""]
    return "\n".join(out).rstrip("\n") + "\n"
