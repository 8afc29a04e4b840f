"""The round-trip editor: comments kept, byte-identical when unchanged, stale and invalid refused,
and a save killed at any moment leaves a file that loads."""

from __future__ import annotations

import difflib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from designkit.core.errors import DesignFileError, DesignKitError, EditError, StaleDesignError
from designkit.core.files import atomic_write
from designkit.core.loader import load_design
from designkit.core.store import Append, DesignEditor, Remove, Set, edit_design

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "webhook-ingestion" / "design.yaml"


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line[:1] in "+-"]


def endpoint_index(path: Path, endpoint_id: str) -> int:
    endpoints = load_design(path).design.api.endpoints
    return next(i for i, e in enumerate(endpoints) if e.id == endpoint_id)


def test_unchanged_save_writes_nothing(design: Path):
    before = design.read_bytes()
    stamp = design.stat().st_mtime_ns
    editor = DesignEditor.open(design)
    editor.set(("scope", "tier"), "A")                           # same value as on disk
    editor.set(("api", "endpoints", 0, "method"), "POST")        # same value as on disk
    assert editor.save() is None
    assert design.read_bytes() == before
    assert design.stat().st_mtime_ns == stamp
    assert not list(design.parent.glob(".*.tmp"))


def test_edit_changes_only_the_edited_line_and_keeps_comments(design: Path):
    before = design.read_text()
    i = endpoint_index(design, "listEvents")
    editor = DesignEditor.open(design)
    editor.set(("api", "endpoints", i, "auth"), "public")
    document = editor.save()
    after = design.read_text()
    assert document is not None and document.design.api.endpoints[i].auth == "public"
    assert load_design(design).design.api.endpoints[i].auth == "public"
    assert changed_lines(before, after) == ["-       auth: operator-oidc", "+       auth: public"]
    assert after.startswith("# yaml-language-server: $schema=../../designkit/core/design.schema.json\n"
                            "# The seeds' example, done as a careful engineer would:\n")
    assert "- {name: provider, in: query, type: enum, enum: [stripe, adyen]}" in after  # flow kept
    assert document.digest == load_design(design).digest


def test_end_of_line_comment_on_the_edited_key_survives(design: Path):
    text = design.read_text().replace("  tier: A\n", "  tier: A   # agreed with the SRE lead\n")
    design.write_text(text)
    editor = DesignEditor.open(design)
    editor.set(("scope", "tier"), "B")
    editor.save()
    assert "  tier: B   # agreed with the SRE lead\n" in design.read_text()


def test_append_and_remove_keep_the_blank_line_before_the_next_section(design: Path):
    before = design.read_text()
    editor = DesignEditor.open(design)
    n = editor.append(("api", "endpoints"), {"method": "GET", "path": "/v1/ping", "auth": "public",
                                             "public_justification": "No data."})
    editor.append(("validation", "ci_hooks"), {"name": "lint", "when": "pull-request"})
    editor.remove(("decisions", 1))
    editor.save()
    after = design.read_text()
    assert load_design(design).design.api.endpoints[n].path == "/v1/ping"
    assert "      public_justification: No data.\n\nsecurity:\n" in after
    assert "    - {name: lint, when: pull-request}\n\ndecisions:\n" in after  # flow like its siblings
    assert "answers: [PER003, REL002]\n\nwaivers: []\n" in after
    assert "ADR-002" not in after
    removed = [x for x in changed_lines(before, after) if x.startswith("-")]
    assert all("ADR-002" in x or x.startswith("-     ") for x in removed)


def test_new_key_goes_where_the_model_lists_it(design: Path):
    i = endpoint_index(design, "listEvents")
    editor = DesignEditor.open(design)
    editor.set(("api", "endpoints", i, "public_justification"), "Read only.")
    editor.set(("api", "endpoints", i, "idempotency"), {"strategy": "idempotent-by-design"})
    editor.save()
    text = design.read_text()
    assert "      authorization: role:operator\n      public_justification: Read only.\n" in text
    assert "      rate_limit: {limit: 20/second, key: user}\n      idempotency:\n" in text


def test_none_removes_a_key_and_missing_parents_are_created(design: Path):
    i = endpoint_index(design, "health")
    editor = DesignEditor.open(design)
    editor.set(("api", "endpoints", i, "public_justification"), None)
    editor.set(("api", "endpoints", i, "auth"), "operator-oidc")
    editor.set(("performance", "capacity", "peak_rps"), 2000)
    editor.save()
    endpoint = load_design(design).design.api.endpoints[i]
    assert endpoint.public_justification is None and endpoint.auth == "operator-oidc"
    assert load_design(design).design.performance.capacity.peak_rps == 2000


def test_stale_write_is_refused_and_the_other_change_kept(design: Path):
    editor = DesignEditor.open(design)
    editor.set(("scope", "tier"), "C")
    someone_else = design.read_text().replace("title: Webhook ingestion", "title: Webhook intake")
    design.write_text(someone_else)
    with pytest.raises(StaleDesignError, match="changed on disk since it was loaded"):
        editor.save()
    assert design.read_text() == someone_else


def test_stale_against_an_earlier_load(design: Path):
    document = load_design(design)
    design.write_text(design.read_text().replace("tier: A", "tier: B"))
    editor = DesignEditor.for_document(document)          # opened now, based on the old load
    editor.set(("scope", "summary"), "New summary.")
    with pytest.raises(StaleDesignError):
        editor.save()
    assert "tier: B" in design.read_text()


def test_invalid_value_is_refused_with_the_loaders_message(design: Path):
    before = design.read_bytes()
    i = endpoint_index(design, "listEvents")
    editor = DesignEditor.open(design)
    editor.set(("api", "endpoints", i, "method"), "FETCH")
    with pytest.raises(DesignFileError) as caught:
        editor.preview()
    problem = caught.value.problems[0]
    assert problem.key_path == f"api.endpoints[{i}].method"
    assert problem.file == str(design)
    assert problem.line == load_design(design).line_of(("api", "endpoints", i, "method"))
    assert "did you mean 'PATCH'" in problem.fix
    with pytest.raises(DesignFileError):
        editor.save()
    assert design.read_bytes() == before


def test_unknown_key_is_refused(design: Path):
    editor = DesignEditor.open(design)
    editor.set(("api", "endpoints", 0, "authentication"), "public")
    with pytest.raises(DesignFileError, match="unknown key 'authentication'"):
        editor.save()


def test_edit_design_is_all_or_nothing(design: Path):
    before = design.read_bytes()
    with pytest.raises(DesignFileError):
        edit_design(design, [("set", ("scope", "tier"), "B"), ("set", ("scope", "tier"), "Z")])
    assert design.read_bytes() == before


def test_typed_edits_and_tuples_are_the_same_edit(design: Path, tmp_path: Path):
    other = tmp_path / "other.yaml"
    shutil.copyfile(design, other)
    typed = [Set(("scope", "tier"), "B"), Append(("scope", "use_cases"), "Replay a day of events."),
             Remove(("scope", "use_cases", 0))]
    tuples = [("set", ("scope", "tier"), "B"), ("append", ("scope", "use_cases"), "Replay a day of events."),
              ("remove", ("scope", "use_cases", 0), None)]
    edit_design(design, typed)
    edit_design(other, tuples)
    assert design.read_text() == other.read_text()
    assert load_design(design).design.scope.use_cases[-1] == "Replay a day of events."


@pytest.mark.parametrize("edits, message", [
    ([("rename", ("scope", "tier"), "B")], "unknown edit 'rename'"),
    ([Remove(("scope", "no_such_key"))], "scope.no_such_key: not in the design"),
    ([Set(("api", "endpoints", 999, "auth"), "public")], "no item 999"),
    ([Set(("scope", "tier", "x"), "B")], "scope.tier is not a mapping or a list"),
    ([Set(("scope", "tier"), object())], "cannot be written to a design file"),
    ([Append(("scope", "tier"), "B")], "scope.tier is not a list"),
])
def test_a_bad_edit_is_an_edit_error_and_nothing_is_written(design: Path, edits, message):
    before = design.read_bytes()
    with pytest.raises(EditError, match=message) as caught:
        edit_design(design, edits)
    assert isinstance(caught.value, DesignKitError) and isinstance(caught.value, KeyError)
    assert design.read_bytes() == before


def test_unusual_formatting_outside_the_edit_is_kept(tmp_path: Path):
    # 4-space mappings, a plain scalar folded over two lines, and odd spacing: ruamel would
    # rewrite these; the splice keeps them because the edit does not touch them.
    source = textwrap.dedent("""\
        # my design
        name: odd
        scope:
            summary: a summary written
                over two lines
            tier: A        # tier comment
            use_cases:
            -   first
            -   second
        api:
            endpoints:
            -   method: GET
                path: /a
                auth:   public
                public_justification: fine
        """)
    path = tmp_path / "design.yaml"
    path.write_text(source)
    editor = DesignEditor.open(path)
    editor.set(("scope", "tier"), "B")
    editor.save()
    after = path.read_text()
    assert changed_lines(source, after) == ["-     tier: A        # tier comment",
                                            "+     tier: B        # tier comment"]
    assert load_design(path).design.scope.summary == "a summary written over two lines"


def test_crlf_and_permissions_are_kept(design: Path):
    design.write_bytes(design.read_bytes().replace(b"\n", b"\r\n"))
    design.chmod(0o640)
    editor = DesignEditor.open(design)
    editor.set(("scope", "tier"), "B")
    editor.save()
    raw = design.read_bytes()
    assert b"tier: B\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    assert design.stat().st_mode & 0o777 == 0o640


def test_crash_between_write_and_rename_leaves_the_old_file(design: Path, monkeypatch):
    before = design.read_bytes()
    editor = DesignEditor.open(design)
    editor.set(("scope", "tier"), "B")

    def crash(src, dst):
        raise OSError("simulated crash")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(DesignFileError, match="simulated crash") as caught:   # named, not a traceback
        editor.save()
    assert str(design) in str(caught.value)
    assert design.read_bytes() == before
    assert not list(design.parent.glob(".*.tmp"))


SAVER = """
import sys
from designkit.core.store import DesignEditor
path = sys.argv[1]
i = 0
print("ready", flush=True)
while True:
    i += 1
    editor = DesignEditor.open(path)
    editor.set(("scope", "tier"), "B" if i % 2 else "A")
    editor.set(("scope", "summary"), "summary " * (1 + i % 50))
    editor.save()
"""


def test_kill_during_save_leaves_a_valid_file(design: Path):
    """SIGKILL a process that saves in a loop, many times: the file always loads."""
    kills = 0
    for delay in [0.05 * n for n in range(1, 13)]:
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(design)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            kills += proc.returncode == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        document = load_design(design)      # raises if the file is half-written
        assert document.design.scope.tier in ("A", "B")
    assert kills >= 10, "the saver should have been killed mid-loop"
    assert "Webhook ingestion" in design.read_text()


def test_atomic_write_replaces_whole_file(tmp_path: Path):
    target = tmp_path / "f.yaml"
    target.write_bytes(b"old")
    atomic_write(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert [p.name for p in tmp_path.iterdir()] == ["f.yaml"]


# --------------------------------------------------------------------------- large designs
# An edit round-trips only the list item (or top-level section) it is in; these check that the
# rest of the file stays byte for byte, that comments survive, and that the cases a region
# cannot take fall back to the whole file with the same result.

def _gen_design():
    spec = importlib.util.spec_from_file_location(
        "gen_design", Path(__file__).resolve().parents[1] / "bench" / "gen_design.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate_design


@pytest.fixture(scope="module")
def large_text() -> str:
    """A 300-endpoint generated design (PyYAML style: aliases between endpoints), with comments."""
    text = yaml.safe_dump(_gen_design()(300), sort_keys=False, width=120)
    text = text.replace("  - id: listItem7\n", "  # resource 7\n  - id: listItem7\n")
    text = text.replace("  - id: listItem30\n", "  - id: listItem30  # the middle of the list\n")
    text = text.replace("api:\n", "# the API, one item per endpoint\napi:\n")
    return "# a generated design\n" + text


@pytest.fixture
def large(tmp_path: Path, large_text: str) -> Path:
    target = tmp_path / "design.yaml"
    target.write_text(large_text)
    return target


def whole_file_result(path: Path, edits: list[tuple], tmp_path: Path) -> dict:
    """The design the whole-file round trip gives for ``edits`` (the editor before regions)."""
    copy = tmp_path / "whole.yaml"
    shutil.copyfile(path, copy)
    editor = DesignEditor.open(copy)
    assert editor.data is not None        # builds the whole tree: every edit goes through it
    apply(editor, edits)
    editor.save()
    return load_design(copy).design.model_dump()


def apply(editor: DesignEditor, edits: list[tuple]) -> None:
    for op, key_path, value in edits:
        getattr(editor, op)(key_path, *([] if op == "remove" else [value]))


def comment_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "#" in line]


@pytest.mark.parametrize("i", [150, 151, 299])   # holds anchors / holds aliases / the last one
def test_large_design_save_changes_only_the_edited_lines(large: Path, tmp_path: Path, i: int):
    before = large.read_text()
    edits = [("set", ("api", "endpoints", i, "auth"), "public"),
             ("set", ("api", "endpoints", i, "public_justification"), "Open data.")]
    editor = DesignEditor.open(large)
    apply(editor, edits)
    document = editor.save()
    after = large.read_text()
    assert editor.mode == "regions", "the edit should not need the whole file's round trip"
    assert changed_lines(before, after) == ["-     auth: user-oidc", "+     auth: public",
                                            "+     public_justification: Open data."]
    assert document.design.model_dump() == whole_file_result_from(before, edits, tmp_path)
    assert document.digest == load_design(large).digest


def whole_file_result_from(text: str, edits: list[tuple], tmp_path: Path) -> dict:
    source = tmp_path / "source.yaml"
    source.write_text(text)
    return whole_file_result(source, edits, tmp_path)


def test_large_design_append_and_remove_in_the_middle_keep_all_comments(large: Path, tmp_path: Path):
    before = large.read_text()
    i = endpoint_index(large, "listItem7")
    edits = [("remove", ("api", "endpoints", i - 1), None),          # deleteItem6, just above a comment
             ("append", ("validation", "ci_hooks"), {"name": "lint", "when": "pull-request"}),
             ("set", ("scope", "tier"), "A")]
    editor = DesignEditor.open(large)
    apply(editor, edits)
    editor.save()
    after = large.read_text()
    assert editor.mode == "regions"
    assert comment_lines(after) == comment_lines(before)
    assert "- id: deleteItem6" not in after
    assert "    - not_found\n    - validation_failed\n    idempotency:\n      strategy: transactional\n" \
           "    writes:\n    - Item6\n  # resource 7\n  - id: listItem7\n" in after      # updateItem6 above
    # byte for byte: the item's lines gone, one line changed, two added; nothing else moved
    cut = slice(before.index("  - id: deleteItem6\n"), before.index("  # resource 7\n"))
    expected = before[:cut.start] + before[cut.stop:]
    expected = expected.replace("\n  tier: B\n", "\n  tier: A\n", 1) + "  - name: lint\n    when: pull-request\n"
    assert after == expected
    assert load_design(large).design.model_dump() == whole_file_result_from(before, edits, tmp_path)


def test_remove_in_the_middle_of_a_long_list_keeps_the_comments_around_it(large: Path):
    before = large.read_text()
    i = endpoint_index(large, "listItem30")
    editor = DesignEditor.open(large)
    editor.remove(("api", "endpoints", i - 1))
    editor.save()
    after = large.read_text()
    assert comment_lines(after) == comment_lines(before)
    assert [e.id for e in load_design(large).design.api.endpoints[i - 2:i]] == ["updateItem29", "listItem30"]


def test_edit_inside_a_flow_style_item_keeps_its_line_style_and_comments(design: Path, tmp_path: Path):
    before = design.read_text()
    i = endpoint_index(design, "listEvents")
    j = next(n for n, p in enumerate(load_design(design).design.api.endpoints[i].parameters)
             if p.name == "provider")
    edits = [("set", ("api", "endpoints", i, "parameters", j, "enum"), ["stripe", "adyen", "paypal"])]
    editor = DesignEditor.open(design)
    apply(editor, edits)
    editor.save()
    after = design.read_text()
    assert editor.mode == "regions"
    assert changed_lines(before, after) == [
        "-         - {name: provider, in: query, type: enum, enum: [stripe, adyen]}",
        "+         - {name: provider, in: query, type: enum, enum: [stripe, adyen, paypal]}"]
    assert comment_lines(after) == comment_lines(before)
    assert load_design(design).design.model_dump() == whole_file_result_from(before, edits, tmp_path)


def test_a_flow_style_list_falls_back_to_its_section(tmp_path: Path):
    source = textwrap.dedent("""\
        name: flow   # a flow-style list: its items share a line
        scope:
          summary: s
          use_cases: [first, second]   # keep me
        """)
    path = tmp_path / "design.yaml"
    path.write_text(source)
    editor = DesignEditor.open(path)
    editor.set(("scope", "use_cases", 1), "third")
    assert [r.path for r in editor._regions.regions] == [("scope",)]
    editor.save()
    assert changed_lines(source, path.read_text()) == [
        "-   use_cases: [first, second]   # keep me", "+   use_cases: [first, third]    # keep me"]


def test_editing_an_aliased_value_falls_back_to_the_whole_file(large: Path, tmp_path: Path):
    # endpoint 150 holds the anchor of the rate limit endpoints 151..154 alias: the alias points
    # outside endpoint 151's region, so the whole file's round trip edits it, at 151 only
    before = large.read_text()
    edits = [("set", ("api", "endpoints", 151, "rate_limit", "limit"), "5/second")]
    editor = DesignEditor.open(large)
    apply(editor, edits)
    editor.save()
    assert editor.mode == "whole file"
    assert comment_lines(large.read_text()) == comment_lines(before)
    limits = [e.rate_limit.limit for e in load_design(large).design.api.endpoints[150:153]]
    assert limits == ["20/second", "5/second", "20/second"]
    assert load_design(large).design.model_dump() == whole_file_result_from(before, edits, tmp_path)


def test_removing_an_item_that_holds_anchors_falls_back_to_the_whole_file(large: Path, tmp_path: Path):
    before = large.read_text()
    edits = [("remove", ("api", "endpoints", endpoint_index(large, "listItem7")), None)]
    editor = DesignEditor.open(large)
    apply(editor, edits)
    editor.save()                         # its siblings alias its rate limit: ruamel moves the anchor
    assert editor.mode == "whole file"
    assert "  # resource 7\n" in large.read_text()
    assert load_design(large).design.model_dump() == whole_file_result_from(before, edits, tmp_path)


def test_a_new_section_and_edits_across_regions_fall_back_and_still_save(large: Path, tmp_path: Path):
    before = large.read_text()
    edits = [("set", ("api", "endpoints", 3, "auth"), "public"),
             ("set", ("api", "endpoints", 3, "public_justification"), "Open."),
             ("append", ("api", "endpoints"), {"id": "ping", "method": "GET", "path": "/v1/ping",
                                              "auth": "public", "public_justification": "No data."}),
             ("set", ("api", "endpoints", 300, "handler"), "ItemHandler"),    # the appended one
             ("set", ("decisions",), [{"id": "ADR-1", "title": "t", "status": "proposed"}])]
    editor = DesignEditor.open(large)
    apply(editor, edits)
    assert editor.mode == "whole file"       # index 300 is past the file's list, decisions is new
    editor.save()
    assert comment_lines(large.read_text()) == comment_lines(before)
    assert load_design(large).design.model_dump() == whole_file_result_from(before, edits, tmp_path)


def test_unchanged_region_edit_writes_nothing(large: Path):
    before = large.read_bytes()
    editor = DesignEditor.open(large)
    editor.set(("api", "endpoints", 151, "auth"), "user-oidc")       # same value as on disk
    editor.set(("scope", "tier"), "B")                               # same value as on disk
    assert editor.get(("api", "endpoints", 151, "rate_limit")) == {"limit": "20/second", "key": "user"}
    assert editor.save() is None
    assert large.read_bytes() == before


def test_invalid_value_in_a_region_is_refused_with_the_loaders_message(large: Path):
    before = large.read_bytes()
    editor = DesignEditor.open(large)
    editor.set(("api", "endpoints", 151, "method"), "FETCH")
    with pytest.raises(DesignFileError) as caught:
        editor.save()
    problem = caught.value.problems[0]
    assert problem.key_path == "api.endpoints[151].method"
    assert problem.line == load_design(large).line_of(("api", "endpoints", 151, "method"))
    assert large.read_bytes() == before


def test_a_second_save_with_the_same_editor(large: Path):
    editor = DesignEditor.open(large)
    editor.set(("api", "endpoints", 11, "auth"), "public")
    editor.set(("api", "endpoints", 11, "public_justification"), "Open.")
    editor.save()
    assert editor.append(("api", "endpoints", 11, "errors"), "validation_failed") == 1
    editor.save()
    endpoint = load_design(large).design.api.endpoints[11]
    assert endpoint.auth == "public" and endpoint.errors == ["not_found", "validation_failed"]
