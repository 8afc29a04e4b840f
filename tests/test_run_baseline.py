"""`designkit run --baseline OLD`: the report and changes.md say what changed since an earlier
design and what that breaks (the diff's checks), and a bad baseline stops the run before any
notebook starts."""

from __future__ import annotations

import re

from conftest import WEBHOOK, run_cli


def test_run_reports_the_changes_since_the_baseline(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text(WEBHOOK.read_text())
    new = tmp_path / "design.yaml"
    # the new version drops the operator's replay endpoint: a breaking change for its callers
    text = WEBHOOK.read_text()
    start = text.index("    - id: replayEvent")
    end = text.index("    - id: health")
    new.write_text(text[:start] + text[end:])
    out = tmp_path / "out"
    result = run_cli("run", new, "-o", out, "--steps", "scope", "--baseline", old, timeout=600)
    assert result.returncode in (0, 1), result.stderr
    changes = (out / "changes.md").read_text()
    assert "replayEvent" in changes and "breaking" in changes.lower()
    html = (out / "report.html").read_text()
    section = html[html.index('id="changes"'):html.index('id="capacity"')]
    assert "Changes since" in section and "replayEvent" in section
    assert re.search(r"[1-9]\d* breaking", section)


def test_a_bad_baseline_stops_the_run_before_any_notebook(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", WEBHOOK, "-o", out, "--baseline", tmp_path / "missing.yaml", timeout=120)
    assert result.returncode == 2
    assert "missing.yaml" in result.stderr and "Traceback" not in result.stderr
    assert not (out / "notebooks").exists() or not any((out / "notebooks").glob("*.ipynb"))
