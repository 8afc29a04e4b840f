"""Render the rule catalogue as Markdown (``docs/rules.md`` is this function's output)."""

from __future__ import annotations

from ..core.steps import STEPS


def render_rules_markdown() -> str:
    """The rule reference, grouped by design step, generated from the registry."""
    from . import registry

    out = [
        "# Design rules",
        "",
        "<!-- Generated from designkit.rules by `python -m designkit.rules --markdown -o docs/rules.md`;"
        " do not edit by hand (tests/test_rules.py fails when this file is stale). -->",
        "",
        f"{len(registry)} rules. Severity depends on the design's criticality tier (`scope.tier`:"
        " A business critical, B important (the default), C prototype). A finding can be waived in the"
        " design file (`waivers:` with rule, target key path, status, justification, owner, expiry).",
        "",
        "| code | name | step | A | B | C | title |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in registry:
        sev = [r.severity_for(t) for t in "ABC"]
        out.append(f"| [{r.code}](#{r.code.lower()}-{r.name.replace('.', '')}) | `{r.name}` | {r.step} | "
                   f"{' | '.join(sev)} | {r.title} |")
    for step in STEPS:
        rules = [r for r in registry if r.step == step.id]
        if not rules:
            continue
        out += ["", f"## Step: {step.title}", ""]
        for r in rules:
            out += [
                f"## {r.code} `{r.name}`", "",
                f"**{r.title}**", "",
                f"- Severity: A {r.severity_for('A')}, B {r.severity_for('B')}, C {r.severity_for('C')}; "
                f"risk {r.risk}",
                f"- Seed: {r.seed}",
                f"- Checklist item: {r.checklist}" + (f"; validates: {r.validates}" if r.validates else ""),
                "",
                f"**Why it matters.** {r.rationale}", "",
                f"**Fix.** {r.fix}", "",
                f"**Improvement plan.** {r.improvement_plan}", "",
            ]
            if r.bad:
                out += ["Bad:", "", "```yaml", r.bad, "```", ""]
            if r.good:
                out += ["Good:", "", "```yaml", r.good, "```", ""]
    return "\n".join(out).rstrip("\n") + "\n"
