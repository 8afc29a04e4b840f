"""The bad-input catalogue: each case ends in a clear message naming file and line, exit 2, no traceback."""

from __future__ import annotations

import pytest
from conftest import run_cli

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)) + "name: boom\n"

CASES = {
    # id: (file content (bytes or str) or None for no file, expected text in the message, line expected)
    "python-object-tag": ('name: x\ntitle: !!python/object/apply:os.system ["echo pwned"]\n', "tag", 2),
    "custom-tag": ("name: x\nscope: !include other.yaml\n", "tag", 2),
    "alias-bomb": (BOMB, "expands to more than", True),
    "deep-nesting": ("name: x\nscope: " + "[" * 5000 + "]" * 5000 + "\n", "nesting is deeper", 2),
    "binary-garbage": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary data", True),
    "not-utf8": (b"name: caf\xe9\n", "not UTF-8", 1),
    "empty": ("", "empty", 1),
    "top-level-list": ("- name: x\n", "not a mapping", 1),
    "syntax-error": ("name: x\nscope:\n  summary: a\n tier: A\n", "YAML syntax error", 4),
    "unclosed-quote": ('name: "x\n', "YAML syntax error", True),
    "duplicate-key": ("name: x\nscope: {}\nscope: {}\n", "duplicate key", 3),
    "undefined-alias": ("name: *nope\n", "alias", 1),
    "unknown-key": ("name: x\nscope:\n  teir: A\n", "unknown key 'teir'", 3),
    "wrong-type": ("name: x\nscope:\n  requirements: fast\n", "expected a list", 3),
    "bad-enum": ("name: x\nscope:\n  tier: Q\n", "not allowed", 3),
    "missing-name": ("title: no name\n", "required key 'name'", 1),
    "bad-merge": ("name: x\nscope: {<<: 3}\n", "merge key", 2),
    # issue 11: two documents are an error, not "the last one wins"
    "two-documents": ("name: x\n---\nname: y\n", "second YAML document", 2),
    "two-documents-explicit": ("---\nname: x\n...\n---\nname: y\n", "second YAML document", 4),
    # .nan/.inf never reach the SQL exporter
    "nan-bound": ("name: x\ndata_model:\n  entities:\n    - name: A\n      fields:\n"
                  "        - {name: n, type: integer, minimum: .nan}\n", "finite number", 6),
    "inf-bound": ("name: x\ndata_model:\n  entities:\n    - name: A\n      fields:\n"
                  "        - {name: n, type: integer, maximum: -.Inf}\n", "finite number", 6),
    # YAML 1.2: a key `no:` is the text 'no' (YAML 1.1 read it as false)
    "yaml11-bool-key": ("name: x\nno: 1\n", "unknown key 'no'", 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_design_file(case, tmp_path):
    content, expected, line = CASES[case]
    path = tmp_path / "design.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    before = path.read_bytes()
    result = run_cli("check", path, timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert expected in result.stderr
    assert str(path) in result.stderr
    if line is True:
        assert f"{path}:" in result.stderr  # some line, whichever the parser reports
    else:
        assert f"{path}:{line}:" in result.stderr
    assert "fix:" in result.stderr or case in ("alias-bomb",)
    assert path.read_bytes() == before  # nothing the user wrote is touched


def test_missing_file(tmp_path):
    result = run_cli("check", tmp_path / "nope.yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no such file" in result.stderr and "designkit new" in result.stderr


def test_directory_points_at_the_design_inside(tmp_path):
    (tmp_path / "design.yaml").write_text("name: x\n")
    result = run_cli("check", tmp_path)
    assert result.returncode == 2 and "is a directory" in result.stderr
    assert str(tmp_path / "design.yaml") in result.stderr


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "design.yaml"
    with path.open("wb") as handle:  # sparse: no disk is used
        handle.truncate(65 * 2**20)
    result = run_cli("check", path)
    assert result.returncode == 2 and "at most 64 MiB" in result.stderr


def test_unknown_command_and_option_are_usage_errors():
    result = run_cli("frobnicate")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = run_cli("run", "--jobs", "zero", "x.yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "fifo"])
def test_devices_and_fifos_are_refused_at_once(tmp_path, special):
    import os

    if special == "fifo":
        special = tmp_path / "design.yaml"
        os.mkfifo(special)
    result = run_cli("check", special, timeout=30)  # before the fix: MemoryError, or a hang
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{special}: (top level): is a" in result.stderr and "not a regular file" in result.stderr
