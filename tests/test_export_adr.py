"""Decision records: one MADR file per decision, numbered, with status and rule codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from designkit.core.errors import UsageError
from designkit.core.loader import load_design, load_design_text
from designkit.outputs.exporters import export, exporters
from designkit.outputs.exporters.adr import adr_numbers

EXAMPLES = sorted(Path(__file__).resolve().parents[1].glob("examples/*/design.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_one_numbered_record_per_decision(path, tmp_path):
    document = load_design(path)
    written = export("adr", document, tmp_path / "adr")
    records = sorted(p for p in written if p.name != "README.md")
    decisions = document.design.decisions
    assert len(records) == len(decisions)
    for record, decision in zip(records, decisions, strict=True):
        assert re.fullmatch(r"\d{4}-[a-z0-9-]+\.md", record.name)
        text = record.read_text()
        assert text.startswith("---\n")
        assert f"status: {decision.status}" in text
        assert f"# {record.name[:4]}. {decision.title}" in text
        for heading in ("## Context and Problem Statement", "## Considered Options",
                        "## Decision Outcome", "### Consequences"):
            assert heading in text
        for code in decision.answers:
            assert f"`{code}`" in text
        for option in decision.options:
            assert f"* {option}" in text
    index = (tmp_path / "adr" / "README.md").read_text()
    for record in records:
        assert f"({record.name})" in index


def test_numbers_come_from_ids_only_when_distinct():
    design = load_design_text("""
name: x
decisions:
  - {id: ADR-007, title: A}
  - {id: ADR-003, title: B}
""").design
    assert adr_numbers(design.decisions) == [7, 3]
    design = load_design_text("""
name: x
decisions:
  - {id: ADR-1, title: A}
  - {id: ADR-1, title: B}
  - {title: C}
""").design
    assert adr_numbers(design.decisions) == [1, 2, 3]


def test_no_decisions_writes_an_index_that_says_so(tmp_path):
    written = export("adr", load_design_text("name: empty"), tmp_path / "adr")
    assert [p.name for p in written] == ["README.md"]
    assert "No decisions" in written[0].read_text()


def test_unknown_kind_is_a_usage_error_naming_it():
    with pytest.raises(UsageError, match="unknown export kind 'pdf'") as info:
        exporters.get("pdf")
    assert str(info.value).endswith(", ".join(exporters.kinds()))
