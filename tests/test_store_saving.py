"""Saving never loses or misplaces what the user wrote (issue 11): concurrent saves, symlinks,
read-only files, aliases, mixed line ends, and files the editor cannot take are refused clearly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from designkit.core.errors import DesignFileError, DesignKitError
from designkit.core.loader import load_design
from designkit.core.store import Append, DesignEditor, Set, edit_design

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "webhook-ingestion" / "design.yaml"


APPENDER = """
import sys
from designkit.core.errors import StaleDesignError
from designkit.core.store import Append, DesignEditor
path, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(count):
    while True:                     # a stale refusal means: re-open and redo the edit
        try:
            DesignEditor.open(path).apply([Append(("scope", "use_cases"), f"{tag}-{i}")]).save()
            break
        except StaleDesignError:
            continue
    print(f"{tag}-{i}", flush=True)  # reported as saved
"""


def test_two_processes_saving_the_same_design_lose_no_save(design: Path):
    count = 40
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(design), tag, str(count)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    reported: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        reported += out.split()
    assert len(reported) == 2 * count
    saved = load_design(design).design.scope.use_cases
    missing = sorted(set(reported) - set(saved))
    assert not missing, f"{len(missing)} reported saves are not in the file: {missing[:10]}"


def test_saving_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path: Path):
    real = tmp_path / "repo" / "design.yaml"
    real.parent.mkdir()
    shutil.copyfile(EXAMPLE, real)
    link = tmp_path / "design.yaml"
    link.symlink_to(real)
    edit_design(link, [Set(("scope", "tier"), "C")])
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert load_design(real).design.scope.tier == "C"
    assert not list(tmp_path.glob(".design.yaml.*.tmp")) and not list(real.parent.glob(".*.tmp"))


def test_a_read_only_design_is_refused_and_not_overwritten(design: Path):
    design.chmod(0o444)
    before = design.read_bytes()
    editor = DesignEditor.open(design)
    editor.set(("scope", "tier"), "C")
    with pytest.raises(DesignFileError) as caught:
        editor.save()
    assert str(design) in str(caught.value) and "read-only" in str(caught.value)
    assert design.read_bytes() == before
    assert design.stat().st_mode & 0o777 == 0o444


def test_a_folder_that_cannot_be_written_is_a_clear_error(design: Path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tempfile.mkstemp", no_space)
    before = design.read_bytes()
    with pytest.raises(DesignFileError, match="No space left on device") as caught:
        edit_design(design, [Set(("scope", "tier"), "C")])
    assert str(design) in str(caught.value)
    assert design.read_bytes() == before


ALIASED = textwrap.dedent("""\
    name: aliases
    api:
      endpoints:
        - id: listThings
          method: GET
          path: /v1/things
          rate_limit: &shared {limit: 20/second, key: user}
        - id: getThing
          method: GET
          path: /v1/things/{id}
          rate_limit: *shared
        - id: deleteThing
          method: DELETE
          path: /v1/things/{id}
          rate_limit: *shared
    """)


@pytest.mark.parametrize("regions", [True, False])
def test_editing_an_alias_changes_only_that_place(tmp_path: Path, regions: bool):
    path = tmp_path / "design.yaml"
    path.write_text(ALIASED)
    editor = DesignEditor.open(path, regions=regions)
    editor.set(("api", "endpoints", 1, "rate_limit", "limit"), "5/second")
    limits = [e.get("rate_limit", {}).get("limit") for e in _endpoints(editor.render())]
    assert limits == ["20/second", "5/second", "20/second"]


def test_editing_the_anchored_original_still_changes_its_aliases(tmp_path: Path):
    path = tmp_path / "design.yaml"
    path.write_text(ALIASED)
    editor = DesignEditor.open(path)
    editor.set(("api", "endpoints", 0, "rate_limit", "limit"), "5/second")
    limits = [e["rate_limit"]["limit"] for e in _endpoints(editor.render())]
    assert limits == ["5/second"] * 3        # an alias means "the same as": that stays true


def _endpoints(text: str) -> list[dict]:
    import yaml
    return yaml.safe_load(text)["api"]["endpoints"]


def test_mixed_line_ends_are_kept_on_every_untouched_line(design: Path):
    lines = design.read_bytes().split(b"\n")
    # CRLF on every third line, LF elsewhere (as after a paste from another editor)
    mixed = b"\n".join(line + b"\r" if i % 3 == 0 and i < len(lines) - 1 else line
                       for i, line in enumerate(lines))
    design.write_bytes(mixed)
    edit_design(design, [Set(("scope", "tier"), "C")])
    after = design.read_bytes()
    before_lines, after_lines = mixed.split(b"\n"), after.split(b"\n")
    assert len(after_lines) == len(before_lines)
    changed = [(a, b) for a, b in zip(before_lines, after_lines, strict=True) if a != b]
    assert len(changed) == 1 and changed[0][0].rstrip(b"\r").endswith(b"tier: A")
    assert changed[0][1].rstrip(b"\r").endswith(b"tier: C")
    assert changed[0][0].endswith(b"\r") == changed[0][1].endswith(b"\r")


def test_a_new_line_in_a_mixed_file_takes_the_most_used_line_end(design: Path):
    text = design.read_bytes().replace(b"\n", b"\r\n", 3)       # mostly LF
    design.write_bytes(text)
    edit_design(design, [Append(("scope", "use_cases"), "An operator exports a day of events.")])
    after = design.read_bytes()
    assert after.count(b"\r\n") == 3
    assert b"An operator exports a day of events.\n" in after


def test_a_file_with_two_documents_is_refused_with_file_and_line(tmp_path: Path):
    path = tmp_path / "design.yaml"
    text = EXAMPLE.read_text()
    path.write_text(text + "---\nname: second\n")
    before = path.read_bytes()
    with pytest.raises(DesignKitError) as caught:          # never a raw ruamel error
        editor = DesignEditor.open(path)
        editor.set(("scope", "tier"), "C")
        editor.save()
    error = caught.value
    assert isinstance(error, DesignFileError)
    assert error.problems[0].file == str(path)
    assert error.problems[0].line == text.count("\n") + 1      # the second '---'
    assert path.read_bytes() == before


def test_a_lock_file_beside_the_design_is_the_only_thing_a_save_leaves(design: Path):
    before = set(os.listdir(design.parent))
    edit_design(design, [Set(("scope", "tier"), "C")])
    assert set(os.listdir(design.parent)) - before <= {".design.yaml.lock"}
