"""Outputs never destroy what a person wrote: the design, a hand-written file, an edited output.

The one-command cases (export onto the design, an unusable output folder) are in the catalogue,
tests/test_bad_input.py; here are the manifest's and the run lock's promises.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest
from conftest import ROOT, WEBHOOK, run_cli

from designkit.core.loader import load_design
from designkit.core.output_guard import (
    MANIFEST,
    OutputGuard,
    OutputRefusedError,
    run_lock,
    run_outputs,
)
from designkit.outputs.assemble import write_outputs


def _write(design, out, artifacts=True):
    from designkit.rules import run_checks

    document = load_design(design)
    return write_outputs(document, out, result=run_checks(document), artifacts=artifacts)


@pytest.fixture
def design(tmp_path):
    path = tmp_path / "d.yaml"
    shutil.copy(WEBHOOK, path)
    return path


def test_schema_output_refuses_a_file_designkit_did_not_write(tmp_path):
    mine = tmp_path / "notes.json"
    mine.write_text("my notes\n")
    result = run_cli("schema", "-o", mine)
    assert result.returncode == 2 and "did not write it" in result.stderr and "--force" in result.stderr
    assert mine.read_text() == "my notes\n"
    assert run_cli("schema", "-o", mine, "--force").returncode == 0
    assert mine.read_text().startswith("{")


def test_adr_export_into_a_folder_keeps_a_hand_written_readme(design, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# my project\n")
    result = run_cli("export", "adr", design, "-o", tmp_path)
    assert result.returncode == 2, result.stderr
    assert "README.md" in result.stderr and "did not write it" in result.stderr
    assert readme.read_text() == "# my project\n"
    assert not list(tmp_path.glob("0001-*.md"))  # nothing half-written either


def test_designkit_may_rewrite_its_own_outputs_but_not_an_edited_one(design, tmp_path):
    out = tmp_path / "adr"
    assert run_cli("export", "adr", design, "-o", out).returncode == 0
    assert run_cli("export", "adr", design, "-o", out).returncode == 0  # its own files: fine
    assert (out / MANIFEST).exists()
    (out / "README.md").write_text("edited by hand\n")
    result = run_cli("export", "adr", design, "-o", out)
    assert result.returncode == 2 and "changed since designkit wrote it" in result.stderr
    assert (out / "README.md").read_text() == "edited by hand\n"
    assert run_cli("export", "adr", design, "-o", out, "--force").returncode == 0
    assert (out / "README.md").read_text() != "edited by hand\n"


def test_a_second_run_into_the_same_folder_is_refused(design, tmp_path):
    out = tmp_path / "out"
    with run_lock(out):  # as a first run holds it
        result = run_cli("run", design, "-o", out, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "another designkit run is writing into this folder" in result.stderr
    assert not (out / "notebooks").exists()


def test_the_folder_lock_is_released_when_the_process_dies(tmp_path):
    out = tmp_path / "out"
    code = ("import sys, time; from designkit.core.output_guard import run_lock\n"
            f"with run_lock({str(out)!r}):\n    print('held', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(Exception, match="another designkit run"):
            with run_lock(out):
                pass
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 10
    while True:
        try:
            with run_lock(out):
                break
        except Exception:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_a_run_clears_what_the_last_run_wrote_and_only_that(tmp_path):
    out = tmp_path / "out"
    first = tmp_path / "first.yaml"
    shutil.copy(WEBHOOK, first)
    with run_outputs(out, first):
        _write(first, out)
    stale = out / "artifacts" / "adr" / "0002-publish-through-a-transactional-outbox.md"
    assert stale.exists()
    edited = out / "checklist.md"
    edited.write_text("my own notes on the checklist\n")
    mine = out / "notes.txt"
    mine.write_text("mine\n")
    second = tmp_path / "second.yaml"
    text = first.read_text(encoding="utf-8")
    second.write_text(text[:text.index("\ndecisions:")] + "\n", encoding="utf-8")
    with pytest.raises(OutputRefusedError, match="changed since designkit wrote it"):
        with run_outputs(out, second):
            _write(second, out)
    assert edited.read_text() == "my own notes on the checklist\n"
    edited.unlink()
    with run_outputs(out, second):
        written = _write(second, out)
    assert not stale.exists()  # the first design's decision record is gone
    assert mine.read_text() == "mine\n"  # never designkit's: never touched
    manifest = json.loads((out / MANIFEST).read_text())["files"]
    assert "notes.txt" not in manifest
    assert all(p.exists() for p in written.values())


def test_force_takes_over_files_but_never_the_design(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "spec.yaml").write_text("someone's spec\n")
    design = out / "artifacts" / "openapi.yaml"
    design.parent.mkdir()
    shutil.copy(WEBHOOK, design)
    before = design.read_bytes()
    with pytest.raises(OutputRefusedError, match="design file itself"):
        with run_outputs(out, design, force=True):
            pass
    assert design.read_bytes() == before
    other = tmp_path / "d.yaml"
    shutil.copy(WEBHOOK, other)
    design.unlink()
    with run_outputs(out, other, force=True):
        _write(other, out)
    assert (out / "spec.yaml").read_text() != "someone's spec\n"


def test_guard_refuses_through_a_link_to_the_design(tmp_path):
    design = tmp_path / "d.yaml"
    shutil.copy(WEBHOOK, design)
    link = tmp_path / "out" / "openapi.yaml"
    link.parent.mkdir()
    link.symlink_to(design)
    with pytest.raises(OutputRefusedError, match="design file itself"):
        OutputGuard(link.parent, protect=[design], force=True).write_text(link, "x")
    assert design.read_bytes() == WEBHOOK.read_bytes()


def test_run_refuses_before_any_kernel_starts(tmp_path):
    """`run spec.yaml -o .` from the folder holding it: refused in well under a kernel's start."""
    design = tmp_path / "spec.yaml"
    shutil.copy(WEBHOOK, design)
    result = run_cli("run", "spec.yaml", "-o", ".", cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and "design file itself" in result.stderr
    assert not (tmp_path / "notebooks").exists() and design.read_bytes() == WEBHOOK.read_bytes()
    assert ROOT.exists()


def test_a_run_folder_from_before_manifests_is_taken_over(tmp_path):
    """out/ written by an earlier designkit (no manifest; its findings.json names the design):
    its run outputs are designkit's; a hand-written file beside them still is not touched."""
    out = tmp_path / "out"
    (out / "artifacts").mkdir(parents=True)
    (out / "findings.json").write_text(json.dumps({"design": "d.yaml", "findings": []}))
    (out / "spec.yaml").write_text("# Architecture spec: old\n")
    (out / "artifacts" / "openapi.yaml").write_text("openapi: 3.1.0\n")
    (out / "README.md").write_text("mine\n")
    design = tmp_path / "d.yaml"
    shutil.copy(WEBHOOK, design)
    _write(design, out)
    assert (out / "spec.yaml").read_text() != "# Architecture spec: old\n"
    assert (out / "README.md").read_text() == "mine\n"
    assert "spec.yaml" in json.loads((out / MANIFEST).read_text())["files"]


def test_a_run_killed_before_it_recorded_its_files_does_not_block_the_next(tmp_path):
    out = tmp_path / "out"
    design = tmp_path / "d.yaml"
    shutil.copy(WEBHOOK, design)
    with pytest.raises(KeyboardInterrupt):
        with run_outputs(out, design) as guard:
            (out / "notebooks").mkdir()
            (out / "notebooks" / "01_scope.ipynb").write_text("{}")
            guard.record = lambda paths: None  # as if killed (SIGKILL) before the run recorded
            guard.mark_run = lambda pending: None
            raise KeyboardInterrupt
    with run_outputs(out, design):  # the leftovers are the killed run's: taken over, cleared
        pass
    assert not (out / "notebooks" / "01_scope.ipynb").exists()
    (out / "notebooks" / "mine.ipynb").write_text("{}")  # after a clean end: a file of the user's
    with pytest.raises(OutputRefusedError, match="did not write it"):
        with run_outputs(out, design):
            pass


def test_a_run_goes_on_after_the_notebooks_wrote_into_its_folder(tmp_path, monkeypatch):
    """A step notebook opened by hand writes out/steps/NN.yaml through the guard, so a later
    `designkit run` into the same folder is not refused (it was, before the notebook recorded it)."""
    from designkit.jupyter.notebook import NOTEBOOK_OUTPUT_ENV, open_step

    monkeypatch.delenv(NOTEBOOK_OUTPUT_ENV, raising=False)
    out = tmp_path / "out"
    written = open_step("scope", WEBHOOK, out).write_result()
    assert written.parent == out / "steps"
    result = run_cli("run", WEBHOOK, "-o", out, "--steps", "scope", timeout=300)
    assert result.returncode in (0, 1), result.stderr
    assert (out / "spec.yaml").exists()
